package corpus

import (
	"math/rand/v2"
	"net/url"
	"strconv"

	"github.com/campagnon/campagnon/core/search"
)

// QueryMix returns n queries of what residents type on a phone: it is what residents type on a phone — missing accents, typos,
// several words — with the filters and radius of the search page: always
// a radius around a commune of the territory, often a kind, sometimes a
// category or a payment mode, every sort, facets half of the time. The same seed gives the same
// queries, so the in-process benchmark and the HTTP load test ask alike.
func QueryMix(places []Place, n int) []search.Query {
	rng := rand.New(rand.NewPCG(6, 2026))
	texts := []struct{ text, category string }{
		{"tonte pelouse", "petits-travaux"}, {"jardinnage", "petits-travaux"}, {"electricien", ""},
		{"aide aux devoirs", "enfance"}, {"menage repassage", ""}, {"covoiturage", "mobilite"},
		{"bricolage etageres", ""}, {"garde enfants apres l'ecole", "enfance"}, {"soutien scolaire maths", ""},
		{"plombié", ""}, {"taille haies", "petits-travaux"}, {"ordinateur", "aines"},
		{"transport hopital", ""}, {"courses personnes agees", "aines"}, {"debroussaillage", ""},
		{"quelqu'un pour tondre", ""}, {"peinture volets", ""}, {"declaration impots", "aines"},
		{"babysitting mercredi", ""}, {"surveillance maison vacances", ""},
	}
	modes := []string{"", "", "", "time_credits", "cesu_declaratif", "free"}
	sorts := []string{search.SortRelevance, search.SortRelevance, search.SortDistance, search.SortDistance, search.SortRecency}
	radii := []float64{5, 10, 10, 20}
	qs := make([]search.Query, n)
	for i := range qs {
		p := places[rng.IntN(len(places))]
		t := texts[rng.IntN(len(texts))]
		q := search.Query{
			Territory: p.Territory, Text: t.text,
			Near: &search.Point{Lat: p.Lat, Lng: p.Lng}, RadiusKm: radii[rng.IntN(len(radii))],
			Mode: modes[rng.IntN(len(modes))], Sort: sorts[rng.IntN(len(sorts))], Facets: rng.IntN(2) == 0,
		}
		if rng.IntN(3) > 0 {
			q.Kind = "offer"
		}
		if rng.IntN(3) == 0 {
			q.Category = t.category
		}
		qs[i] = q
	}
	return qs
}

// Values returns q as the query string of GET /api/v1/t/{territory}/search
// (the territory is in the path): the radius around q.Near as near=lat,lng.
func Values(q search.Query) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Text)
	set("kind", q.Kind)
	set("category", q.Category)
	set("modality", q.Modality)
	set("mode", q.Mode)
	set("commune", q.Commune)
	set("sort", q.Sort)
	if q.Near != nil {
		v.Set("near", strconv.FormatFloat(q.Near.Lat, 'f', 5, 64)+","+strconv.FormatFloat(q.Near.Lng, 'f', 5, 64))
	}
	if q.RadiusKm > 0 {
		v.Set("radius_km", strconv.FormatFloat(q.RadiusKm, 'f', -1, 64))
	}
	if q.Facets {
		v.Set("facets", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	return v
}
