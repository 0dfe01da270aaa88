package api

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/territory"
)

// searchHandler serves the search of a territory's listings.
type searchHandler struct {
	engine      search.Engine
	listings    *listing.Service
	territories *territory.Service
	ref         *referential.Referential
}

// searchHit is one hit as the API answers it: the listing as the database
// has it now, with the engine's score, distance and snippets.
type searchHit struct {
	Listing    *listing.View     `json:"listing"`
	Score      float64           `json:"score"`
	DistanceKm float64           `json:"distance_km,omitempty"`
	Highlights map[string]string `json:"highlights,omitempty"`
}

// searchAnswer is the answer of GET /t/{territory}/search.
type searchAnswer struct {
	Hits   []searchHit               `json:"hits"`
	Total  int                       `json:"total"`
	Facets map[string]map[string]int `json:"facets,omitempty"`
}

func badSearch(fr, en string) error { return apperr.New(apperr.KindInvalid, "search_invalid", fr, en) }

// query reads a search from the query string.
func (h searchHandler) query(c *fiber.Ctx, t *territory.Territory) (search.Query, error) {
	q := search.Query{Territory: t.Slug, Text: strings.TrimSpace(c.Query("q")), Kind: c.Query("kind"), Category: c.Query("category"),
		Modality: c.Query("modality"), Mode: c.Query("mode"), Commune: c.Query("commune"), Sort: c.Query("sort"), Facets: c.QueryBool("facets")}
	if utf8.RuneCountInString(q.Text) > search.MaxTextRunes || !utf8.ValidString(q.Text) {
		return q, badSearch("Recherche trop longue : 200 caractères au plus.", "Search too long: at most 200 characters.")
	}
	var err error
	if q.Limit, err = limitParam(c, 20, search.MaxLimit); err != nil {
		return q, err
	}
	if v := c.Query("offset"); v != "" {
		if q.Offset, err = strconv.Atoi(v); err != nil || q.Offset < 0 || q.Offset > search.MaxOffset {
			return q, badSearch("Le paramètre offset va de 0 à 10 000.", "The offset parameter is 0 to 10,000.")
		}
	}
	switch q.Sort {
	case "", search.SortRelevance, search.SortDistance, search.SortRecency, search.SortRating:
	default:
		return q, badSearch("Tri : relevance, distance, recency ou rating.", "Sort: relevance, distance, recency or rating.")
	}
	if near := c.Query("near"); near != "" {
		p, err := h.point(near)
		if err != nil {
			return q, err
		}
		q.Near = p
	}
	if v := c.Query("radius_km"); v != "" {
		if q.RadiusKm, err = strconv.ParseFloat(v, 64); err != nil || q.RadiusKm <= 0 || q.RadiusKm > 200 {
			return q, badSearch("Le rayon (radius_km) va de 0 à 200 km.", "The radius (radius_km) is 0 to 200 km.")
		}
		if q.Near == nil {
			return q, badSearch("Un rayon demande un centre : near=code INSEE d'une commune, ou near=latitude,longitude.",
				"A radius needs a centre: near=a commune's INSEE code, or near=latitude,longitude.")
		}
	}
	if q.Sort == search.SortDistance && q.Near == nil {
		return q, badSearch("Le tri par distance demande un centre (near).", "Sorting by distance needs a centre (near).")
	}
	return q, nil
}

// point reads near: a commune's INSEE code (its centre) or "lat,lng".
func (h searchHandler) point(v string) (*search.Point, error) {
	if lat, lng, ok := strings.Cut(v, ","); ok {
		la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		lo, err2 := strconv.ParseFloat(strings.TrimSpace(lng), 64)
		if err1 != nil || err2 != nil || la < -90 || la > 90 || lo < -180 || lo > 180 {
			return nil, badSearch("Point illisible : near=latitude,longitude en degrés, par exemple 49.55,1.86.",
				"Unreadable point: near=latitude,longitude in degrees, such as 49.55,1.86.")
		}
		return &search.Point{Lat: la, Lng: lo}, nil
	}
	cm, ok := h.ref.Commune(v)
	if !ok || !cm.HasCentre {
		return nil, apperr.New(apperr.KindInvalid, "commune_unknown", "Commune inconnue (ou sans centre connu) : donnez son code INSEE, par exemple 60623.",
			"Unknown commune (or no known centre): give its INSEE code, such as 60623.")
	}
	return &search.Point{Lat: cm.Lat, Lng: cm.Lon}, nil
}

// search answers GET /t/{territory}/search: French text with accents,
// stemming, typos and synonyms, filters, radius, facets, sorts, pages.
func (h searchHandler) search(c *fiber.Ctx) error {
	t, err := h.territories.Lookup(c.UserContext(), c.Params("territory"), false)
	if err != nil {
		return err
	}
	q, err := h.query(c, t)
	if err != nil {
		return err
	}
	res, err := h.engine.Search(c.UserContext(), q)
	if err != nil {
		return apperr.Wrap(err, apperr.KindUnavailable, "search_unavailable",
			"La recherche ne répond pas pour l'instant : réessayez dans un moment.", "Search is not answering right now: try again in a moment.")
	}
	ids := make([]string, len(res.Hits))
	for i, hit := range res.Hits {
		ids[i] = hit.ID
	}
	views, err := h.listings.Views(c.UserContext(), t, ids)
	if err != nil {
		return err
	}
	out := searchAnswer{Hits: []searchHit{}, Total: res.Total, Facets: res.Facets}
	for _, hit := range res.Hits {
		// A hit the database no longer shows (the indexer has not caught
		// up yet) is left out.
		if v, ok := views[hit.ID]; ok {
			out.Hits = append(out.Hits, searchHit{Listing: v, Score: hit.Score, DistanceKm: hit.DistanceKm, Highlights: hit.Highlights})
		}
	}
	return c.JSON(out)
}
