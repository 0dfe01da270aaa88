package meili

import (
	"strings"
	"testing"
)

func TestQueryText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"jardinnage", "jardinage"}, // one typo from a synonym: the synonym
		{"Jardinnage près de Marcilly", "jardinage près de Marcilly"},
		{"jardiner", "jardin"}, // two typos, 8 letters
		{"jardins", "jardin"},  // one typo, 7 letters
		{"jardin", "jardin"},   // a synonym stays as typed
		{"Ménage", "Ménage"},   // accents and case: the same word
		{"menages", "ménage"},  // one typo once folded
		{"transports", "transport"},
		{"covoitrage", "covoiturage"},
		{"tondre", "tondre"},                     // far from every synonym
		{"jar", "jar"},                           // too short for a typo
		{"bricoler", "bricoler"},                 // no synonym near: left to Meilisearch's typo tolerance
		{"soutien scolaire", "soutien scolaire"}, // multi-word synonyms are left alone
		{"l'hôpital", "l'hôpital"},
		{"de la", ""}, // only stop words: no text
		{"  À la  ", ""},
		{"quelqu'un pour tondre", "quelqu'un pour tondre"},
		{"", ""},
		{strings.Repeat("é", 200), strings.Repeat("é", 200)},
	}
	for _, tt := range tests {
		if got := queryText(tt.in); got != tt.want {
			t.Errorf("queryText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"jardinnage", "jardinage", 3, 1},
		{"jardiner", "jardin", 3, 2},
		{"menage", "mneage", 3, 1}, // a transposition is one typo
		{"abc", "abc", 1, 0},
		{"abc", "xyz", 2, 2}, // capped at the limit
		{"a", "abcdef", 2, 2},
		{"", "ab", 5, 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}
