// Package plugin is the guest side of a Campagnon territory plugin written
// in Go: an author fills Handlers, calls Register from init, and builds
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
//
// with an empty func main. The package exports what the ABI requires (the
// version marker, campagnon_alloc, campagnon_free and one export per
// operation), decodes each input, resolves the territory's configuration,
// calls the handler and encodes its answer. The hot operation, quote, uses
// the hand-written codec of package abi; the others use encoding/json.
//
// NewRunner runs the same handlers natively, through the same path, for
// unit tests and benchmarks.
//
// # Answers, refusals and faults
//
// A handler answers a result, or a refusal: an error made by Refuse (also
// when wrapped), which becomes {"ok":false,"refusal":…}, a business decision
// shown to the person. Any other error, a nil result or a panic is a plugin
// fault: on wasm the export traps (after logging the reason through the
// host's log), so the host gets a typed error and replaces the instance;
// natively Runner.Call returns an error wrapping ErrFault. A fault is never
// turned into a refusal: a bug must not look like a decision.
//
// # Operations not implemented
//
// Go cannot leave an export out, so every operation is exported. One whose
// handler is nil answers the refusal abi.RefusalNotImplemented. The
// manifest's Operations must list only implemented operations; when it is
// empty, Register fills it from the handlers that are set.
//
// # Configuration
//
// Every input but describe's carries a context with the territory's
// configuration hash, and its configuration unless the host already sent it
// to this instance. The package checks that the configuration's SHA-256 is
// the hash (a mismatch is a fault), parses it once with ParseConfig, and
// keeps the result for the 64 most recently used hashes. When a request
// names a hash the instance does not hold and carries no configuration, the
// package answers the refusal abi.RefusalConfigRequired and the host resends
// it with the configuration. An error from ParseConfig is answered as the
// refusal abi.RefusalConfigInvalid with the error's text, unless it is
// already a refusal made by Refuse.
package plugin

import (
	"errors"
	"fmt"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Ctx is what every handler but describe's receives: the time and the
// territory of the operation, and its parsed configuration. A handler must
// not keep it after returning.
type Ctx struct {
	// Now is the time of the operation, from the input: a plugin reads no clock.
	Now time.Time
	// Territory is the territory the operation is for.
	Territory abi.Territory
	// Config is what ParseConfig returned for the territory's
	// configuration, or its raw bytes as a json.RawMessage when ParseConfig
	// is nil. It is shared between calls: treat it as read-only.
	Config any
	// Scratch belongs to the handlers: the instance keeps it from one call
	// to the next (nil before the first) and never reads or changes it. A
	// handler may keep buffers there to reuse instead of allocating on
	// every call, which inside WebAssembly costs the garbage collector's
	// branchy paths: an instance runs one call at a time, and its answer is
	// encoded before the next call. Handlers of different operations that
	// share it must agree on what it holds.
	Scratch any
}

// Handlers are a plugin's operations. Manifest is required; every handler is
// optional (a nil one answers the refusal abi.RefusalNotImplemented).
type Handlers struct {
	// Manifest describes the plugin. ABI defaults to abi.Version, and
	// Operations to describe plus the operations whose handler is set.
	Manifest abi.Manifest
	// ParseConfig turns a territory's configuration (a JSON object) into
	// the value handlers find in Ctx.Config. Its result is cached by
	// configuration hash. Optional.
	ParseConfig func(raw []byte) (any, error)
	// Categories lists the territory's service categories.
	Categories func(c *Ctx) (*abi.Categories, error)
	// Quote prices one service; it is the hot path. r is valid only
	// during the call.
	Quote func(c *Ctx, r *abi.QuoteRequest) (*abi.Quote, error)
	// PaymentModes lists the payment modes an exchange may use.
	PaymentModes func(c *Ctx, r *abi.PaymentModesRequest) (*abi.PaymentModes, error)
	// ValidateListing accepts a listing (with warnings) or refuses it.
	ValidateListing func(c *Ctx, r *abi.ValidateListingRequest) (*abi.ListingVerdict, error)
}

// ErrFault is wrapped by every error Runner.Call returns: the plugin
// failed, as opposed to answering a refusal.
var ErrFault = errors.New("plugin fault")

// RefusalError is the error Refuse makes: a handler returns it (possibly
// wrapped) to answer a refusal.
type RefusalError struct {
	// Refusal is what the envelope carries.
	Refusal abi.Refusal
}

// Error describes the refusal.
func (e *RefusalError) Error() string {
	return "refused (" + e.Refusal.Code + "): " + e.Refusal.Message
}

// Refuse returns the error a handler returns to refuse: code is a stable
// machine code (^[a-z][a-z0-9_]{1,63}$), fr the French message saying what
// rule refused and what to do instead, en the same in English (may be
// empty). Messages are at most 1,000 bytes; the host rejects a refusal
// that breaks these rules as a fault.
func Refuse(code, fr, en string) error {
	return &RefusalError{Refusal: abi.Refusal{Code: code, Message: fr, MessageEN: en}}
}

// registered is the instance the wasm exports serve.
var registered *instance

// Register installs the plugin's handlers; call it from an init function.
// It panics when called twice, and when the handlers are inconsistent (a
// manifest that fails abi.Manifest.Check, or that lists an operation
// without a handler): a plugin that would be refused at load time fails
// as early as possible.
func Register(h Handlers) {
	if registered != nil {
		panic("plugin: Register called twice; a module registers one set of handlers")
	}
	registered = newInstance(h)
}

// Runner runs handlers natively through the same decode, dispatch and
// encode path as the wasm exports: for unit tests and benchmarks. Like a
// wasm instance it handles one call at a time and keeps a configuration
// cache; it is not safe for concurrent use.
type Runner struct {
	in *instance
}

// NewRunner returns a Runner for h. It panics when the handlers are
// inconsistent, like Register.
func NewRunner(h Handlers) *Runner {
	return &Runner{in: newInstance(h)}
}

// Manifest returns the manifest describe answers, with its defaults filled.
func (r *Runner) Manifest() abi.Manifest {
	return r.in.h.Manifest
}

// Call runs op on input (the JSON the host would send) and returns the
// envelope, valid until the next call. A fault (a non-refusal error, a nil
// result, a panic, an input that does not decode, a configuration that
// does not match its hash) is an error wrapping ErrFault.
func (r *Runner) Call(op abi.Op, input []byte) ([]byte, error) {
	return r.in.callSafe(op, input)
}

// Quote runs quote the way the host does: it checks req, encodes it, calls
// the plugin, decodes the envelope and checks the answer against the ABI's
// rules (abi.Quote.Check, abi.Refusal.Check). It returns the quote, or the
// refusal, or an error (wrapping ErrFault when the plugin is at fault).
func (r *Runner) Quote(req *abi.QuoteRequest) (*abi.Quote, *abi.Refusal, error) {
	if err := req.Check(); err != nil {
		return nil, nil, fmt.Errorf("quote input: %w", err)
	}
	out, err := r.Call(abi.OpQuote, abi.AppendQuoteRequest(nil, req))
	if err != nil {
		return nil, nil, err
	}
	var q abi.Quote
	ref, err := abi.DecodeQuoteEnvelope(out, &q)
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("%w: quote: %w", ErrFault, err)
	case ref != nil:
		if err := ref.Check(); err != nil {
			return nil, nil, fmt.Errorf("%w: quote: %w", ErrFault, err)
		}
		return nil, ref, nil
	}
	if err := q.Check(req); err != nil {
		return nil, nil, fmt.Errorf("%w: quote: %w", ErrFault, err)
	}
	return &q, nil, nil
}
