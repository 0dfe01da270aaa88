// Package searchtest is the conformance suite of search.Engine: one set of
// behaviours — French text (accents, case, stemming, typos, synonyms),
// filters, territory isolation, radius, facets, sorts, pagination,
// highlights, bounds, idempotent writes and versions — that every engine
// must pass, so that the embedded engine and Meilisearch answer residents
// the same way.
//
// core/search/bleve runs it in `go test`. core/search/meili runs it only
// when CAMPAGNON_TEST_MEILI_URL points to a Meilisearch server (none can be
// installed on the development machines); without it, that test skips and
// says so.
//
// The package also generates realistic listings for benchmarks (Places,
// Generate).
package searchtest

import (
	"context"
	"fmt"
	"github.com/campagnon/campagnon/core/search/corpus"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/search"
)

// Run runs the suite. open must return a new, empty engine each time it is
// called (it registers the engine's cleanup on t). Index and Delete must
// return only once searches see the change.
func Run(t *testing.T, open func(t *testing.T) search.Engine) {
	docs, err := Fixture()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(docs)

	t.Run("search", func(t *testing.T) {
		e := open(t)
		mustIndex(t, e, docs...)
		for _, c := range f.cases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.run(t, e, f)
			})
		}
		t.Run("pagination", func(t *testing.T) {
			t.Parallel()
			f.pagination(t, e)
		})
		t.Run("canceled context", func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := e.Search(ctx, search.Query{Territory: PicardieVerte, Text: "jardin"}); err == nil {
				t.Error("a search with a canceled context succeeded; it must fail")
			}
		})
	})
	t.Run("index is idempotent", func(t *testing.T) {
		t.Parallel()
		idempotentIndex(t, open(t), docs)
	})
	t.Run("delete is idempotent", func(t *testing.T) {
		t.Parallel()
		idempotentDelete(t, open(t), docs)
	})
	t.Run("versions", func(t *testing.T) {
		t.Parallel()
		versions(t, open(t), docs)
	})
	t.Run("concurrent use", func(t *testing.T) {
		t.Parallel()
		hammer(t, open(t), docs)
	})
}

// fixture indexes the documents for the expectations.
type fixture struct {
	docs []search.Document
	byID map[string]search.Document
}

func newFixture(docs []search.Document) *fixture {
	f := &fixture{docs: docs, byID: map[string]search.Document{}}
	for _, d := range docs {
		f.byID[d.ID] = d
	}
	return f
}

// where returns the IDs of the documents that q's filters (not its text)
// select, in fixture order.
func (f *fixture) where(q search.Query) []string {
	var ids []string
	for _, d := range f.docs {
		if matchesFilters(d, q) {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

func matchesFilters(d search.Document, q search.Query) bool {
	ok := d.Territory == q.Territory &&
		(q.Kind == "" || d.Kind == q.Kind) &&
		(q.Category == "" || d.Category == q.Category) &&
		(q.Modality == "" || d.Modality == q.Modality) &&
		(q.Mode == "" || slices.Contains(d.Modes, q.Mode)) &&
		(q.Commune == "" || d.Commune == q.Commune)
	if ok && q.RadiusKm > 0 {
		ok = distanceKm(*q.Near, d) <= q.RadiusKm
	}
	return ok
}

// sorted returns ids ordered by less, ties by recency then ID.
func (f *fixture) sorted(ids []string, less func(a, b search.Document) int) []string {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(x, y string) int {
		a, b := f.byID[x], f.byID[y]
		if c := less(a, b); c != 0 {
			return c
		}
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	return out
}

func byNothing(a, b search.Document) int { return 0 }

// facets counts the documents of ids per category, commune and mode.
func (f *fixture) facets(ids []string) map[string]map[string]int {
	out := map[string]map[string]int{"category": {}, "commune": {}, "mode": {}}
	for _, id := range ids {
		d := f.byID[id]
		out["category"][d.Category]++
		out["commune"][d.Commune]++
		for _, m := range d.Modes {
			out["mode"][m]++
		}
	}
	return out
}

// searchCase is one query and what its result must be.
type searchCase struct {
	name string
	q    search.Query
	// want must be among the hits; not must not.
	want, not []string
	// first is the first hit.
	first string
	// exact is the whole list of hits, in order; set the whole list in any
	// order.
	exact, set []string
	// facets are the expected facet counts.
	facets map[string]map[string]int
	// errCode is the apperr code of the expected refusal.
	errCode string
	check   func(t *testing.T, r *search.Result)
}

func (c searchCase) run(t *testing.T, e search.Engine, f *fixture) {
	t.Helper()
	r, err := e.Search(context.Background(), c.q)
	if c.errCode != "" {
		ae := apperr.As(err)
		if err == nil || ae.Kind != apperr.KindInvalid || ae.Code != c.errCode {
			t.Fatalf("Search(%+v) = %v; want a refusal %s (KindInvalid)", c.q, err, c.errCode)
		}
		if ae.Message == "" || ae.MessageEN == "" {
			t.Errorf("refusal %s has no French or English message", c.errCode)
		}
		return
	}
	if err != nil {
		t.Fatalf("Search(%+v): %v", c.q, err)
	}
	f.clearOfBoundary(t, c.q)
	f.invariants(t, c.q, r)
	ids := hitIDs(r)
	for _, id := range c.want {
		if !slices.Contains(ids, id) {
			t.Errorf("hits %v lack %s", ids, id)
		}
	}
	for _, id := range c.not {
		if slices.Contains(ids, id) {
			t.Errorf("hits %v contain %s, which must not match", ids, id)
		}
	}
	if c.first != "" && (len(ids) == 0 || ids[0] != c.first) {
		t.Errorf("hits %v: want %s first", ids, c.first)
	}
	if c.exact != nil && !slices.Equal(ids, c.exact) {
		t.Errorf("hits\n  %v\nwant exactly, in this order,\n  %v", ids, c.exact)
	}
	if c.set != nil {
		got, want := slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(c.set))
		if !slices.Equal(got, want) {
			t.Errorf("hits %v, want exactly (any order) %v", got, want)
		}
		if r.Total != len(c.set) && c.q.Limit == 0 && len(c.set) <= search.DefaultLimit {
			t.Errorf("total %d, want %d", r.Total, len(c.set))
		}
	}
	if c.facets != nil {
		for name, want := range c.facets {
			if got := r.Facets[name]; !equalCounts(got, want) {
				t.Errorf("facet %s = %v, want %v", name, got, want)
			}
		}
	}
	if c.check != nil {
		c.check(t, r)
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if v != 0 && b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func hitIDs(r *search.Result) []string {
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return ids
}

// invariants hold for every result: only known listings of the query's
// territory that pass its filters and radius, once each, with their
// distance; a page no longer than asked; facets over all matches.
func (f *fixture) invariants(t *testing.T, q search.Query, r *search.Result) {
	t.Helper()
	limit := q.Limit
	if limit == 0 {
		limit = search.DefaultLimit
	}
	if len(r.Hits) > limit {
		t.Errorf("%d hits for a limit of %d", len(r.Hits), limit)
	}
	if len(r.Hits) > 0 && r.Total < q.Offset+len(r.Hits) {
		t.Errorf("total %d below offset %d + %d hits", r.Total, q.Offset, len(r.Hits))
	}
	seen := map[string]bool{}
	for _, h := range r.Hits {
		d, ok := f.byID[h.ID]
		switch {
		case !ok:
			t.Errorf("hit %s is no indexed listing", h.ID)
			continue
		case seen[h.ID]:
			t.Errorf("hit %s appears twice", h.ID)
		case d.Territory != q.Territory:
			t.Errorf("hit %s belongs to territory %s, not %s: territories must never mix", h.ID, d.Territory, q.Territory)
		case !matchesFilters(d, q):
			t.Errorf("hit %s fails the filters of %+v", h.ID, q)
		}
		seen[h.ID] = true
		if q.Near != nil {
			if want := distanceKm(*q.Near, d); math.Abs(h.DistanceKm-want) > 0.2 {
				t.Errorf("hit %s at %.2f km, want %.2f km", h.ID, h.DistanceKm, want)
			}
		}
	}
	if q.Facets {
		if sum(r.Facets["category"]) != r.Total || sum(r.Facets["commune"]) != r.Total {
			t.Errorf("facets %v do not count all %d matches", r.Facets, r.Total)
		}
	}
}

// clearOfBoundary fails when a listing of the fixture lies so close to a
// query's radius that engines computing distances slightly differently
// could disagree: the fixture, not the engine, must then change.
func (f *fixture) clearOfBoundary(t *testing.T, q search.Query) {
	t.Helper()
	if q.RadiusKm <= 0 {
		return
	}
	for _, d := range f.docs {
		if km := distanceKm(*q.Near, d); d.Territory == q.Territory && math.Abs(km-q.RadiusKm) < 0.3 {
			t.Errorf("fixture %s lies %.2f km away, too close to the %g km radius", d.ID, km, q.RadiusKm)
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// distanceKm is the great-circle distance from p to d's commune centre.
func distanceKm(p search.Point, d search.Document) float64 {
	const earthRadiusKm = 6371.0088
	rad := math.Pi / 180
	dLat, dLng := (d.Lat-p.Lat)*rad, (d.Lng-p.Lng)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(p.Lat*rad)*math.Cos(d.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

func (f *fixture) cases() []searchCase {
	pv := func(q search.Query) search.Query { q.Territory = PicardieVerte; return q }
	ps := func(q search.Query) search.Query { q.Territory = PortesDeSologne; return q }
	all := func(q search.Query) []string { return f.where(q) }
	recency := func(q search.Query) []string { return f.sorted(f.where(q), byNothing) }
	songeons, marcilly := centre(Songeons), centre(Marcilly)
	point := &search.Point{Lat: 49.60, Lng: 1.80} // in the fields between Songeons and Formerie

	cases := []searchCase{
		// Accents and case.
		{name: "accents: electricien finds électricien", q: pv(search.Query{Text: "electricien"}), want: []string{"pv-elec", "pv-lustre"}},
		{name: "case: ÉLECTRICIEN", q: pv(search.Query{Text: "ÉLECTRICIEN"}), want: []string{"pv-elec", "pv-lustre"}},
		{name: "accents: menage finds ménage", q: pv(search.Query{Text: "menage"}), want: []string{"pv-menage"}},
		{name: "accents in the query, none in the text", q: ps(search.Query{Text: "Électricité"}), want: []string{"ps-elec"}},
		{name: "commune names are searchable", q: pv(search.Query{Text: "tondre songeons"}), first: "pv-jardin"},

		// French stemming.
		{name: "stemming: bricoler finds bricolage", q: pv(search.Query{Text: "bricoler"}), want: []string{"pv-brico"}},
		{name: "stemming: jardiner finds jardinage", q: pv(search.Query{Text: "jardiner"}), want: []string{"pv-potager"}},
		{name: "stemming: plural and singular", q: pv(search.Query{Text: "haie"}), want: []string{"pv-jardin"}},
		{name: "elision: l'hôpital finds hôpital", q: pv(search.Query{Text: "l'hopital"}), want: []string{"pv-transport"}},

		// Typos.
		{name: "typo: plombié finds plombier", q: pv(search.Query{Text: "plombié"}), want: []string{"pv-plomb"}},
		{name: "typo: jardinnage finds jardinage", q: ps(search.Query{Text: "jardinnage"}), want: []string{"ps-jardinage", "ps-jardin-sennely"}},
		{name: "typo: plomvier finds plombier", q: pv(search.Query{Text: "plomvier"}), want: []string{"pv-plomb"}},
		{name: "typo: electritien finds électricien", q: pv(search.Query{Text: "electritien"}), want: []string{"pv-elec"}},
		{name: "typo: covoiturrage", q: pv(search.Query{Text: "covoiturrage"}), want: []string{"pv-covoit"}},
		{name: "no match at all", q: pv(search.Query{Text: "xylophone"}), exact: []string{}},
	}

	// Each synonym pair, both ways: the listing that only says the other
	// word is found.
	for _, s := range []struct{ a, b, onlyA, onlyB string }{
		{"ménage", "entretien", "pv-menage", "pv-entretien"},
		{"jardin", "jardinage", "pv-jardin", "pv-potager"},
		{"covoiturage", "transport", "pv-covoit", "pv-transport"},
		{"devoirs", "soutien scolaire", "pv-devoirs", "pv-soutien"},
	} {
		cases = append(cases,
			searchCase{name: "synonym: " + s.a + " finds " + s.b, q: pv(search.Query{Text: s.a}), want: []string{s.onlyA, s.onlyB}},
			searchCase{name: "synonym: " + s.b + " finds " + s.a, q: pv(search.Query{Text: s.b}), want: []string{s.onlyA, s.onlyB}},
		)
	}

	// Filters, without and with text.
	for _, q := range []search.Query{
		pv(search.Query{Kind: "need"}),
		pv(search.Query{Kind: "offer"}),
		pv(search.Query{Category: "enfance"}),
		pv(search.Query{Modality: "professional"}),
		pv(search.Query{Mode: "cesu_declaratif"}),
		pv(search.Query{Mode: "free"}),
		pv(search.Query{Commune: Songeons}),
		pv(search.Query{Kind: "offer", Category: "petits-travaux", Modality: "resident", Mode: "time_credits"}),
		ps(search.Query{Commune: Marcilly}),
		pv(search.Query{Category: "no-such-category"}),
		{Territory: "no-such-territory"},
		{Territory: OtherTerritory},
	} {
		cases = append(cases, searchCase{name: fmt.Sprintf("filter %s", describe(q)), q: q, set: all(q)})
	}
	cases = append(cases,
		searchCase{name: "filter with text: jardin offers of residents paid in time credits",
			q:   pv(search.Query{Text: "jardin", Kind: "offer", Modality: "resident", Mode: "time_credits"}),
			set: []string{"pv-jardin", "pv-potager"}},
		searchCase{name: "filter with text: électricien in Marseille-en-Beauvaisis",
			q:   pv(search.Query{Text: "électricien", Commune: Marseille}),
			set: []string{"pv-lustre"}},
		searchCase{name: "filter with text: needs only", q: pv(search.Query{Text: "transport", Kind: "need"}), set: []string{"pv-transport"}},
	)

	// Territory isolation: the other territory has the same listings at
	// the same places, and every result is checked (invariants) for it.
	cases = append(cases,
		searchCase{name: "territory: the same words elsewhere stay elsewhere", q: pv(search.Query{Text: "électricien retraite dépannages"}), first: "pv-elec", not: []string{"ot-elec"}},
		searchCase{name: "territory: the other one sees only its own", q: search.Query{Territory: OtherTerritory, Text: "électricien"}, set: []string{"ot-elec"}},
		searchCase{name: "territory: required", q: search.Query{Text: "jardin"}, errCode: "search_territory_required"},
	)

	// Radius around a commune centre and around a point.
	cases = append(cases,
		searchCase{name: "radius: 10 km around Songeons", q: pv(search.Query{Near: songeons, RadiusKm: 10}), set: all(pv(search.Query{Near: songeons, RadiusKm: 10}))},
		searchCase{name: "radius: 4 km around Songeons", q: pv(search.Query{Near: songeons, RadiusKm: 4}), set: all(pv(search.Query{Near: songeons, RadiusKm: 4}))},
		searchCase{name: "radius: 9 km around a point", q: pv(search.Query{Near: point, RadiusKm: 9}), set: all(pv(search.Query{Near: point, RadiusKm: 9}))},
		searchCase{name: "radius with text and filters", q: pv(search.Query{Text: "jardin", Near: songeons, RadiusKm: 5, Kind: "offer"}), set: []string{"pv-jardin"}},
		searchCase{name: "radius: a point with nothing around", q: pv(search.Query{Near: &search.Point{Lat: 43.3, Lng: 5.4}, RadiusKm: 50}), exact: []string{}},
		searchCase{
			// The "done when": a resident of Marcilly-en-Villette
			// typing "jardinnage" finds the gardening offers within 10 km,
			// nearest first, with facet counts.
			name:  "done when: jardinnage within 10 km of Marcilly-en-Villette, nearest first",
			q:     ps(search.Query{Text: "jardinnage", Kind: "offer", Near: marcilly, RadiusKm: 10, Sort: search.SortDistance, Facets: true}),
			exact: []string{"ps-jardinage", "ps-jardin-menestreau"},
			facets: map[string]map[string]int{
				"category": {"petits-travaux": 2},
				"commune":  {Marcilly: 1, Menestreau: 1},
				"mode":     {"time_credits": 1, "cesu_declaratif": 1, "free": 1},
			},
		},
	)

	// Facets over every match, not only the page.
	for _, q := range []search.Query{
		pv(search.Query{Facets: true}),
		pv(search.Query{Facets: true, Limit: 1}),
		pv(search.Query{Facets: true, Kind: "offer", Near: songeons, RadiusKm: 10}),
		ps(search.Query{Facets: true, Offset: 3, Limit: 2}),
	} {
		cases = append(cases, searchCase{name: "facets " + describe(q), q: q, facets: f.facets(all(q))})
	}
	cases = append(cases, searchCase{name: "facets with text", q: pv(search.Query{Text: "jardin", Facets: true, Limit: 1}),
		check: func(t *testing.T, r *search.Result) {
			if r.Total < 2 || r.Facets["category"]["petits-travaux"] != r.Total {
				t.Errorf("total %d, facets %v: want every match counted", r.Total, r.Facets)
			}
		}})

	// Sorts.
	cases = append(cases,
		searchCase{name: "sort: no text means recency", q: pv(search.Query{Limit: 100}), exact: recency(pv(search.Query{}))},
		searchCase{name: "sort: recency", q: pv(search.Query{Sort: search.SortRecency, Limit: 100}), exact: recency(pv(search.Query{}))},
		searchCase{name: "sort: recency with text", q: ps(search.Query{Text: "jardin", Sort: search.SortRecency}),
			exact: f.sorted([]string{"ps-jardinage", "ps-jardin-menestreau", "ps-paysagiste", "ps-jardin-sennely", "ps-jardin-besoin"}, byNothing)},
		searchCase{name: "sort: rating, ties by recency", q: pv(search.Query{Sort: search.SortRating, Limit: 100}),
			exact: f.sorted(all(pv(search.Query{})), func(a, b search.Document) int { return cmpFloat(b.Rating, a.Rating) })},
		searchCase{name: "sort: distance from Songeons", q: pv(search.Query{Sort: search.SortDistance, Near: songeons, Limit: 100}),
			check: nearestFirst(len(all(pv(search.Query{}))))},
		searchCase{name: "sort: distance from a point with text", q: ps(search.Query{Text: "jardin", Sort: search.SortDistance, Near: marcilly}),
			check: nearestFirst(5)},
		searchCase{name: "sort: relevance puts the title first", q: pv(search.Query{Text: "électricien"}), first: "pv-elec"},
		searchCase{name: "sort: relevance puts all words first", q: pv(search.Query{Text: "covoiturage Beauvais"}), first: "pv-covoit"},
	)

	// Highlights.
	cases = append(cases,
		searchCase{name: "highlight: accents kept, match marked", q: pv(search.Query{Text: "electricien"}),
			check: highlight("pv-elec", map[string][]string{
				"title":       {"<mark>Électricien</mark>"},
				"description": {"<mark>électricien</mark>"},
			})},
		searchCase{name: "highlight: a typo is marked", q: pv(search.Query{Text: "plombié"}),
			check: highlight("pv-plomb", map[string][]string{"title": {"<mark>Plombier</mark>"}})},
		searchCase{name: "highlight: the rest is escaped", q: pv(search.Query{Text: "tablette"}),
			check: highlight("pv-html", map[string][]string{
				"title":       {"<mark>tablette</mark>", "&lt;b&gt;", "&amp;"},
				"description": {"<mark>tablette</mark>", "&lt;script&gt;"},
			})},
		searchCase{name: "highlight: none without text", q: pv(search.Query{Commune: Songeons}),
			check: func(t *testing.T, r *search.Result) {
				for _, h := range r.Hits {
					for _, v := range h.Highlights {
						if strings.Contains(v, "<mark>") {
							t.Errorf("hit %s has a highlight %q without text", h.ID, v)
						}
					}
				}
			}},
	)

	// Bounds: refused with a message, never cut silently.
	long := strings.Repeat("é", search.MaxTextRunes)
	cases = append(cases,
		searchCase{name: "bounds: text of the maximum length", q: pv(search.Query{Text: long})},
		searchCase{name: "bounds: text too long", q: pv(search.Query{Text: long + "e"}), errCode: "search_text_too_long"},
		searchCase{name: "bounds: text not UTF-8", q: pv(search.Query{Text: "jardin\xff"}), errCode: "search_text_invalid"},
		searchCase{name: "bounds: limit too high", q: pv(search.Query{Limit: search.MaxLimit + 1}), errCode: "search_limit_invalid"},
		searchCase{name: "bounds: negative limit", q: pv(search.Query{Limit: -1}), errCode: "search_limit_invalid"},
		searchCase{name: "bounds: limit at the maximum", q: pv(search.Query{Limit: search.MaxLimit}), set: all(pv(search.Query{}))},
		searchCase{name: "bounds: offset too deep", q: pv(search.Query{Offset: search.MaxOffset + 1}), errCode: "search_offset_invalid"},
		searchCase{name: "bounds: negative offset", q: pv(search.Query{Offset: -1}), errCode: "search_offset_invalid"},
		searchCase{name: "bounds: offset at the maximum", q: pv(search.Query{Offset: search.MaxOffset}), exact: []string{}},
		searchCase{name: "bounds: radius without a centre", q: pv(search.Query{RadiusKm: 10}), errCode: "search_radius_invalid"},
		searchCase{name: "bounds: negative radius", q: pv(search.Query{Near: songeons, RadiusKm: -1}), errCode: "search_radius_invalid"},
		searchCase{name: "bounds: radius too large", q: pv(search.Query{Near: songeons, RadiusKm: search.MaxRadiusKm + 1}), errCode: "search_radius_invalid"},
		searchCase{name: "bounds: radius NaN", q: pv(search.Query{Near: songeons, RadiusKm: math.NaN()}), errCode: "search_radius_invalid"},
		searchCase{name: "bounds: point off the Earth", q: pv(search.Query{Near: &search.Point{Lat: 91, Lng: 0}, RadiusKm: 10}), errCode: "search_near_invalid"},
		searchCase{name: "bounds: distance sort without a centre", q: pv(search.Query{Sort: search.SortDistance}), errCode: "search_sort_needs_near"},
		searchCase{name: "bounds: unknown sort", q: pv(search.Query{Sort: "price"}), errCode: "search_sort_invalid"},
		searchCase{name: "bounds: filter too long", q: pv(search.Query{Category: strings.Repeat("x", 101)}), errCode: "search_filter_invalid"},
		searchCase{name: "bounds: only stop words list everything", q: pv(search.Query{Text: "de la"}), set: all(pv(search.Query{}))},
	)
	return cases
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// describe names a query's filters for a subtest.
func describe(q search.Query) string {
	var parts []string
	for _, p := range []struct{ k, v string }{
		{"territory", q.Territory}, {"kind", q.Kind}, {"category", q.Category}, {"modality", q.Modality},
		{"mode", q.Mode}, {"commune", q.Commune},
	} {
		if p.v != "" {
			parts = append(parts, p.k+"="+p.v)
		}
	}
	if q.RadiusKm > 0 {
		parts = append(parts, fmt.Sprintf("radius=%gkm", q.RadiusKm))
	}
	if q.Offset > 0 || q.Limit > 0 {
		parts = append(parts, fmt.Sprintf("page=%d+%d", q.Offset, q.Limit))
	}
	return strings.Join(parts, " ")
}

// nearestFirst checks that there are n hits, by growing distance.
func nearestFirst(n int) func(t *testing.T, r *search.Result) {
	return func(t *testing.T, r *search.Result) {
		t.Helper()
		if len(r.Hits) != n {
			t.Errorf("%d hits, want %d", len(r.Hits), n)
		}
		for i := 1; i < len(r.Hits); i++ {
			if r.Hits[i].DistanceKm < r.Hits[i-1].DistanceKm {
				t.Errorf("hit %s at %.2f km comes after %s at %.2f km", r.Hits[i].ID, r.Hits[i].DistanceKm, r.Hits[i-1].ID, r.Hits[i-1].DistanceKm)
			}
		}
	}
}

// highlight checks that hit id's highlights contain each fragment.
func highlight(id string, want map[string][]string) func(t *testing.T, r *search.Result) {
	return func(t *testing.T, r *search.Result) {
		t.Helper()
		for _, h := range r.Hits {
			if h.ID != id {
				continue
			}
			for field, parts := range want {
				for _, p := range parts {
					if !strings.Contains(h.Highlights[field], p) {
						t.Errorf("highlight %s of %s = %q, want it to contain %q", field, id, h.Highlights[field], p)
					}
				}
				if strings.Contains(h.Highlights[field], "<b>") || strings.Contains(h.Highlights[field], "<script>") {
					t.Errorf("highlight %s of %s = %q lets HTML through", field, id, h.Highlights[field])
				}
			}
			return
		}
		t.Errorf("hits %v lack %s", hitIDs(r), id)
	}
}

// pagination walks every sort page by page: pages never overlap, miss
// nothing, and keep the same total.
func (f *fixture) pagination(t *testing.T, e search.Engine) {
	songeons := centre(Songeons)
	for _, q := range []search.Query{
		{Territory: PicardieVerte},
		{Territory: PicardieVerte, Sort: search.SortRating},
		{Territory: PicardieVerte, Sort: search.SortDistance, Near: songeons},
		{Territory: PicardieVerte, Text: "jardin entretien ménage"},
	} {
		full := q
		full.Limit = search.MaxLimit
		whole, err := e.Search(context.Background(), full)
		if err != nil {
			t.Fatal(err)
		}
		var paged []string
		for off := 0; off < whole.Total+3; off += 3 {
			p := q
			p.Offset, p.Limit = off, 3
			r, err := e.Search(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != whole.Total {
				t.Errorf("%s: page at %d has total %d, want %d", describe(q), off, r.Total, whole.Total)
			}
			paged = append(paged, hitIDs(r)...)
		}
		if !slices.Equal(paged, hitIDs(whole)) {
			t.Errorf("%s sort %q: pages of 3 give\n  %v\nwant\n  %v", describe(q), q.Sort, paged, hitIDs(whole))
		}
	}
}

func mustIndex(t *testing.T, e search.Engine, docs ...search.Document) {
	t.Helper()
	if err := e.Index(context.Background(), docs...); err != nil {
		t.Fatalf("index %d document(s): %v", len(docs), err)
	}
}

func versionsOf(t *testing.T, e search.Engine) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := e.Versions(context.Background(), func(id, version string) error {
		if _, dup := out[id]; dup {
			t.Errorf("Versions gave %s twice", id)
		}
		out[id] = version
		return nil
	})
	if err != nil {
		t.Fatalf("versions: %v", err)
	}
	return out
}

func find(t *testing.T, e search.Engine, territory, text string) []string {
	t.Helper()
	r, err := e.Search(context.Background(), search.Query{Territory: territory, Text: text})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	return hitIDs(r)
}

// idempotentIndex indexes the same documents twice, then a new version of
// one: the index holds each once, at its last version.
func idempotentIndex(t *testing.T, e search.Engine, docs []search.Document) {
	mustIndex(t, e, docs...)
	mustIndex(t, e, docs...)
	if got := versionsOf(t, e); len(got) != len(docs) {
		t.Fatalf("after indexing %d documents twice, the index holds %d", len(docs), len(got))
	}
	changed := docs[0]
	changed.Title = "Réparation de vélos"
	changed.Description = "Crevaisons, freins et dérailleurs."
	changed.Version = "v2"
	mustIndex(t, e, changed)
	mustIndex(t, e, changed)
	if got := versionsOf(t, e); len(got) != len(docs) || got[changed.ID] != "v2" {
		t.Errorf("after a new version: %d documents, version of %s = %q; want %d and v2", len(got), changed.ID, got[changed.ID], len(docs))
	}
	if ids := find(t, e, changed.Territory, "vélo"); !slices.Contains(ids, changed.ID) {
		t.Errorf("the new text is not found: %v", ids)
	}
	if ids := find(t, e, changed.Territory, docs[0].Title); slices.Contains(ids, changed.ID) {
		t.Errorf("the old title still finds %s", changed.ID)
	}
	if err := e.Index(context.Background()); err != nil {
		t.Errorf("indexing nothing: %v", err)
	}
}

// idempotentDelete deletes twice, and deletes what was never there.
func idempotentDelete(t *testing.T, e search.Engine, docs []search.Document) {
	mustIndex(t, e, docs...)
	gone := docs[0]
	for range 2 {
		if err := e.Delete(context.Background(), gone.ID, "never-indexed"); err != nil {
			t.Fatalf("delete: %v", err)
		}
	}
	if got := versionsOf(t, e); len(got) != len(docs)-1 || got[gone.ID] != "" {
		t.Errorf("after deleting %s: %d documents (want %d)", gone.ID, len(got), len(docs)-1)
	}
	if ids := find(t, e, gone.Territory, gone.Title); slices.Contains(ids, gone.ID) {
		t.Errorf("deleted %s is still found", gone.ID)
	}
	if err := e.Delete(context.Background()); err != nil {
		t.Errorf("deleting nothing: %v", err)
	}
	mustIndex(t, e, gone)
	if ids := find(t, e, gone.Territory, gone.Title); !slices.Contains(ids, gone.ID) {
		t.Errorf("re-indexed %s is not found", gone.ID)
	}
}

// versions lists every document once with its version, including more
// than one page of them.
func versions(t *testing.T, e search.Engine, docs []search.Document) {
	if got := versionsOf(t, e); len(got) != 0 {
		t.Fatalf("a new engine lists %d versions", len(got))
	}
	extra := corpus.Generate(corpus.Places(fixtureRef, 2), 2500, 42)
	mustIndex(t, e, docs...)
	mustIndex(t, e, extra...)
	want := map[string]string{}
	for _, d := range append(slices.Clone(docs), extra...) {
		want[d.ID] = d.Version
	}
	got := versionsOf(t, e)
	if len(got) != len(want) {
		t.Errorf("Versions lists %d documents, want %d", len(got), len(want))
	}
	for id, v := range want {
		if got[id] != v {
			t.Errorf("version of %s = %q, want %q", id, got[id], v)
			break
		}
	}
	stop := fmt.Errorf("stop")
	n := 0
	err := e.Versions(context.Background(), func(string, string) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("Versions after fn failed: err %v after %d calls; want fn's error after 1", err, n)
	}
}

// hammer searches from 8 goroutines while another indexes and deletes:
// no error, and no search ever crosses territories.
func hammer(t *testing.T, e search.Engine, docs []search.Document) {
	mustIndex(t, e, docs...)
	f := newFixture(docs)
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	start := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		for i := range rounds {
			d := docs[i%len(docs)]
			if err := e.Delete(context.Background(), d.ID); err != nil {
				errs <- err
				return
			}
			if err := e.Index(context.Background(), d); err != nil {
				errs <- err
				return
			}
		}
	}()
	texts := []string{"jardin", "electricien", "covoiturage", "", "aide"}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range rounds {
				territory := []string{PicardieVerte, PortesDeSologne}[(w+i)%2]
				r, err := e.Search(context.Background(), search.Query{Territory: territory, Text: texts[(w+i)%len(texts)], Facets: true})
				if err != nil {
					errs <- err
					return
				}
				for _, h := range r.Hits {
					if f.byID[h.ID].Territory != territory {
						errs <- fmt.Errorf("hit %s crossed into %s", h.ID, territory)
						return
					}
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
