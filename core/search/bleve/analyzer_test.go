package bleve

import (
	"slices"
	"testing"
)

// TestAnalyzerMatches checks that what residents type and what listings say
// end up as the same terms.
func TestAnalyzerMatches(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{"electricien", "Électricien"},
		{"ELECTRICIEN", "électricien"},
		{"bricoler", "bricolage"},
		{"jardiner", "jardinage"},
		{"jardinnage", "jardinage"},
		{"nettoyer", "nettoyage"},
		{"repasser", "repassage"},
		{"covoiturer", "covoiturage"},
		{"déménager", "déménagement"},
		{"devoir", "devoirs"},
		{"l'électricien", "électricien"},
		{"l’électricien", "électricien"},
		{"œuf", "oeuf"},
		{"haies", "haie"},
	}
	for _, tt := range same {
		a, b := terms(tt[0]), terms(tt[1])
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("terms(%q) = %q, terms(%q) = %q: want the same", tt[0], a, tt[1], b)
		}
	}
	if got := terms("de la à et"); len(got) != 0 {
		t.Errorf("stop words gave %q", got)
	}
	if a, b := terms("garage"), terms("garer"); slices.Equal(a, b) {
		t.Errorf("garage and garer share %q: short -age words must keep their ending", a)
	}
}
