// Command refgen derives the national referential that package
// core/referential embeds from the public source data, which exists only on
// development machines:
//
//	go run ./cmd/refgen -src ../shared/data -out core/referential/data/referential.tsv.gz
//
// The source directory holds communes.json and epci.json from the npm
// package @etalab/decoupage-administratif, communes-centres.csv (insee,
// lat, lon), README.md (which states the attribution) and
// decoupage-administratif.LICENSE. refgen keeps the current communes
// (type "commune-actuelle") and every EPCI, takes each commune's
// population from its EPCI's member list when it belongs to one (from
// communes.json otherwise), and writes the compact file with
// referential.Write, byte-for-byte identical from one run to the next.
// Beside it, it writes ATTRIBUTION.md and LICENSE-decoupage-administratif.
//
// It reports counts and the communes that lack a centre on standard error,
// and exits with status 1 without writing anything when an input is
// malformed or inconsistent.
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/campagnon/campagnon/core/referential"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "refgen: %v\n", err)
		os.Exit(1)
	}
}

// Source and output file names.
const (
	communesFile  = "communes.json"
	epciFile      = "epci.json"
	centresFile   = "communes-centres.csv"
	readmeFile    = "README.md"
	licenseFile   = "decoupage-administratif.LICENSE"
	attributionMD = "ATTRIBUTION.md"
	licenseOut    = "LICENSE-decoupage-administratif"
)

// run is the command, with its arguments and the writer for its report.
func run(args []string, stderr io.Writer) error {
	flags := flag.NewFlagSet("refgen", flag.ContinueOnError)
	flags.SetOutput(stderr)
	src := flags.String("src", "../shared/data", "`directory` of the source data")
	out := flags.String("out", "core/referential/data/referential.tsv.gz", "data `file` to write; ATTRIBUTION.md and "+licenseOut+" are written beside it")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}

	if err := checkAttribution(filepath.Join(*src, readmeFile)); err != nil {
		return err
	}
	license, err := os.ReadFile(filepath.Join(*src, licenseFile))
	if err != nil {
		return fmt.Errorf("read licence: %w", err)
	}
	if !bytes.Contains(license, []byte("MIT License")) {
		return fmt.Errorf("%s: not the MIT licence of @etalab/decoupage-administratif", licenseFile)
	}

	d, err := derive(*src, stderr)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := referential.Write(&buf, d.communes, d.epcis); err != nil {
		return err
	}
	// Read it back: what refgen writes, Load must accept.
	if _, err := referential.Parse(bytes.NewReader(buf.Bytes())); err != nil {
		return fmt.Errorf("the file written does not read back: %w", err)
	}

	dir := filepath.Dir(*out)
	if err := writeFile(*out, buf.Bytes()); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, attributionMD), []byte(attributionText)); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, licenseOut), license); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "refgen: wrote %s (%d bytes), %s and %s\n", *out, buf.Len(), attributionMD, licenseOut)
	return nil
}

// attributionText is the content of ATTRIBUTION.md.
var attributionText = `# Attribution

The file ` + "`referential.tsv.gz`" + ` is derived by ` + "`cmd/refgen`" + ` from public data.
Any copy or display of it must show this line:

> ` + referential.Attribution + `

Sources:

- INSEE, Code officiel géographique 2026 (communes, populations), and the EPCI
  with their members, as packaged in the npm package
  ` + "`@etalab/decoupage-administratif`" + ` 6.0.0 (files ` + "`data/communes.json`" + ` and
  ` + "`data/epci.json`" + `), MIT licence: see ` + "`" + licenseOut + "`" + `. The data
  itself is under the Licence Ouverte (Etalab).
- Centres of communes computed as area-weighted centroids of the IGN
  ADMIN EXPRESS-COG 2018 commune outlines (IGN GEOFLA 2016 for five communes
  restored since), re-attached to the 2026 COG, Licence Ouverte Etalab 2.0.
`

// checkAttribution checks that the README states referential.Attribution,
// so that the constant follows the sources.
func checkAttribution(path string) error {
	readme, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read attribution: %w", err)
	}
	if !bytes.Contains(readme, []byte(referential.Attribution)) {
		return fmt.Errorf("%s does not contain the attribution line of referential.Attribution; update the constant to the sources' attribution", path)
	}
	return nil
}

// writeFile replaces path with data atomically.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// derived is the referential derived from the sources.
type derived struct {
	communes []referential.Commune // sorted by INSEE
	epcis    []referential.EPCI
}

// derive reads and cross-checks the three data files.
func derive(src string, stderr io.Writer) (*derived, error) {
	communes, err := readCommunes(filepath.Join(src, communesFile), stderr)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(communes))
	for i := range communes {
		index[communes[i].INSEE] = i
	}
	epcis, err := readEPCI(filepath.Join(src, epciFile), communes, index, stderr)
	if err != nil {
		return nil, err
	}
	if err := readCentres(filepath.Join(src, centresFile), communes, index, stderr); err != nil {
		return nil, err
	}
	return &derived{communes: communes, epcis: epcis}, nil
}

var (
	inseePattern  = regexp.MustCompile(`^(?:[0-9]{2}|2A|2B)[0-9]{3}$`)
	depPattern    = regexp.MustCompile(`^(?:[0-9]{2}|2A|2B|9[78][0-9])$`)
	postalPattern = regexp.MustCompile(`^[0-9]{5}$`)
	sirenPattern  = regexp.MustCompile(`^[0-9]{9}$`)
	kindPattern   = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,15}$`)
)

// srcCommune is one entry of communes.json.
type srcCommune struct {
	Code         string   `json:"code"`
	Nom          string   `json:"nom"`
	Type         string   `json:"type"`
	Departement  string   `json:"departement"`
	CodesPostaux []string `json:"codesPostaux"`
	Population   *int     `json:"population"`
}

// readCommunes returns the current communes of communes.json, sorted by
// INSEE code, with the population it gives (zero when it gives none).
func readCommunes(path string, stderr io.Writer) ([]referential.Commune, error) {
	var src []srcCommune
	if err := readJSON(path, &src); err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	var out []referential.Commune
	seen := make(map[string]bool)
	var noPopulation []string
	for i, s := range src {
		if s.Type != "commune-actuelle" {
			if s.Type == "" {
				return nil, fmt.Errorf("%s: entry %d (%q): no type", name, i, s.Code)
			}
			continue
		}
		where := fmt.Sprintf("%s: commune %q", name, s.Code)
		switch {
		case !inseePattern.MatchString(s.Code):
			return nil, fmt.Errorf("%s: entry %d: code %q is not an INSEE code", name, i, s.Code)
		case seen[s.Code]:
			return nil, fmt.Errorf("%s: duplicate current commune", where)
		case strings.TrimSpace(s.Nom) == "" || strings.ContainsAny(s.Nom, "\t\r\n"):
			return nil, fmt.Errorf("%s: name %q is empty or has control characters", where, s.Nom)
		case !depPattern.MatchString(s.Departement) || !strings.HasPrefix(s.Code, s.Departement):
			return nil, fmt.Errorf("%s: département %q is not a département code that starts the INSEE code", where, s.Departement)
		case s.Population != nil && *s.Population < 0:
			return nil, fmt.Errorf("%s: negative population %d", where, *s.Population)
		}
		seen[s.Code] = true
		cps := slices.Clone(s.CodesPostaux)
		slices.Sort(cps)
		cps = slices.Compact(cps)
		for _, cp := range cps {
			if !postalPattern.MatchString(cp) {
				return nil, fmt.Errorf("%s: postal code %q is not 5 digits", where, cp)
			}
		}
		c := referential.Commune{INSEE: s.Code, Name: s.Nom, Departement: s.Departement, PostalCodes: cps}
		if s.Population != nil {
			c.Population = *s.Population
		} else {
			noPopulation = append(noPopulation, s.Code)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no current commune", name)
	}
	slices.SortFunc(out, func(a, b referential.Commune) int { return strings.Compare(a.INSEE, b.INSEE) })
	fmt.Fprintf(stderr, "refgen: %s: %d entries, %d current communes\n", name, len(src), len(out))
	if len(noPopulation) > 0 {
		fmt.Fprintf(stderr, "refgen: %s: %d current communes have no population (0 unless their EPCI gives one): %s\n",
			name, len(noPopulation), strings.Join(noPopulation, " "))
	}
	return out, nil
}

// srcEPCI is one entry of epci.json.
type srcEPCI struct {
	Code             string `json:"code"`
	Nom              string `json:"nom"`
	Type             string `json:"type"`
	PopulationTotale *int   `json:"populationTotale"`
	Membres          []struct {
		Code             string `json:"code"`
		PopulationTotale *int   `json:"populationTotale"`
	} `json:"membres"`
}

// readEPCI returns the EPCI of epci.json; it sets the EPCI and the
// population of their member communes.
func readEPCI(path string, communes []referential.Commune, index map[string]int, stderr io.Writer) ([]referential.EPCI, error) {
	var src []srcEPCI
	if err := readJSON(path, &src); err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	out := make([]referential.EPCI, 0, len(src))
	seen := make(map[string]bool)
	members := 0
	for i, s := range src {
		where := fmt.Sprintf("%s: EPCI %q", name, s.Code)
		switch {
		case !sirenPattern.MatchString(s.Code):
			return nil, fmt.Errorf("%s: entry %d: code %q is not a SIREN code", name, i, s.Code)
		case seen[s.Code]:
			return nil, fmt.Errorf("%s: duplicate EPCI", where)
		case strings.TrimSpace(s.Nom) == "" || strings.ContainsAny(s.Nom, "\t\r\n"):
			return nil, fmt.Errorf("%s: name %q is empty or has control characters", where, s.Nom)
		case !kindPattern.MatchString(s.Type):
			return nil, fmt.Errorf("%s: type %q is not a kind of EPCI such as CC or CA", where, s.Type)
		case s.PopulationTotale == nil:
			return nil, fmt.Errorf("%s: no populationTotale", where)
		case len(s.Membres) == 0:
			return nil, fmt.Errorf("%s: no members", where)
		}
		seen[s.Code] = true
		e := referential.EPCI{SIREN: s.Code, Name: s.Nom, Kind: s.Type}
		for _, m := range s.Membres {
			j, ok := index[m.Code]
			switch {
			case !ok:
				return nil, fmt.Errorf("%s: member %q is not a current commune of %s", where, m.Code, communesFile)
			case communes[j].EPCI != "":
				return nil, fmt.Errorf("%s: member %q already belongs to EPCI %q", where, m.Code, communes[j].EPCI)
			case m.PopulationTotale == nil || *m.PopulationTotale < 0:
				return nil, fmt.Errorf("%s: member %q has no valid populationTotale", where, m.Code)
			}
			communes[j].EPCI = s.Code
			communes[j].Population = *m.PopulationTotale
			e.Members = append(e.Members, m.Code)
			e.Population += *m.PopulationTotale
		}
		if e.Population != *s.PopulationTotale {
			return nil, fmt.Errorf("%s: populationTotale %d differs from the sum of its members' %d", where, *s.PopulationTotale, e.Population)
		}
		slices.Sort(e.Members)
		members += len(e.Members)
		out = append(out, e)
	}
	fmt.Fprintf(stderr, "refgen: %s: %d EPCI with %d member communes; %d current communes belong to none\n",
		name, len(out), members, len(communes)-members)
	return out, nil
}

// readJSON decodes the JSON file at path into v.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fmt.Errorf("%s: malformed JSON at byte %d: %w", filepath.Base(path), syn.Offset, err)
		case errors.As(err, &typ):
			return fmt.Errorf("%s: unexpected JSON at byte %d: %w", filepath.Base(path), typ.Offset, err)
		}
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// readCentres sets the centres of the communes from communes-centres.csv
// and reports the communes left without one.
func readCentres(path string, communes []referential.Commune, index map[string]int, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	defer f.Close()
	name := filepath.Base(path)
	r := csv.NewReader(f)
	r.FieldsPerRecord = 3
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", name, err)
	}
	if !slices.Equal(header, []string{"insee", "lat", "lon"}) {
		return fmt.Errorf("%s: header %q, want insee,lat,lon", name, header)
	}
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		where := fmt.Sprintf("%s: line %d", name, line)
		j, ok := index[rec[0]]
		if !ok {
			return fmt.Errorf("%s: %q is not a current commune of %s", where, rec[0], communesFile)
		}
		c := &communes[j]
		if c.HasCentre {
			return fmt.Errorf("%s: second centre for commune %q", where, rec[0])
		}
		lat, err1 := strconv.ParseFloat(rec[1], 64)
		lon, err2 := strconv.ParseFloat(rec[2], 64)
		if err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) || math.IsInf(lat, 0) {
			return fmt.Errorf("%s: commune %q: invalid coordinates %q, %q", where, rec[0], rec[1], rec[2])
		}
		c.Lat, c.Lon, c.HasCentre = lat, lon, true
		n++
	}
	fmt.Fprintf(stderr, "refgen: %s: %d centres\n", name, n)
	var missing []string
	for i := range communes {
		if c := &communes[i]; !c.HasCentre {
			missing = append(missing, c.INSEE+" "+c.Name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "refgen: %d communes lack a centre (kept, HasCentre=false):\n", len(missing))
		for line := range slices.Chunk(missing, 8) {
			fmt.Fprintf(stderr, "  %s\n", strings.Join(line, ", "))
		}
	}
	return nil
}
