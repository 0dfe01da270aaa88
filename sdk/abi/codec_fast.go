package abi

import (
	"math/bits"
	"unicode/utf8"
)

// The fast paths of the codec, shaped for a Go wasm guest, where a loop
// iteration or a function entry costs ~25 ns and plain arithmetic almost
// nothing: straight-line code, eight bytes at a time, no memequal (a byte
// loop on wasm).
//
// The request decoder recognises the canonical layout AppendQuoteRequest
// writes (fields in struct order, no whitespace, plain strings) and falls
// back to the general decoder on the first deviation, so it changes no
// result, only the cost.

// strTail loads the n < 8 bytes of s at i into the low bytes of a word,
// without branching on n (a switch is a chain of jumps on wasm): byte k
// is read at i+min(k, n-1), always inside s, and masked off when k ≥ n.
func strTail(s string, i, n int) uint64 {
	if n <= 0 {
		return 0
	}
	return tailByte(s, i, n, 0) | tailByte(s, i, n, 1) | tailByte(s, i, n, 2) | tailByte(s, i, n, 3) |
		tailByte(s, i, n, 4) | tailByte(s, i, n, 5) | tailByte(s, i, n, 6)
}

// tailByte is byte k of strTail, shifted into place (Go does not unroll
// loops, and a loop iteration is what costs on wasm).
func tailByte(s string, i, n, k int) uint64 {
	d := n - 1 - k
	return uint64(s[i+k+(d&(d>>63))]) &^ uint64(d>>63) << (8 * k)
}

// lit is a literal of the canonical layout, 8 to 32 bytes long, as four
// overlapping words at offs.
type lit struct {
	n    int
	offs [4]int
	w    [4]uint64
}

func mkLit(s string) *lit {
	if len(s) < 8 || len(s) > 32 {
		panic("abi: literal length out of range: " + s)
	}
	l := &lit{n: len(s)}
	for k := range l.offs {
		l.offs[k] = min(8*k, len(s)-8)
		l.w[k] = sloadLE(s, l.offs[k])
	}
	return l
}

// diff returns 0 when data[p:] starts with the literal, and something else
// otherwise. It does not branch: a position too close to the end is
// clamped to 0 (len(data) ≥ 32 is checked once by the caller) and counted
// as a difference. (In Go, ^ and | have the same precedence: each word's
// difference is parenthesised before it is or-ed in.)
func (l *lit) diff(data []byte, p int) uint64 {
	over := (len(data) - l.n - p) >> 63 // all ones when the literal would run past the end
	q := p &^ over
	a, b, c, d := load4LE(data, q+l.offs[0], q+l.offs[1], q+l.offs[2], q+l.offs[3])
	return uint64(over) | (a ^ l.w[0]) | (b ^ l.w[1]) | (c ^ l.w[2]) | (d ^ l.w[3])
}

// at reports whether data[p:] starts with the literal.
func (l *lit) at(data []byte, p int) bool { return l.diff(data, p) == 0 }

// maybe reports whether data[p:] starts with the literal's first eight
// bytes, enough to tell an optional field from the next one: the function
// that reads the field then checks the whole literal. Small enough to be
// inlined, unlike diff.
func (l *lit) maybe(data []byte, p int) bool { return p+8 <= len(data) && loadLE(data, p) == l.w[0] }

// The literals of the canonical request, in order.
var (
	litNow         = mkLit(`{"context":{"now":"`)
	litSlug        = mkLit(`","territory":{"slug":"`)
	litName        = mkLit(`","name":"`)
	litEPCI        = mkLit(`","epci":"`)
	litHash        = mkLit(`"},"config_hash":"`)
	litConfig      = mkLit(`","config":`)
	litAfterConfig = mkLit(`},"category":"`)
	litCategory    = mkLit(`"},"category":"`)
	litModality    = mkLit(`","modality":"`)
	litMode        = mkLit(`","mode":"`)
	litMinutes     = mkLit(`","minutes":`)
	litDistance    = mkLit(`,"distance_m":`)
	litOccurrences = mkLit(`,"occurrences":`)
	litHourly      = mkLit(`,"hourly_cents":`)
	litSAP         = mkLit(`,"provider_sap":true`)
	litSolidarity  = mkLit(`,"solidarity":true`)
)

// wordBad compares the data word at p+o with the word of prev at o, and
// flags the bytes a plain string cannot hold: 0 when equal and plain.
func wordBad(data []byte, p int, prev string, o int) uint64 {
	w := loadLE(data, p+o)
	return w ^ sloadLE(prev, o) | specialSkip(w)
}

// plainEnd returns the index of the quote closing the string content at
// data[p:], or -1 when the content has an escape or a control byte, or
// invalid UTF-8, or runs to the end.
func plainEnd(data []byte, p int) int {
	for p+8 <= len(data) {
		m := specialRead(loadLE(data, p))
		if m == 0 {
			p += 8
			continue
		}
		i := p + bits.TrailingZeros64(m)>>3
		c := data[i]
		if c == '"' {
			return i
		}
		if c < utf8.RuneSelf {
			return -1
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return -1
		}
		p = i + n
	}
	return -1 // the canonical layout never ends inside a string: let the general decoder say why
}

// fastString checks the literal l at *p, then reads the plain string whose
// content follows it into *dst, reusing prev when unchanged, and leaves *p
// on the closing quote. It returns 0, or something else when the literal
// is not there or the string is not plain. The three steps are one
// function: on wasm a call costs more than their work.
//
// The content is prev when it is exactly prev's bytes, closed by a quote,
// with no byte that would need unescaping; strings of 8 bytes or more are
// compared in overlapping words, 32 bytes an iteration.
func fastString(data []byte, p *int, l *lit, dst *string, prev string) uint64 {
	// l.diff(data, *p), written out: diff is too large for Go to inline.
	over := (len(data) - l.n - *p) >> 63
	q := *p &^ over
	a, b, c, d := load4LE(data, q+l.offs[0], q+l.offs[1], q+l.offs[2], q+l.offs[3])
	bad := uint64(over) | (a ^ l.w[0]) | (b ^ l.w[1]) | (c ^ l.w[2]) | (d ^ l.w[3])
	start := *p + l.n
	n := len(prev)
	differs := uint64(1)
	if start+n+8 <= len(data) {
		differs = uint64(data[start+n] ^ '"')
		if n < 8 {
			keep := uint64(1)<<(8*n) - 1
			w := loadLE(data, start) & keep
			differs |= w ^ strTail(prev, 0, n) | specialSkip(w)&keep
		} else {
			i := 0
			for ; i+32 <= n; i += 32 {
				differs |= wordBad(data, start, prev, i) | wordBad(data, start, prev, i+8) |
					wordBad(data, start, prev, i+16) | wordBad(data, start, prev, i+24)
			}
			// 0 to 31 bytes left, in four words, the last ending at n; the
			// offsets fall back to n-8 without a branch (d>>63 is all ones
			// when d < 0).
			d0, d1, d2 := n-i-8, n-i-16, n-i-24
			differs |= wordBad(data, start, prev, i+(d0&(d0>>63))) | wordBad(data, start, prev, i+8+(d1&(d1>>63))) |
				wordBad(data, start, prev, i+16+(d2&(d2>>63))) | wordBad(data, start, prev, n-8)
		}
	}
	if differs == 0 {
		*dst = prev
		*p = start + n
		return bad
	}
	end := plainEnd(data, start)
	if end < 0 {
		return 1
	}
	*dst = string(data[start:end])
	*p = end
	return bad
}

// fastInt checks the literal l at *p, then reads the canonical integer
// that follows it (no fraction, exponent or leading zero, at most 18
// digits). It returns 0, or something else.
//
// Up to seven digits (every duration, distance and rate the ABI allows)
// are read from one word without a loop (fastDigits); longer numbers, or
// one too close to the end of the input, take the loop of slowInt.
func fastInt(data []byte, p *int, l *lit, dst *int64) uint64 {
	// l.diff(data, *p), written out: diff is too large for Go to inline.
	over := (len(data) - l.n - *p) >> 63
	q := *p &^ over
	a, b, c, d := load4LE(data, q+l.offs[0], q+l.offs[1], q+l.offs[2], q+l.offs[3])
	bad := uint64(over) | (a ^ l.w[0]) | (b ^ l.w[1]) | (c ^ l.w[2]) | (d ^ l.w[3])
	i := *p + l.n
	if i+9 > len(data) {
		return bad | slowInt(data, p, i, dst)
	}
	neg := 0
	if data[i] == '-' {
		neg = 1
	}
	start := i + neg
	u, n := fastDigits(loadLE(data, start))
	if n == 8 {
		return bad | slowInt(data, p, i, dst)
	}
	end := start + n
	if n == 0 || n > 1 && data[start] == '0' || data[end] == '.' || data[end]|0x20 == 'e' {
		return 1
	}
	*dst = int64(u^-uint64(neg)) + int64(neg)
	*p = end
	return bad
}

// fastDigits reads the decimal digits at the start of the word w (eight
// input bytes, little-endian) without a branch: it returns their value and
// how many there are, 8 when every byte is a digit (then the value is not
// computed).
func fastDigits(w uint64) (value uint64, n int) {
	// A byte is a digit when its high nibble is 3 before and after adding 6
	// (a carry out of a byte that is not a digit can only spoil the bytes
	// after it, which are not read).
	z := (w&0xF0F0F0F0F0F0F0F0 ^ 0x3030303030303030) | ((w+0x0606060606060606)&0xF0F0F0F0F0F0F0F0 ^ 0x3030303030303030)
	notDigit := ((z&0x7F7F7F7F7F7F7F7F + 0x7F7F7F7F7F7F7F7F) | z) & 0x8080808080808080
	n = bits.TrailingZeros64(notDigit) >> 3
	// The n digits moved to the top of the word, zeros below them as
	// leading zeros (no digit at all shifts everything out), then
	// combined pairwise: 2, 4, then 8 digits a lane.
	v := (w - 0x3030303030303030) << (8 * (8 - n))
	v = (v*10 + v>>8) & 0x00FF00FF00FF00FF
	v = (v*100 + v>>16) & 0x0000FFFF0000FFFF
	v = (v*10000 + v>>32) & 0xFFFFFFFF
	return v, n
}

// slowInt reads the canonical integer at i like fastInt, a digit an
// iteration.
func slowInt(data []byte, p *int, i int, dst *int64) uint64 {
	neg := i < len(data) && data[i] == '-'
	if neg {
		i++
	}
	start := i
	var u uint64
	for i < len(data) {
		v := data[i] - '0'
		if v > 9 {
			break
		}
		u = u*10 + uint64(v)
		i++
	}
	n := i - start
	if n == 0 || n > 18 || n > 1 && data[start] == '0' || i >= len(data) || data[i] == '.' || data[i]|0x20 == 'e' {
		return 1
	}
	if neg {
		*dst = -int64(u)
	} else {
		*dst = int64(u)
	}
	*p = i
	return 0
}

func fastIntN(data []byte, p *int, l *lit, dst *int) uint64 {
	var v int64
	bad := fastInt(data, p, l, &v)
	*dst = int(v)
	return bad
}

// decodeQuoteRequestCanonical decodes the layout AppendQuoteRequest writes,
// or reports false (leaving r partly written) at the first deviation. On
// the way it accumulates deviations in bad instead of branching on each:
// on wasm a taken branch costs a loop iteration.
func decodeQuoteRequestCanonical(data []byte, r, prev *QuoteRequest) bool {
	if len(data) < 32 {
		return false
	}
	x, px := &r.Context, &prev.Context
	p := 0
	bad := fastString(data, &p, litNow, &x.Now, px.Now)
	bad |= fastString(data, &p, litSlug, &x.Territory.Slug, px.Territory.Slug)
	bad |= fastString(data, &p, litName, &x.Territory.Name, px.Territory.Name)
	if litEPCI.maybe(data, p) {
		bad |= fastString(data, &p, litEPCI, &x.Territory.EPCI, px.Territory.EPCI)
	}
	bad |= fastString(data, &p, litHash, &x.ConfigHash, px.ConfigHash)
	category := litCategory
	if litConfig.maybe(data, p) && litConfig.at(data, p) {
		if bad != 0 {
			return false
		}
		// The configuration comes once per instance: the general scanner
		// validates it, at its nesting level (request, context, config).
		p += litConfig.n
		d := decoder{data: data, pos: p, depth: 2}
		if d.peek() <= ' ' || d.skip() != nil {
			return false
		}
		x.Config = data[p:d.pos:d.pos]
		p = d.pos
		category = litAfterConfig
	}
	bad |= fastString(data, &p, category, &r.Category, prev.Category)
	bad |= fastString(data, &p, litModality, &r.Modality, prev.Modality)
	bad |= fastString(data, &p, litMode, &r.Mode, prev.Mode)
	bad |= fastIntN(data, &p, litMinutes, &r.Minutes)
	if litDistance.maybe(data, p) {
		bad |= fastIntN(data, &p, litDistance, &r.DistanceMeters)
	}
	bad |= fastIntN(data, &p, litOccurrences, &r.Occurrences)
	if litHourly.maybe(data, p) {
		bad |= fastInt(data, &p, litHourly, &r.HourlyCents)
	}
	if litSAP.maybe(data, p) && litSAP.at(data, p) {
		p += litSAP.n
		r.ProviderSAP = true
	}
	if litSolidarity.maybe(data, p) && litSolidarity.at(data, p) {
		p += litSolidarity.n
		r.Solidarity = true
	}
	return bad == 0 && p == len(data)-1 && data[p] == '}'
}

// writer appends to a buffer with room made ahead for a bound on what
// follows (newWriter, reserve), so that each write is a copy or a store
// without a capacity check that can fail.
type writer struct {
	b []byte // len(b) == cap(b)
	n int
	// plain, when set, remembers the strings known to need no escape.
	plain *plainCache
}

// newWriter returns a writer appending to dst with room for need bytes.
func newWriter(dst []byte, need int) writer {
	if cap(dst)-len(dst) < need {
		nb := make([]byte, len(dst), max(2*cap(dst), len(dst)+need))
		copy(nb, dst)
		dst = nb
	}
	return writer{b: dst[:cap(dst)], n: len(dst)}
}

func (w *writer) bytes() []byte { return w.b[:w.n] }

func (w *writer) raw(s string) { w.n += copy(w.b[w.n:], s) }

func (w *writer) byte(c byte) {
	w.b[w.n] = c
	w.n++
}

// byte2 writes two bytes.
func (w *writer) byte2(c, d byte) {
	b := w.b[w.n : w.n+2]
	b[0], b[1] = c, d
	w.n += 2
}

// reserve makes room for n more bytes, growing the buffer when needed.
func (w *writer) reserve(n int) {
	if len(w.b)-w.n < n {
		w.grow(n)
	}
}

func (w *writer) grow(n int) {
	nb := make([]byte, max(2*len(w.b), w.n+n))
	copy(nb, w.b[:w.n])
	w.b = nb
}

// maxIntBytes bounds the room w.int needs: a sign, 19 digits, and the
// spare bytes of its last word store.
const maxIntBytes = 28

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// digitsByLen estimates the decimal length of a number from its bit length;
// the estimate is one short at most.
// It covers numbers below 10^8 (27 bits).
var digitsByLen = func() (t [28]uint8) {
	for l := range t {
		low := uint64(1) << max(l-1, 0) // the smallest number of bit length l (l ≥ 1)
		for t[l] = 1; low >= pow10[t[l]]; t[l]++ {
		}
	}
	return t
}()

var pow10 = [9]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// int writes v in decimal. Below 10^8 (every amount the rules allow) it
// does not branch on the digits: eight digits are built in a word and the
// leading zeros shifted out.
func (w *writer) int(v int64) {
	// The sign without a branch: '-' is written, and kept only when v < 0.
	neg := uint64(v) >> 63
	w.b[w.n] = '-'
	w.n += int(neg)
	u := (uint64(v) ^ -neg) + neg
	if u >= 100_000_000 {
		w.bigInt(u)
		return
	}
	hi, lo := u/10000, u%10000
	a, b, c, d := hi/100*2, hi%100*2, lo/100*2, lo%100*2
	word := uint64(digitPairs[a]) | uint64(digitPairs[a+1])<<8 | uint64(digitPairs[b])<<16 | uint64(digitPairs[b+1])<<24 |
		uint64(digitPairs[c])<<32 | uint64(digitPairs[c+1])<<40 | uint64(digitPairs[d])<<48 | uint64(digitPairs[d+1])<<56
	n := int(digitsByLen[bits.Len64(u)])
	n += int((pow10[n] - 1 - u) >> 63) // one more digit when u ≥ 10^n
	storeLE(w.b, w.n, word>>(8*(8-n)))
	w.n += n
}

// bigInt writes u ≥ 10^8 in decimal, two digits an iteration.
func (w *writer) bigInt(u uint64) {
	var tmp [20]byte
	i := len(tmp)
	for u >= 100 {
		q := u / 100
		r := (u - q*100) * 2
		i -= 2
		tmp[i], tmp[i+1] = digitPairs[r], digitPairs[r+1]
		u = q
	}
	if u >= 10 {
		i -= 2
		tmp[i], tmp[i+1] = digitPairs[u*2], digitPairs[u*2+1]
	} else {
		i--
		tmp[i] = byte('0' + u)
	}
	w.n += copy(w.b[w.n:], tmp[i:])
}

// maxStringBytes bounds the JSON of s: every byte may become \u00XX.
func maxStringBytes(s string) int { return 2 + 6*len(s) }

// str writes s as a JSON string, escaped exactly like json.Marshal. A
// string that w.plain remembers is copied as it is, with no other call (on
// wasm a call costs more than a short string's copy); the others take
// strSlow.
func (w *writer) str(s string) {
	if c := w.plain; c != nil && c.has(s) {
		w.quoted(s)
		return
	}
	w.strSlow(s)
}

// quoted writes s between quotes, as it is.
func (w *writer) quoted(s string) {
	b := w.b
	b[w.n] = '"'
	n := w.n + 1 + copy(b[w.n+1:], s)
	b[n] = '"'
	w.n = n + 1
}

// strSlow writes s, checking what needs escaping, and remembers it in
// w.plain when nothing does.
func (w *writer) strSlow(s string) {
	if !w.strPlain(s) {
		w.strEscaped(s)
		return
	}
	if c := w.plain; c != nil {
		c.add(s)
	}
}

// strPlain writes s when it needs no escape: ASCII that json.Marshal
// leaves alone, and valid UTF-8 other than U+2028 and U+2029. It checks
// two-byte sequences (the accents of French) inline. It reports false,
// having written nothing, for anything else.
func (w *writer) strPlain(s string) bool {
	n := len(s)
	if n < 8 {
		keep := uint64(1)<<(8*n) - 1
		if specialWrite(strTail(s, 0, n))&keep != 0 {
			return false
		}
	} else {
		for i := 0; i < n; {
			var m uint64
			if i+8 <= n {
				m = specialWrite(sloadLE(s, i))
			} else {
				// The last bytes: shift out those already seen, so that
				// none of them can raise a false flag above.
				m = specialWrite(sloadLE(s, n-8)>>(8*(i+8-n))) & (1<<(8*(n-i)) - 1)
			}
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
			c := s[i]
			switch {
			case c < utf8.RuneSelf:
				return false
			case c >= 0xC2 && c <= 0xDF && i+1 < n && s[i+1]&0xC0 == 0x80:
				i += 2
			default:
				r, size := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
					return false
				}
				i += size
			}
		}
	}
	b := w.b
	b[w.n] = '"'
	w.n += 1 + copy(b[w.n+1:], s)
	b[w.n] = '"'
	w.n++
	return true
}

// strEscaped writes s, which needs escaping, like json.Marshal.
func (w *writer) strEscaped(s string) {
	w.byte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !needEscape[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError && r != '\u2028' && r != '\u2029' || size != 1 && r == utf8.RuneError {
				i += size
				continue
			}
			w.n += copy(w.b[w.n:], s[start:i])
			if r == utf8.RuneError {
				w.raw(`\ufffd`)
			} else {
				w.raw(`\u202`)
				w.byte(hexDigits[r&0xF])
			}
			i += size
			start = i
			continue
		}
		w.n += copy(w.b[w.n:], s[start:i])
		switch c {
		case '\\', '"':
			w.byte('\\')
			w.byte(c)
		case '\b':
			w.raw(`\b`)
		case '\f':
			w.raw(`\f`)
		case '\n':
			w.raw(`\n`)
		case '\r':
			w.raw(`\r`)
		case '\t':
			w.raw(`\t`)
		default:
			w.raw(`\u00`)
			w.byte(hexDigits[c>>4])
			w.byte(hexDigits[c&0xF])
		}
		i++
		start = i
	}
	w.n += copy(w.b[w.n:], s[start:])
	w.byte('"')
}
