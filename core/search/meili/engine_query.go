package meili

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/meilisearch/meilisearch-go"

	"github.com/campagnon/campagnon/core/search"
)

// cropWords is the length, in words, of a description snippet.
const cropWords = 30

// facetNames maps the index's facet attributes to search.Result.Facets.
var facetNames = map[string]string{attrCategory: "category", attrCommune: "commune", attrModes: "mode"}

// quote returns v as a Meilisearch filter value: between double quotes,
// with every backslash and double quote escaped by a backslash. The filter
// parser reads a quoted value up to the first unescaped quote, then
// unescapes \" and \\ (crates/filter-parser/src/value.rs), so whatever v
// holds — quotes, parentheses, AND, OR, _geoRadius(…) — it stays one
// value. (Servers older than the backslash unescaping keep a doubled
// backslash as two: such a value finds nothing, and still injects
// nothing.)
func quote(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for _, r := range v {
		if r == '\\' || r == '"' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// equals is the condition attr = value, value quoted.
func equals(attr, value string) string { return attr + " = " + quote(value) }

// territoryFilter is the filter that confines a query, or a tenant token,
// to one territory.
func territoryFilter(territory string) string { return equals(attrTerritory, territory) }

// number formats f for a filter or a sort (no exponent).
func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// filter builds the filter of q: its territory, always first, then each
// filter that is set, then the radius. q has been normalized
// (search.Query.Normalize), which bounds the radius and the point.
func filter(q *search.Query) (string, error) {
	conds := []string{territoryFilter(q.Territory)}
	for _, f := range []struct{ attr, value string }{
		{attrKind, q.Kind}, {attrCategory, q.Category}, {attrModality, q.Modality},
		{attrModes, q.Mode}, {attrCommune, q.Commune},
	} {
		if f.value != "" {
			conds = append(conds, equals(f.attr, f.value))
		}
	}
	if q.RadiusKm != 0 {
		if q.Near == nil || !(q.RadiusKm > 0) {
			return "", errors.New("search: a radius needs a point (Near) and a positive length")
		}
		// Whole metres, rounded up: a listing at the edge stays in.
		meters := math.Ceil(q.RadiusKm * 1000)
		conds = append(conds, fmt.Sprintf("_geoRadius(%s, %s, %s)", number(q.Near.Lat), number(q.Near.Lng), number(meters)))
	}
	return strings.Join(conds, " AND "), nil
}

// sorts returns the sort of q, whose text sent is text: none for
// relevance (Meilisearch's ranking rules), recency when there is no text
// to rank by. Ties are broken by the ranking rules: relevance, then
// recency, then ID (rankingRules).
func sorts(q *search.Query, text string) ([]string, error) {
	s := q.Sort
	if (s == "" || s == search.SortRelevance) && text == "" {
		s = search.SortRecency
	}
	switch s {
	case "", search.SortRelevance:
		return nil, nil
	case search.SortDistance:
		if q.Near == nil {
			return nil, errors.New("search: sorting by distance needs a point (Near)")
		}
		return []string{fmt.Sprintf("_geoPoint(%s, %s):asc", number(q.Near.Lat), number(q.Near.Lng))}, nil
	case search.SortRecency:
		return []string{attrPublishedAt + ":desc"}, nil
	case search.SortRating:
		return []string{attrRating + ":desc", attrPublishedAt + ":desc"}, nil
	}
	return nil, fmt.Errorf("search: unknown sort %q (relevance, distance, recency or rating)", q.Sort)
}

// window is the page Meilisearch is asked for and where the query's hits
// are in it. Meilisearch counts every match (totalHits) only in its
// page/hitsPerPage mode; offset/limit give an estimate. So a query's
// offset and limit become the smallest page that holds them all: page
// offset/limit+1 of limit hits when the offset is a multiple of the limit
// (what pagination asks for), a larger page otherwise.
type window struct {
	page, perPage, skip int
}

func pageWindow(offset, limit int) window {
	for p := limit; ; p++ {
		if offset/p == (offset+limit-1)/p {
			page := offset / p
			return window{page: page + 1, perPage: p, skip: offset - page*p}
		}
	}
}

// request builds the Meilisearch search request of q, which it
// normalizes first (search.Query.Normalize: the same bounds, defaults and
// messages as every engine).
func (e *Engine) request(q *search.Query) (*meilisearch.SearchRequest, window, error) {
	n, err := q.Normalize()
	if err != nil {
		return nil, window{}, err
	}
	*q = n
	f, err := filter(q)
	if err != nil {
		return nil, window{}, err
	}
	text := queryText(strings.TrimSpace(q.Text))
	sort, err := sorts(q, text)
	if err != nil {
		return nil, window{}, err
	}
	w := pageWindow(q.Offset, q.Limit)
	perPage := int64(w.perPage)
	req := &meilisearch.SearchRequest{
		Query:                text,
		Filter:               f,
		Sort:                 sort,
		Page:                 int64(w.page),
		HitsPerPage:          &perPage,
		AttributesToRetrieve: []string{attrID, attrGeo},
		ShowRankingScore:     true,
		Locales:              []string{"fra"},
	}
	if req.Query != "" {
		req.AttributesToRetrieve = append(req.AttributesToRetrieve, attrTitle, attrDescription)
		req.AttributesToHighlight = []string{attrTitle, attrDescription}
		req.HighlightPreTag, req.HighlightPostTag = e.pre, e.post
		req.AttributesToCrop = []string{attrDescription}
		req.CropLength = cropWords
		req.CropMarker = "…"
	}
	if q.Facets {
		req.Facets = []string{attrCategory, attrCommune, attrModes}
	}
	return req, w, nil
}

// Search answers q within its territory. A query without a territory, or
// out of bounds, is refused without contacting the server.
func (e *Engine) Search(parent context.Context, q search.Query) (*search.Result, error) {
	req, w, err := e.request(&q)
	if err != nil {
		return nil, err
	}
	ctx, cancel := e.bound(parent)
	defer cancel()
	resp, err := e.idx().Search(ctx, req.Query, req)
	if err != nil {
		return nil, fail(parent, "search "+e.name, err)
	}
	return e.result(&q, w, resp)
}

// hitFields are the fields of a hit the engine reads.
type hitFields struct {
	ID           string   `json:"id"`
	RankingScore float64  `json:"_rankingScore"`
	GeoDistance  *float64 `json:"_geoDistance"`
	Geo          *struct {
		Lat json.Number `json:"lat"`
		Lng json.Number `json:"lng"`
	} `json:"_geo"`
	Formatted map[string]json.RawMessage `json:"_formatted"`
}

// result maps Meilisearch's answer to q's page.
func (e *Engine) result(q *search.Query, w window, resp *meilisearch.SearchResponse) (*search.Result, error) {
	res := &search.Result{Hits: []search.Hit{}, Total: int(resp.TotalHits)}
	hits := resp.Hits
	if w.skip >= len(hits) {
		hits = nil
	} else {
		hits = hits[w.skip:min(len(hits), w.skip+q.Limit)]
	}
	for _, raw := range hits {
		var h hitFields
		if err := raw.DecodeInto(&h); err != nil {
			return nil, fmt.Errorf("meilisearch search %s: read a hit: %w", e.name, err)
		}
		hit := search.Hit{ID: h.ID, Score: h.RankingScore}
		if q.Near != nil {
			switch {
			case h.GeoDistance != nil: // whole metres, when sorted by _geoPoint
				hit.DistanceKm = roundKm(*h.GeoDistance / 1000)
			case h.Geo != nil:
				lat, err1 := h.Geo.Lat.Float64()
				lng, err2 := h.Geo.Lng.Float64()
				if err1 == nil && err2 == nil {
					hit.DistanceKm = roundKm(haversineKm(q.Near.Lat, q.Near.Lng, lat, lng))
				}
			}
		}
		// With text, the title and the description snippet are both given,
		// marked where they match and escaped everywhere (as the embedded
		// engine does).
		for _, attr := range []string{attrTitle, attrDescription} {
			var s string
			if raw, ok := h.Formatted[attr]; !ok || json.Unmarshal(raw, &s) != nil {
				continue
			}
			if hit.Highlights == nil {
				hit.Highlights = map[string]string{}
			}
			hit.Highlights[attr], _ = e.highlight(s)
		}
		res.Hits = append(res.Hits, hit)
	}
	if q.Facets {
		facets, err := facetCounts(resp.FacetDistribution)
		if err != nil {
			return nil, fmt.Errorf("meilisearch search %s: read the facets: %w", e.name, err)
		}
		res.Facets = facets
	}
	return res, nil
}

// facetCounts maps Meilisearch's facetDistribution to search's names; a
// facet with no value is an empty map, not missing.
func facetCounts(raw json.RawMessage) (map[string]map[string]int, error) {
	dist := map[string]map[string]int{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &dist); err != nil {
			return nil, err
		}
	}
	out := make(map[string]map[string]int, len(facetNames))
	for attr, name := range facetNames {
		counts := dist[attr]
		if counts == nil {
			counts = map[string]int{}
		}
		out[name] = counts
	}
	return out, nil
}

// highlight turns a _formatted value into HTML: the text escaped, the
// engine's markers replaced by <mark> and </mark>. It reports whether
// anything was marked. Meilisearch inserts the markers around matched
// words and escapes nothing, so the text between markers is escaped
// here; a marker cannot come from the text, since it holds a random
// per-process nonce. A word matched by its beginning (« plombie » in
// « plombier ») is marked whole, as the embedded engine marks it.
func (e *Engine) highlight(s string) (string, bool) {
	var b strings.Builder
	marked := false
	for s != "" {
		i := strings.Index(s, e.pre)
		if i < 0 {
			b.WriteString(html.EscapeString(s))
			break
		}
		b.WriteString(html.EscapeString(s[:i]))
		s = s[i+len(e.pre):]
		j := strings.Index(s, e.post)
		if j < 0 { // unbalanced: keep the text, unmarked
			b.WriteString(html.EscapeString(s))
			break
		}
		word := s[:j]
		s = s[j+len(e.post):]
		rest := strings.IndexFunc(s, func(r rune) bool { return !isWordRune(r) })
		if rest < 0 {
			rest = len(s)
		}
		word, s = word+s[:rest], s[rest:]
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(word))
		b.WriteString("</mark>")
		marked = true
	}
	return b.String(), marked
}

// haversineKm is the great-circle distance (Meilisearch's _geoDistance is
// one too), for hits that are not sorted by distance.
func haversineKm(lat1, lng1, lat2, lng2 float64) float64 {
	const earthRadiusKm = 6371.0088
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// roundKm rounds a distance to ten metres, as the embedded engine does.
func roundKm(km float64) float64 { return math.Round(km*100) / 100 }
