package abi

import (
	"fmt"
	"unsafe"
)

// DecodeQuoteRequest decodes the JSON input of quote into r, exactly as
// json.Unmarshal would into a zero QuoteRequest, without reflection.
//
// Input in the canonical layout AppendQuoteRequest writes (the host's)
// takes a fast path shaped for wasm; anything else the general decoder.
//
// r is reused: its previous strings are kept when the new ones are equal,
// so that decoding the same territory, category and hash again allocates
// nothing. r.Context.Config is a sub-slice of data (validated as one JSON
// value, not copied): it is valid as long as data is.
func DecodeQuoteRequest(data []byte, r *QuoteRequest) error {
	prev := *r
	*r = QuoteRequest{}
	if decodeQuoteRequestCanonical(data, r, &prev) {
		return nil
	}
	*r = QuoteRequest{}
	var d decoder
	d.init(data)
	err := d.quoteRequest(r, &prev)
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return fmt.Errorf("decode quote request: %w", err)
	}
	return nil
}

// DecodeQuoteEnvelope decodes the output of quote. On {"ok":true,"result":…}
// it decodes the result into q, exactly as json.Unmarshal would into a zero
// Quote, and returns a nil refusal; on {"ok":false,"refusal":…} it returns
// the refusal and leaves q zero. Anything else is an error: JSON that
// encoding/json rejects, ok:true without a result or with a refusal,
// ok:false without a refusal or with a result.
//
// q is reused: its slices' storage and unchanged strings are kept.
func DecodeQuoteEnvelope(data []byte, q *Quote) (*Refusal, error) {
	ref, err := decodeQuoteEnvelope(data, q)
	if err != nil {
		return nil, fmt.Errorf("decode quote envelope: %w", err)
	}
	return ref, nil
}

func decodeQuoteEnvelope(data []byte, q *Quote) (*Refusal, error) {
	prev := *q
	st := quoteState{lines: q.Lines, notes: q.Notes}
	*q = Quote{}
	var d decoder
	d.init(data)
	var (
		ok        bool
		ref       *Refusal
		hasResult bool
		resultErr error
	)
	err := d.object("envelope", fieldsEnvelope, func(f int) error {
		switch f {
		case 0:
			return d.readBool(&ok)
		case 1:
			// Like json.RawMessage: the last "result" wins, and a type error
			// in an earlier one does not count.
			*q = Quote{}
			st.linesHWM, st.notesHWM = 0, 0
			if d.ws() == 'n' {
				hasResult, resultErr = false, nil
				return d.null()
			}
			start, depth := d.pos, d.depth
			hasResult, resultErr = true, d.quote(q, &prev, &st)
			if resultErr != nil {
				d.pos, d.depth = start, depth
				return d.skip()
			}
			return nil
		case 2:
			return d.refusal(&ref)
		}
		return d.skip()
	})
	if err == nil {
		err = d.end()
	}
	switch {
	case err != nil:
	case ok && ref != nil:
		err = fmt.Errorf("ok:true with a refusal")
	case ok && !hasResult:
		err = fmt.Errorf("ok:true without a result")
	case ok && resultErr != nil:
		err = fmt.Errorf("result: %w", resultErr)
	case !ok && hasResult:
		err = fmt.Errorf("ok:false with a result")
	case !ok && ref == nil:
		err = fmt.Errorf("ok:false without a refusal")
	}
	if err != nil || !ok {
		*q = Quote{}
	}
	if err != nil {
		return nil, err
	}
	return ref, nil
}

// quoteState tracks, while decoding one Quote, the storage of its slices
// and how many of their elements this document wrote: elements past that
// mark are left over from a previous value and treated as zero.
type quoteState struct {
	lines    []QuoteLine
	linesHWM int
	notes    []string
	notesHWM int
}

// object decodes a JSON object (or null, which leaves the value unchanged)
// member by member: field is called with the index match returns for each
// key (-1 for an unknown one, which field must skip).
func (d *decoder) object(what string, match fields, field func(int) error) error {
	c := d.ws()
	if c != '{' {
		if c == 'n' {
			return d.null()
		}
		return d.typeErrorOrSyntax(what)
	}
	if err := d.enter(); err != nil {
		return err
	}
	c = d.ws()
	if c == '}' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		f, err := d.key(c, match)
		if err != nil {
			return err
		}
		if err := field(f); err != nil {
			return err
		}
		switch d.ws() {
		case ',':
			d.pos++
			c = d.ws()
		case '}':
			d.pos++
			d.depth--
			return nil
		default:
			return d.unexpected("',' or '}'")
		}
	}
}

// slice decodes a JSON array (or null) into *dst like encoding/json does
// into a slice: null makes it nil, [] empty; elements this document already
// wrote are decoded into again, others start from zero. storage holds the
// reusable backing array and hwm the number of elements written.
func decodeSlice[T any](d *decoder, what string, dst, storage *[]T, hwm *int, elem func(dst *T, prev T) error) error {
	c := d.ws()
	if c == 'n' {
		if err := d.null(); err != nil {
			return err
		}
		*dst = nil
		*hwm = 0
		return nil
	}
	if c != '[' {
		return d.typeErrorOrSyntax(what)
	}
	if err := d.enter(); err != nil {
		return err
	}
	s := (*storage)[:0]
	if d.ws() == ']' {
		d.pos++
		d.depth--
		if s == nil {
			s = []T{}
		}
		*dst = s
		return nil
	}
	for i := 0; ; i++ {
		var zero T
		switch {
		case i >= cap(s):
			s = append(s, zero)
		default:
			s = s[:i+1]
		}
		var err error
		if i >= *hwm {
			old := s[i]
			s[i] = zero
			*hwm = i + 1
			err = elem(&s[i], old)
		} else {
			err = elem(&s[i], s[i])
		}
		if err != nil {
			return err
		}
		switch d.ws() {
		case ',':
			d.pos++
			continue
		case ']':
			d.pos++
			d.depth--
			*dst, *storage = s, s
			return nil
		}
		return d.unexpected("',' or ']'")
	}
}

// fields names the field set of one wire type, for key matching.
type fields int

const (
	fieldsQuoteRequest fields = iota
	fieldsContext
	fieldsTerritory
	fieldsEnvelope
	fieldsQuote
	fieldsQuoteLine
	fieldsRefusal
)

// match returns the index of the field named k, or -1.
func (f fields) match(k []byte) int {
	switch f {
	case fieldsQuoteRequest:
		return matchQuoteRequest(k)
	case fieldsContext:
		return matchContext(k)
	case fieldsTerritory:
		return matchTerritory(k)
	case fieldsEnvelope:
		return matchEnvelope(k)
	case fieldsQuote:
		return matchQuote(k)
	case fieldsQuoteLine:
		return matchQuoteLine(k)
	case fieldsRefusal:
		return matchRefusal(k)
	}
	return -1
}

func matchQuoteRequest(k []byte) int {
	switch string(k) {
	case "context":
		return 0
	case "category":
		return 1
	case "modality":
		return 2
	case "mode":
		return 3
	case "minutes":
		return 4
	case "distance_m":
		return 5
	case "occurrences":
		return 6
	case "hourly_cents":
		return 7
	case "provider_sap":
		return 8
	case "solidarity":
		return 9
	}
	return -1
}

func (d *decoder) quoteRequest(r, prev *QuoteRequest) error {
	return d.object("quote request", fieldsQuoteRequest, func(f int) error {
		switch f {
		case 0:
			return d.context(&r.Context, &prev.Context)
		case 1:
			return d.readString(&r.Category, prev.Category)
		case 2:
			return d.readString(&r.Modality, prev.Modality)
		case 3:
			return d.readString(&r.Mode, prev.Mode)
		case 4:
			return d.readIntN(&r.Minutes)
		case 5:
			return d.readIntN(&r.DistanceMeters)
		case 6:
			return d.readIntN(&r.Occurrences)
		case 7:
			return d.readInt(&r.HourlyCents)
		case 8:
			return d.readBool(&r.ProviderSAP)
		case 9:
			return d.readBool(&r.Solidarity)
		}
		return d.skip()
	})
}

func matchContext(k []byte) int {
	switch string(k) {
	case "now":
		return 0
	case "territory":
		return 1
	case "config_hash":
		return 2
	case "config":
		return 3
	}
	return -1
}

func (d *decoder) context(x, prev *Context) error {
	return d.object("context", fieldsContext, func(f int) error {
		switch f {
		case 0:
			return d.readString(&x.Now, prev.Now)
		case 1:
			return d.territory(&x.Territory, &prev.Territory)
		case 2:
			return d.readString(&x.ConfigHash, prev.ConfigHash)
		case 3:
			raw, err := d.raw()
			x.Config = raw
			return err
		}
		return d.skip()
	})
}

func matchTerritory(k []byte) int {
	switch string(k) {
	case "slug":
		return 0
	case "name":
		return 1
	case "epci":
		return 2
	}
	return -1
}

func (d *decoder) territory(t, prev *Territory) error {
	return d.object("territory", fieldsTerritory, func(f int) error {
		switch f {
		case 0:
			return d.readString(&t.Slug, prev.Slug)
		case 1:
			return d.readString(&t.Name, prev.Name)
		case 2:
			return d.readString(&t.EPCI, prev.EPCI)
		}
		return d.skip()
	})
}

func matchEnvelope(k []byte) int {
	switch string(k) {
	case "ok":
		return 0
	case "result":
		return 1
	case "refusal":
		return 2
	}
	return -1
}

func matchQuote(k []byte) int {
	switch string(k) {
	case "currency":
		return 0
	case "mode":
		return 1
	case "lines":
		return 2
	case "total_cents":
		return 3
	case "subsidy_cents":
		return 4
	case "payable_cents":
		return 5
	case "commission_cents":
		return 6
	case "time_credit_minutes":
		return 7
	case "tax_credit_eligible_cents":
		return 8
	case "tax_credit_bucket":
		return 9
	case "notes":
		return 10
	}
	return -1
}

func (d *decoder) quote(q, prev *Quote, st *quoteState) error {
	return d.object("quote", fieldsQuote, func(f int) error {
		switch f {
		case 0:
			return d.readString(&q.Currency, prev.Currency)
		case 1:
			return d.readString(&q.Mode, prev.Mode)
		case 2:
			return decodeSlice(d, "array of quote lines", &q.Lines, &st.lines, &st.linesHWM, d.quoteLine)
		case 3:
			return d.readInt(&q.TotalCents)
		case 4:
			return d.readInt(&q.SubsidyCents)
		case 5:
			return d.readInt(&q.PayableCents)
		case 6:
			return d.readInt(&q.CommissionCents)
		case 7:
			return d.readIntN(&q.TimeCreditMinutes)
		case 8:
			return d.readInt(&q.TaxCreditEligibleCents)
		case 9:
			return d.readString(&q.TaxCreditBucket, prev.TaxCreditBucket)
		case 10:
			return decodeSlice(d, "array of strings", &q.Notes, &st.notes, &st.notesHWM, d.note)
		}
		return d.skip()
	})
}

func (d *decoder) note(dst *string, prev string) error { return d.readString(dst, prev) }

func matchQuoteLine(k []byte) int {
	switch string(k) {
	case "code":
		return 0
	case "label":
		return 1
	case "quantity":
		return 2
	case "unit":
		return 3
	case "amount_cents":
		return 4
	}
	return -1
}

func (d *decoder) quoteLine(l *QuoteLine, prev QuoteLine) error {
	return d.object("quote line", fieldsQuoteLine, func(f int) error {
		switch f {
		case 0:
			return d.readString(&l.Code, prev.Code)
		case 1:
			return d.readString(&l.Label, prev.Label)
		case 2:
			return d.readInt(&l.Quantity)
		case 3:
			return d.readString(&l.Unit, prev.Unit)
		case 4:
			return d.readInt(&l.AmountCents)
		}
		return d.skip()
	})
}

func matchRefusal(k []byte) int {
	switch string(k) {
	case "code":
		return 0
	case "message":
		return 1
	case "message_en":
		return 2
	}
	return -1
}

// refusal decodes a refusal like encoding/json into a *Refusal: null makes
// it nil, an object is decoded into the existing value or a new one.
func (d *decoder) refusal(dst **Refusal) error {
	if d.ws() == 'n' {
		if err := d.null(); err != nil {
			return err
		}
		*dst = nil
		return nil
	}
	if d.peek() != '{' {
		return d.typeErrorOrSyntax("refusal")
	}
	if *dst == nil {
		*dst = new(Refusal)
	}
	r := *dst
	return d.object("refusal", fieldsRefusal, func(f int) error {
		switch f {
		case 0:
			return d.readString(&r.Code, r.Code)
		case 1:
			return d.readString(&r.Message, r.Message)
		case 2:
			return d.readString(&r.MessageEN, r.MessageEN)
		}
		return d.skip()
	})
}

// AppendQuoteRequest appends the JSON of r to dst, byte for byte what
// json.Marshal writes, except Context.Config: it is written verbatim, not
// compacted, because ConfigHash is the hash of exactly those bytes. The
// caller checks r first (QuoteRequest.Check): Config must be valid JSON.
func AppendQuoteRequest(dst []byte, r *QuoteRequest) []byte {
	x := &r.Context
	need := 256 + 4*maxIntBytes + len(x.Config) + maxStringBytes(x.Now) + maxStringBytes(x.Territory.Slug) +
		maxStringBytes(x.Territory.Name) + maxStringBytes(x.Territory.EPCI) + maxStringBytes(x.ConfigHash) +
		maxStringBytes(r.Category) + maxStringBytes(r.Modality) + maxStringBytes(r.Mode)
	w := newWriter(dst, need)
	w.raw(`{"context":{"now":`)
	w.str(x.Now)
	w.raw(`,"territory":{"slug":`)
	w.str(x.Territory.Slug)
	w.raw(`,"name":`)
	w.str(x.Territory.Name)
	if x.Territory.EPCI != "" {
		w.raw(`,"epci":`)
		w.str(x.Territory.EPCI)
	}
	w.raw(`},"config_hash":`)
	w.str(x.ConfigHash)
	if len(x.Config) > 0 {
		w.raw(`,"config":`)
		w.n += copy(w.b[w.n:], x.Config)
	}
	w.raw(`},"category":`)
	w.str(r.Category)
	w.raw(`,"modality":`)
	w.str(r.Modality)
	w.raw(`,"mode":`)
	w.str(r.Mode)
	w.raw(`,"minutes":`)
	w.int(int64(r.Minutes))
	if r.DistanceMeters != 0 {
		w.raw(`,"distance_m":`)
		w.int(int64(r.DistanceMeters))
	}
	w.raw(`,"occurrences":`)
	w.int(int64(r.Occurrences))
	if r.HourlyCents != 0 {
		w.raw(`,"hourly_cents":`)
		w.int(r.HourlyCents)
	}
	if r.ProviderSAP {
		w.raw(`,"provider_sap":true`)
	}
	if r.Solidarity {
		w.raw(`,"solidarity":true`)
	}
	w.byte('}')
	return w.bytes()
}

// AppendQuoteEnvelope appends {"ok":true,"result":q} to dst, byte for byte
// what json.Marshal writes for that Envelope.
func AppendQuoteEnvelope(dst []byte, q *Quote) []byte { return appendQuoteEnvelope(dst, q, nil, nil) }

// AppendRefusalEnvelope appends {"ok":false,"refusal":r} to dst, byte for
// byte what json.Marshal writes for that Envelope.
func AppendRefusalEnvelope(dst []byte, r *Refusal) []byte { return appendRefusalEnvelope(dst, r, nil) }

// Encoder writes envelopes exactly like AppendQuoteEnvelope and
// AppendRefusalEnvelope, faster for the strings and lines it has written
// before.
//
// Most strings of a plugin's answers are the same from call to call: line
// codes, labels, units and notes from the plugin's code or its compiled
// configuration, the requested mode, prebuilt refusals. Checking whether a
// string needs escaping reads every byte of it, which inside WebAssembly
// costs a loop iteration per word and per accent. An Encoder remembers the
// strings it found to need none, by the address and length of their bytes,
// and then writes them with one copy; and the JSON of each kind of quote
// line (code, label, unit) but for its two numbers. What it remembers, it
// holds, so those bytes can be neither freed nor reused for another
// string: Go strings are immutable, and the same address and length mean
// the same text (a string made with unsafe from bytes changed later breaks
// that rule, and then the escaping). It holds at most plainSlots strings
// and lineSlots lines.
//
// The zero Encoder is ready to use. It is not safe for concurrent use: a
// plugin instance keeps one.
type Encoder struct {
	plain plainCache
	lines lineCache
}

// AppendQuoteEnvelope is the package's AppendQuoteEnvelope, with the
// Encoder's memory of plain strings and of quote lines.
func (e *Encoder) AppendQuoteEnvelope(dst []byte, q *Quote) []byte {
	return appendQuoteEnvelope(dst, q, &e.plain, &e.lines)
}

// AppendRefusalEnvelope is the package's AppendRefusalEnvelope, with the
// Encoder's memory of plain strings.
func (e *Encoder) AppendRefusalEnvelope(dst []byte, r *Refusal) []byte {
	return appendRefusalEnvelope(dst, r, &e.plain)
}

// plainSlots is the size of an Encoder's memory: two ways of 128 sets.
const plainSlots = 256

// plainCache remembers strings that need no escape. A string may sit in
// the two slots of its set, chosen by a hash of its address: slot i, the
// most recently added, and i^1.
type plainCache [plainSlots]string

// has reports whether c holds s: the same bytes, so a plain string. The
// two ways are compared at once, without a branch.
func (c *plainCache) has(s string) bool {
	i := c.slot(s)
	return min(differ(c[i], s), differ(c[i|1], s)) == 0
}

// add remembers s, a plain string, as the most recent of its set.
func (c *plainCache) add(s string) {
	i := c.slot(s)
	c[i|1], c[i] = c[i], s
}

// slot returns the first slot of s's set, from a hash of its address.
func (c *plainCache) slot(s string) int {
	return int(uint32(uintptr(unsafe.Pointer(unsafe.StringData(s))))*0x9E3779B1>>24) &^ 1
}

// differ is 0 when a and b are the same bytes (same address, same
// length), and not 0 otherwise.
func differ(a, b string) uintptr {
	return uintptr(unsafe.Pointer(unsafe.StringData(a))) ^ uintptr(unsafe.Pointer(unsafe.StringData(b))) | uintptr(len(a)^len(b))
}

// lineSlots is the size of an Encoder's memory of quote lines: a plugin
// has a handful of kinds of line (labour, travel, commission…).
const lineSlots = 32

// lineCache remembers the JSON of quote lines but for their numbers, by
// the addresses of their code, label and unit: a line seen before is then
// two copies and two numbers, instead of five literals and three strings.
type lineCache [lineSlots]lineJSON

// lineJSON is `{"code":…,"label":…,"quantity":` then `,"unit":…,"amount_cents":`
// for the strings it holds (so that their bytes stay theirs).
type lineJSON struct {
	code, label, unit string
	json              []byte
	split             int // where the second part starts
}

// slot returns the slot of l's strings, from a hash of their addresses.
func (c *lineCache) slot(l *QuoteLine) *lineJSON {
	h := uint32(uintptr(unsafe.Pointer(unsafe.StringData(l.Code)))) ^
		uint32(uintptr(unsafe.Pointer(unsafe.StringData(l.Label))))*3 ^
		uint32(uintptr(unsafe.Pointer(unsafe.StringData(l.Unit))))*5
	return &c[h*0x9E3779B1>>27]
}

// holds reports whether t is the JSON of l's strings.
func (t *lineJSON) holds(l *QuoteLine) bool {
	return differ(t.code, l.Code)|differ(t.label, l.Label)|differ(t.unit, l.Unit) == 0 && len(t.json) > 0
}

// quoteTailBytes bounds what follows the lines of a quote envelope up to
// its bucket, and the opening of its notes or its closing braces.
const quoteTailBytes = 176 + 6*maxIntBytes

// appendQuoteEnvelope writes the envelope with few branches, which on wasm
// cost more than the writing: room is made line by line and note by note
// (each time with room for the fixed tail), instead of walking the lines
// and notes twice; every line and note is followed by a comma, and the
// last comma becomes the closing bracket.
func appendQuoteEnvelope(dst []byte, q *Quote, plain *plainCache, lines *lineCache) []byte {
	w := newWriter(dst, 64+maxStringBytes(q.Currency)+maxStringBytes(q.Mode)+quoteTailBytes)
	w.plain = plain
	w.raw(`{"ok":true,"result":{"currency":`)
	w.str(q.Currency)
	w.raw(`,"mode":`)
	w.str(q.Mode)
	if q.Lines == nil {
		w.raw(`,"lines":null`)
	} else {
		w.raw(`,"lines":[`)
		for i := range q.Lines {
			l := &q.Lines[i]
			w.reserve(64 + 2*maxIntBytes + maxStringBytes(l.Code) + maxStringBytes(l.Label) + maxStringBytes(l.Unit) + quoteTailBytes)
			var t *lineJSON
			if lines != nil {
				if t = lines.slot(l); t.holds(l) {
					w.n += copy(w.b[w.n:], t.json[:t.split])
					w.int(l.Quantity)
					w.n += copy(w.b[w.n:], t.json[t.split:])
					w.int(l.AmountCents)
					w.byte2('}', ',')
					continue
				}
			}
			start := w.n
			w.raw(`{"code":`)
			w.str(l.Code)
			w.raw(`,"label":`)
			w.str(l.Label)
			w.raw(`,"quantity":`)
			first := w.n
			w.int(l.Quantity)
			second := w.n
			w.raw(`,"unit":`)
			w.str(l.Unit)
			w.raw(`,"amount_cents":`)
			end := w.n
			w.int(l.AmountCents)
			w.byte2('}', ',')
			if t != nil {
				t.code, t.label, t.unit = l.Code, l.Label, l.Unit
				t.json = append(append(t.json[:0], w.b[start:first]...), w.b[second:end]...)
				t.split = first - start
			}
		}
		w.n -= min(len(q.Lines), 1)
		w.byte(']')
	}
	w.raw(`,"total_cents":`)
	w.int(q.TotalCents)
	w.raw(`,"subsidy_cents":`)
	w.int(q.SubsidyCents)
	w.raw(`,"payable_cents":`)
	w.int(q.PayableCents)
	w.raw(`,"commission_cents":`)
	w.int(q.CommissionCents)
	if q.TimeCreditMinutes != 0 {
		w.raw(`,"time_credit_minutes":`)
		w.int(int64(q.TimeCreditMinutes))
	}
	w.raw(`,"tax_credit_eligible_cents":`)
	w.int(q.TaxCreditEligibleCents)
	if q.TaxCreditBucket != "" {
		w.reserve(64 + maxStringBytes(q.TaxCreditBucket))
		w.raw(`,"tax_credit_bucket":`)
		w.str(q.TaxCreditBucket)
	}
	if len(q.Notes) > 0 {
		w.raw(`,"notes":[`)
		for _, n := range q.Notes {
			w.reserve(16 + maxStringBytes(n))
			w.str(n)
			w.byte(',')
		}
		w.n--
		w.byte(']')
	}
	w.byte2('}', '}')
	return w.bytes()
}

func appendRefusalEnvelope(dst []byte, r *Refusal, plain *plainCache) []byte {
	w := newWriter(dst, 96+maxStringBytes(r.Code)+maxStringBytes(r.Message)+maxStringBytes(r.MessageEN))
	w.plain = plain
	w.raw(`{"ok":false,"refusal":{"code":`)
	w.str(r.Code)
	w.raw(`,"message":`)
	w.str(r.Message)
	if r.MessageEN != "" {
		w.raw(`,"message_en":`)
		w.str(r.MessageEN)
	}
	w.raw("}}")
	return w.bytes()
}

// needEscape flags the ASCII bytes json.Marshal escapes, and every
// non-ASCII byte, whose UTF-8 must be checked.
var needEscape = func() (t [256]bool) {
	for i := range t {
		t[i] = i < 0x20 || i >= 0x80 || i == '"' || i == '\\' || i == '<' || i == '>' || i == '&'
	}
	return t
}()

// specialWrite flags, in eight bytes of a string, the bytes needEscape flags.
func specialWrite(w uint64) uint64 {
	lt := w ^ (lsb * '<')
	gt := w ^ (lsb * '>')
	amp := w ^ (lsb * '&')
	return specialRead(w) | ((lt-lsb)&^lt|(gt-lsb)&^gt|(amp-lsb)&^amp)&msb
}

const hexDigits = "0123456789abcdef"
