package bleve

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"unicode/utf8"

	blevesearch "github.com/blevesearch/bleve/v2"
	blevesort "github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/search"
)

const (
	// maxTerms bounds the words of one query that are searched (after stop
	// words); the rest are ignored, so a long text cannot make a query of
	// hundreds of clauses.
	maxTerms = 12
	// fuzzyWeight and prefixWeight rank a word found with a typo, or as
	// the start of a longer word, below the word itself.
	fuzzyWeight  = 0.3
	prefixWeight = 0.2
	// facetSize bounds the values counted per facet: more than the communes
	// of any territory.
	facetSize = 1000
)

// fuzziness is the number of edits a term tolerates, as Meilisearch
// counts them: none below 5 letters (once stemmed), one from 5, two from
// 9. Short stems tolerating a typo would match half the dictionary
// ("apre", from "après", is one edit from "are", "apr", "ape"…).
func fuzziness(term string) int {
	switch n := utf8.RuneCountInString(term); {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

var analyzer = sync.OnceValue(newFrenchAnalyzer)

// terms returns the analysed terms of s, in order.
func terms(s string) []string {
	var out []string
	for _, t := range analyzer().Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}

// synonymGroups are search.Synonyms, analysed once: each member as its
// terms.
var synonymGroups = sync.OnceValue(func() [][][]string {
	groups := make([][][]string, 0, len(search.Synonyms))
	for _, g := range search.Synonyms {
		var members [][]string
		for _, m := range g {
			if ts := terms(m); len(ts) > 0 {
				members = append(members, ts)
			}
		}
		groups = append(groups, members)
	}
	return groups
})

// plan is a query's text made ready: what must each be found (concepts),
// and how a word of a listing may match (matchers, for the highlights).
type plan struct {
	scope    string // the territory's prefix of every term, see scopedAnalyzer
	concepts []bq.Query
	matchers []matcher
}

// matcher is one way a word of the query may appear in a listing: as its
// term, within some edits of it, or as the start of a longer word.
type matcher struct {
	term   string
	edits  int
	prefix bool
}

// newPlan splits the query's terms into concepts: a term (exactly,
// stemmed, with a typo, or as a prefix for the last one), or a synonym
// group whose member the query contains.
func (e *Engine) newPlan(territory, text string) *plan {
	p := &plan{scope: scopePrefix(territory)}
	ts := terms(text)
	if len(ts) > maxTerms {
		ts = ts[:maxTerms]
	}
	for i := 0; i < len(ts); {
		if q, n := p.synonymAt(e, ts, i); n > 0 {
			p.concepts = append(p.concepts, q)
			i += n
			continue
		}
		p.concepts = append(p.concepts, p.term(e, ts[i], i == len(ts)-1))
		i++
	}
	return p
}

// synonymAt returns the query of the synonym group whose member starts at
// ts[i] (the longest such member), and how many terms it covers.
func (p *plan) synonymAt(e *Engine, ts []string, i int) (bq.Query, int) {
	best, bestLen := -1, 0
	for g, members := range synonymGroups() {
		for _, m := range members {
			if len(m) > bestLen && i+len(m) <= len(ts) && slices.Equal(ts[i:i+len(m)], m) {
				best, bestLen = g, len(m)
			}
		}
	}
	if best < 0 {
		return nil, 0
	}
	var alts []bq.Query
	for _, m := range synonymGroups()[best] {
		if len(m) == 1 {
			alts = append(alts, p.term(e, m[0], false))
			continue
		}
		// A member of several words ("soutien scolaire") needs them all.
		all := make([]bq.Query, len(m))
		for j, t := range m {
			all[j] = fieldTerm(fText, p.scope+t, 1)
			p.matchers = append(p.matchers, matcher{term: t})
		}
		alts = append(alts, bq.NewConjunctionQuery(all))
	}
	return bq.NewDisjunctionQuery(alts), bestLen
}

// term finds one analysed term in the listing's text (where the title
// counts twice). Every term is the territory's (scoped): a typo may not
// touch the scope, so no query reaches another territory's words.
func (p *plan) term(e *Engine, t string, last bool) bq.Query {
	m := matcher{term: t, prefix: last && utf8.RuneCountInString(t) >= 3}
	if e.fuzzy {
		m.edits = fuzziness(t)
	}
	p.matchers = append(p.matchers, m)
	alts := []bq.Query{fieldTerm(fText, p.scope+t, 1)}
	if m.edits > 0 {
		z := bq.NewFuzzyQuery(p.scope + t)
		z.SetField(fText)
		z.SetFuzziness(m.edits)
		z.SetPrefix(len(p.scope))
		z.SetBoost(fuzzyWeight)
		alts = append(alts, z)
	}
	if m.prefix {
		x := bq.NewPrefixQuery(p.scope + t)
		x.SetField(fText)
		x.SetBoost(prefixWeight)
		alts = append(alts, x)
	}
	return bq.NewDisjunctionQuery(alts)
}

func fieldTerm(field, value string, boost float64) bq.Query {
	t := bq.NewTermQuery(value)
	t.SetField(field)
	t.SetBoost(boost)
	return t
}

// filters are the query's restrictions: its territory always, then each
// filter set, then the radius (as the territory's places within it, see
// places). They go in one conjunction with the text, which lets Bleve
// skip from one listing of the territory to the next; Bleve's own
// BooleanQuery filter would instead visit every listing of every
// territory that matches the text, and check each. Their zero boost keeps
// them out of the score.
//
// Each filter is a term of the territory ("picardie-verte|mode=free" in
// the field "scoped", see toIndex): when Bleve scores, it walks a posting
// list entry by entry to skip ahead, so a filter must list the
// territory's listings of one kind, not the country's.
func (e *Engine) filters(q search.Query) []bq.Query {
	scope := scopePrefix(q.Territory)
	fs := []bq.Query{fieldTerm(fTerritory, q.Territory, 0)}
	if q.RadiusKm > 0 {
		terms := e.places.within(q.Territory, *q.Near, q.RadiusKm)
		if len(terms) == 0 {
			return []bq.Query{bq.NewMatchNoneQuery()}
		}
		near := make([]bq.Query, len(terms))
		for i, t := range terms {
			near[i] = fieldTerm(fPlace, t, 0)
		}
		fs = append(fs, bq.NewDisjunctionQuery(near))
	}
	for _, f := range []struct{ name, value string }{
		{fKind, q.Kind}, {fCategory, q.Category}, {fModality, q.Modality}, {"mode", q.Mode}, {fCommune, q.Commune},
	} {
		if f.value != "" {
			fs = append(fs, fieldTerm(fScoped, scope+f.name+"="+f.value, 0))
		}
	}
	return fs
}

// sortOrder is q's order. Rating ties go by recency; any other tie keeps
// the index's own order (stable while the index does not change), which
// spares reading another column of every match: sort keys are read from
// compressed doc values, match by match, and they dominate the cost of a
// search over a large territory.
func sortOrder(q search.Query) (blevesort.SortOrder, error) {
	switch q.Sort {
	case search.SortDistance:
		geo, err := blevesort.NewSortGeoDistance(fGeo, "km", q.Near.Lng, q.Near.Lat, false)
		if err != nil {
			return nil, err
		}
		return blevesort.SortOrder{geo}, nil
	case search.SortRecency:
		return blevesort.SortOrder{&blevesort.SortField{Field: fPublished, Desc: true}}, nil
	case search.SortRating:
		return blevesort.SortOrder{&blevesort.SortField{Field: fRating, Desc: true}, &blevesort.SortField{Field: fPublished, Desc: true}}, nil
	}
	return blevesort.SortOrder{&blevesort.SortScore{Desc: true}}, nil
}

// Search answers q: every word must be found (each as itself, stemmed,
// with a typo, as a synonym, or as the start of a word for the last one);
// when no listing has them all, the listings with the most of them are
// returned ("quelqu'un pour tondre près de Songeons" finds the listings
// that say "tondre" in Songeons even though none says "près").
func (e *Engine) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	// A search is CPU work: with more of them at once than processors,
	// each one shares the processors with all the others and a costly one
	// takes many times its own time (32 clients on 2 cores: p99 125 ms).
	// Admitted first come first served, GOMAXPROCS at a time, each takes
	// its own time plus the wait of the queue ahead (docs/benchmarks.md).
	select {
	case e.gate <- struct{}{}:
		defer func() { <-e.gate }()
	case <-ctx.Done():
		return nil, fmt.Errorf("search: %w", ctx.Err())
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()

	p := e.newPlan(q.Territory, q.Text)
	var text bq.Query = bq.NewMatchAllQuery()
	if len(p.concepts) > 0 {
		text = bq.NewConjunctionQuery(p.concepts)
	}
	res, err := e.run(ctx, q, text)
	// Nothing has every word: ask for one word fewer, and so on. A search
	// that finds nothing costs little, so the misses are cheap.
	for least := len(p.concepts) - 1; err == nil && res.Total == 0 && least >= 1; least-- {
		some := bq.NewDisjunctionQuery(p.concepts)
		some.SetMin(float64(least))
		res, err = e.run(ctx, q, some)
	}
	if err != nil {
		return nil, e.searchError(ctx, err)
	}
	return e.result(q, res, p), nil
}

func (e *Engine) run(ctx context.Context, q search.Query, text bq.Query) (*blevesearch.SearchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := blevesearch.NewSearchRequestOptions(bq.NewConjunctionQuery(append(e.filters(q), text)), q.Limit, q.Offset, false)
	order, err := sortOrder(q)
	if err != nil {
		return nil, err
	}
	req.Sort = order
	if q.Sort != search.SortRelevance {
		// Another order than relevance needs no score: Bleve then skips
		// computing it, and intersects the filters' posting lists as
		// bitmaps.
		req.Score = "none"
	}
	req.Fields = []string{fLat, fLng}
	if q.Text != "" {
		req.Fields = append(req.Fields, fTitle, fDescription)
	}
	if q.Facets {
		for name, field := range facetFields {
			req.AddFacet(name, blevesearch.NewFacetRequest(field, facetSize))
		}
	}
	return e.index.SearchInContext(ctx, req)
}

// facetFields map the facets of search.Result to the index's fields.
var facetFields = map[string]string{"category": fCategory, "commune": fCommune, "mode": fModes}

func (e *Engine) searchError(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apperr.Wrap(fmt.Errorf("search: %w", err), apperr.KindUnavailable, "search_timeout",
			"La recherche a pris trop de temps : précisez-la (moins de mots, un rayon plus petit) ou réessayez.",
			"The search took too long: narrow it down (fewer words, a smaller radius) or try again.")
	}
	return fmt.Errorf("search: %w", err)
}

func (e *Engine) result(q search.Query, res *blevesearch.SearchResult, p *plan) *search.Result {
	out := &search.Result{Hits: make([]search.Hit, 0, len(res.Hits)), Total: int(res.Total)}
	for _, h := range res.Hits {
		hit := search.Hit{ID: h.ID, Score: h.Score}
		if q.Near != nil {
			lat, _ := h.Fields[fLat].(float64)
			lng, _ := h.Fields[fLng].(float64)
			hit.DistanceKm = math.Round(distanceKm(q.Near.Lat, q.Near.Lng, lat, lng)*100) / 100
		}
		if q.Text != "" {
			title, _ := h.Fields[fTitle].(string)
			description, _ := h.Fields[fDescription].(string)
			hit.Highlights = map[string]string{
				"title":       p.highlight(title, 0),
				"description": p.highlight(description, snippetBytes),
			}
		}
		out.Hits = append(out.Hits, hit)
	}
	if q.Facets {
		out.Facets = map[string]map[string]int{}
		for name := range facetFields {
			counts := map[string]int{}
			if f := res.Facets[name]; f != nil && f.Terms != nil {
				for _, t := range f.Terms.Terms() {
					counts[t.Term] = t.Count
				}
			}
			out.Facets[name] = counts
		}
	}
	return out
}

// distanceKm is the great-circle distance, as core/referential computes it.
func distanceKm(lat1, lng1, lat2, lng2 float64) float64 {
	const earthRadiusKm = 6371.0088
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}
