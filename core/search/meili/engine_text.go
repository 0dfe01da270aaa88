package meili

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/campagnon/campagnon/core/search"
)

// maxRewriteRunes bounds the words compared with the synonyms (a longer
// word is no synonym, and the comparison is quadratic).
const maxRewriteRunes = 32

// fold lowercases s and removes its accents, as Meilisearch's normalizer
// does before it compares words.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// textVocabulary is what queryText compares words with, folded once.
type textVocabulary struct {
	stop map[string]bool
	// synonyms are the one-word members of search.Synonyms.
	synonyms []synonym
}

// synonym is a member of search.Synonyms as written, and folded.
type synonym struct{ word, folded string }

var vocabulary = sync.OnceValue(func() textVocabulary {
	v := textVocabulary{stop: map[string]bool{}}
	for _, w := range frenchStopWords {
		v.stop[fold(w)] = true
	}
	for _, group := range search.Synonyms {
		for _, m := range group {
			if !strings.ContainsRune(m, ' ') {
				v.synonyms = append(v.synonyms, synonym{m, fold(m)})
			}
		}
	}
	return v
})

// typos is how many typos Meilisearch tolerates in a word of n letters
// (the index's typoTolerance settings).
func typos(n int) int {
	switch {
	case n >= twoTypos:
		return 2
	case n >= oneTypo:
		return 1
	}
	return 0
}

// queryText is the q sent to Meilisearch for what a person typed:
//   - a word within typo tolerance of a one-word synonym is replaced by
//     that synonym. Meilisearch applies synonyms to words as typed only, so
//     « jardinnage » would find « jardinage » but never « jardin »; read as
//     « jardinage », it finds both, as the embedded engine does;
//   - a text made only of stop words (« de la ») is no text: it lists
//     everything, as the embedded engine does.
func queryText(text string) string {
	v := vocabulary()
	var b strings.Builder
	content := false
	for text != "" {
		i := strings.IndexFunc(text, isWordRune)
		if i < 0 {
			b.WriteString(text)
			break
		}
		b.WriteString(text[:i])
		text = text[i:]
		j := strings.IndexFunc(text, func(r rune) bool { return !isWordRune(r) })
		if j < 0 {
			j = len(text)
		}
		word := text[:j]
		text = text[j:]
		f := fold(word)
		if !v.stop[f] {
			content = true
		}
		b.WriteString(nearestSynonym(word, f, v.synonyms))
	}
	if !content {
		return ""
	}
	return strings.TrimSpace(b.String())
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// nearestSynonym returns the synonym nearest to word (folded f) within
// typo tolerance, or word itself when it is one or none is near.
func nearestSynonym(word, f string, synonyms []synonym) string {
	n := utf8.RuneCountInString(f)
	if n > maxRewriteRunes {
		return word
	}
	best, bestDist := word, typos(n)+1
	for _, s := range synonyms {
		if s.folded == f {
			return word
		}
		if d := editDistance(f, s.folded, bestDist); d < bestDist {
			best, bestDist = s.word, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance of a and b (a
// transposition counts as one typo, as in Meilisearch), or limit when it
// is limit or more.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit {
		return limit
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], limit)
}
