package plugin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/campagnon/campagnon/sdk/abi"
)

// instance is the state of one plugin instance: the handlers, the
// configuration cache and the buffers reused from call to call. Both the
// wasm exports and Runner call it.
type instance struct {
	h Handlers
	// describe is the describe envelope, encoded once.
	describe []byte
	configs  configCache
	// out is the output buffer, reused; an answer is valid until the next call.
	out []byte
	// enc encodes the quote and refusal envelopes; it remembers the
	// plugin's strings that need no escaping, and its kinds of quote line.
	enc abi.Encoder
	// quoteReq is reused by every quote.
	quoteReq abi.QuoteRequest
	ctx      Ctx
	// clock caches the parsing of context.now.
	clock clock
}

// newInstance checks h, fills the manifest's defaults and encodes describe.
func newInstance(h Handlers) *instance {
	m := &h.Manifest
	if m.ABI == 0 {
		m.ABI = abi.Version
	}
	implemented := map[abi.Op]bool{
		abi.OpDescribe:        true,
		abi.OpCategories:      h.Categories != nil,
		abi.OpQuote:           h.Quote != nil,
		abi.OpPaymentModes:    h.PaymentModes != nil,
		abi.OpValidateListing: h.ValidateListing != nil,
	}
	if len(m.Operations) == 0 {
		for _, op := range abi.Ops {
			if implemented[op] {
				m.Operations = append(m.Operations, string(op))
			}
		}
	} else {
		m.Operations = slices.Clone(m.Operations)
	}
	for _, op := range m.Operations {
		if known, ok := implemented[abi.Op(op)]; ok && !known {
			panic(fmt.Sprintf("plugin: the manifest lists the operation %q, but its handler is nil", op))
		}
	}
	if err := m.Check(); err != nil {
		panic("plugin: " + err.Error())
	}
	result, err := json.Marshal(m)
	if err != nil {
		panic("plugin: encode the manifest: " + err.Error())
	}
	in := &instance{h: h}
	in.describe = append(append([]byte(`{"ok":true,"result":`), result...), '}')
	return in
}

// callSafe runs one operation and turns a panic into a fault: the path of
// both the wasm exports and Runner.Call.
func (in *instance) callSafe(op abi.Op, input []byte) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("%w: %s: panic: %v", ErrFault, op, v)
		}
	}()
	return in.call(op, input)
}

// call runs one operation: decode, resolve the context, dispatch, encode.
func (in *instance) call(op abi.Op, input []byte) ([]byte, error) {
	switch op {
	case abi.OpQuote:
		return in.quote(input)
	case abi.OpDescribe:
		if err := abi.ValidJSON(input); err != nil {
			return in.invalid(op, err), nil
		}
		return in.describe, nil
	case abi.OpCategories:
		if in.h.Categories == nil {
			return in.notImplemented(op), nil
		}
		return runOp(in, op, input, func(r *abi.CategoriesRequest) *abi.Context { return &r.Context },
			func(c *Ctx, _ *abi.CategoriesRequest) (*abi.Categories, error) { return in.h.Categories(c) })
	case abi.OpPaymentModes:
		if in.h.PaymentModes == nil {
			return in.notImplemented(op), nil
		}
		return runOp(in, op, input, func(r *abi.PaymentModesRequest) *abi.Context { return &r.Context }, in.h.PaymentModes)
	case abi.OpValidateListing:
		if in.h.ValidateListing == nil {
			return in.notImplemented(op), nil
		}
		return runOp(in, op, input, func(r *abi.ValidateListingRequest) *abi.Context { return &r.Context }, in.h.ValidateListing)
	}
	return nil, faultf(op, "not an operation of ABI %d", abi.Version)
}

// quote is the hot path: the hand codec both ways, no allocation of its own.
func (in *instance) quote(input []byte) ([]byte, error) {
	if in.h.Quote == nil {
		return in.notImplemented(abi.OpQuote), nil
	}
	req := &in.quoteReq
	if err := abi.DecodeQuoteRequest(input, req); err != nil {
		return in.invalid(abi.OpQuote, err), nil
	}
	ctx, refusal, err := in.context(abi.OpQuote, &req.Context)
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		return in.refuse(refusal), nil
	}
	q, err := in.h.Quote(ctx, req)
	if err != nil {
		return in.handlerError(abi.OpQuote, err)
	}
	if q == nil {
		return nil, faultf(abi.OpQuote, "the handler returned neither a quote nor an error")
	}
	in.out = in.enc.AppendQuoteEnvelope(in.out[:0], q)
	return in.out, nil
}

// runOp runs an operation that is not hot, with encoding/json.
func runOp[Req, Res any](in *instance, op abi.Op, input []byte, contextOf func(*Req) *abi.Context, handler func(*Ctx, *Req) (*Res, error)) ([]byte, error) {
	var req Req
	if err := json.Unmarshal(input, &req); err != nil {
		return in.invalid(op, err), nil
	}
	ctx, refusal, err := in.context(op, contextOf(&req))
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		return in.refuse(refusal), nil
	}
	res, err := handler(ctx, &req)
	if err != nil {
		return in.handlerError(op, err)
	}
	if res == nil {
		return nil, faultf(op, "the handler returned neither a result nor an error")
	}
	result, err := json.Marshal(res)
	if err != nil {
		return nil, faultf(op, "encode the result: %w", err)
	}
	in.out = append(append(append(in.out[:0], `{"ok":true,"result":`...), result...), '}')
	return in.out, nil
}

// handlerError answers a refusal, or reports a fault.
func (in *instance) handlerError(op abi.Op, err error) ([]byte, error) {
	var re *RefusalError
	if errors.As(err, &re) {
		return in.refuse(&re.Refusal), nil
	}
	return nil, faultf(op, "handler: %w", err)
}

func (in *instance) refuse(r *abi.Refusal) []byte {
	in.out = in.enc.AppendRefusalEnvelope(in.out[:0], r)
	return in.out
}

// invalid answers the refusal invalid_request for an input the guest cannot
// read, and logs why: a malformed request is the caller's error, and must
// not count as a fault of the plugin.
func (in *instance) invalid(op abi.Op, err error) []byte {
	return in.refuse(invalidRefusal(op, err))
}

func invalidRefusal(op abi.Op, err error) *abi.Refusal {
	detail := err.Error()
	if len(detail) > 300 {
		detail = detail[:300]
	}
	Log(abi.LogWarn, "invalid request to "+string(op)+": "+detail)
	return &abi.Refusal{
		Code:      abi.RefusalInvalidRequest,
		Message:   "Demande illisible pour l'opération « " + string(op) + " » : " + detail,
		MessageEN: "Unreadable request for the operation " + string(op) + ": " + detail,
	}
}

func (in *instance) notImplemented(op abi.Op) []byte {
	return in.refuse(&abi.Refusal{
		Code:      abi.RefusalNotImplemented,
		Message:   "Ce plugin ne propose pas l'opération « " + string(op) + " ».",
		MessageEN: "This plugin does not implement the operation " + string(op) + ".",
	})
}

func faultf(op abi.Op, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %w", ErrFault, op, fmt.Errorf(format, args...))
}

// context resolves a request's context into in.ctx: the time, the
// territory and the parsed configuration, from the cache or from the
// request. It answers a refusal when the configuration is missing or
// unusable.
func (in *instance) context(op abi.Op, x *abi.Context) (*Ctx, *abi.Refusal, error) {
	c := &in.ctx
	t, err := in.clock.parse(x.Now)
	if err != nil {
		return nil, invalidRefusal(op, fmt.Errorf("context.now: %w", err)), nil
	}
	c.Now = t
	c.Territory = x.Territory
	e := in.configs.get(x.ConfigHash)
	if len(x.Config) > 0 && (e == nil || !bytes.Equal(e.raw, x.Config)) {
		sum := sha256.Sum256(x.Config)
		var want [sha256.Size]byte
		if n, err := hex.Decode(want[:], []byte(x.ConfigHash)); err != nil || n != len(want) || want != sum {
			return nil, invalidRefusal(op, fmt.Errorf("context.config_hash %q is not the SHA-256 of config (%x)", x.ConfigHash, sum)), nil
		}
		raw := bytes.Clone(x.Config)
		var value any = json.RawMessage(raw)
		if in.h.ParseConfig != nil {
			v, err := in.h.ParseConfig(raw)
			if err != nil {
				return nil, configRefusal(err), nil
			}
			value = v
		}
		e = in.configs.put(x.ConfigHash, raw, value)
	}
	if e == nil {
		return nil, &abi.Refusal{
			Code:      abi.RefusalConfigRequired,
			Message:   "Ce plugin n'a pas la configuration " + x.ConfigHash + " : renvoyez la demande avec la configuration.",
			MessageEN: "This plugin does not hold configuration " + x.ConfigHash + ": resend the request with it.",
		}, nil
	}
	c.Config = e.value
	return c, nil, nil
}

// configRefusal turns a ParseConfig error into a refusal.
func configRefusal(err error) *abi.Refusal {
	var re *RefusalError
	if errors.As(err, &re) {
		return &re.Refusal
	}
	const fr, en = "La configuration du territoire est invalide pour ce plugin : ", "The territory's configuration is invalid for this plugin: "
	msg := err.Error()
	return &abi.Refusal{
		Code:      abi.RefusalConfigInvalid,
		Message:   fr + truncate(msg, abi.MaxMessageBytes-len(fr)),
		MessageEN: en + truncate(msg, abi.MaxMessageBytes-len(en)),
	}
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// maxConfigs bounds the configuration cache of an instance.
const maxConfigs = 64

// configCache keeps parsed configurations by hash, evicting the least
// recently used.
type configCache struct {
	entries map[string]*configEntry
	last    *configEntry
	clock   uint64
}

type configEntry struct {
	hash  string
	raw   []byte
	value any
	used  uint64
}

// get returns the entry for hash, or nil.
func (c *configCache) get(hash string) *configEntry {
	e := c.last
	if e == nil || e.hash != hash {
		if e = c.entries[hash]; e == nil {
			return nil
		}
		c.last = e
	}
	c.clock++
	e.used = c.clock
	return e
}

// put stores an entry, evicting the least recently used beyond maxConfigs.
func (c *configCache) put(hash string, raw []byte, value any) *configEntry {
	if c.entries == nil {
		c.entries = make(map[string]*configEntry, maxConfigs)
	}
	if _, ok := c.entries[hash]; !ok && len(c.entries) >= maxConfigs {
		var oldest *configEntry
		for _, e := range c.entries {
			if oldest == nil || e.used < oldest.used {
				oldest = e
			}
		}
		delete(c.entries, oldest.hash)
		if c.last == oldest {
			c.last = nil
		}
	}
	c.clock++
	e := &configEntry{hash: hash, raw: raw, value: value, used: c.clock}
	c.entries[hash] = e
	c.last = e
	return e
}

// clock parses context.now, which the host writes as
// 2006-01-02T15:04:05Z: from one call to the next it is often the very
// same string (the decoder keeps the previous string when the text is
// unchanged), or differs in its seconds only. On wasm, comparing strings
// byte by byte and time.Date both cost more than these shortcuts.
type clock struct {
	text   string    // the last text parsed
	t      time.Time // its time
	minute time.Time // the start of its minute, when text has the short form
}

func (k *clock) parse(s string) (time.Time, error) {
	if len(s) == len(k.text) && len(s) > 0 && unsafe.StringData(s) == unsafe.StringData(k.text) {
		return k.t, nil
	}
	if len(s) == 20 && len(k.text) == 20 && !k.minute.IsZero() && sameMinute(s, k.text) && s[19] == 'Z' {
		tens, units := s[17]-'0', s[18]-'0'
		if tens <= 5 && units <= 9 {
			k.text, k.t = s, k.minute.Add(time.Duration(tens*10+units)*time.Second)
			return k.t, nil
		}
	}
	t, err := parseNow(s)
	if err != nil {
		return time.Time{}, err
	}
	k.text, k.t, k.minute = s, t, time.Time{}
	if len(s) == 20 && t.Location() == time.UTC {
		k.minute = t.Add(-time.Duration(t.Second()) * time.Second)
	}
	return t, nil
}

// sameMinute reports whether two 20-byte times agree up to their minute
// (the first 17 bytes), in two word compares and a byte.
func sameMinute(a, b string) bool {
	return word(a, 0) == word(b, 0) && word(a, 8) == word(b, 8) && a[16] == b[16]
}

func word(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// parseNow parses an RFC 3339 time. The common form the host sends,
// 2006-01-02T15:04:05Z with an optional fraction, takes a short path
// without loops over the layout; anything else goes to time.Parse.
func parseNow(s string) (time.Time, error) {
	if t, ok := parseUTC(s); ok {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not an RFC 3339 time: %w", err)
	}
	return t, nil
}

// parseUTC parses YYYY-MM-DDTHH:MM:SS[.fraction]Z, or reports false.
func parseUTC(s string) (time.Time, bool) {
	if len(s) < 20 || len(s) > 30 || s[len(s)-1] != 'Z' ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	d := func(i int) int { return int(s[i] - '0') }
	// Every digit position at once: a byte that is not a digit wraps above 9.
	bad := (s[0] - '0') | (s[1] - '0') | (s[2] - '0') | (s[3] - '0') | (s[5] - '0') | (s[6] - '0') |
		(s[8] - '0') | (s[9] - '0') | (s[11] - '0') | (s[12] - '0') | (s[14] - '0') | (s[15] - '0') |
		(s[17] - '0') | (s[18] - '0')
	if bad > 9 {
		return time.Time{}, false
	}
	year := d(0)*1000 + d(1)*100 + d(2)*10 + d(3)
	month := time.Month(d(5)*10 + d(6))
	day := d(8)*10 + d(9)
	hour, minute, sec := d(11)*10+d(12), d(14)*10+d(15), d(17)*10+d(18)
	nsec := 0
	if len(s) > 20 {
		frac := s[19 : len(s)-1]
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		scale := 1_000_000_000
		for i := 1; i < len(frac); i++ {
			v := frac[i] - '0'
			if v > 9 {
				return time.Time{}, false
			}
			scale /= 10
			nsec += int(v) * scale
		}
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, month, day, hour, minute, sec, nsec, time.UTC), true
}

func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int(m-1)%7%2
}
