package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Module is one loaded plugin: a module compiled once, its manifest, and a
// bounded pool of instances shared by every territory bound to it. Its
// methods are safe for concurrent use. A Module stays usable until its
// Host is closed or, once bound in Slots and then replaced everywhere, it
// has been drained; afterwards every call fails with KindClosed.
type Module struct {
	h        *Host
	compiled wazero.CompiledModule
	hash     string
	size     int
	manifest abi.Manifest
	// plugin is "id@version", or "sha256:…" until the manifest is known.
	plugin string
	pool   *pool

	// state counts the references that keep the module open (bindings in
	// Slots and leases from Slots.Get) and holds closedBit once closed.
	state     atomic.Int64
	finalized sync.Once

	// cutUntil is when a cut-off ends, in Unix ns; 0 when not cut off.
	cutUntil atomic.Int64
	faultMu  sync.Mutex
	faultsAt []int64

	logLimit   limiter
	faultLimit limiter

	calls, faults, refusals, logDropped atomic.Uint64
}

const closedBit = int64(1) << 62

// Stats is a snapshot of a module's activity.
type Stats struct {
	// Instances is the number of open instances, Idle of them idle.
	Instances, Idle int
	// Calls counts the operation calls, Faults those that faulted and
	// Refusals those the plugin refused.
	Calls, Faults, Refusals uint64
	// LogDropped counts the log lines dropped by the rate limit or for an
	// out-of-bounds message.
	LogDropped uint64
	// CutOffFor is how long the module stays cut off; 0 when serving.
	CutOffFor time.Duration
	// Refs counts the Slots bindings and leases holding the module.
	Refs int
	// Closed reports that the module was closed.
	Closed bool
}

func newModule(h *Host, cm wazero.CompiledModule, hash string, size int) *Module {
	m := &Module{h: h, compiled: cm, hash: hash, size: size, plugin: "sha256:" + hash[:12]}
	m.pool = newPool(m, h.cfg.MaxInstances)
	m.logLimit.init(h.cfg.LogRate)
	m.faultLimit.init(faultLogRate)
	return m
}

// faultLogRate bounds the fault reports a module writes to the log per
// second; the cut-off bounds them further.
const faultLogRate = 5

// label names the plugin in errors and logs.
func (m *Module) label() string { return m.plugin }

// Manifest returns the plugin's manifest, read and checked at load.
func (m *Module) Manifest() abi.Manifest { return m.manifest }

// Hash returns the lowercase hex SHA-256 of the module's bytes: with the
// manifest's id and version, what a stored decision records.
func (m *Module) Hash() string { return m.hash }

// Closed reports whether the module was closed (replaced and drained, or
// its host closed): it serves no more calls, and Load of its bytes starts
// it afresh.
func (m *Module) Closed() bool { return m.state.Load()&closedBit != 0 }

// Size returns the size of the module's bytes.
func (m *Module) Size() int { return m.size }

// String returns "id@version (sha256:…)".
func (m *Module) String() string { return m.plugin + " (sha256:" + m.hash[:12] + ")" }

// Stats returns a snapshot of the module's activity.
func (m *Module) Stats() Stats {
	live, idle := m.pool.counts()
	s := Stats{
		Instances: live, Idle: idle,
		Calls: m.calls.Load(), Faults: m.faults.Load(), Refusals: m.refusals.Load(),
		LogDropped: m.logDropped.Load(),
		Refs:       int(m.state.Load() &^ closedBit),
		Closed:     m.state.Load()&closedBit != 0,
	}
	if u := m.cutUntil.Load(); u != 0 {
		s.CutOffFor = max(time.Duration(u-time.Now().UnixNano()), 0)
	}
	return s
}

// admit fails fast when the caller already gave up or the module is cut
// off.
func (m *Module) admit(ctx context.Context, op abi.Op) error {
	if err := ctx.Err(); err != nil {
		return &Error{Kind: KindCanceled, Plugin: m.label(), Op: op, Err: err}
	}
	u := m.cutUntil.Load()
	if u == 0 {
		return nil
	}
	now := time.Now().UnixNano()
	if now < u {
		return &Error{Kind: KindCutOff, Plugin: m.label(), Op: op, RetryAfter: time.Duration(u - now),
			Err: fmt.Errorf("cut off after %d faults within %v", m.h.cfg.FaultLimit, m.h.cfg.FaultWindow)}
	}
	if m.cutUntil.CompareAndSwap(u, 0) {
		m.h.log.Info("plugin serves again after its cut-off", m.logAttrs()...)
	}
	return nil
}

func (m *Module) logAttrs(extra ...any) []any {
	id := m.manifest.ID
	if id == "" {
		id = m.plugin // before describe: "sha256:…"
	}
	return append([]any{
		slog.String("plugin", id), slog.String("version", m.manifest.Version), slog.String("hash", m.hash[:12]),
	}, extra...)
}

// fault records a fault: it is logged (rate-limited) and counted towards
// the cut-off.
func (m *Module) fault(e *Error, in *instance) {
	m.faults.Add(1)
	now := time.Now()
	if ok, dropped := m.faultLimit.allow(now); ok {
		attrs := m.logAttrs(slog.String("op", string(e.Op)), slog.String("kind", e.Kind.String()), slog.String("error", e.Error()))
		if in != nil {
			if tail := in.stderr.take(); tail != "" {
				attrs = append(attrs, slog.String("stderr", tail))
			}
		}
		if dropped > 0 {
			attrs = append(attrs, slog.Uint64("faults_not_logged", dropped))
		}
		m.h.log.Warn("plugin fault; instance discarded", attrs...)
	}
	limit := m.h.cfg.FaultLimit
	if limit < 0 {
		return
	}
	nowNS := now.UnixNano()
	windowStart := nowNS - int64(m.h.cfg.FaultWindow)
	m.faultMu.Lock()
	kept := m.faultsAt[:0]
	for _, t := range m.faultsAt {
		if t > windowStart {
			kept = append(kept, t)
		}
	}
	m.faultsAt = append(kept, nowNS)
	cut := len(m.faultsAt) >= limit
	if cut {
		m.faultsAt = m.faultsAt[:0]
		m.cutUntil.Store(nowNS + int64(m.h.cfg.Cooldown))
	}
	m.faultMu.Unlock()
	if cut {
		fr, _ := (&Error{Kind: KindCutOff, Plugin: m.label(), RetryAfter: m.h.cfg.Cooldown}).PublicMessage()
		m.h.log.Error("plugin cut off after repeated faults", m.logAttrs(
			slog.Int("faults", limit), slog.Duration("window", m.h.cfg.FaultWindow),
			slog.Duration("cooldown", m.h.cfg.Cooldown), slog.String("message", fr))...)
	}
}

// opSpec describes a typed operation: how to read its context, check and
// encode its input, decode and check its result.
type opSpec[Req, Res any] struct {
	op         abi.Op
	contextOf  func(*Req) *abi.Context
	checkInput func(*Req) error
	encode     func(dst []byte, req *Req, withConfig bool) ([]byte, error)
	decode     func(out []byte, res *Res) (*abi.Refusal, error)
	check      func(res *Res, req *Req) error
}

// callTyped runs a typed operation: check the input, encode it (with the
// territory's configuration only if this instance has not received it
// yet), call, decode, check the result. A configuration the guest no
// longer holds is sent again, once.
func callTyped[Req, Res any](ctx context.Context, m *Module, spec *opSpec[Req, Res], req *Req, timeout time.Duration) (*Res, error) {
	op := spec.op
	if err := m.admit(ctx, op); err != nil {
		return nil, err
	}
	if err := spec.checkInput(req); err != nil {
		return nil, &Error{Kind: KindInvalidInput, Plugin: m.label(), Op: op, Err: err}
	}
	in, err := m.acquire(ctx, op)
	if err != nil {
		return nil, err
	}
	m.calls.Add(1)
	var x *abi.Context
	if spec.contextOf != nil {
		x = spec.contextOf(req)
	}
	withConfig := x != nil && len(x.Config) > 0 && (x.ConfigHash == "" || !in.hasConfig(x.ConfigHash))
	for attempt := 0; ; attempt++ {
		if withConfig {
			if err := x.Check(); err != nil {
				m.pool.release(in, false)
				return nil, &Error{Kind: KindInvalidInput, Plugin: m.label(), Op: op, Err: err}
			}
		}
		buf, err := spec.encode(in.buf[:0], req, withConfig)
		in.buf = buf[:0]
		if err != nil {
			m.pool.release(in, false)
			return nil, &Error{Kind: KindInvalidInput, Plugin: m.label(), Op: op, Err: err}
		}
		if len(buf) > m.h.cfg.MaxInputBytes {
			m.pool.release(in, false)
			return nil, &Error{Kind: KindTooLarge, Plugin: m.label(), Op: op, Detail: fmt.Sprintf("%d octets", len(buf)),
				Err: fmt.Errorf("input of %d bytes; the limit is %d", len(buf), m.h.cfg.MaxInputBytes)}
		}
		out, ferr := in.invoke(ctx, op, buf, timeout)
		if ferr != nil {
			return nil, m.failed(in, ferr)
		}
		res := new(Res)
		refusal, err := spec.decode(out, res)
		if err != nil {
			return nil, m.failed(in, &Error{Kind: KindMalformedOutput, Plugin: m.label(), Op: op, Err: err})
		}
		if refusal != nil {
			if refusal.Code == abi.RefusalConfigRequired {
				if !withConfig && x != nil && len(x.Config) > 0 && attempt == 0 {
					delete(in.configs, x.ConfigHash)
					withConfig = true
					continue
				}
				if x == nil || len(x.Config) == 0 {
					m.pool.release(in, false)
					return nil, &Error{Kind: KindInvalidInput, Plugin: m.label(), Op: op,
						Err: errors.New("the plugin needs the territory's configuration and the request carries none")}
				}
				return nil, m.failed(in, &Error{Kind: KindInvalidResult, Plugin: m.label(), Op: op, Detail: "configuration redemandée",
					Err: errors.New("the plugin answered config_required to a request that carried the configuration")})
			}
			if withConfig {
				in.rememberConfig(x.ConfigHash)
			}
			m.pool.release(in, false)
			m.refusals.Add(1)
			return nil, &RefusalError{Plugin: m.label(), Op: op, Refusal: *refusal}
		}
		if err := spec.check(res, req); err != nil {
			return nil, m.failed(in, &Error{Kind: KindInvalidResult, Plugin: m.label(), Op: op, Detail: resultDetail(err), Err: err})
		}
		if withConfig {
			in.rememberConfig(x.ConfigHash)
		}
		m.pool.release(in, false)
		return res, nil
	}
}

// acquire takes an instance from the pool; a new instance that faults
// while starting (its _initialize traps, loops or blows its memory) counts
// as a fault of the module.
func (m *Module) acquire(ctx context.Context, op abi.Op) (*instance, error) {
	in, err := m.pool.acquire(ctx, op)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind.Fault() {
			m.fault(e, nil)
		}
		return nil, err
	}
	return in, nil
}

// failed handles a call's failure on an instance: the instance is
// discarded, and a fault is recorded unless the caller's context ended.
func (m *Module) failed(in *instance, e *Error) error {
	m.pool.release(in, true)
	if e.Kind.Fault() {
		m.fault(e, in)
	}
	if m.cutUntil.Load() == 0 {
		m.pool.warm()
	}
	return e
}

// resultDetail shortens a result's validation error for the public
// message: the first problem's field.
func resultDetail(err error) string {
	var v *abi.ValidationError
	if errors.As(err, &v) && len(v.Problems) > 0 {
		return sanitize(v.Problems[0].Field)
	}
	return ""
}

// Call runs op with a raw input and returns the raw envelope the plugin
// answered, copied out of guest memory. It is for the campagnon plugin
// CLI and tests: the input is neither checked nor given the configuration
// protocol, and only the envelope's shape is checked, not its result. A
// fault is reported, discarded and counted exactly as for typed calls; a
// refusal is returned as an envelope, not as an error.
func (m *Module) Call(ctx context.Context, op abi.Op, input []byte) ([]byte, error) {
	if opIndex(op) < 0 {
		return nil, &Error{Kind: KindInvalidInput, Plugin: m.label(), Op: op, Err: fmt.Errorf("unknown operation %q", sanitize(string(op)))}
	}
	if err := m.admit(ctx, op); err != nil {
		return nil, err
	}
	if len(input) > m.h.cfg.MaxInputBytes {
		return nil, &Error{Kind: KindTooLarge, Plugin: m.label(), Op: op, Detail: fmt.Sprintf("%d octets", len(input)),
			Err: fmt.Errorf("input of %d bytes; the limit is %d", len(input), m.h.cfg.MaxInputBytes)}
	}
	in, err := m.acquire(ctx, op)
	if err != nil {
		return nil, err
	}
	m.calls.Add(1)
	timeout := m.h.cfg.CallTimeout
	if op == abi.OpDescribe {
		timeout = m.h.cfg.InitTimeout
	}
	out, ferr := in.invoke(ctx, op, input, timeout)
	if ferr != nil {
		return nil, m.failed(in, ferr)
	}
	if err := checkRawEnvelope(out); err != nil {
		return nil, m.failed(in, &Error{Kind: KindMalformedOutput, Plugin: m.label(), Op: op, Err: err})
	}
	res := append([]byte(nil), out...)
	m.pool.release(in, false)
	return res, nil
}

var describeSpec = opSpec[abi.DescribeRequest, abi.Manifest]{
	op:         abi.OpDescribe,
	checkInput: func(*abi.DescribeRequest) error { return nil },
	encode: func(dst []byte, _ *abi.DescribeRequest, _ bool) ([]byte, error) {
		return append(dst, "{}"...), nil
	},
	decode: func(out []byte, res *abi.Manifest) (*abi.Refusal, error) { return decodeEnvelope(out, res) },
	check:  func(res *abi.Manifest, _ *abi.DescribeRequest) error { return res.Check() },
}

// Describe asks the plugin for its manifest again and checks it. The
// manifest read at load is Manifest; Describe is for tools and tests.
func (m *Module) Describe(ctx context.Context) (*abi.Manifest, error) {
	return callTyped(ctx, m, &describeSpec, &abi.DescribeRequest{}, m.h.cfg.InitTimeout)
}

var categoriesSpec = opSpec[abi.CategoriesRequest, abi.Categories]{
	op:         abi.OpCategories,
	contextOf:  func(r *abi.CategoriesRequest) *abi.Context { return &r.Context },
	checkInput: func(r *abi.CategoriesRequest) error { c := *r; c.Context.Config = nil; return c.Check() },
	encode: func(dst []byte, r *abi.CategoriesRequest, withConfig bool) ([]byte, error) {
		if !withConfig && r.Context.Config != nil {
			c := *r
			c.Context.Config = nil
			r = &c
		}
		return appendInput(dst, r)
	},
	decode: func(out []byte, res *abi.Categories) (*abi.Refusal, error) { return decodeEnvelope(out, res) },
	check:  func(res *abi.Categories, _ *abi.CategoriesRequest) error { return res.Check() },
}

// Categories returns the territory's service categories, checked (unique
// ids, labels, known modes, CESU only for services à la personne, …).
// Errors: *RefusalError for a refusal, *Error otherwise.
func (m *Module) Categories(ctx context.Context, req *abi.CategoriesRequest) (*abi.Categories, error) {
	return callTyped(ctx, m, &categoriesSpec, req, m.h.cfg.CallTimeout)
}

var paymentModesSpec = opSpec[abi.PaymentModesRequest, abi.PaymentModes]{
	op:         abi.OpPaymentModes,
	contextOf:  func(r *abi.PaymentModesRequest) *abi.Context { return &r.Context },
	checkInput: func(r *abi.PaymentModesRequest) error { c := *r; c.Context.Config = nil; return c.Check() },
	encode: func(dst []byte, r *abi.PaymentModesRequest, withConfig bool) ([]byte, error) {
		if !withConfig && r.Context.Config != nil {
			c := *r
			c.Context.Config = nil
			r = &c
		}
		return appendInput(dst, r)
	},
	decode: func(out []byte, res *abi.PaymentModes) (*abi.Refusal, error) { return decodeEnvelope(out, res) },
	check:  func(res *abi.PaymentModes, req *abi.PaymentModesRequest) error { return res.Check(req) },
}

// PaymentModes returns the payment modes an exchange may use, checked
// against the request's modality. Errors: *RefusalError for a refusal,
// *Error otherwise.
func (m *Module) PaymentModes(ctx context.Context, req *abi.PaymentModesRequest) (*abi.PaymentModes, error) {
	return callTyped(ctx, m, &paymentModesSpec, req, m.h.cfg.CallTimeout)
}

var validateListingSpec = opSpec[abi.ValidateListingRequest, abi.ListingVerdict]{
	op:         abi.OpValidateListing,
	contextOf:  func(r *abi.ValidateListingRequest) *abi.Context { return &r.Context },
	checkInput: func(r *abi.ValidateListingRequest) error { c := *r; c.Context.Config = nil; return c.Check() },
	encode: func(dst []byte, r *abi.ValidateListingRequest, withConfig bool) ([]byte, error) {
		if !withConfig && r.Context.Config != nil {
			c := *r
			c.Context.Config = nil
			r = &c
		}
		return appendInput(dst, r)
	},
	decode: func(out []byte, res *abi.ListingVerdict) (*abi.Refusal, error) { return decodeEnvelope(out, res) },
	check:  func(res *abi.ListingVerdict, _ *abi.ValidateListingRequest) error { return res.Check() },
}

// ValidateListing accepts a listing (possibly with warnings) or refuses
// it: a refused listing is a *RefusalError carrying the plugin's French
// message, not a fault.
func (m *Module) ValidateListing(ctx context.Context, req *abi.ValidateListingRequest) (*abi.ListingVerdict, error) {
	return callTyped(ctx, m, &validateListingSpec, req, m.h.cfg.CallTimeout)
}

var quoteSpec = opSpec[abi.QuoteRequest, abi.Quote]{
	op:         abi.OpQuote,
	contextOf:  func(r *abi.QuoteRequest) *abi.Context { return &r.Context },
	checkInput: checkQuoteInput,
	encode: func(dst []byte, r *abi.QuoteRequest, withConfig bool) ([]byte, error) {
		if !withConfig && r.Context.Config != nil {
			c := *r
			c.Context.Config = nil
			r = &c
		}
		return appendQuoteRequest(dst, r)
	},
	decode: decodeQuoteEnvelope,
	check:  func(res *abi.Quote, req *abi.QuoteRequest) error { return res.Check(req) },
}

func checkQuoteInput(r *abi.QuoteRequest) error {
	c := *r
	c.Context.Config = nil
	return c.Check()
}

// Quote prices one service: the hot operation. The result is checked
// against the request (currency, mode, lines adding up to the total,
// subsidy and payable, tax credit, …) before it is returned; a result that
// fails is a KindInvalidResult fault. Errors: *RefusalError for a
// refusal, *Error otherwise.
func (m *Module) Quote(ctx context.Context, req *abi.QuoteRequest) (*abi.Quote, error) {
	return callTyped(ctx, m, &quoteSpec, req, m.h.cfg.CallTimeout)
}

// ref takes a reference (a binding or a lease); it fails once the module
// is closed.
func (m *Module) ref() bool {
	for {
		s := m.state.Load()
		if s&closedBit != 0 {
			return false
		}
		if m.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// unref drops a reference; the last one closes the module (drained: it has
// no binding and no call in flight through Slots).
func (m *Module) unref() {
	for {
		s := m.state.Load()
		if s&closedBit != 0 || s == 0 {
			return
		}
		if s == 1 {
			if m.state.CompareAndSwap(s, closedBit) {
				m.retire("replaced and drained")
				return
			}
			continue
		}
		if m.state.CompareAndSwap(s, s-1) {
			return
		}
	}
}

// shutdown closes the module whatever its references (Host.Close).
func (m *Module) shutdown() {
	for {
		s := m.state.Load()
		if s&closedBit != 0 {
			return
		}
		if m.state.CompareAndSwap(s, s|closedBit) {
			m.retire("host closed")
			return
		}
	}
}

// retire closes the pool (busy instances close when given back) and
// forgets the module in the host's cache.
func (m *Module) retire(why string) {
	m.h.forget(m)
	if m.pool.close() {
		m.finalize()
	}
	m.h.log.Info("plugin module closed", m.logAttrs(slog.String("reason", why))...)
}

// finalize releases the compiled code, once no instance is left.
func (m *Module) finalize() {
	m.finalized.Do(func() { _ = m.compiled.Close(context.Background()) })
}
