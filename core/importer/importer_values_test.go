package importer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/territory"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, KindListings)
	for _, c := range []struct{ in, want, suggestion string }{
		{"02/03/2026", "2026-03-02 12:00", ""},
		{"2/3/2026", "2026-03-02 12:00", ""},
		{"02/03/2026 09:12:44", "2026-03-02 09:12", ""},
		{" 02/03/2026   09:12 ", "2026-03-02 09:12", ""},
		{"2026-03-02", "2026-03-02 12:00", ""},
		{"02.03.2026", "2026-03-02 12:00", ""},
		{"46083", "2026-03-02 12:00", ""},   // a spreadsheet's serial number
		{"46083.5", "2026-03-02 12:00", ""}, // with a time
		{"12/03/26", "", "12/03/2026"},      // two-digit year
		{"03/25/2026", "", "25/03/2026"},    // American order
		{"31/02/2026", "", ""},              // no such day
		{"01/01/2027", "", ""},              // future
		{"01/01/1999", "", ""},              // too old
		{"mardi dernier", "", ""},
	} {
		got, is := parseDate(c.in, m.layouts, testNow)
		switch {
		case c.want != "" && (is != nil || got.In(paris).Format("2006-01-02 15:04") != c.want):
			t.Errorf("parseDate(%q) = %v, %v; want %s", c.in, got, is, c.want)
		case c.want == "" && (is == nil || is.suggestion != c.suggestion):
			t.Errorf("parseDate(%q) = %v, %+v; want a problem suggesting %q", c.in, got, is, c.suggestion)
		}
	}
}

func TestParsePrice(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"12,50": 1250, "12,5": 1250, "12": 1200, "12 €": 1200, "12,50 €/h": 1250, "1 234,56": 123456,
		"1.234,56": 123456, "12.5": 1250, "0,01": 1, "15 euros de l'heure": 1500, "1\u202f000": 100000} {
		if got, is := parsePrice(in); is != nil || got != want {
			t.Errorf("parsePrice(%q) = %d, %v; want %d", in, got, is, want)
		}
	}
	for in, suggestion := range map[string]string{"12,505": "12,50", "douze": "", "0": "", "20 000": "", "-5": ""} {
		if _, is := parsePrice(in); is == nil || is.suggestion != suggestion {
			t.Errorf("parsePrice(%q): %+v, want a problem suggesting %q", in, is, suggestion)
		}
	}
}

func TestParsePhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"0612345678": "06 12 34 56 78", "06.12.34.56.78": "06 12 34 56 78", "+33 6 12 34 56 78": "06 12 34 56 78",
		"+33 (0)6 12 34 56 78": "06 12 34 56 78", "0033612345678": "06 12 34 56 78", "02-38-45-67-89": "02 38 45 67 89"} {
		if got, is := parsePhone(in); is != nil || got != want {
			t.Errorf("parsePhone(%q) = %q, %v; want %q", in, got, is, want)
		}
	}
	for in, suggestion := range map[string]string{"612345678": "06 12 34 56 78", "06 12 34": "", "0012345678": "", "tél. 06": ""} {
		if _, is := parsePhone(in); is == nil || is.suggestion != suggestion {
			t.Errorf("parsePhone(%q): %+v, want a problem suggesting %q", in, is, suggestion)
		}
	}
}

func TestCheckSIRET(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"200 005 932 00013": "20000593200013", "20000593200013": "20000593200013", "200.005.932.00013": "20000593200013"} {
		if got, is := checkSIRET(in); is != nil || got != want {
			t.Errorf("checkSIRET(%q) = %q, %v", in, got, is)
		}
	}
	for in, suggestion := range map[string]string{"4512345200018": "04512345200018", "81234567600018": "recopiez-le depuis l'avis de situation SIRENE (annuaire-entreprises.data.gouv.fr)"} {
		if _, is := checkSIRET(in); is == nil || is.suggestion != suggestion {
			t.Errorf("checkSIRET(%q): %+v, want %q", in, is, suggestion)
		}
	}
}

// TestCommunes: names as people write them find the territory's commune;
// a typo gets the closest as a suggestion.
func TestCommunes(t *testing.T) {
	t.Parallel()
	ref := testRef(t)
	e, _ := ref.EPCI("200005932")
	d := &territory.Detail{Territory: territory.Territory{Name: "CC des Portes de Sologne"}}
	for _, code := range e.Members {
		c, _ := ref.Commune(code)
		d.Communes = append(d.Communes, territory.Commune{INSEE: c.INSEE, Name: c.Name, PostalCodes: c.PostalCodes, Departement: c.Departement})
	}
	cs := newCommunes(ref, d)
	for _, c := range []struct{ name, postal, want, suggestion string }{
		{"La Ferté-Saint-Aubin", "", "45146", ""},
		{"Ferté St Aubin", "", "45146", ""},
		{"LA FERTE ST AUBIN", "", "45146", ""},
		{"la ferte-saint-aubin", "45240", "45146", ""},
		{"45146", "", "45146", ""},
		{"", "45160", "45006", ""},
		{"45370", "", "45175", ""},
		{"Ardon (45160)", "", "45006", ""},
		{"Menestreau en Villette", "", "45200", ""},
		{"Ferte St Aubain", "", "", "La Ferté-Saint-Aubin (45146)"},
		{"Senely", "", "", "Sennely (45309)"},
		{"Marcily-en-Vilette", "", "", "Marcilly-en-Villette (45193)"},
		{"", "45240", "", "La Ferté-Saint-Aubin ou Ligny-le-Ribault ou Marcilly-en-Villette ou Ménestreau-en-Villette ou Sennely"},
		{"Orléans", "", "", ""},
		{"", "", "", ""},
	} {
		r := cs.resolve(c.name, c.postal)
		switch {
		case c.want != "" && (r.insee != c.want || r.issue != nil):
			t.Errorf("resolve(%q, %q) = %+v, want %s", c.name, c.postal, r, c.want)
		case c.want == "" && (r.issue == nil || r.issue.suggestion != c.suggestion):
			t.Errorf("resolve(%q, %q) = %+v, want a problem suggesting %q", c.name, c.postal, r.issue, c.suggestion)
		}
	}
	if r := cs.resolve("Ardon", "45240"); r.insee != "45006" || r.note == nil {
		t.Errorf("a postal code that is not the commune's: %+v", r)
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{{"jardinage", "jardinnage", 1}, {"sennely", "senely", 1}, {"ardon", "adron", 1}, {"abc", "abc", 0}, {"abc", "xyz", 3}, {"a", "abcdef", 3}} {
		if got := distance(c.a, c.b, 2); got != min(c.want, 3) {
			t.Errorf("distance(%q, %q) = %d, want %d", c.a, c.b, got, min(c.want, 3))
		}
	}
}

// TestParseMapping: a mapping file names what to fix, field by field.
func TestParseMapping(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`{"kind": "people"}`, `"kind" is "listings" or "businesses"`},
		{`{"kind": "listings", "columns": {"ville": ["Ville"]}}`, `column "ville" is not a field of listings`},
		{`{"kind": "listings", "values": {"title": {"a": "b"}}}`, `"values" translates the answers of`},
		{`{"kind": "listings", "values": {"modes": {"Chèque": "cheque"}}}`, `value "cheque" of "modes"`},
		{`{"kind": "listings", "default_kind": "maybe"}`, `"default_kind" is "need" or "offer"`},
		{`{"kind": "listings", "date_formats": ["mm-aaaa"]}`, `unreadable date format "mm-aaaa"`},
		{`{"kind": "listings", "delimiter": "|"}`, `"delimiter" is`},
		{`{"kind": "listings", "colums": {}}`, `unknown field "colums"`},
		{`{"kind": "listings",`, `unreadable JSON`},
	} {
		_, err := ParseMapping([]byte(c.in))
		if e := apperr.As(err); err == nil || e.Kind != apperr.KindInvalid || !strings.Contains(e.MessageEN, c.want) {
			t.Errorf("ParseMapping(%s) = %v, want %q", c.in, err, c.want)
		}
	}
	m, err := ParseMapping([]byte(`{"kind": "listings", "columns": {"commune": ["Dans quelle commune habitez-vous ?"]},
		"values": {"category": {"Coup de main au jardin": "petits-travaux"}}, "default_kind": "need", "date_formats": ["aaaa-mm-jj"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Aliases(FieldCommune); !contains(got, "dans quelle commune habitez vous") || !contains(got, "commune") {
		t.Errorf("aliases of commune: %v", got)
	}
	if _, is := parseDate("02/03/2026", m.layouts, testNow); is == nil {
		t.Error("a mapping's date formats replace the defaults")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestMappingUnknownCategory: a mapping that translates an answer into a
// category the territory's plugin does not have is refused at once.
func TestMappingUnknownCategory(t *testing.T) {
	f := newFixture(t, storetestSQLite(t))
	m, err := ParseMapping([]byte(`{"kind": "listings", "values": {"category": {"Jardin": "jardin"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Validate(context.Background(), f.terr, File{Name: "x.csv", Data: strings.NewReader("Date;Commune\n"), Size: -1}, m, nil)
	if e := apperr.As(err); e.Code != "import_mapping" || !strings.Contains(e.Message, "« Jardin » en \"jardin\"") {
		t.Errorf("validate: %v", err)
	}
	_ = time.Now
}

func TestFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"réponses.csv": "réponses.csv", `C:\Users\agnes\réponses.csv`: "réponses.csv",
		"../../etc/passwd": "passwd", "a\x00b\nc.csv": "abc.csv", "": "fichier", strings.Repeat("é", 300): strings.Repeat("é", 200)} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}
