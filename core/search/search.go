// Package search is the one search interface of Campagnon: listings as
// documents, queries with French text (accents, stemming, typos,
// synonyms), filters, radius, facets, sorts and highlighted snippets, and
// the Engine that answers them. Two engines implement it: the embedded
// one (core/search/bleve), the default, and Meilisearch (core/search/meili)
// for national scale; one conformance suite (core/search/searchtest) runs
// against both.
//
// The index is a projection of the database: core/listing writes an
// outbox row in the same transaction as every listing change, and the
// indexer (this package) applies them, at least once and idempotently.
package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/apperr"
)

// Document is one listing as the index holds it.
type Document struct {
	// ID is the listing's ID.
	ID string `json:"id"`
	// Territory is the territory's slug: every query is scoped to one.
	Territory string `json:"territory"`
	// Kind is "offer" or "need".
	Kind string `json:"kind"`
	// Category is the plugin's category ID.
	Category string `json:"category"`
	// Modality is "resident" or "professional".
	Modality string `json:"modality"`
	// Modes are the accepted payment modes.
	Modes []string `json:"modes"`
	// Commune is the INSEE code; CommuneName its name (searchable).
	Commune     string `json:"commune"`
	CommuneName string `json:"commune_name"`
	// Title and Description are the searchable text, in French.
	Title       string `json:"title"`
	Description string `json:"description"`
	// Lat and Lng are the commune's centre.
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
	// PublishedAt sorts by recency.
	PublishedAt time.Time `json:"published_at"`
	// Rating is the owner's average rating (0 when none), for sorting.
	Rating float64 `json:"rating"`
	// Version identifies the listing's state (its updated_at), so that a
	// check can tell a stale document from a current one.
	Version string `json:"version"`
}

// Sorts of a query.
const (
	SortRelevance = "relevance"
	SortDistance  = "distance"
	SortRecency   = "recency"
	SortRating    = "rating"
)

// Point is a place: latitude and longitude in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Query is a search in one territory.
type Query struct {
	// Territory is required: no query crosses territories.
	Territory string
	// Text is what the person typed; empty lists everything that matches
	// the filters.
	Text string
	// Filters; empty means any.
	Kind, Category, Modality, Mode, Commune string
	// Near and RadiusKm restrict to listings within RadiusKm of Near (a
	// commune's centre or a point); RadiusKm 0 means no radius.
	Near     *Point
	RadiusKm float64
	// Sort is one of the Sort constants; empty means relevance (recency
	// when Text is empty). SortDistance needs Near. Rating ties go by
	// recency; other ties keep an order of the engine's own, the same from
	// one page to the next while the index does not change.
	Sort string
	// Offset and Limit page the hits (Limit 1 to MaxLimit, 20 when 0).
	Offset, Limit int
	// Facets asks for the counts per category, commune and mode.
	Facets bool
}

// Bounds of a query. A query beyond them is refused (KindInvalid), never
// cut silently.
const (
	// MaxLimit bounds one page of hits; MaxOffset how deep paging goes.
	MaxLimit  = 100
	MaxOffset = 10_000
	// DefaultLimit is the page size when Limit is 0.
	DefaultLimit = 20
	// MaxTextRunes bounds what a person types.
	MaxTextRunes = 200
	// MaxRadiusKm bounds a radius: beyond, search the whole territory.
	MaxRadiusKm = 200
	// maxFilterLen bounds a filter value (codes and slugs are short).
	maxFilterLen = 100
)

// Normalize checks q against the bounds above and returns it with its
// defaults applied (Limit, Sort). Every engine calls it first, so that
// all engines accept and refuse the same queries with the same messages.
func (q Query) Normalize() (Query, error) {
	if q.Territory == "" {
		return q, invalid("search_territory_required",
			"La recherche doit porter sur un territoire.",
			"A search must be scoped to a territory.")
	}
	if !utf8.ValidString(q.Text) {
		return q, invalid("search_text_invalid",
			"Le texte recherché contient des caractères illisibles : retapez-le.",
			"The search text holds unreadable characters: type it again.")
	}
	if utf8.RuneCountInString(q.Text) > MaxTextRunes {
		return q, invalid("search_text_too_long",
			fmt.Sprintf("Le texte recherché est trop long (%d caractères au plus) : gardez les mots importants.", MaxTextRunes),
			fmt.Sprintf("The search text is too long (at most %d characters): keep the important words.", MaxTextRunes))
	}
	for _, f := range []string{q.Territory, q.Kind, q.Category, q.Modality, q.Mode, q.Commune} {
		if len(f) > maxFilterLen {
			return q, invalid("search_filter_invalid",
				"Un filtre de la recherche est trop long : choisissez une valeur proposée.",
				"A search filter is too long: choose one of the values offered.")
		}
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 0 || q.Limit > MaxLimit:
		return q, invalid("search_limit_invalid",
			fmt.Sprintf("Le nombre de résultats par page va de 1 à %d.", MaxLimit),
			fmt.Sprintf("The number of results per page is 1 to %d.", MaxLimit))
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		return q, invalid("search_offset_invalid",
			fmt.Sprintf("La recherche ne va pas au-delà du %de résultat : précisez-la plutôt.", MaxOffset),
			fmt.Sprintf("A search does not go beyond result %d: narrow it down instead.", MaxOffset))
	}
	if q.Near != nil && (!(q.Near.Lat >= -90 && q.Near.Lat <= 90) || !(q.Near.Lng >= -180 && q.Near.Lng <= 180)) {
		return q, invalid("search_near_invalid",
			"Le point de départ de la recherche n'est pas valide (latitude de -90 à 90, longitude de -180 à 180).",
			"The search's starting point is not valid (latitude -90 to 90, longitude -180 to 180).")
	}
	if math.IsNaN(q.RadiusKm) || q.RadiusKm < 0 || q.RadiusKm > MaxRadiusKm || (q.RadiusKm > 0 && q.Near == nil) {
		return q, invalid("search_radius_invalid",
			fmt.Sprintf("Le rayon se compte autour d'une commune ou d'un point, jusqu'à %d km.", MaxRadiusKm),
			fmt.Sprintf("The radius is counted around a commune or a point, up to %d km.", MaxRadiusKm))
	}
	switch q.Sort {
	case "":
		q.Sort = SortRelevance
		if q.Text == "" {
			q.Sort = SortRecency
		}
	case SortRelevance, SortRecency, SortRating:
	case SortDistance:
		if q.Near == nil {
			return q, invalid("search_sort_needs_near",
				"Pour trier par distance, choisissez une commune ou un point de départ.",
				"To sort by distance, choose a commune or a starting point.")
		}
	default:
		return q, invalid("search_sort_invalid",
			"Tri inconnu : pertinence, distance, date ou note.",
			"Unknown sort: relevance, distance, recency or rating.")
	}
	return q, nil
}

func invalid(code, fr, en string) error { return apperr.New(apperr.KindInvalid, code, fr, en) }

// Hit is one matching listing.
type Hit struct {
	ID string `json:"id"`
	// Score is the engine's relevance, comparable within one result only;
	// an engine may leave it 0 when the sort is not by relevance.
	Score float64 `json:"score"`
	// DistanceKm is the distance to Query.Near, when set.
	DistanceKm float64 `json:"distance_km,omitempty"`
	// Highlights, when the query has text, are the "title" and a snippet
	// of the "description" (about 240 bytes, "…" where cut) as HTML: the
	// matched words between <mark> and </mark>, everything else escaped,
	// so that they can be shown as they are.
	Highlights map[string]string `json:"highlights,omitempty"`
}

// Result is a page of hits and, when asked, the facet counts of every
// matching listing (not only the page).
type Result struct {
	Hits  []Hit `json:"hits"`
	Total int   `json:"total"`
	// Facets map each value to its count: by "category", "commune", "mode".
	Facets map[string]map[string]int `json:"facets,omitempty"`
}

// Engine answers queries over an index of Documents. Implementations are
// safe for concurrent use; Index and Delete are idempotent, and return
// only once the change is durable and searches see it (so that the
// indexer may then forget it). Search calls Query.Normalize first, and
// refuses what it refuses. core/search/searchtest is the behaviour every
// implementation must pass.
type Engine interface {
	// Index adds or replaces documents.
	Index(ctx context.Context, docs ...Document) error
	// Delete removes documents by ID; an absent ID is no error.
	Delete(ctx context.Context, ids ...string) error
	// Search answers a query.
	Search(ctx context.Context, q Query) (*Result, error)
	// Versions calls fn with every indexed document's ID and Version, in
	// no particular order, for the check that compares the index with the
	// database; it stops at fn's first error and returns it.
	Versions(ctx context.Context, fn func(id, version string) error) error
	// Close releases the engine.
	Close() error
}

// ErrUnavailable is wrapped by an engine that cannot be reached (a
// Meilisearch server down): the indexer retries later.
var ErrUnavailable = errors.New("search engine unavailable")

// Synonyms are the French words residents use for the same service; each
// group matches any of its members.
var Synonyms = [][]string{
	{"ménage", "entretien"},
	{"jardin", "jardinage"},
	{"covoiturage", "transport"},
	{"devoirs", "soutien scolaire"},
}
