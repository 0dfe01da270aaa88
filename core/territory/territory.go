// Package territory manages the tenants of Campagnon: a territory is one
// communauté de communes (an EPCI, keyed by its SIREN code) or any set of
// communes an operator defines. Each has its communes, its population, a URL
// slug and a status; a commune belongs to at most one territory.
package territory

import (
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/referential"
)

// Kinds of territory.
const (
	KindEPCI   = "epci"
	KindCustom = "custom"
)

// Statuses of a territory.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// Territory is one tenant of the platform.
type Territory struct {
	bun.BaseModel `bun:"table:territories"`

	// ID is an opaque, time-ordered identifier.
	ID string `bun:"id,pk" json:"-"`
	// Slug names the territory in URLs, such as "portes-de-sologne".
	Slug string `bun:"slug,notnull" json:"slug"`
	// Name is the territory's public name.
	Name string `bun:"name,notnull" json:"name"`
	// Kind is KindEPCI or KindCustom.
	Kind string `bun:"kind,notnull" json:"kind"`
	// EPCISIREN is the EPCI's SIREN code for KindEPCI, nil otherwise.
	EPCISIREN *string `bun:"epci_siren" json:"epci_siren,omitempty"`
	// Status is StatusActive or StatusDisabled.
	Status string `bun:"status,notnull" json:"status"`
	// Population is the sum of its communes' populations.
	Population int `bun:"population,notnull" json:"population"`
	// CommuneCount is the number of its communes.
	CommuneCount int `bun:"commune_count,notnull" json:"commune_count"`
	// CreatedAt is when the territory was created.
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	// UpdatedAt is when the territory last changed.
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// Active reports whether the territory serves its residents.
func (t *Territory) Active() bool { return t.Status == StatusActive }

// Commune is one commune of a territory, with what the referential knows of it.
type Commune struct {
	// INSEE is the commune's official code.
	INSEE string `json:"insee"`
	// Name is the commune's name.
	Name string `json:"name"`
	// Departement is the département code.
	Departement string `json:"departement"`
	// PostalCodes are the commune's postal codes.
	PostalCodes []string `json:"postal_codes"`
	// Population is the commune's population.
	Population int `json:"population"`
	// Centre is the commune's centre, absent when unknown.
	Centre *Point `json:"centre,omitempty"`
}

// Point is a position in WGS 84 degrees.
type Point struct {
	// Lat is the latitude.
	Lat float64 `json:"lat"`
	// Lon is the longitude.
	Lon float64 `json:"lon"`
}

// Detail is a territory with its communes, sorted by name.
type Detail struct {
	Territory
	// Communes are the territory's communes.
	Communes []Commune `json:"communes"`
}

// communeRow links a territory to one of its communes.
type communeRow struct {
	bun.BaseModel `bun:"table:territory_communes"`

	TerritoryID string `bun:"territory_id,pk"`
	INSEE       string `bun:"insee,pk"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s can name a territory in a URL: 2 to 63 lowercase
// letters, digits and single hyphens.
func ValidSlug(s string) bool {
	return len(s) >= 2 && len(s) <= 63 && slugPattern.MatchString(s)
}

// epciPrefixes are the legal-form prefixes dropped from an EPCI's name to make its slug.
var epciPrefixes = []string{
	"communaute de communes ", "communaute d agglomeration ", "communaute urbaine ",
	"cc ", "ca ", "cu ", "metropole ", "eurometropole ",
}

// articles are the leading articles dropped after the prefix.
var articles = []string{"de la ", "de l ", "des ", "du ", "de ", "d "}

// SlugFromName derives a URL slug from a territory name: "CC des Portes de
// Sologne" gives "portes-de-sologne", "CC de la Picardie Verte" gives
// "picardie-verte".
func SlugFromName(name string) string {
	s := referential.Normalize(name)
	for _, p := range epciPrefixes {
		if strings.HasPrefix(s, p) {
			s = strings.TrimPrefix(s, p)
			break
		}
	}
	for _, a := range articles {
		if strings.HasPrefix(s, a) {
			s = strings.TrimPrefix(s, a)
			break
		}
	}
	var b strings.Builder
	dash := false
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	out := b.String()
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	return out
}
