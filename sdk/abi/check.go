package abi

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds the Check methods enforce, beyond the size limits of every call.
const (
	// MaxTotalCents bounds a quote's total: 100,000.00 €.
	MaxTotalCents = 10_000_000
	// MaxQuoteLines bounds the lines of a quote.
	MaxQuoteLines = 100
	// MaxNotes bounds the notes of a quote and the warnings of a verdict.
	MaxNotes = 20
	// MaxCategories bounds the categories of a territory.
	MaxCategories = 200
	// MaxMinutes bounds one occurrence of a service: a day.
	MaxMinutes = 24 * 60
	// MaxOccurrences bounds how many times a quoted service happens.
	MaxOccurrences = 1000
	// MaxDistanceMeters bounds the distance between two communes' centres.
	MaxDistanceMeters = 1_000_000
	// MaxHourlyCents bounds a proposed hourly amount: 1,000.00 € an hour.
	MaxHourlyCents = 100_000
	// MaxTimeCreditMinutes bounds the time credit of one quote.
	MaxTimeCreditMinutes = MaxMinutes * MaxOccurrences
	// MaxBalanceMinutes bounds a time-credit policy's floor (below zero)
	// and ceiling: 1,000 hours.
	MaxBalanceMinutes = 1000 * 60
	// MaxWelcomeMinutes bounds a time-credit policy's welcome credit:
	// 100 hours.
	MaxWelcomeMinutes = 100 * 60
	// MaxMessageBytes bounds a refusal's or a notice's message, and a note.
	MaxMessageBytes = 1000
	// MaxLabelBytes bounds a label, a name or a title.
	MaxLabelBytes = 200
	// MaxDescriptionBytes bounds a description.
	MaxDescriptionBytes = 5000
	// MaxCodeBytes bounds a machine code or an identifier.
	MaxCodeBytes = 64
	// DIYMaxMinutesPerJob is the longest small DIY job that counts for the
	// tax credit ("petits travaux de bricolage", two hours).
	DIYMaxMinutesPerJob = 120
)

// ValidationError is what a Check method returns: every problem found in
// one value, each with the JSON path of the offending field.
type ValidationError struct {
	// What names the checked value, such as "quote" or "manifest".
	What string
	// Problems are the rules the value breaks, in field order.
	Problems []Problem
}

// Problem is one broken rule.
type Problem struct {
	// Field is the JSON path of the field, such as "lines[2].amount_cents";
	// empty for the value as a whole.
	Field string
	// Message says what is wrong and what is expected.
	Message string
}

// Error lists every problem on one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid ")
	b.WriteString(e.What)
	b.WriteString(": ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Field != "" {
			b.WriteString(p.Field)
			b.WriteString(": ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// maxProblems bounds the problems one ValidationError lists.
const maxProblems = 50

// loc locates a field without allocating until a problem is reported:
// list[i].field, list.field or field.
type loc struct {
	list  string
	i     int
	field string
}

func (p loc) String() string {
	s := p.list
	if p.i >= 0 && p.list != "" {
		s += "[" + strconv.Itoa(p.i) + "]"
	}
	if p.field != "" {
		if s != "" {
			s += "."
		}
		s += p.field
	}
	return s
}

// at returns the path of a top-level field.
func at(field string) loc { return loc{i: -1, field: field} }

// item returns the path of a field of the i-th element of list.
func item(list string, i int, field string) loc { return loc{list: list, i: i, field: field} }

// checker accumulates problems.
type checker struct {
	what     string
	problems []Problem
	more     int
}

func (c *checker) add(p loc, msg string) {
	if len(c.problems) >= maxProblems {
		c.more++
		return
	}
	c.problems = append(c.problems, Problem{Field: p.String(), Message: msg})
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	if c.more > 0 {
		c.problems = append(c.problems, Problem{Message: strconv.Itoa(c.more) + " more problems not listed"})
	}
	return &ValidationError{What: c.what, Problems: c.problems}
}

// textKind says which characters a text may hold.
type textKind int

const (
	// line is one line: no control character.
	line textKind = iota
	// para may also hold newlines and tabs.
	para
)

// text checks a text for people: valid UTF-8, no control character
// (except newlines and tabs in a para), at most max bytes, and non-empty
// when required.
func (c *checker) text(p loc, s string, required bool, max int, kind textKind) {
	switch {
	case s == "":
		if required {
			c.add(p, "is empty; a text is required")
		}
		return
	case len(s) > max:
		c.add(p, "is "+strconv.Itoa(len(s))+" bytes long; at most "+strconv.Itoa(max)+" allowed")
		return
	case !utf8.ValidString(s):
		c.add(p, "is not valid UTF-8")
		return
	case strings.TrimSpace(s) == "" && required:
		c.add(p, "is blank; a text is required")
		return
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x20 || b == 0x7f {
			if kind == para && (b == '\n' || b == '\t' || b == '\r') {
				continue
			}
			c.add(p, "contains the control character "+strconv.QuoteRune(rune(b)))
			return
		}
	}
}

// code checks a machine code: ^[a-z][a-z0-9_]{1,63}$.
func (c *checker) code(p loc, s string) {
	if !isCode(s) {
		c.add(p, quote(s)+" is not a code: expected lowercase letters, digits and underscores, starting with a letter, 2 to 64 characters")
	}
}

// slug checks an identifier: ^[a-z0-9]+(-[a-z0-9]+)*$, at most 64 bytes.
func (c *checker) slug(p loc, s string) {
	if !isSlug(s, '-', 0) {
		c.add(p, quote(s)+" is not an identifier: expected lowercase letters and digits in groups joined by single hyphens, at most 64 characters")
	}
}

// oneOf checks that s is one of the allowed values.
func (c *checker) oneOf(p loc, s string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	c.add(p, quote(s)+" is not one of "+strings.Join(allowed, ", "))
}

// rangeInt checks lo ≤ v ≤ hi.
func (c *checker) rangeInt(p loc, v, lo, hi int64) {
	if v < lo || v > hi {
		c.add(p, "is "+strconv.FormatInt(v, 10)+"; expected between "+strconv.FormatInt(lo, 10)+" and "+strconv.FormatInt(hi, 10))
	}
}

// modes checks a list of payment modes: each known, none twice; at least
// one when required.
func (c *checker) modes(list string, modes []string, required bool) {
	if len(modes) == 0 && required {
		c.add(at(list), "is empty; at least one payment mode is required")
	}
	for i, m := range modes {
		c.oneOf(item(list, i, ""), m, Modes...)
		if indexOf(modes[:i], m) >= 0 {
			c.add(item(list, i, ""), quote(m)+" is listed twice")
		}
	}
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return strconv.Quote(s)
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func isLowerAlnum(b byte) bool { return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' }

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isCode reports whether s matches ^[a-z][a-z0-9_]{1,63}$.
func isCode(s string) bool {
	if len(s) < 2 || len(s) > MaxCodeBytes || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLowerAlnum(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

// isSlug reports whether s is groups of [a-z0-9] joined by single sep or
// alt characters (alt 0 for none), at most MaxCodeBytes long.
func isSlug(s string, sep, alt byte) bool {
	if s == "" || len(s) > MaxCodeBytes {
		return false
	}
	prevSep := true
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case isLowerAlnum(b):
			prevSep = false
		case (b == sep || alt != 0 && b == alt) && !prevSep:
			prevSep = true
		default:
			return false
		}
	}
	return !prevSep
}

// isSemver reports whether s is a semantic version 2.0.0:
// MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
func isSemver(s string) bool {
	if len(s) > MaxCodeBytes {
		return false
	}
	core, build, hasBuild := strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(core, "-")
	nums := strings.Split(core, ".")
	if len(nums) != 3 {
		return false
	}
	for _, n := range nums {
		if !isNumericIdent(n) {
			return false
		}
	}
	if hasPre && !semverIdents(pre, true) {
		return false
	}
	if hasBuild && !semverIdents(build, false) {
		return false
	}
	return true
}

func isNumericIdent(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	return isDigits(s, len(s))
}

// semverIdents checks dot-separated identifiers of [0-9A-Za-z-]; in a
// pre-release, numeric identifiers have no leading zero.
func semverIdents(s string, pre bool) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			b := id[i]
			switch {
			case '0' <= b && b <= '9':
			case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', b == '-':
				numeric = false
			default:
				return false
			}
		}
		if pre && numeric && !isNumericIdent(id) {
			return false
		}
	}
	return true
}

// isHexHash reports whether s is a lowercase hex SHA-256.
func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// isCommune reports whether s is an INSEE commune code: five digits, or
// 2A/2B and three digits for Corsica.
func isCommune(s string) bool {
	if len(s) != 5 {
		return false
	}
	if s[0] == '2' && (s[1] == 'A' || s[1] == 'B') {
		return isDigits(s[2:], 3)
	}
	return isDigits(s, 5)
}

func isCESU(mode string) bool { return mode == ModeCESUDeclaratif || mode == ModeCESUPrefinance }
