package bleve

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/elision"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// analyzerName is the French analyzer; scopedAnalyzerName the same with
// every term prefixed by its territory (see scopedAnalyzer). Changing what
// they do changes the index: bump mappingVersion with it.
const (
	analyzerName       = "campagnon_fr"
	scopedAnalyzerName = "campagnon_fr_scoped"
)

// newFrenchAnalyzer returns, in order: the Unicode word tokenizer; lower
// case; French elision ("l'électricien" → "électricien"); accent folding
// ("électricien" → "electricien", "œ" → "oe"); French stop words (folded
// too, so "a" and "à" both go); Bleve's French light stemmer; and a last
// step for the "-age" nouns of services ("bricolage" → "bricol", like
// "bricoler").
//
// Folding is a token filter here, not Bleve's asciifolding character
// filter: a character filter changes byte lengths before tokenizing, which
// would shift the highlight offsets in the stored (accented) text.
func newFrenchAnalyzer() *analysis.DefaultAnalyzer {
	stops := analysis.NewTokenMap()
	_ = stops.LoadBytes(fr.FrenchStopWords)
	folded := analysis.NewTokenMap()
	for w := range stops {
		folded.AddToken(fold(w))
	}
	articles := analysis.NewTokenMap()
	_ = articles.LoadBytes(fr.FrenchArticles)
	return &analysis.DefaultAnalyzer{
		Tokenizer: unicode.NewUnicodeTokenizer(),
		TokenFilters: []analysis.TokenFilter{
			lowercase.NewLowerCaseFilter(),
			elision.NewElisionFilter(articles),
			foldFilter{},
			stop.NewStopTokensFilter(folded),
			fr.NewFrenchLightStemmerFilter(),
			ageFilter{},
		},
	}
}

// The analyzer is registered by name: an index on disk records the name in
// its mapping and finds the analyzer again when it is opened.
func init() {
	err := registry.RegisterAnalyzer(analyzerName, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return newFrenchAnalyzer(), nil
	})
	if err != nil {
		panic(err)
	}
	err = registry.RegisterAnalyzer(scopedAnalyzerName, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return scopedAnalyzer{newFrenchAnalyzer()}, nil
	})
	if err != nil {
		panic(err)
	}
}

// scopeSep ends the territory at the start of a scoped text.
const scopeSep = '\x1f'

// scopePrefix is what starts every term of territory's listings.
func scopePrefix(territory string) string { return territory + "|" }

// scopedText is the value of a scoped field: the territory, then the text.
func scopedText(territory, text string) string {
	return territory + string(scopeSep) + text
}

// scopedAnalyzer analyses "territory\x1ftext" into the French terms of the
// text, each prefixed with "territory|". The index thus holds one posting
// list per word and territory: a search in a territory reads only its
// listings' postings, whatever the size of the country's index, and
// scores words by their rarity in the territory.
type scopedAnalyzer struct{ inner analysis.Analyzer }

func (a scopedAnalyzer) Analyze(input []byte) analysis.TokenStream {
	i := bytes.IndexByte(input, scopeSep)
	if i < 0 {
		return nil
	}
	prefix := scopePrefix(string(input[:i]))
	tokens := a.inner.Analyze(input[i+1:])
	for _, t := range tokens {
		t.Term = append([]byte(prefix), t.Term...)
	}
	return tokens
}

// foldFilter removes the accents of Latin letters and splits the ligatures
// French uses, so that "electricien" finds "électricien".
type foldFilter struct{}

func (foldFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, t := range input {
		if needsFold(t.Term) {
			t.Term = []byte(fold(string(t.Term)))
		}
	}
	return input
}

func needsFold(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// fold removes accents from s (already lower case).
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if f, ok := folds[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var folds = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a",
	'ç': "c",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i",
	'ñ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u",
	'ý': "y", 'ÿ': "y",
	'œ': "oe", 'æ': "ae",
	'’': "'", 'ʼ': "'",
}

// ageFilter ends the light stemmer's work on the nouns of services in
// "-age", which it leaves as "-ag": "bricolag" → "bricol" (as "bricoler"),
// "nettoyag" → "nettoy", "covoiturag" → "covoitur". Short words keep their
// ending ("garag", "menag", "villag").
type ageFilter struct{}

func (ageFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, t := range input {
		if n := len(t.Term); n > 6 && string(t.Term[n-2:]) == "ag" {
			t.Term = t.Term[:n-2]
		}
	}
	return input
}
