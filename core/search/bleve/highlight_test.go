package bleve

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHighlight(t *testing.T) {
	t.Parallel()
	e := &Engine{fuzzy: true}
	tests := []struct {
		query, text string
		limit       int
		want        string
	}{
		{"electricien", "Électricien à la retraite", 0, "<mark>Électricien</mark> à la retraite"},
		{"hopital", "Aller à l'hôpital", 0, "Aller à <mark>l&#39;hôpital</mark>"},
		{"plombié", "Plombier & chauffagiste", 0, "<mark>Plombier</mark> &amp; chauffagiste"},
		{"bricoler", "Du <b>bricolage</b>", 0, "Du &lt;b&gt;<mark>bricolage</mark>&lt;/b&gt;"},
		{"soutien scolaire", "Soutien scolaire et devoirs", 0, "<mark>Soutien</mark> <mark>scolaire</mark> et <mark>devoirs</mark>"},
		{"xylophone", "Rien à voir <ici>", 0, "Rien à voir &lt;ici&gt;"},
		{"jard", "Jardinage", 0, "<mark>Jardinage</mark>"},
	}
	for _, tt := range tests {
		if got := e.newPlan("t", tt.query).highlight(tt.text, tt.limit); got != tt.want {
			t.Errorf("highlight(%q) of %q = %q, want %q", tt.query, tt.text, got, tt.want)
		}
	}
}

// TestHighlightWindow: a long description shows the part around the first
// match, cut at spaces, with the match whole.
func TestHighlightWindow(t *testing.T) {
	t.Parallel()
	e := &Engine{fuzzy: true}
	long := strings.Repeat("début très très long ", 30) + "le potager à désherber " + strings.Repeat("après-midi é ", 40)
	got := e.newPlan("t", "potager").highlight(long, snippetBytes)
	if !strings.Contains(got, "<mark>potager</mark>") || !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("window = %q: want the match, with … on both sides", got)
	}
	if !utf8.ValidString(got) || len(got) > snippetBytes+40 {
		t.Errorf("window of %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
	plain := e.newPlan("t", "absent").highlight(long, snippetBytes)
	if !strings.HasPrefix(plain, "début") || !strings.HasSuffix(plain, "…") || strings.Contains(plain, "<mark>") {
		t.Errorf("without a match = %q: want the start, cut", plain)
	}
}

func TestWithinEdits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		k    int
		want bool
	}{
		{"plomb", "plombi", 1, true}, {"plomvi", "plombi", 1, true}, {"jradin", "jardin", 1, false},
		{"jradin", "jardin", 2, true}, {"electritien", "electricien", 2, true}, {"abc", "xyz", 2, false}, {"", "ab", 2, true},
	}
	for _, tt := range tests {
		if got := withinEdits(tt.a, tt.b, tt.k); got != tt.want {
			t.Errorf("withinEdits(%q, %q, %d) = %v", tt.a, tt.b, tt.k, got)
		}
	}
}
