// Package referential is the national referential of French communes and
// EPCI (établissements publics de coopération intercommunale), embedded in
// the binary: every current commune with its INSEE code, name, département,
// postal codes, population, centre and EPCI, and every EPCI with its kind,
// population and member communes.
//
// Load builds a Referential from the embedded data file; Parse reads one
// from any file in the same format, which Write produces. The Referential
// answers lookups by INSEE code, postal code and SIREN, prefix searches on
// names that ignore case, accents, hyphens, apostrophes and leading
// articles, and proximity queries around a commune or a point.
//
// The data file data/referential.tsv.gz is derived from public sources by
// cmd/refgen (see go generate). Anything that shows the data must also show
// Attribution.
package referential

//go:generate go run ../../cmd/refgen -src ../../../shared/data -out data/referential.tsv.gz

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Attribution is the source line that must be shown with the data.
const Attribution = "Centres de communes calculés à partir d'IGN – ADMIN EXPRESS COG 2018 et GEOFLA 2016 (Licence Ouverte Etalab), rattachement au COG INSEE 2026 via @etalab/decoupage-administratif 6.0.0 (MIT)"

//go:embed data/referential.tsv.gz
var embedded []byte

// ErrUnknownCommune is returned, wrapped, when an INSEE code names no
// current commune.
var ErrUnknownCommune = errors.New("unknown commune")

// ErrNoCentre is returned, wrapped, when a commune's centre is not known.
var ErrNoCentre = errors.New("commune centre unknown")

// ErrInvalidRadius is returned, wrapped, when a search radius is negative
// or not a number.
var ErrInvalidRadius = errors.New("invalid radius")

// Commune is one current commune (commune actuelle of the INSEE Code
// officiel géographique). The values returned by a Referential are shared:
// callers must not modify them.
type Commune struct {
	// INSEE is the commune's official code, such as "45146"; Corsican codes
	// start with "2A" or "2B".
	INSEE string
	// Name is the commune's official name, such as "La Ferté-Saint-Aubin".
	Name string
	// Departement is the code of the commune's département, such as "45",
	// "2A" or "974".
	Departement string
	// PostalCodes are the commune's postal codes, sorted; a few overseas
	// communes have none.
	PostalCodes []string
	// Population is the commune's total population (population totale).
	Population int
	// Lat is the latitude of the commune's centre in WGS 84 degrees, zero
	// when HasCentre is false.
	Lat float64
	// Lon is the longitude of the commune's centre in WGS 84 degrees, zero
	// when HasCentre is false.
	Lon float64
	// HasCentre reports whether Lat and Lon are known.
	HasCentre bool
	// EPCI is the SIREN code of the EPCI the commune belongs to, or "" when
	// it belongs to none.
	EPCI string
}

// EPCI is one établissement public de coopération intercommunale à
// fiscalité propre. The values returned by a Referential are shared:
// callers must not modify them.
type EPCI struct {
	// SIREN is the EPCI's nine-digit SIREN code, such as "200005932".
	SIREN string
	// Name is the EPCI's official name, such as "CC des Portes de Sologne".
	Name string
	// Kind is the EPCI's legal form: "CC" (communauté de communes), "CA"
	// (communauté d'agglomération), "CU" (communauté urbaine), "METRO"
	// (métropole) or "MET69" (Métropole de Lyon).
	Kind string
	// Population is the sum of its member communes' populations.
	Population int
	// Members are the INSEE codes of its member communes, sorted.
	Members []string
}

// Nearby is a commune found by a proximity query, with the great-circle
// distance from the query's centre to the commune's centre.
type Nearby struct {
	// Commune is the commune found; it is shared and must not be modified.
	Commune *Commune
	// DistanceKm is the distance in kilometres.
	DistanceKm float64
}

// Referential is the set of communes and EPCI with their indexes. It is
// immutable once built by Load or Parse and safe for concurrent use.
type Referential struct {
	communes    []Commune           // sorted by INSEE
	communePtrs []*Commune          // sorted by INSEE
	byINSEE     map[string]*Commune // INSEE code to commune
	byPostal    map[string][]*Commune
	epcis       []EPCI // sorted by SIREN
	epciPtrs    []*EPCI
	bySIREN     map[string]*EPCI
	names       nameIndex // commune names
	epciNames   nameIndex // EPCI names, at every word
	grid        grid      // communes with a centre, by cell
	header      header    // what the file's header declared
}

// Load builds the Referential from the data file embedded in the binary.
// Each call builds a new one, which takes tens of milliseconds: call it
// once and share the result.
func Load() (*Referential, error) {
	f, err := readFile(bytes.NewReader(embedded), gzipSize(embedded))
	if err != nil {
		return nil, fmt.Errorf("referential: load embedded data: %w", err)
	}
	return build(f), nil
}

// Commune returns the current commune with the INSEE code insee.
func (r *Referential) Commune(insee string) (*Commune, bool) {
	c, ok := r.byINSEE[insee]
	return c, ok
}

// ByPostalCode returns the communes served by the postal code cp, the most
// populated first, or nil when there are none. The slice is shared by all
// callers: it must be treated as read-only.
func (r *Referential) ByPostalCode(cp string) []*Commune {
	return r.byPostal[cp]
}

// EPCI returns the EPCI with the SIREN code siren.
func (r *Referential) EPCI(siren string) (*EPCI, bool) {
	e, ok := r.bySIREN[siren]
	return e, ok
}

// EPCIs returns every EPCI, sorted by SIREN code. The slice is the
// caller's; the EPCI it points to are shared and must not be modified.
func (r *Referential) EPCIs() []*EPCI {
	return slices.Clone(r.epciPtrs)
}

// Communes returns every current commune, sorted by INSEE code. The slice
// is the caller's; the communes it points to are shared and must not be
// modified.
func (r *Referential) Communes() []*Commune {
	return slices.Clone(r.communePtrs)
}

// Parse reads a Referential from r, a gzip-compressed file in the format
// that Write produces. It checks the whole file and returns an error
// naming the faulty line or record when anything is malformed or
// inconsistent.
func Parse(r io.Reader) (*Referential, error) {
	f, err := readFile(r, 0)
	if err != nil {
		return nil, fmt.Errorf("referential: parse: %w", err)
	}
	return build(f), nil
}

// build indexes the parsed file.
func build(f *file) *Referential {
	r := &Referential{
		communes: f.communes,
		epcis:    f.epcis,
		header:   f.header,
	}
	r.communePtrs = make([]*Commune, len(r.communes))
	r.byINSEE = make(map[string]*Commune, len(r.communes))
	nPostal := 0
	for i := range r.communes {
		c := &r.communes[i]
		r.communePtrs[i] = c
		r.byINSEE[c.INSEE] = c
		nPostal += len(c.PostalCodes)
	}
	r.epciPtrs = make([]*EPCI, len(r.epcis))
	r.bySIREN = make(map[string]*EPCI, len(r.epcis))
	for i := range r.epcis {
		e := &r.epcis[i]
		r.epciPtrs[i] = e
		r.bySIREN[e.SIREN] = e
	}
	r.byPostal = indexPostalCodes(r.communePtrs, nPostal)
	r.names = buildCommuneNames(r.communes)
	r.epciNames = buildEPCINames(r.epcis)
	r.grid = buildGrid(r.communes)
	return r
}

// indexPostalCodes maps each postal code to its communes, the most populated
// first, all lists sharing one backing array.
func indexPostalCodes(communes []*Commune, nPostal int) map[string][]*Commune {
	counts := make(map[string]int, nPostal/5)
	for _, c := range communes {
		for _, cp := range c.PostalCodes {
			counts[cp]++
		}
	}
	backing := make([]*Commune, 0, nPostal)
	m := make(map[string][]*Commune, len(counts))
	for _, c := range communes {
		for _, cp := range c.PostalCodes {
			list, ok := m[cp]
			if !ok {
				start := len(backing)
				backing = backing[:start+counts[cp]]
				list = backing[start:start:len(backing)]
			}
			m[cp] = append(list, c)
		}
	}
	for _, list := range m {
		slices.SortFunc(list, byPopulationThenINSEE)
	}
	return m
}

// byPopulationThenINSEE orders the most populated commune first, then by
// INSEE code.
func byPopulationThenINSEE(a, b *Commune) int {
	if a.Population != b.Population {
		if a.Population > b.Population {
			return -1
		}
		return 1
	}
	switch {
	case a.INSEE < b.INSEE:
		return -1
	case a.INSEE > b.INSEE:
		return 1
	}
	return 0
}
