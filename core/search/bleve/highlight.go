package bleve

import (
	"html"
	"strings"
	"unicode/utf8"
)

// snippetBytes bounds a description's snippet (about 240 characters).
const snippetBytes = 240

// highlight returns s as HTML: escaped, with the words that match the
// query between <mark> and </mark>. With limit > 0 and s longer, it
// returns a window of about limit bytes around the first match, cut at spaces, with
// "…" where it was cut.
//
// The words are found by analysing s as the index does, so a mark covers
// exactly the word as the listing wrote it ("Électricien", "l'hôpital"),
// whatever the query's accents, typos or stems.
func (p *plan) highlight(s string, limit int) string {
	type span struct{ start, end int }
	var marks []span
	for _, t := range analyzer().Analyze([]byte(s)) {
		if p.matches(string(t.Term)) {
			marks = append(marks, span{t.Start, t.End})
		}
	}
	from, to := 0, len(s)
	if limit > 0 && len(s) > limit {
		anchor := 0
		if len(marks) > 0 {
			anchor = max(0, marks[0].start-limit/4)
		}
		from, to = window(s, anchor, limit)
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, m := range marks {
		if m.start < from || m.end > to {
			continue
		}
		b.WriteString(html.EscapeString(s[at:m.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(s[m.start:m.end]))
		b.WriteString("</mark>")
		at = m.end
	}
	b.WriteString(html.EscapeString(s[at:to]))
	if to < len(s) {
		b.WriteString("…")
	}
	return b.String()
}

// window returns the bounds of about n bytes of s from start, moved to
// the spaces around them so that no word (nor character) is cut.
func window(s string, start, n int) (int, int) {
	if start > 0 {
		if i := strings.IndexByte(s[start:], ' '); i >= 0 && i < n/4 {
			start += i + 1
		}
		for start < len(s) && !utf8.RuneStart(s[start]) {
			start++
		}
	}
	end := min(len(s), start+n)
	if end < len(s) {
		if i := strings.LastIndexByte(s[start:end], ' '); i > n/2 {
			end = start + i
		}
		for end > start && !utf8.RuneStart(s[end]) {
			end--
		}
	}
	return start, end
}

// matches reports whether the indexed term t is one the query asked for.
func (p *plan) matches(t string) bool {
	for _, m := range p.matchers {
		if t == m.term || (m.prefix && strings.HasPrefix(t, m.term)) || (m.edits > 0 && withinEdits(t, m.term, m.edits)) {
			return true
		}
	}
	return false
}

// withinEdits reports whether a and b are at most k Levenshtein edits
// apart, as Bleve's fuzzy query counts them (on characters).
func withinEdits(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)] <= k
}
