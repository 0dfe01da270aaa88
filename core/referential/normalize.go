package referential

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the name key of s: the words of s in lowercase,
// without diacritics, separated by single spaces, with no leading or
// trailing space. Latin letters become ASCII ("é" gives "e", "œ" gives
// "oe"); letters of other scripts are kept, lowercased; digits are kept;
// every other character (hyphens, apostrophes, slashes, punctuation,
// spaces) separates words. The common abbreviations are expanded: "st"
// gives "saint", "ste" "sainte", "sts" "saints", "stes" "saintes", "ss"
// "sous", and "s/" "sur".
//
// Normalize("L'Isle-Adam") is "l isle adam" and Normalize("LA FERTE ST
// AUBIN") is "la ferte saint aubin", the same as
// Normalize("La Ferté-Saint-Aubin").
func Normalize(s string) string {
	var buf [128]byte
	out, _ := appendNormalized(buf[:0], s, ' ')
	return string(out)
}

// abbreviation is a word that Normalize expands.
type abbreviation struct{ short, long string }

// abbreviations are the abbreviated words that Normalize expands.
var abbreviations = [...]abbreviation{
	{"st", "saint"},
	{"ste", "sainte"},
	{"sts", "saints"},
	{"stes", "saintes"},
	{"ss", "sous"},
}

// expand returns the abbreviation spelled w, if any.
func expand(w []byte) (abbreviation, bool) {
	if len(w) < 2 || len(w) > 4 || w[0] != 's' {
		return abbreviation{}, false
	}
	for _, a := range abbreviations {
		if string(w) == a.short {
			return a, true
		}
	}
	return abbreviation{}, false
}

// asciiFold maps the Latin-1 Supplement and Latin Extended-A and -B letters
// (U+00C0 to U+024F) to their lowercase ASCII spelling, or "" when the rune
// is not a letter that folds to ASCII.
var asciiFold = buildASCIIFold()

const (
	foldFirst = 0x00C0
	foldLast  = 0x024F
)

func buildASCIIFold() *[foldLast - foldFirst + 1]string {
	var t [foldLast - foldFirst + 1]string
	special := map[rune]string{
		'Œ': "oe", 'œ': "oe", 'Æ': "ae", 'æ': "ae", 'ß': "ss",
		'Ø': "o", 'ø': "o", 'Đ': "d", 'đ': "d", 'Ł': "l", 'ł': "l",
		'Ð': "d", 'ð': "d", 'Þ': "th", 'þ': "th", 'ı': "i", 'Ŀ': "l", 'ŀ': "l",
	}
	for r := rune(foldFirst); r <= foldLast; r++ {
		if s, ok := special[r]; ok {
			t[r-foldFirst] = s
			continue
		}
		if s := foldRune(r); s != "" && isASCIILower(s) {
			t[r-foldFirst] = s
		}
	}
	return &t
}

// foldRune decomposes r, drops its combining marks and lowercases the rest.
func foldRune(r rune) string {
	var b strings.Builder
	for _, d := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		b.WriteRune(unicode.ToLower(d))
	}
	return b.String()
}

func isASCIILower(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// appendNormalized appends the name key of s to dst, words separated by sep
// (or not separated at all when sep is 0). It also returns the last word of
// s when that word was an abbreviation that was expanded and s does not end
// with a separator, so that a prefix search can try both spellings ("st"
// may also start "Strasbourg").
func appendNormalized(dst []byte, s string, sep byte) (out []byte, last abbreviation) {
	n := normalizer{dst: dst, base: len(dst), sep: sep, wordStart: -1}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				n.startWord()
				n.dst = append(n.dst, c)
			case c >= 'A' && c <= 'Z':
				n.startWord()
				n.dst = append(n.dst, c+('a'-'A'))
			case c == '/':
				n.endWord(true)
			default:
				n.endWord(false)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= foldFirst && r <= foldLast {
			if f := asciiFold[r-foldFirst]; f != "" {
				n.startWord()
				n.dst = append(n.dst, f...)
				continue
			}
		}
		switch {
		case r == utf8.RuneError:
			n.endWord(false)
		case unicode.Is(unicode.Mn, r):
			// A combining mark of decomposed input: drop it, stay in the word.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if f := foldRune(r); f != "" {
				n.startWord()
				n.dst = append(n.dst, f...)
			}
		default:
			n.endWord(false)
		}
	}
	if n.wordStart < 0 {
		// The query ends with a separator: its last word is complete.
		return n.dst, abbreviation{}
	}
	n.endWord(false)
	return n.dst, n.last
}

// normalizer is the state of appendNormalized.
type normalizer struct {
	dst       []byte
	base      int          // len(dst) on entry: nothing before it belongs to this key
	sep       byte         // word separator, 0 for none
	wordStart int          // index in dst where the current word starts, -1 between words
	last      abbreviation // the last word when it was an abbreviation
}

func (n *normalizer) startWord() {
	if n.wordStart >= 0 {
		return
	}
	if n.sep != 0 && len(n.dst) > n.base {
		n.dst = append(n.dst, n.sep)
	}
	n.wordStart = len(n.dst)
}

// endWord closes the current word, expanding it when it is an abbreviation;
// slash tells that the word is followed by "/", which makes "s/" mean "sur".
func (n *normalizer) endWord(slash bool) {
	if n.wordStart < 0 {
		return
	}
	w := n.dst[n.wordStart:]
	n.last = abbreviation{}
	if slash && len(w) == 1 && w[0] == 's' {
		n.dst = append(n.dst[:n.wordStart], "sur"...)
	} else if x, ok := expand(w); ok {
		n.last = x
		n.dst = append(n.dst[:n.wordStart], x.long...)
	}
	n.wordStart = -1
}
