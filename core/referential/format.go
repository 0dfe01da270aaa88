package referential

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The data file is gzip-compressed UTF-8 text, one record a line, fields
// separated by tabs. It starts with header lines "# key: value" (unknown
// keys are ignored), then one line per EPCI and one line per commune:
//
//	E  SIREN  kind  name  population  member-count
//	C  INSEE  name  département  postal-codes  population  lat  lon  EPCI-SIREN
//
// Postal codes are separated by commas; lat and lon have at most five
// decimals and are both empty when the centre is unknown; the EPCI SIREN
// is empty when the commune belongs to none. EPCI lines are sorted by
// SIREN, commune lines by INSEE code. An EPCI's members are the communes
// that name it; its population and member count are checksums that Parse
// verifies. The same content always gives the same bytes.
const (
	formatName = "campagnon-referential/1"

	keyFormat        = "format"
	keyAttribution   = "attribution"
	keyCommunes      = "communes"
	keyEPCI          = "epci"
	keyWithoutCentre = "communes-without-centre"

	communeFields = 9
	epciFields    = 6

	// maxFileSize bounds the uncompressed size Parse accepts.
	maxFileSize = 64 << 20
	// maxRecords bounds the record counts a header may declare.
	maxRecords = 1 << 20
)

// header is what a data file declares about itself.
type header struct {
	format        string
	attribution   string
	communes      int
	epcis         int
	withoutCentre int
}

// file is the parsed content of a data file.
type file struct {
	header   header
	communes []Commune
	epcis    []EPCI
}

// Write writes communes and epcis to w in the format that Parse reads,
// gzip-compressed and byte-for-byte deterministic: records are sorted,
// postal codes are sorted, coordinates are rounded to five decimals and the
// gzip header carries no name and no time. Each EPCI's Members and
// Population must match the communes that name it. Write checks
// everything Parse checks and writes nothing when the input is invalid.
// It does not modify its arguments.
func Write(w io.Writer, communes []Commune, epcis []EPCI) error {
	cs := slices.Clone(communes)
	slices.SortFunc(cs, func(a, b Commune) int { return cmp.Compare(a.INSEE, b.INSEE) })
	es := slices.Clone(epcis)
	slices.SortFunc(es, func(a, b EPCI) int { return cmp.Compare(a.SIREN, b.SIREN) })
	if err := validate(cs, es); err != nil {
		return fmt.Errorf("referential: write: %w", err)
	}

	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("referential: write: %w", err)
	}
	bw := bufio.NewWriterSize(gz, 64<<10)
	withoutCentre := 0
	for i := range cs {
		if !cs[i].HasCentre {
			withoutCentre++
		}
	}
	fmt.Fprintf(bw, "# %s: %s\n", keyFormat, formatName)
	fmt.Fprintf(bw, "# %s: %s\n", keyAttribution, Attribution)
	fmt.Fprintf(bw, "# %s: %d\n", keyCommunes, len(cs))
	fmt.Fprintf(bw, "# %s: %d\n", keyEPCI, len(es))
	fmt.Fprintf(bw, "# %s: %d\n", keyWithoutCentre, withoutCentre)
	bw.WriteString("# columns E: SIREN, kind, name, population, member count\n")
	bw.WriteString("# columns C: INSEE, name, département, postal codes, population, lat, lon, EPCI SIREN\n")

	var line []byte
	for i := range es {
		e := &es[i]
		line = append(line[:0], "E\t"...)
		line = append(line, e.SIREN...)
		line = append(line, '\t')
		line = append(line, e.Kind...)
		line = append(line, '\t')
		line = append(line, e.Name...)
		line = append(line, '\t')
		line = strconv.AppendInt(line, int64(e.Population), 10)
		line = append(line, '\t')
		line = strconv.AppendInt(line, int64(len(e.Members)), 10)
		line = append(line, '\n')
		bw.Write(line)
	}
	for i := range cs {
		c := &cs[i]
		line = append(line[:0], "C\t"...)
		line = append(line, c.INSEE...)
		line = append(line, '\t')
		line = append(line, c.Name...)
		line = append(line, '\t')
		line = append(line, c.Departement...)
		line = append(line, '\t')
		cps := slices.Clone(c.PostalCodes)
		slices.Sort(cps)
		for j, cp := range cps {
			if j > 0 {
				line = append(line, ',')
			}
			line = append(line, cp...)
		}
		line = append(line, '\t')
		line = strconv.AppendInt(line, int64(c.Population), 10)
		line = append(line, '\t')
		if c.HasCentre {
			line = appendCoordinate(line, c.Lat)
			line = append(line, '\t')
			line = appendCoordinate(line, c.Lon)
		} else {
			line = append(line, '\t')
		}
		line = append(line, '\t')
		line = append(line, c.EPCI...)
		line = append(line, '\n')
		bw.Write(line)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("referential: write: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("referential: write: %w", err)
	}
	return nil
}

// appendCoordinate appends v rounded to five decimals, without trailing
// zeros.
func appendCoordinate(dst []byte, v float64) []byte {
	v = math.Round(v*1e5) / 1e5
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.AppendFloat(dst, v, 'f', -1, 64)
}

// validate checks communes and epcis, both sorted by code, for Write.
func validate(communes []Commune, epcis []EPCI) error {
	bySIREN := make(map[string]int, len(epcis))
	for i := range epcis {
		e := &epcis[i]
		if err := checkEPCI(e.SIREN, e.Kind, e.Name, e.Population); err != nil {
			return fmt.Errorf("EPCI %q: %w", e.SIREN, err)
		}
		if i > 0 && epcis[i-1].SIREN == e.SIREN {
			return fmt.Errorf("EPCI %q: duplicate SIREN", e.SIREN)
		}
		bySIREN[e.SIREN] = i
	}
	members := make([][]string, len(epcis))
	sums := make([]int, len(epcis))
	for i := range communes {
		c := &communes[i]
		if err := checkCommune(c); err != nil {
			return fmt.Errorf("commune %q: %w", c.INSEE, err)
		}
		if i > 0 && communes[i-1].INSEE == c.INSEE {
			return fmt.Errorf("commune %q: duplicate INSEE code", c.INSEE)
		}
		if c.EPCI == "" {
			continue
		}
		j, ok := bySIREN[c.EPCI]
		if !ok {
			return fmt.Errorf("commune %q: unknown EPCI %q", c.INSEE, c.EPCI)
		}
		members[j] = append(members[j], c.INSEE)
		sums[j] += c.Population
	}
	for i := range epcis {
		e := &epcis[i]
		got := slices.Sorted(slices.Values(e.Members))
		if !slices.Equal(got, members[i]) {
			return fmt.Errorf("EPCI %q: members %v differ from the communes that name it %v", e.SIREN, got, members[i])
		}
		if e.Population != sums[i] {
			return fmt.Errorf("EPCI %q: population %d differs from the sum of its members' populations %d", e.SIREN, e.Population, sums[i])
		}
	}
	return nil
}

// checkCommune checks the fields of one commune.
func checkCommune(c *Commune) error {
	if !validINSEE(c.INSEE) {
		return errors.New("INSEE code must be 5 characters: digits, or 2A/2B then digits")
	}
	if err := checkText(c.Name); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if !validDepartement(c.Departement) || !strings.HasPrefix(c.INSEE, c.Departement) {
		return fmt.Errorf("département %q is not a département code that starts the INSEE code", c.Departement)
	}
	for i, cp := range c.PostalCodes {
		if !validPostalCode(cp) {
			return fmt.Errorf("postal code %q is not 5 digits", cp)
		}
		if slices.Contains(c.PostalCodes[:i], cp) {
			return fmt.Errorf("duplicate postal code %q", cp)
		}
	}
	if c.Population < 0 || c.Population > maxPopulation {
		return fmt.Errorf("population %d out of range", c.Population)
	}
	if c.HasCentre && !validLatLon(c.Lat, c.Lon) {
		return fmt.Errorf("centre (%v, %v) out of range", c.Lat, c.Lon)
	}
	if c.EPCI != "" && !validSIREN(c.EPCI) {
		return fmt.Errorf("EPCI %q is not a SIREN code", c.EPCI)
	}
	return nil
}

// maxPopulation bounds a population figure; France has about 68 million
// inhabitants.
const maxPopulation = 100_000_000

// checkEPCI checks the scalar fields of one EPCI.
func checkEPCI(siren, kind, name string, population int) error {
	if !validSIREN(siren) {
		return errors.New("SIREN code must be 9 digits")
	}
	if !validKind(kind) {
		return fmt.Errorf("kind %q must be uppercase letters and digits", kind)
	}
	if err := checkText(name); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if population < 0 || population > maxPopulation {
		return fmt.Errorf("population %d out of range", population)
	}
	return nil
}

// checkText checks a name: non-empty valid UTF-8 without control
// characters (hence without tabs or newlines) nor surrounding spaces.
func checkText(s string) error {
	switch {
	case s == "":
		return errors.New("empty")
	case !utf8.ValidString(s):
		return errors.New("not valid UTF-8")
	case strings.TrimSpace(s) != s:
		return errors.New("leading or trailing space")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errors.New("control character")
	}
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validINSEE(s string) bool {
	if len(s) != 5 {
		return false
	}
	if s[:2] == "2A" || s[:2] == "2B" {
		return isDigits(s[2:])
	}
	return isDigits(s)
}

func validDepartement(s string) bool {
	switch len(s) {
	case 2:
		return s == "2A" || s == "2B" || isDigits(s)
	case 3:
		return isDigits(s) && (s[:2] == "97" || s[:2] == "98") // DROM and overseas collectivities
	}
	return false
}

func validPostalCode(s string) bool { return len(s) == 5 && isDigits(s) }

func validSIREN(s string) bool { return len(s) == 9 && isDigits(s) }

func validKind(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func validLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 // false for NaN
}

// readFile decompresses and parses a data file; sizeHint is its expected
// decompressed size, or 0 when unknown.
func readFile(r io.Reader, sizeHint int) (*file, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a gzip stream: %w", err)
	}
	// Decompress straight into the string that the records will share.
	var sb strings.Builder
	sb.Grow(min(sizeHint, maxFileSize) + 1)
	n, err := io.Copy(&sb, io.LimitReader(gz, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	if n > maxFileSize {
		return nil, fmt.Errorf("larger than %d bytes once decompressed", maxFileSize)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	text := sb.String()
	if !utf8.ValidString(text) {
		return nil, errors.New("not valid UTF-8")
	}
	p := parser{text: text}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return &p.f, nil
}

// parser holds the state of readFile.
type parser struct {
	text    string
	line    int
	f       file
	postal  []string // backing array of all postal codes
	members []int    // member count declared by each EPCI line
	seen    map[string]bool
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s", p.line, fmt.Sprintf(format, args...))
}

func (p *parser) parse() error {
	rest := p.text
	if rest == "" {
		return errors.New("empty file")
	}
	if !strings.HasSuffix(rest, "\n") {
		return errors.New("truncated: the last line has no newline")
	}
	nLines := strings.Count(rest, "\n")
	inHeader := true
	p.seen = make(map[string]bool)
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		p.line++
		if strings.HasPrefix(line, "#") {
			if !inHeader {
				return p.errorf("header line after the records")
			}
			if err := p.headerLine(line); err != nil {
				return err
			}
			continue
		}
		if inHeader {
			inHeader = false
			if err := p.checkHeader(nLines); err != nil {
				return err
			}
		}
		kind, fields, _ := strings.Cut(line, "\t")
		var err error
		switch kind {
		case "C":
			err = p.communeLine(fields)
		case "E":
			err = p.epciLine(fields)
		default:
			err = p.errorf("unknown record type %q", kind)
		}
		if err != nil {
			return err
		}
	}
	if inHeader {
		if err := p.checkHeader(nLines); err != nil {
			return err
		}
	}
	return p.finish()
}

// headerLine reads one "# key: value" line.
func (p *parser) headerLine(line string) error {
	key, value, ok := strings.Cut(strings.TrimPrefix(line, "# "), ": ")
	if !ok {
		return nil // a comment
	}
	if p.seen[key] {
		return p.errorf("duplicate header %q", key)
	}
	p.seen[key] = true
	h := &p.f.header
	switch key {
	case keyFormat:
		if value != formatName {
			return p.errorf("unsupported format %q, want %q", value, formatName)
		}
		h.format = value
	case keyAttribution:
		h.attribution = value
	case keyCommunes, keyEPCI, keyWithoutCentre:
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > maxRecords {
			return p.errorf("header %q: count %q is not a number from 0 to %d", key, value, maxRecords)
		}
		switch key {
		case keyCommunes:
			h.communes = n
		case keyEPCI:
			h.epcis = n
		default:
			h.withoutCentre = n
		}
	}
	return nil
}

// checkHeader checks that the required headers were present and sizes the
// record slices.
func (p *parser) checkHeader(nLines int) error {
	h := &p.f.header
	for _, k := range []string{keyFormat, keyAttribution, keyCommunes, keyEPCI, keyWithoutCentre} {
		if !p.seen[k] {
			return p.errorf("missing header %q", k)
		}
	}
	if h.attribution == "" {
		return p.errorf("empty attribution")
	}
	if h.communes+h.epcis > nLines {
		return p.errorf("the header declares %d records but the file has %d lines", h.communes+h.epcis, nLines)
	}
	p.f.communes = make([]Commune, 0, h.communes)
	p.f.epcis = make([]EPCI, 0, h.epcis)
	p.members = make([]int, 0, h.epcis)
	p.postal = make([]string, 0, h.communes+strings.Count(p.text, ","))
	return nil
}

// splitFields cuts s at tabs into out, reporting whether there were
// exactly len(out) fields.
func splitFields(s string, out []string) bool {
	for i := range out {
		if i == len(out)-1 {
			out[i] = s
			return !strings.Contains(s, "\t")
		}
		var ok bool
		out[i], s, ok = strings.Cut(s, "\t")
		if !ok {
			return false
		}
	}
	return false
}

func (p *parser) communeLine(s string) error {
	var fs [communeFields - 1]string
	if !splitFields(s, fs[:]) {
		return p.errorf("commune record must have %d fields", communeFields)
	}
	c := Commune{INSEE: fs[0], Name: fs[1], Departement: fs[2], EPCI: fs[7]}
	if fs[3] != "" {
		start := len(p.postal)
		for cp := range strings.SplitSeq(fs[3], ",") {
			p.postal = append(p.postal, cp)
		}
		c.PostalCodes = p.postal[start:len(p.postal):len(p.postal)]
		if !slices.IsSorted(c.PostalCodes) {
			return p.errorf("commune %q: postal codes are not sorted", c.INSEE)
		}
	}
	var err error
	if c.Population, err = strconv.Atoi(fs[4]); err != nil {
		return p.errorf("commune %q: population %q is not a number", c.INSEE, fs[4])
	}
	switch {
	case fs[5] == "" && fs[6] == "":
	case fs[5] == "" || fs[6] == "":
		return p.errorf("commune %q: latitude and longitude must both be set or both be empty", c.INSEE)
	default:
		c.HasCentre = true
		if c.Lat, err = strconv.ParseFloat(fs[5], 64); err != nil {
			return p.errorf("commune %q: latitude %q is not a number", c.INSEE, fs[5])
		}
		if c.Lon, err = strconv.ParseFloat(fs[6], 64); err != nil {
			return p.errorf("commune %q: longitude %q is not a number", c.INSEE, fs[6])
		}
	}
	if err := checkCommune(&c); err != nil {
		return p.errorf("commune %q: %v", c.INSEE, err)
	}
	if n := len(p.f.communes); n > 0 && p.f.communes[n-1].INSEE >= c.INSEE {
		return p.errorf("commune %q: not after %q (records must be sorted by INSEE code, without duplicates)", c.INSEE, p.f.communes[n-1].INSEE)
	}
	if len(p.f.communes) == p.f.header.communes {
		return p.errorf("more commune records than the %d the header declares", p.f.header.communes)
	}
	p.f.communes = append(p.f.communes, c)
	return nil
}

func (p *parser) epciLine(s string) error {
	var fs [epciFields - 1]string
	if !splitFields(s, fs[:]) {
		return p.errorf("EPCI record must have %d fields", epciFields)
	}
	e := EPCI{SIREN: fs[0], Kind: fs[1], Name: fs[2]}
	var err error
	if e.Population, err = strconv.Atoi(fs[3]); err != nil {
		return p.errorf("EPCI %q: population %q is not a number", e.SIREN, fs[3])
	}
	n, err := strconv.Atoi(fs[4])
	if err != nil || n < 0 {
		return p.errorf("EPCI %q: member count %q is not a number", e.SIREN, fs[4])
	}
	if err := checkEPCI(e.SIREN, e.Kind, e.Name, e.Population); err != nil {
		return p.errorf("EPCI %q: %v", e.SIREN, err)
	}
	if k := len(p.f.epcis); k > 0 && p.f.epcis[k-1].SIREN >= e.SIREN {
		return p.errorf("EPCI %q: not after %q (records must be sorted by SIREN, without duplicates)", e.SIREN, p.f.epcis[k-1].SIREN)
	}
	if len(p.f.epcis) == p.f.header.epcis {
		return p.errorf("more EPCI records than the %d the header declares", p.f.header.epcis)
	}
	p.f.epcis = append(p.f.epcis, e)
	p.members = append(p.members, n)
	return nil
}

// finish checks the counts and links the communes to their EPCI.
func (p *parser) finish() error {
	h := &p.f.header
	if len(p.f.communes) != h.communes {
		return fmt.Errorf("%d commune records, the header declares %d", len(p.f.communes), h.communes)
	}
	if len(p.f.epcis) != h.epcis {
		return fmt.Errorf("%d EPCI records, the header declares %d", len(p.f.epcis), h.epcis)
	}
	withoutCentre := 0
	for i := range p.f.communes {
		if !p.f.communes[i].HasCentre {
			withoutCentre++
		}
	}
	if withoutCentre != h.withoutCentre {
		return fmt.Errorf("%d communes without centre, the header declares %d", withoutCentre, h.withoutCentre)
	}

	epcis := p.f.epcis
	index := make(map[string]int, len(epcis))
	for i := range epcis {
		index[epcis[i].SIREN] = i
	}
	total := 0
	for _, n := range p.members {
		total += n
	}
	backing := make([]string, total)
	sums := make([]int, len(epcis))
	off := 0
	for i, n := range p.members {
		epcis[i].Members = backing[off : off : off+n]
		off += n
	}
	for i := range p.f.communes {
		c := &p.f.communes[i]
		if c.EPCI == "" {
			continue
		}
		j, ok := index[c.EPCI]
		if !ok {
			return fmt.Errorf("commune %q: unknown EPCI %q", c.INSEE, c.EPCI)
		}
		if len(epcis[j].Members) == p.members[j] {
			return fmt.Errorf("EPCI %q: more than the %d members it declares", epcis[j].SIREN, p.members[j])
		}
		epcis[j].Members = append(epcis[j].Members, c.INSEE)
		sums[j] += c.Population
	}
	for i := range epcis {
		e := &epcis[i]
		if len(e.Members) != p.members[i] {
			return fmt.Errorf("EPCI %q: %d members, it declares %d", e.SIREN, len(e.Members), p.members[i])
		}
		if sums[i] != e.Population {
			return fmt.Errorf("EPCI %q: its members total %d inhabitants, it declares %d", e.SIREN, sums[i], e.Population)
		}
	}
	return nil
}

// gzipSize returns the decompressed size that the trailer of the gzip
// stream b records (modulo 2³²), or 0 when b is too short.
func gzipSize(b []byte) int {
	if len(b) < 18 {
		return 0
	}
	t := b[len(b)-4:]
	return int(uint32(t[0]) | uint32(t[1])<<8 | uint32(t[2])<<16 | uint32(t[3])<<24)
}
