package meili

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/meilisearch/meilisearch-go"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/search"
)

// These tests need no server: they check the requests the engine builds
// and how it reads answers. What a real Meilisearch does with them is
// checked only by TestConformance, when CAMPAGNON_TEST_MEILI_URL is set.

// testEngine is an engine with fixed highlight markers, never contacted.
func testEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := New(Config{URL: "http://127.0.0.1:1", Index: "listings"})
	if err != nil {
		t.Fatal(err)
	}
	e.pre, e.post = "[[pre]]", "[[post]]"
	t.Cleanup(func() { e.Close() })
	return e
}

// hostile are values that would change a filter's meaning if they were
// not quoted and escaped.
var hostile = []string{
	`x" OR territory = "autre`,
	`x' OR territory = 'autre`,
	`\`,
	`x\`,
	`x\" OR territory = \"autre`,
	`\\" OR 1 = 1 OR "`,
	`") OR (territory EXISTS`,
	`autre OR territory = autre`,
	`NOT territory = x`,
	`_geoRadius(0, 0, 100000000)`,
	"x\"\nOR territory = \"autre",
	`x AND kind != offer`,
	`territory IN [a, b]`,
	`\u0022 OR \x22`,
	`""`,
	`'`,
	`é"à'ç\`,
}

// cond is one condition of a parsed filter.
type cond struct{ attr, value string }

// parseFilter reads a filter the way Meilisearch's filter parser does
// (crates/filter-parser: a quoted value ends at the first unescaped
// quote; \<quote> is unescaped, then, on servers since the backslash
// unescaping, \\ too), for the only shape the engine builds: conditions
// `attr = "value"` or `_geoRadius(…)` joined by AND. Anything else — an
// OR, a NOT, a parenthesis, a bare word — is an error: that is what an
// injection would produce.
func parseFilter(s string, unescapeBackslash bool) ([]cond, error) {
	var out []cond
	rest := s
	for {
		if strings.HasPrefix(rest, "_geoRadius(") {
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return nil, fmt.Errorf("unclosed _geoRadius in %q", s)
			}
			for _, r := range rest[len("_geoRadius("):end] {
				if !strings.ContainsRune("0123456789.-, ", r) {
					return nil, fmt.Errorf("_geoRadius holds %q", r)
				}
			}
			out = append(out, cond{"_geoRadius", rest[len("_geoRadius("):end]})
			rest = rest[end+1:]
		} else {
			i := strings.Index(rest, " = ")
			if i < 0 {
				return nil, fmt.Errorf("no condition in %q", rest)
			}
			attr := rest[:i]
			for _, r := range attr {
				if !unicode.IsLetter(r) && r != '_' {
					return nil, fmt.Errorf("attribute %q is not a name", attr)
				}
			}
			rest = rest[i+3:]
			if rest == "" || rest[0] != '"' {
				return nil, fmt.Errorf("value of %s is not quoted: %q", attr, rest)
			}
			value, n, err := quotedBy('"', rest[1:], unescapeBackslash)
			if err != nil {
				return nil, err
			}
			out = append(out, cond{attr, value})
			rest = rest[1+n+1:]
		}
		if rest == "" {
			return out, nil
		}
		if !strings.HasPrefix(rest, " AND ") {
			return nil, fmt.Errorf("after a condition: %q", rest)
		}
		rest = rest[len(" AND "):]
	}
}

// quotedBy ports filter-parser's quoted_by and the unescaping after it: it
// returns the value and how many bytes it took before the closing quote.
func quotedBy(quote byte, s string, unescapeBackslash bool) (string, int, error) {
	escaped := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case quote:
			v := s[:i]
			if escaped {
				v = strings.ReplaceAll(v, `\`+string(quote), string(quote))
			}
			if unescapeBackslash {
				var err error
				if v, err = unescape(v); err != nil {
					return "", 0, err
				}
			}
			return v, i, nil
		case '\\':
			if i+1 >= len(s) {
				return "", 0, errors.New("malformed value: ends with a backslash")
			}
			i++
			escaped = escaped || s[i] == quote
		}
	}
	return "", 0, fmt.Errorf("missing closing quote in %q", s)
}

// unescape is the second step of recent servers (the unescaper crate):
// the engine's values may only hold \\ and \" by then.
func unescape(v string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			b.WriteByte(v[i])
			continue
		}
		if i+1 >= len(v) {
			return "", errors.New("incomplete escape")
		}
		i++
		switch v[i] {
		case '\\', '"', '\'':
			b.WriteByte(v[i])
		default:
			return "", fmt.Errorf("escape \\%c would be interpreted", v[i])
		}
	}
	return b.String(), nil
}

func TestQuoteKeepsEveryValueAValue(t *testing.T) {
	t.Parallel()
	for _, v := range append(hostile, "picardie-verte", "", "a b", "jardinage") {
		f := equals("category", v)
		got, err := parseFilter(f, true)
		if err != nil {
			t.Errorf("value %q: filter %s: %v", v, f, err)
			continue
		}
		if len(got) != 1 || got[0] != (cond{"category", v}) {
			t.Errorf("value %q: filter %s reads as %q", v, f, got)
		}
		// An older server keeps \\ as two backslashes: the value no longer
		// matches, and the structure still holds.
		old, err := parseFilter(f, false)
		if err != nil || len(old) != 1 || old[0].attr != "category" {
			t.Errorf("value %q on an older server: %q, %v", v, old, err)
		}
	}
}

func TestFilter(t *testing.T) {
	t.Parallel()
	near := &search.Point{Lat: 47.5614, Lng: 1.9012}
	tests := []struct {
		name string
		q    search.Query
		want string
	}{
		{"territory only", search.Query{Territory: "portes-de-sologne"}, `territory = "portes-de-sologne"`},
		{"every filter", search.Query{Territory: "picardie-verte", Kind: "offer", Category: "petits-travaux", Modality: "resident", Mode: "time_credits", Commune: "60613"},
			`territory = "picardie-verte" AND kind = "offer" AND category = "petits-travaux" AND modality = "resident" AND modes = "time_credits" AND commune = "60613"`},
		{"radius in whole metres, rounded up", search.Query{Territory: "t", Near: near, RadiusKm: 10.0004},
			`territory = "t" AND _geoRadius(47.5614, 1.9012, 10001)`},
		{"near without radius filters nothing", search.Query{Territory: "t", Near: near}, `territory = "t"`},
		{"negative coordinates", search.Query{Territory: "t", Near: &search.Point{Lat: -21.1151, Lng: -55.5364}, RadiusKm: 5},
			`territory = "t" AND _geoRadius(-21.1151, -55.5364, 5000)`},
		{"quoted hostile value", search.Query{Territory: "t", Category: `x" OR territory = "autre`},
			`territory = "t" AND category = "x\" OR territory = \"autre"`},
		{"backslash before the closing quote", search.Query{Territory: `t\`}, `territory = "t\\"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := filter(&tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("filter\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestFilterHostileValues puts every hostile value in every field, the
// territory included, and checks that the filter still reads as the
// territory condition, that field's condition, and nothing else.
func TestFilterHostileValues(t *testing.T) {
	t.Parallel()
	fields := []struct {
		attr string
		set  func(q *search.Query, v string)
	}{
		{attrTerritory, func(q *search.Query, v string) { q.Territory = v }},
		{attrKind, func(q *search.Query, v string) { q.Kind = v }},
		{attrCategory, func(q *search.Query, v string) { q.Category = v }},
		{attrModality, func(q *search.Query, v string) { q.Modality = v }},
		{attrModes, func(q *search.Query, v string) { q.Mode = v }},
		{attrCommune, func(q *search.Query, v string) { q.Commune = v }},
	}
	for _, f := range fields {
		for _, v := range hostile {
			q := search.Query{Territory: "picardie-verte"}
			f.set(&q, v)
			want := []cond{{attrTerritory, q.Territory}}
			if f.attr != attrTerritory {
				want = append(want, cond{f.attr, v})
			}
			got, err := filter(&q)
			if err != nil {
				t.Fatalf("%s = %q: %v", f.attr, v, err)
			}
			conds, err := parseFilter(got, true)
			if err != nil {
				t.Errorf("%s = %q: filter %s does not parse as conditions: %v", f.attr, v, got, err)
				continue
			}
			if fmt.Sprint(conds) != fmt.Sprint(want) {
				t.Errorf("%s = %q: filter %s reads as %q, want %q", f.attr, v, got, conds, want)
			}
		}
	}
}

func TestSorts(t *testing.T) {
	t.Parallel()
	near := &search.Point{Lat: 49.5414, Lng: 1.8603}
	tests := []struct {
		name string
		q    search.Query
		want []string
	}{
		{"relevance with text: Meilisearch's ranking", search.Query{Text: "tonte"}, nil},
		{"explicit relevance", search.Query{Text: "tonte", Sort: search.SortRelevance}, nil},
		{"no text: recency", search.Query{}, []string{"published_at:desc"}},
		{"blank text: recency", search.Query{Text: "  ", Sort: search.SortRelevance}, []string{"published_at:desc"}},
		{"only stop words: recency", search.Query{Text: "de la", Sort: search.SortRelevance}, []string{"published_at:desc"}},
		{"distance", search.Query{Text: "tonte", Near: near, Sort: search.SortDistance}, []string{"_geoPoint(49.5414, 1.8603):asc"}},
		{"recency", search.Query{Text: "tonte", Sort: search.SortRecency}, []string{"published_at:desc"}},
		{"rating, then recency", search.Query{Sort: search.SortRating}, []string{"rating:desc", "published_at:desc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := sorts(&tt.q, queryText(strings.TrimSpace(tt.q.Text)))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("sort %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRequestRefused: what search.Query.Normalize refuses is refused
// before anything is sent, with its code.
func TestRequestRefused(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	near := &search.Point{Lat: 47.56, Lng: 1.9}
	tests := []struct {
		name string
		q    search.Query
		code string
	}{
		{"no territory", search.Query{Text: "tonte"}, "search_territory_required"},
		{"distance without a point", search.Query{Territory: "t", Sort: search.SortDistance}, "search_sort_needs_near"},
		{"radius without a point", search.Query{Territory: "t", RadiusKm: 10}, "search_radius_invalid"},
		{"negative radius", search.Query{Territory: "t", Near: near, RadiusKm: -1}, "search_radius_invalid"},
		{"NaN radius", search.Query{Territory: "t", Near: near, RadiusKm: math.NaN()}, "search_radius_invalid"},
		{"infinite radius", search.Query{Territory: "t", Near: near, RadiusKm: math.Inf(1)}, "search_radius_invalid"},
		{"latitude out of range", search.Query{Territory: "t", Near: &search.Point{Lat: 91, Lng: 0}}, "search_near_invalid"},
		{"NaN longitude", search.Query{Territory: "t", Near: &search.Point{Lat: 0, Lng: math.NaN()}}, "search_near_invalid"},
		{"unknown sort", search.Query{Territory: "t", Sort: "price"}, "search_sort_invalid"},
		{"limit over the maximum", search.Query{Territory: "t", Limit: search.MaxLimit + 1}, "search_limit_invalid"},
		{"negative limit", search.Query{Territory: "t", Limit: -1}, "search_limit_invalid"},
		{"negative offset", search.Query{Territory: "t", Offset: -1}, "search_offset_invalid"},
		{"offset over the maximum", search.Query{Territory: "t", Offset: search.MaxOffset + 1}, "search_offset_invalid"},
		{"filter value too long", search.Query{Territory: "t", Category: strings.Repeat("x", 1000)}, "search_filter_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := e.request(&tt.q)
			if err == nil || apperr.As(err).Code != tt.code {
				t.Errorf("error %v, want code %s", err, tt.code)
			}
		})
	}
}

// TestPageWindow checks every offset and limit up to a few pages, and the
// deepest ones: the page asked of Meilisearch holds the query's hits,
// aligned offsets ask for exactly the page, and no hit lies past
// maxTotalHits.
func TestPageWindow(t *testing.T) {
	t.Parallel()
	check := func(offset, limit int) {
		w := pageWindow(offset, limit)
		first := (w.page-1)*w.perPage + w.skip
		switch {
		case first != offset:
			t.Fatalf("offset %d limit %d: window %+v starts at %d", offset, limit, w, first)
		case w.skip+limit > w.perPage:
			t.Fatalf("offset %d limit %d: window %+v does not hold the page", offset, limit, w)
		case offset%limit == 0 && (w.perPage != limit || w.skip != 0):
			t.Fatalf("offset %d limit %d: aligned offset got window %+v", offset, limit, w)
		case w.perPage > offset+limit:
			t.Fatalf("offset %d limit %d: window %+v asks for more than the first page holding them", offset, limit, w)
		case offset+limit > maxTotalHits:
			t.Fatalf("offset %d limit %d: past maxTotalHits %d, Meilisearch would not return them", offset, limit, maxTotalHits)
		}
	}
	for limit := 1; limit <= search.MaxLimit; limit++ {
		for offset := 0; offset <= 3*search.MaxLimit; offset++ {
			check(offset, limit)
		}
		check(search.MaxOffset, limit)
		check(search.MaxOffset-1, limit)
	}
}

func TestRequest(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	tests := []struct {
		name   string
		q      search.Query
		golden string
	}{
		{"text, filters, radius, distance sort, facets, second page",
			search.Query{Territory: "portes-de-sologne", Text: " jardinnage ", Kind: "offer", Near: &search.Point{Lat: 47.5614, Lng: 1.9012}, RadiusKm: 10, Sort: search.SortDistance, Offset: 20, Limit: 20, Facets: true},
			"testdata/request_text_radius.json"},
		{"no text: recency, no highlight, default limit",
			search.Query{Territory: "picardie-verte", Category: "mobilite"},
			"testdata/request_browse.json"},
		{"unaligned offset: a larger page",
			search.Query{Territory: "picardie-verte", Text: "tonte", Offset: 150, Limit: 100, Sort: search.SortRating},
			"testdata/request_unaligned.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _, err := e.request(&tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, tt.golden)
		})
	}
}

// assertJSON compares got with the JSON of the golden file, ignoring
// layout; with -update it rewrites the file.
func assertJSON(t *testing.T, got []byte, golden string) {
	t.Helper()
	var g any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	pretty := indent(t, g)
	if *update {
		if err := os.WriteFile(golden, append(pretty, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	var w any
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatalf("%s: %v", golden, err)
	}
	want := indent(t, w)
	if string(pretty) != string(want) {
		t.Errorf("%s differs:\n got %s\nwant %s", golden, pretty, want)
	}
}

// indent is v as indented JSON, HTML left readable.
func indent(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func TestHighlight(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	pre, post := e.pre, e.post
	tests := []struct {
		name, in, want string
		marked         bool
	}{
		{"one word", "Tonte de " + pre + "pelouse" + post, "Tonte de <mark>pelouse</mark>", true},
		{"two words", pre + "Jardinage" + post + " et " + pre + "potager" + post, "<mark>Jardinage</mark> et <mark>potager</mark>", true},
		{"nothing matched", "Ménage & repassage", "Ménage &amp; repassage", false},
		{"HTML in the text is escaped", `<script>alert("x")</script> ` + pre + "tonte" + post, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>tonte</mark>`, true},
		{"a forged mark is escaped", "<mark>faux</mark> " + pre + "vrai" + post, "&lt;mark&gt;faux&lt;/mark&gt; <mark>vrai</mark>", true},
		{"HTML inside a match is escaped", pre + "<b>" + post, "<mark>&lt;b&gt;</mark>", true},
		{"unbalanced marker", "a " + pre + "b", "a b", false},
		{"a prefix match marks the whole word", pre + "Plombie" + post + "r chauffagiste", "<mark>Plombier</mark> chauffagiste", true},
		{"a prefix match before punctuation", "les " + pre + "hai" + post + "es.", "les <mark>haies</mark>.", true},
		{"a prefix match before HTML", pre + "tab" + post + "lette<b>", "<mark>tablette</mark>&lt;b&gt;", true},
		{"apostrophes", "L'" + pre + "électricien" + post + " d'Aumale", "L&#39;<mark>électricien</mark> d&#39;Aumale", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, marked := e.highlight(tt.in)
			if got != tt.want || marked != tt.marked {
				t.Errorf("highlight = %q, %v; want %q, %v", got, marked, tt.want, tt.marked)
			}
		})
	}
}

// TestResult reads a search answer shaped as Meilisearch sends it
// (testdata/search_response.json, written by hand from its documented
// format): hits, ranking scores, _geoDistance, _formatted, facets.
func TestResult(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	raw, err := os.ReadFile("testdata/search_response.json")
	if err != nil {
		t.Fatal(err)
	}
	raw = []byte(strings.NewReplacer("{pre}", jsonString(e.pre), "{post}", jsonString(e.post)).Replace(string(raw)))
	var resp meilisearch.SearchResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatal(err)
	}
	near := &search.Point{Lat: 47.5614, Lng: 1.9012}
	t.Run("whole page", func(t *testing.T) {
		t.Parallel()
		q := search.Query{Territory: "portes-de-sologne", Text: "jardinage", Near: near, Sort: search.SortDistance, Limit: 3, Facets: true}
		res, err := e.result(&q, window{page: 1, perPage: 3}, &resp)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(res)
		assertJSON(t, got, "testdata/result.json")
	})
	t.Run("the query's part of a larger page", func(t *testing.T) {
		t.Parallel()
		q := search.Query{Territory: "portes-de-sologne", Text: "jardinage", Offset: 1, Limit: 1}
		res, err := e.result(&q, window{page: 1, perPage: 3, skip: 1}, &resp)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 || res.Hits[0].ID != "l-2" || res.Total != 3 || res.Facets != nil {
			t.Errorf("result %+v, want hit l-2 of 3, no facets", res)
		}
		if res.Hits[0].DistanceKm != 0 {
			t.Errorf("distance %v without a point", res.Hits[0].DistanceKm)
		}
	})
	t.Run("past the hits", func(t *testing.T) {
		t.Parallel()
		q := search.Query{Territory: "portes-de-sologne", Limit: 5}
		res, err := e.result(&q, window{page: 1, perPage: 10, skip: 5}, &resp)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 0 || res.Hits == nil {
			t.Errorf("hits %#v, want an empty list", res.Hits)
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

func TestFacetCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw string
		want      map[string]map[string]int
	}{
		{"renamed", `{"category":{"mobilite":2},"commune":{"41126":1},"modes":{"free":2,"time_credits":1}}`,
			map[string]map[string]int{"category": {"mobilite": 2}, "commune": {"41126": 1}, "mode": {"free": 2, "time_credits": 1}}},
		{"no hit: empty maps", `{}`, map[string]map[string]int{"category": {}, "commune": {}, "mode": {}}},
		{"absent", ``, map[string]map[string]int{"category": {}, "commune": {}, "mode": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := facetCounts(json.RawMessage(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("facets %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHaversine(t *testing.T) {
	t.Parallel()
	// Songeons to Beauvais: about 21 km as the crow flies.
	d := haversineKm(49.5499, 1.8618, 49.4295, 2.0807)
	if d < 20 || d > 22 {
		t.Errorf("Songeons–Beauvais %.1f km, want about 21", d)
	}
	if haversineKm(47.5, 1.9, 47.5, 1.9) != 0 {
		t.Error("distance to itself is not 0")
	}
}
