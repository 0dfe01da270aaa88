package referential

import (
	"slices"
	"strings"
	"testing"
)

func inseeCodes(cs []*Commune) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.INSEE
	}
	return out
}

func TestSearchName(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	tests := []struct {
		name     string
		query    string
		limit    int
		first    string   // INSEE code expected first, if any
		contains []string // INSEE codes expected among the results
	}{
		{"abbreviation without article", "ferte st aubin", 10, "45146", nil},
		{"capitals and accent", "Ferté St Aubin", 10, "45146", nil},
		{"upper case with article", "LA FERTE-SAINT-AUBIN", 10, "45146", nil},
		{"full name", "La Ferté-Saint-Aubin", 10, "45146", nil},
		{"no spaces", "lafertesaintaubin", 10, "45146", nil},
		{"st with period", "La Ferté St. Aubin", 10, "45146", nil},
		{"prefix of last word", "marcilly en v", 10, "", []string{"45193"}},
		{"prefix of hyphenated", "Marcilly-en-Vil", 10, "45193", nil},
		{"apostrophe dropped", "isle adam", 10, "95313", nil},
		{"apostrophe kept", "L'Isle-Adam", 10, "95313", nil},
		{"typographic apostrophe", "L’isle Adam", 10, "95313", nil},
		{"apostrophe glued", "lisle adam", 10, "95313", nil},
		{"accents", "orléans", 5, "45234", nil},
		{"no accents", "ORLEANS", 5, "45234", nil},
		{"decomposed accent", "Orle\u0301ans", 5, "45234", nil},
		{"exact first", "paris", 5, "75056", nil},
		{"ste", "ste florence", 5, "", []string{"85212"}},
		{"s/ for sur", "st ouen s/ seine", 5, "93070", nil},
		{"ss for sous", "st ouen ss bailly", 5, "76630", nil},
		{"article optional, exact", "oie", 5, "85165", nil},
		{"st also as typed", "st", 50, "", []string{"67482"}},     // Strasbourg
		{"st expanded", "st", 50, "", []string{"97411", "93066"}}, // Saint-Denis
		{"bar s/ aube", "bar s/ aube", 5, "10033", nil},
		{"ending in abbreviation", "ferte st", 20, "", []string{"45146"}},
		{"ste also as typed", "ste", 400, "", []string{"55502", "85212"}}, // Stenay, Sainte-Florence
		{"ste with next letter", "sten", 5, "55502", nil},
		{"overseas", "pointe a pitre", 5, "97120", nil},
		{"corsica", "ajaccio", 5, "2A004", nil},
		{"digit-free nonsense", "zzzzzz", 5, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := inseeCodes(r.SearchName(tt.query, tt.limit))
			if len(got) > tt.limit {
				t.Errorf("SearchName(%q, %d) returned %d results", tt.query, tt.limit, len(got))
			}
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("SearchName(%q) = %v, want %s first", tt.query, got, tt.first)
			}
			for _, w := range tt.contains {
				if !slices.Contains(got, w) {
					t.Errorf("SearchName(%q) = %v, lacks %s", tt.query, got, w)
				}
			}
			if tt.first == "" && tt.contains == nil && len(got) != 0 {
				t.Errorf("SearchName(%q) = %v, want nothing", tt.query, got)
			}
		})
	}
}

// TestSearchNameSaintOuen checks that "saint-ouen" finds every Saint-Ouen,
// the two communes named exactly so first, then by population.
func TestSearchNameSaintOuen(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	var want []string
	for _, c := range r.Communes() {
		if strings.HasPrefix(strings.ReplaceAll(Normalize(c.Name), " ", ""), "saintouen") {
			want = append(want, c.INSEE)
		}
	}
	if len(want) < 25 {
		t.Fatalf("only %d Saint-Ouen in the data", len(want))
	}
	for _, q := range []string{"saint-ouen", "Saint Ouen", "st ouen", "ST-OUEN", "saintouen"} {
		got := r.SearchName(q, 100)
		codes := inseeCodes(got)
		if len(got) != len(want) {
			t.Errorf("SearchName(%q) found %d communes, want %d", q, len(got), len(want))
		}
		for _, w := range want {
			if !slices.Contains(codes, w) {
				t.Errorf("SearchName(%q) lacks %s", q, w)
			}
		}
		if len(got) < 3 || got[0].Name != "Saint-Ouen" || got[1].Name != "Saint-Ouen" || got[2].Name == "Saint-Ouen" {
			t.Fatalf("SearchName(%q) = %v, want the two exact Saint-Ouen first", q, codes)
		}
		for i := 2; i < len(got); i++ {
			if got[i].Population > got[i-1].Population && i > 2 {
				t.Errorf("SearchName(%q): %s (%d) after %s (%d): not by population", q,
					got[i].Name, got[i].Population, got[i-1].Name, got[i-1].Population)
			}
		}
	}
}

// rankOf computes independently how well the name of c matches query:
// 2 for the same name key (with or without a leading article), 1 for the
// same key once spaces are removed, 0 otherwise.
func rankOf(c *Commune, query string) int {
	compact := func(s string) string { return strings.ReplaceAll(s, " ", "") }
	n, q := Normalize(c.Name), Normalize(query)
	names := []string{n}
	if w, rest, ok := strings.Cut(n, " "); ok && isArticle([]byte(w)) {
		names = append(names, rest)
	}
	rank := 0
	for _, name := range names {
		switch {
		case name == q:
			return 2
		case compact(name) == compact(q):
			rank = 1
		}
	}
	return rank
}

// TestSearchNameFindsEveryCommune searches each commune by its own name.
func TestSearchNameFindsEveryCommune(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	for _, c := range r.Communes() {
		got := r.SearchName(c.Name, 100)
		if !slices.Contains(got, c) {
			t.Errorf("SearchName(%q) does not find %s", c.Name, c.INSEE)
			continue
		}
		if rankOf(got[0], c.Name) != 2 {
			t.Errorf("SearchName(%q) starts with %q, want a commune of the same name key", c.Name, got[0].Name)
		}
	}
}

func TestSearchNameOrder(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	queries := []string{"pin", "le pin", "saint", "la", "beaulieu", "val", "La Salle", "Lasalle",
		"Lachapelle", "la chapelle", "Grandchamp", "montdore", "mont dore"}
	for _, q := range queries {
		got := r.SearchName(q, 40)
		if len(got) == 0 {
			t.Errorf("SearchName(%q) found nothing", q)
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			ra, rb := rankOf(a, q), rankOf(b, q)
			if ra < rb {
				t.Errorf("SearchName(%q): %s (match %d) before %s (match %d)", q, a.Name, ra, b.Name, rb)
			}
			if ra == rb && a.Population < b.Population {
				t.Errorf("SearchName(%q): %s (%d) before %s (%d)", q, a.Name, a.Population, b.Name, b.Population)
			}
		}
	}
	// The spelling typed wins over a spelling that differs only by spaces.
	for q, want := range map[string]string{"La Salle": "La Salle", "Lasalle": "Lasalle", "Lachapelle": "Lachapelle", "Grand-Champ": "Grand-Champ"} {
		if got := r.SearchName(q, 1); len(got) != 1 || got[0].Name != want {
			t.Errorf("SearchName(%q, 1) = %v, want %s", q, inseeCodes(got), want)
		}
	}
}

func TestSearchNameBadInput(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	tests := []struct {
		query string
		limit int
	}{
		{"", 10},
		{" ", 10},
		{"-'/", 10},
		{strings.Repeat("a", MaxQueryLen+1), 10},
		{"saint", 0},
		{"saint", -1},
		{"\xff\xfe", 10},
	}
	for _, tt := range tests {
		if got := r.SearchName(tt.query, tt.limit); got != nil {
			t.Errorf("SearchName(%q, %d) = %v, want nil", tt.query, tt.limit, inseeCodes(got))
		}
		if got := r.SearchEPCI(tt.query, tt.limit); got != nil {
			t.Errorf("SearchEPCI(%q, %d) = %d results, want nil", tt.query, tt.limit, len(got))
		}
	}
	// A query of exactly MaxQueryLen bytes is accepted.
	long := "saint" + strings.Repeat(" ", MaxQueryLen-5)
	if got := r.SearchName(long, 3); len(got) != 3 {
		t.Errorf("SearchName(%d-byte query) = %d results, want 3", len(long), len(got))
	}
	// A large limit returns every match.
	if got := r.SearchName("s", 100_000); len(got) < 5000 {
		t.Errorf("SearchName(\"s\", 100000) = %d results, want every commune starting with S", len(got))
	}
}

func TestSearchEPCI(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	tests := []struct {
		query    string
		first    string
		contains string
	}{
		{"sologne", "", "200005932"},
		{"portes de sologne", "200005932", ""},
		{"Portes de Sol", "200005932", ""},
		{"CC des Portes de Sologne", "200005932", ""},
		{"cc des portes de sologne", "200005932", ""},
		{"picardie verte", "246000848", ""},
		{"Picardie", "", "246000848"},
		{"St Gildas", "200000438", ""}, // the name says "St-Gildas-des-Bois"
		{"saint gildas des bois", "200000438", ""},
		{"mamoudzou", "", "200060457"},
		{"xyzzy", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			got := r.SearchEPCI(tt.query, 10)
			var codes []string
			for _, e := range got {
				codes = append(codes, e.SIREN)
			}
			if tt.first != "" && (len(codes) == 0 || codes[0] != tt.first) {
				t.Errorf("SearchEPCI(%q) = %v, want %s first", tt.query, codes, tt.first)
			}
			if tt.contains != "" && !slices.Contains(codes, tt.contains) {
				t.Errorf("SearchEPCI(%q) = %v, lacks %s", tt.query, codes, tt.contains)
			}
			if tt.first == "" && tt.contains == "" && len(codes) != 0 {
				t.Errorf("SearchEPCI(%q) = %v, want nothing", tt.query, codes)
			}
			if len(codes) != len(slices.Compact(slices.Sorted(slices.Values(codes)))) {
				t.Errorf("SearchEPCI(%q) = %v: duplicates", tt.query, codes)
			}
		})
	}
}

// TestSearchEPCIEveryWord checks that each word of each EPCI name finds it.
func TestSearchEPCIEveryWord(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	for _, e := range r.EPCIs() {
		for w := range strings.FieldsSeq(Normalize(e.Name)) {
			if len(w) < 4 {
				continue
			}
			if !slices.Contains(r.SearchEPCI(w, 2000), e) {
				t.Errorf("SearchEPCI(%q) does not find %s %q", w, e.SIREN, e.Name)
			}
		}
	}
}

func TestSearchNoDuplicates(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	for _, q := range []string{"l", "la", "le", "les", "lande", "s", "st", "pin", "a"} {
		got := r.SearchName(q, 100_000)
		seen := map[*Commune]bool{}
		for _, c := range got {
			if seen[c] {
				t.Errorf("SearchName(%q) returns %s twice", q, c.INSEE)
			}
			seen[c] = true
		}
	}
}
