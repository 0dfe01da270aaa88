package referential

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"   ", ""},
		{"Orléans", "orleans"},
		{"ORLÉANS", "orleans"},
		{"Orle\u0301ans", "orleans"}, // decomposed accent
		{"La Ferté-Saint-Aubin", "la ferte saint aubin"},
		{"LA FERTE ST AUBIN", "la ferte saint aubin"},
		{"Ferté St. Aubin", "ferte saint aubin"},
		{"L'Isle-Adam", "l isle adam"},
		{"L’Isle–Adam", "l isle adam"}, // typographic apostrophe and en dash
		{"Saint-Ouen-l'Aumône", "saint ouen l aumone"},
		{"Ste-Florence", "sainte florence"},
		{"Sts-Geosmes", "saints geosmes"},
		{"Stes-Maries-de-la-Mer", "saintes maries de la mer"},
		{"St-Ouen-ss-Bailly", "saint ouen sous bailly"},
		{"Bar s/ Aube", "bar sur aube"},
		{"Bar-s/Aube", "bar sur aube"},
		{"Castillon/Pujols", "castillon pujols"},
		{"CA de Dembeni / Mamoudzou", "ca de dembeni mamoudzou"},
		{"Cœur d'Ostrevent", "coeur d ostrevent"},
		{"ŒUVRE", "oeuvre"},
		{"Lætitia", "laetitia"},
		{"Straße", "strasse"},
		{"  Saint -- Ouen  ", "saint ouen"},
		{"Paris 15e", "paris 15e"},
		{"Hitiaa O Te Ra", "hitiaa o te ra"},
		{"Houaïlou", "houailou"},
		{"Ÿ", "y"},
		{"stade", "stade"}, // only whole words are abbreviations
		{"first", "first"}, // "st" inside a word stays
		{"s", "s"},         // "s" alone is not "sur"
		{"bad\xffbyte", "bad byte"},
		{"Αθήνα", "αθηνα"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeIdempotentOnNames(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	for _, c := range r.Communes() {
		k := Normalize(c.Name)
		if k == "" || Normalize(k) != k || strings.Contains(k, "  ") {
			t.Errorf("Normalize(%q) = %q: not a stable, non-empty key", c.Name, k)
		}
		for i := 0; i < len(k); i++ {
			if b := k[i]; (b < 'a' || b > 'z') && (b < '0' || b > '9') && b != ' ' {
				t.Errorf("Normalize(%q) = %q: byte %q is not a lowercase ASCII letter, digit or space", c.Name, k, b)
				break
			}
		}
	}
}

func TestAppendNormalizedLastAbbreviation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, key, short string
	}{
		{"st", "saint", "st"},
		{"ferte st", "fertesaint", "st"},
		{"ferte st ", "fertesaint", ""}, // the word is complete
		{"st ouen", "saintouen", ""},
		{"ste", "sainte", "ste"},
		{"ss", "sous", "ss"},
		{"s/", "sur", ""},
		{"stra", "stra", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			key, last := appendNormalized(nil, tt.in, 0)
			if string(key) != tt.key || last.short != tt.short {
				t.Errorf("appendNormalized(%q) = %q, %q; want %q, %q", tt.in, key, last.short, tt.key, tt.short)
			}
		})
	}
}
