package abi

import (
	"math/bits"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The hand-written JSON codec of the hot operation, quote.
//
// Inside a Go wasm guest every taken branch costs about 25 ns (wazero checks
// for cancellation at each loop header, and Go routes its branches through
// loops), so encoding/json costs ~170 µs a quote where this codec costs a
// few µs. It uses no reflection, appends into the caller's buffers, scans
// strings eight bytes at a time and reuses the strings of the previous
// value when they have not changed.
//
// It accepts exactly the JSON encoding/json accepts for these types, with
// the same result: any whitespace and field order, unknown fields skipped
// (but validated), case-insensitive field names, every escape including
// surrogate pairs, invalid UTF-8 replaced by U+FFFD, null leaving a field
// unchanged, integers only (no fraction or exponent) within range, nesting
// at most 10,000 deep. The differential tests and fuzz targets hold it to
// that.

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// CodecError is a JSON syntax or type error found by the codec.
type CodecError struct {
	// Offset is the byte offset in the input where the error was found.
	Offset int
	// Msg says what was expected.
	Msg string
}

// Error returns the message with its offset.
func (e *CodecError) Error() string {
	return "JSON at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// decoder reads one JSON document.
type decoder struct {
	data  []byte
	pos   int
	depth int
	// inArray records, one bit a nesting level, whether skip is inside an
	// array: the first 64 levels in a word, deeper ones in deep (allocated
	// only for deeply nested input).
	inArray uint64
	deep    []uint64
	// scratch holds an unescaped string or key (allocated on first need).
	scratch []byte
}

func (d *decoder) init(data []byte) {
	d.data = data
}

// setLevel records whether nesting level d.depth is an array.
func (d *decoder) setLevel(array bool) {
	var bit uint64
	if array {
		bit = 1
	}
	if n := d.depth; n < 64 {
		d.inArray = d.inArray&^(1<<n) | bit<<n
		return
	}
	i := d.depth>>6 - 1
	for len(d.deep) <= i {
		d.deep = append(d.deep, 0)
	}
	d.deep[i] = d.deep[i]&^(1<<(d.depth&63)) | bit<<(d.depth&63)
}

// level reports whether nesting level d.depth is an array.
func (d *decoder) level() bool {
	if n := d.depth; n < 64 {
		return d.inArray&(1<<n) != 0
	}
	return d.deep[d.depth>>6-1]&(1<<(d.depth&63)) != 0
}

func (d *decoder) errorf(msg string) error {
	return &CodecError{Offset: d.pos, Msg: msg}
}

// unexpected describes the byte at pos.
func (d *decoder) unexpected(what string) error {
	if d.pos >= len(d.data) {
		return d.errorf("unexpected end of input, expected " + what)
	}
	return d.errorf("invalid character " + strconv.QuoteRune(rune(d.data[d.pos])) + ", expected " + what)
}

func (d *decoder) typeError(want string) error {
	var got string
	switch c := d.peek(); {
	case c == '"':
		got = "string"
	case c == '{':
		got = "object"
	case c == '[':
		got = "array"
	case c == 't' || c == 'f':
		got = "bool"
	default:
		got = "number"
	}
	return d.errorf("cannot decode a JSON " + got + " into " + want)
}

// isSpace is JSON's insignificant whitespace.
var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// ws skips whitespace and returns the next byte, 0 at the end.
func (d *decoder) ws() byte {
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c > ' ' || !isSpace[c] {
			return c
		}
		d.pos++
	}
	return 0
}

func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// end checks that only whitespace follows the document.
func (d *decoder) end() error {
	if d.ws() != 0 || d.pos < len(d.data) {
		return d.unexpected("end of input")
	}
	return nil
}

// enter opens an object or array, past its bracket.
func (d *decoder) enter() error {
	d.pos++
	d.depth++
	if d.depth > maxDepth {
		return d.errorf("exceeded max depth")
	}
	return nil
}

// literal consumes true, false or null, whose first byte is at pos.
func (d *decoder) literal(word uint32, n int) bool {
	if d.pos+4 > len(d.data) || uint32(d.data[d.pos])|uint32(d.data[d.pos+1])<<8|uint32(d.data[d.pos+2])<<16|uint32(d.data[d.pos+3])<<24 != word {
		return false
	}
	if n == 5 {
		if d.pos+5 > len(d.data) || d.data[d.pos+4] != 'e' {
			return false
		}
	}
	d.pos += n
	return true
}

const (
	wordNull  = 'n' | 'u'<<8 | 'l'<<16 | 'l'<<24
	wordTrue  = 't' | 'r'<<8 | 'u'<<16 | 'e'<<24
	wordFalse = 'f' | 'a'<<8 | 'l'<<16 | 's'<<24
)

// null consumes null.
func (d *decoder) null() error {
	if !d.literal(wordNull, 4) {
		return d.unexpected("null")
	}
	return nil
}

// SWAR masks: each byte's high bit is set where the byte is special.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// specialSkip flags '"', '\\' and control bytes, enough to skip a string.
func specialSkip(w uint64) uint64 {
	q := w ^ (lsb * '"')
	b := w ^ (lsb * '\\')
	return ((q-lsb)&^q | (b-lsb)&^b | (w-lsb*0x20)&^w) & msb
}

// specialRead also flags non-ASCII bytes, which need UTF-8 checking.
func specialRead(w uint64) uint64 {
	return specialSkip(w) | w&msb
}

// scanString returns the index of the first byte at or after i that a
// string's fast path cannot take: a quote, a backslash or a control byte,
// and, when utf8Check, a non-ASCII byte. It scans eight bytes at a time.
func (d *decoder) scanString(i int, utf8Check bool) int {
	data := d.data
	for i+8 <= len(data) {
		w := loadLE(data, i)
		var m uint64
		if utf8Check {
			m = specialRead(w)
		} else {
			m = specialSkip(w)
		}
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for ; i < len(data); i++ {
		c := data[i]
		if c == '"' || c == '\\' || c < 0x20 || utf8Check && c >= 0x80 {
			return i
		}
	}
	return i
}

// str reads the string whose opening quote is at pos. The result is a
// sub-slice of the input when the string has no escape and is valid UTF-8,
// else d.scratch.
func (d *decoder) str() ([]byte, error) {
	data := d.data
	start := d.pos + 1
	i := start
	for {
		i = d.scanString(i, true)
		if i >= len(data) {
			break
		}
		c := data[i]
		if c == '"' {
			d.pos = i + 1
			return data[start:i], nil
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	d.scratch = append(d.scratch[:0], data[start:i]...)
	d.pos = i
	return d.unquoteRest()
}

// unquoteRest unescapes the rest of a string from pos into scratch, the way
// encoding/json does: invalid UTF-8 and lone surrogates become U+FFFD.
func (d *decoder) unquoteRest() ([]byte, error) {
	data := d.data
	for {
		if d.pos >= len(data) {
			return nil, d.unexpected("end of string")
		}
		c := data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return d.scratch, nil
		case c == '\\':
			if d.pos+1 >= len(data) {
				d.pos = len(data)
				return nil, d.unexpected("escape")
			}
			e := data[d.pos+1]
			switch e {
			case '"', '\\', '/':
				d.scratch = append(d.scratch, e)
			case 'b':
				d.scratch = append(d.scratch, '\b')
			case 'f':
				d.scratch = append(d.scratch, '\f')
			case 'n':
				d.scratch = append(d.scratch, '\n')
			case 'r':
				d.scratch = append(d.scratch, '\r')
			case 't':
				d.scratch = append(d.scratch, '\t')
			case 'u':
				r := hex4(data[d.pos:])
				if r < 0 {
					return nil, d.badUnicodeEscape()
				}
				d.pos += 6
				if utf16.IsSurrogate(r) {
					if r2 := hex4(data[d.pos:]); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
							d.pos += 6
							d.scratch = utf8.AppendRune(d.scratch, dec)
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				d.scratch = utf8.AppendRune(d.scratch, r)
				continue
			default:
				d.pos++
				return nil, d.unexpected("escape character")
			}
			d.pos += 2
		case c < 0x20:
			return nil, d.unexpected("string character")
		case c < utf8.RuneSelf:
			d.scratch = append(d.scratch, c)
			d.pos++
		default:
			r, n := utf8.DecodeRune(data[d.pos:])
			d.scratch = utf8.AppendRune(d.scratch, r)
			d.pos += n
		}
	}
}

// badUnicodeEscape places pos on the first bad byte of a \u escape at pos.
func (d *decoder) badUnicodeEscape() error {
	d.pos += 2
	for k := 0; k < 4 && d.pos < len(d.data) && hexVal(d.data[d.pos]) >= 0; k++ {
		d.pos++
	}
	return d.unexpected("hexadecimal digit")
}

func hexVal(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// hex4 decodes \uXXXX at the start of s, or returns -1.
func hex4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	a, b, c, e := hexVal(s[2]), hexVal(s[3]), hexVal(s[4]), hexVal(s[5])
	if a|b|c|e < 0 {
		return -1
	}
	return a<<12 | b<<8 | c<<4 | e
}

// skipString validates and skips the string at pos.
func (d *decoder) skipString() error {
	data := d.data
	for {
		i := d.scanString(d.pos+1, false)
		if i >= len(data) {
			d.pos = i
			return d.unexpected("end of string")
		}
		switch c := data[i]; {
		case c == '"':
			d.pos = i + 1
			return nil
		case c < 0x20:
			d.pos = i
			return d.unexpected("string character")
		}
		// A backslash: validate the escape, then scan on; scanString
		// starts one byte after pos, so leave pos on the escape's last byte.
		d.pos = i
		if i+1 >= len(data) {
			d.pos = len(data)
			return d.unexpected("escape")
		}
		switch data[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			d.pos = i + 1
		case 'u':
			if hex4(data[i:]) < 0 {
				return d.badUnicodeEscape()
			}
			d.pos = i + 5
		default:
			d.pos = i + 1
			return d.unexpected("escape character")
		}
	}
}

// setString stores b in *dst, reusing prev when it holds the same text so
// that an unchanged value costs no allocation.
func setString(dst *string, b []byte, prev string) {
	if string(b) == prev {
		*dst = prev
		return
	}
	*dst = string(b)
}

// readString decodes a JSON string or null into *dst.
func (d *decoder) readString(dst *string, prev string) error {
	switch d.ws() {
	case '"':
		b, err := d.str()
		if err != nil {
			return err
		}
		setString(dst, b, prev)
		return nil
	case 'n':
		return d.null()
	}
	return d.typeErrorOrSyntax("string")
}

// typeErrorOrSyntax reports a type error for a valid JSON value at pos, or
// the syntax error in it.
func (d *decoder) typeErrorOrSyntax(want string) error {
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	d.pos = start
	return d.typeError(want)
}

// readBool decodes true, false or null into *dst.
func (d *decoder) readBool(dst *bool) error {
	switch d.ws() {
	case 't':
		if d.literal(wordTrue, 4) {
			*dst = true
			return nil
		}
	case 'f':
		if d.literal(wordFalse, 5) {
			*dst = false
			return nil
		}
	case 'n':
		return d.null()
	}
	return d.typeErrorOrSyntax("bool")
}

// readInt decodes an integer or null into *dst, rejecting fractions,
// exponents and values out of the int64 range like encoding/json.
func (d *decoder) readInt(dst *int64) error {
	c := d.ws()
	if c == 'n' {
		return d.null()
	}
	start := d.pos
	neg := c == '-'
	if neg {
		d.pos++
	}
	data := d.data
	if d.pos >= len(data) || data[d.pos]-'0' > 9 {
		d.pos = start
		return d.typeErrorOrSyntax("integer")
	}
	var u uint64
	i := d.pos
	if data[i] == '0' {
		i++
	} else {
		for ; i < len(data); i++ {
			v := data[i] - '0'
			if v > 9 {
				break
			}
			u = u*10 + uint64(v)
		}
	}
	if i < len(data) && (data[i] == '.' || data[i]|0x20 == 'e') {
		d.pos = start
		return d.typeErrorOrSyntax("integer")
	}
	// 19 digits always fit in a uint64; more overflow an int64.
	limit := uint64(1<<63 - 1)
	if neg {
		limit++
	}
	if i-d.pos > 19 || u > limit {
		d.pos = start
		return d.errorf("integer " + string(data[start:i]) + " overflows int64")
	}
	d.pos = i
	if neg {
		*dst = -int64(u)
	} else {
		*dst = int64(u)
	}
	return nil
}

// readIntN decodes an integer into an int.
func (d *decoder) readIntN(dst *int) error {
	v := int64(*dst)
	if err := d.readInt(&v); err != nil {
		return err
	}
	*dst = int(v)
	return nil
}

// skipNumber validates a JSON number at pos.
func (d *decoder) skipNumber() error {
	data := d.data
	i := d.pos
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i]-'1' < 9:
		for i++; i < len(data) && data[i]-'0' <= 9; i++ {
		}
	default:
		d.pos = i
		return d.unexpected("digit")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || data[i]-'0' > 9 {
			d.pos = i
			return d.unexpected("digit after decimal point")
		}
		for ; i < len(data) && data[i]-'0' <= 9; i++ {
		}
	}
	if i < len(data) && data[i]|0x20 == 'e' {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i]-'0' > 9 {
			d.pos = i
			return d.unexpected("digit in exponent")
		}
		for ; i < len(data) && data[i]-'0' <= 9; i++ {
		}
	}
	d.pos = i
	return nil
}

// skip validates and skips one JSON value at pos (after whitespace). It is
// iterative, so a deeply nested value costs no stack.
func (d *decoder) skip() error {
	base := d.depth
	for {
		// A value.
		switch c := d.ws(); c {
		case '{':
			if err := d.enter(); err != nil {
				return err
			}
			d.setLevel(false)
			c = d.ws()
			if c == '}' {
				d.pos++
				d.depth--
				break
			}
			if err := d.skipKey(c); err != nil {
				return err
			}
			continue
		case '[':
			if err := d.enter(); err != nil {
				return err
			}
			d.setLevel(true)
			if d.ws() == ']' {
				d.pos++
				d.depth--
				break
			}
			continue
		case '"':
			if err := d.skipString(); err != nil {
				return err
			}
		case 't':
			if !d.literal(wordTrue, 4) {
				return d.unexpected("true")
			}
		case 'f':
			if !d.literal(wordFalse, 5) {
				return d.unexpected("false")
			}
		case 'n':
			if !d.literal(wordNull, 4) {
				return d.unexpected("null")
			}
		default:
			if c != '-' && c-'0' > 9 {
				return d.unexpected("value")
			}
			if err := d.skipNumber(); err != nil {
				return err
			}
		}
		// After a value: close containers, or go on to the next value.
		for {
			if d.depth == base {
				return nil
			}
			inArray := d.level()
			c := d.ws()
			if c == ',' {
				d.pos++
				if !inArray {
					if err := d.skipKey(d.ws()); err != nil {
						return err
					}
				}
				break
			}
			if inArray && c == ']' || !inArray && c == '}' {
				d.pos++
				d.depth--
				continue
			}
			if inArray {
				return d.unexpected("',' or ']'")
			}
			return d.unexpected("',' or '}'")
		}
	}
}

// skipKey skips an object key and its colon; c is the byte at pos.
func (d *decoder) skipKey(c byte) error {
	if c != '"' {
		return d.unexpected("string for object key")
	}
	if err := d.skipString(); err != nil {
		return err
	}
	return d.colon()
}

// colon consumes the ':' after a key.
func (d *decoder) colon() error {
	if d.pos < len(d.data) && d.data[d.pos] == ':' {
		d.pos++
		return nil
	}
	if d.ws() != ':' {
		return d.unexpected("':' after object key")
	}
	d.pos++
	return nil
}

// raw validates one JSON value and returns it as a sub-slice of the input.
func (d *decoder) raw() ([]byte, error) {
	d.ws()
	start := d.pos
	if err := d.skip(); err != nil {
		return nil, err
	}
	return d.data[start:d.pos:d.pos], nil
}

// key reads an object key at pos and its colon, and returns the field it
// names in fields (-1 for none), matching like encoding/json: exactly, or
// else without regard to case (Unicode simple folding).
func (d *decoder) key(c byte, match fields) (int, error) {
	if c != '"' {
		return 0, d.unexpected("string for object key")
	}
	k, err := d.str()
	if err != nil {
		return 0, err
	}
	if err := d.colon(); err != nil {
		return 0, err
	}
	if f := match.match(k); f >= 0 {
		return f, nil
	}
	var buf [maxKeyBytes]byte
	if folded, ok := foldKey(buf[:0], k); ok {
		return match.match(folded), nil
	}
	return -1, nil
}

// maxKeyBytes is more than the longest field name of the wire types.
const maxKeyBytes = 32

// foldKey lowercases k the way encoding/json folds names, for matching
// against lowercase ASCII field names. It reports false when k cannot fold
// to such a name.
func foldKey(dst, k []byte) ([]byte, bool) {
	for i := 0; i < len(k); {
		if len(dst) == cap(dst) {
			return nil, false
		}
		c := k[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(k[i:])
		i += n
		f := foldRune(r)
		if f >= utf8.RuneSelf {
			return nil, false
		}
		if 'A' <= f && f <= 'Z' {
			f += 'a' - 'A'
		}
		dst = append(dst, byte(f))
	}
	return dst, true
}

// foldRune returns the smallest rune of r's case-folding orbit, like
// encoding/json (the Kelvin sign folds to K, the long s to S).
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// ValidJSON reports whether b is exactly one well-formed JSON value
// (surrounding whitespace allowed), with the message of the first error.
func ValidJSON(b []byte) error {
	var d decoder
	d.init(b)
	if err := d.skip(); err != nil {
		return err
	}
	return d.end()
}
