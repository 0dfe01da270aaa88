package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/campagnon/campagnon/sdk/abi"
)

// instance is one wazero instance of a module. It serves one call at a
// time: whoever took it from the pool owns it until it gives it back.
type instance struct {
	m     *Module
	name  string
	mod   api.Module
	mem   api.Memory
	alloc api.Function
	free  api.Function
	ops   [numOps]api.Function
	// stack is the reused parameter and result stack of CallWithStack.
	stack []uint64
	// lm backs the guest's linear memory and records refused growth.
	lm *linearMemory
	// stderr keeps the end of what the guest wrote to stderr (a Go panic
	// message), for the operator's log of a fault.
	stderr *tailWriter
	// inPtr and inCap locate the guest buffer that alloc returned, reused
	// by every call whose input fits.
	inPtr, inCap uint32
	// buf is the reused buffer in which inputs are encoded.
	buf []byte
	// configs holds the ConfigHash of each configuration this instance
	// received, so that it is sent once per instance (bounded).
	configs map[string]struct{}
	// lastUsed is when the instance was last given back, in Unix ns.
	lastUsed int64
	// deadline is the reused deadline context of this instance's calls.
	deadline callDeadline
}

// numOps is the number of operations of ABI version 1.
const numOps = 5

// maxConfigsPerInstance bounds the configuration hashes an instance
// remembers; past it the set is cleared and configurations are sent again.
const maxConfigsPerInstance = 4096

// opIndex returns op's index in abi.Ops, or -1.
func opIndex(op abi.Op) int {
	switch op {
	case abi.OpDescribe:
		return 0
	case abi.OpCategories:
		return 1
	case abi.OpQuote:
		return 2
	case abi.OpPaymentModes:
		return 3
	case abi.OpValidateListing:
		return 4
	}
	return -1
}

// newInstance creates an instance of m: a fresh wazero module instance with
// its own memory, running the guest's _initialize under InitTimeout.
func (m *Module) newInstance(ctx context.Context) (*instance, error) {
	h := m.h
	name := instanceName(h.seq.Add(1))
	in := &instance{
		m:       m,
		name:    name,
		stack:   make([]uint64, 2),
		lm:      &linearMemory{limit: uint64(h.cfg.MaxMemoryPages) * pageSize},
		stderr:  &tailWriter{},
		configs: map[string]struct{}{},
		buf:     make([]byte, 0, 1024),
	}
	cfg := h.moduleConfig.
		WithName(name).
		WithStderr(in.stderr).
		WithRandSource(rand.NewChaCha8(randSeed))
	h.names.Store(name, m)
	ictx, cancel := context.WithTimeout(ctx, h.cfg.InitTimeout)
	mod, err := h.rt.InstantiateModule(experimental.WithMemoryAllocator(ictx, in.lm), m.compiled, cfg)
	cancel()
	if err != nil {
		h.names.Delete(name)
		if mod != nil {
			_ = mod.Close(context.WithoutCancel(ctx))
		}
		return nil, in.classifyInstantiate(ctx, err)
	}
	in.mod = mod
	in.mem = mod.Memory()
	in.alloc = mod.ExportedFunction(abi.ExportAlloc)
	in.free = mod.ExportedFunction(abi.ExportFree)
	for i, op := range abi.Ops {
		in.ops[i] = mod.ExportedFunction(op.Export())
	}
	if in.mem == nil || in.alloc == nil || in.free == nil {
		in.close()
		return nil, &Error{Kind: KindMissingExport, Plugin: m.label(), Err: errors.New("instance lacks memory, alloc or free")}
	}
	for i := range in.ops {
		if in.ops[i] == nil {
			in.close()
			return nil, &Error{Kind: KindMissingExport, Plugin: m.label(), Detail: abi.Ops[i].Export()}
		}
	}
	return in, nil
}

// randSeed seeds every instance's random source: a plugin is a pure
// function of its input, so its randomness is deterministic.
var randSeed = [32]byte{'c', 'a', 'm', 'p', 'a', 'g', 'n', 'o', 'n'}

// close closes the wazero instance; its memory is released.
func (in *instance) close() {
	if in.mod != nil {
		_ = in.mod.Close(context.Background())
	}
	in.m.h.names.Delete(in.name)
	in.deadline.stop()
}

// classifyInstantiate turns an instantiation failure into an *Error.
func (in *instance) classifyInstantiate(ctx context.Context, err error) *Error {
	m := in.m
	e := in.classify(ctx, "", err)
	if e.Kind != KindTrap {
		return e
	}
	// A failure that is neither a trap nor an exit is a link error: the
	// module imports something the host does not provide with that type.
	var exit *sys.ExitError
	if !errors.As(err, &exit) && !strings.Contains(err.Error(), "wasm error") {
		return &Error{Kind: KindForbiddenImport, Plugin: m.label(), Detail: sanitize(firstLine(err.Error())), Err: err}
	}
	e.Err = fmt.Errorf("_initialize: %w", e.Err)
	return e
}

// classify turns the error of a guest call into an *Error. The order
// matters: the caller's own end is not the plugin's fault; a refused
// memory growth explains the crash that follows it.
func (in *instance) classify(parent context.Context, op abi.Op, err error) *Error {
	m := in.m
	if m.h.closed.Load() {
		return &Error{Kind: KindClosed, Plugin: m.label(), Op: op, Err: err}
	}
	var exit *sys.ExitError
	isExit := errors.As(err, &exit)
	ctxEnd := isExit && (exit.ExitCode() == sys.ExitCodeDeadlineExceeded || exit.ExitCode() == sys.ExitCodeContextCanceled)
	switch {
	case ctxEnd && callerEnded(parent):
		return &Error{Kind: KindCanceled, Plugin: m.label(), Op: op, Err: fmt.Errorf("%w (%w)", parent.Err(), err)}
	case in.lm.refused:
		return &Error{Kind: KindMemory, Plugin: m.label(), Op: op,
			Err: fmt.Errorf("memory growth past %d pages refused: %w", in.m.h.cfg.MaxMemoryPages, err)}
	case ctxEnd:
		return &Error{Kind: KindTimeout, Plugin: m.label(), Op: op, Err: err}
	case isExit:
		return &Error{Kind: KindTrap, Plugin: m.label(), Op: op, Err: fmt.Errorf("the plugin exited with code %d: %w", exit.ExitCode(), err)}
	}
	return &Error{Kind: KindTrap, Plugin: m.label(), Op: op, Err: err}
}

// callerEnded reports whether the caller's own context ended (or reached
// its deadline, which the call's deadline may have noticed first).
func callerEnded(parent context.Context) bool {
	if parent.Err() != nil {
		return true
	}
	d, ok := parent.Deadline()
	return ok && !time.Now().Before(d)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// invoke runs one operation with input on the instance, bounded by
// timeout, and returns the guest's output: a view of guest memory, valid
// until the next call on this instance. Any error is a fault (or the
// caller's cancellation); the instance must then be discarded.
func (in *instance) invoke(ctx context.Context, op abi.Op, input []byte, timeout time.Duration) ([]byte, *Error) {
	fn := in.ops[opIndex(op)]
	n := uint32(len(input))
	if n > in.inCap || in.inCap == 0 {
		if err := in.growInput(ctx, op, n, timeout); err != nil {
			return nil, err
		}
	}
	if n > 0 && !in.mem.Write(in.inPtr, input) {
		return nil, in.faultf(KindMalformedOutput, op, "alloc returned a buffer at %#x that no longer fits %d bytes in memory", in.inPtr, n)
	}
	in.lm.refused = false
	in.stack[0] = uint64(in.inPtr)
	in.stack[1] = uint64(n)
	cctx := in.deadline.start(ctx, timeout)
	err := fn.CallWithStack(cctx, in.stack)
	in.deadline.end()
	if err != nil {
		return nil, in.classify(ctx, op, err)
	}
	res := in.stack[0]
	ptr, length := uint32(res>>32), uint32(res)
	if uint64(length) > uint64(in.m.h.cfg.MaxOutputBytes) {
		return nil, &Error{Kind: KindOutputTooLarge, Plugin: in.m.label(), Op: op, Detail: strconv.FormatUint(uint64(length), 10) + " bytes",
			Err: fmt.Errorf("output of %d bytes claimed; the limit is %d", length, in.m.h.cfg.MaxOutputBytes)}
	}
	out, ok := in.mem.Read(ptr, length)
	if !ok {
		return nil, in.faultf(KindMalformedOutput, op, "output [%#x, +%d) lies outside the guest's memory of %d bytes", ptr, length, in.mem.Size())
	}
	return out, nil
}

// growInput gives the instance a guest buffer of at least n bytes: the
// previous one is freed, a larger one allocated (rounded up, so that most
// calls reuse it).
func (in *instance) growInput(ctx context.Context, op abi.Op, n uint32, timeout time.Duration) *Error {
	want := uint32(4096)
	for want < n {
		want *= 2
	}
	if in.inCap > 0 {
		in.stack[0], in.stack[1] = uint64(in.inPtr), uint64(in.inCap)
		cctx := in.deadline.start(ctx, timeout)
		err := in.free.CallWithStack(cctx, in.stack)
		in.deadline.end()
		if err != nil {
			return in.classify(ctx, op, fmt.Errorf("free: %w", err))
		}
		in.inPtr, in.inCap = 0, 0
	}
	in.stack[0] = uint64(want)
	cctx := in.deadline.start(ctx, timeout)
	err := in.alloc.CallWithStack(cctx, in.stack)
	in.deadline.end()
	if err != nil {
		return in.classify(ctx, op, fmt.Errorf("alloc: %w", err))
	}
	ptr := uint32(in.stack[0])
	if ptr == 0 || uint64(ptr)+uint64(want) > uint64(in.mem.Size()) {
		return in.faultf(KindMalformedOutput, op, "alloc(%d) returned %#x, outside the guest's memory of %d bytes", want, ptr, in.mem.Size())
	}
	in.inPtr, in.inCap = ptr, want
	return nil
}

func (in *instance) faultf(kind Kind, op abi.Op, format string, args ...any) *Error {
	return &Error{Kind: kind, Plugin: in.m.label(), Op: op, Err: fmt.Errorf(format, args...)}
}

// hasConfig reports whether the instance already received the
// configuration with this hash.
func (in *instance) hasConfig(hash string) bool {
	_, ok := in.configs[hash]
	return ok
}

// rememberConfig records that the instance received the configuration.
func (in *instance) rememberConfig(hash string) {
	if hash == "" {
		return
	}
	if len(in.configs) >= maxConfigsPerInstance {
		clear(in.configs)
	}
	in.configs[hash] = struct{}{}
}

const pageSize = 65536

// linearMemory backs a guest's linear memory (wazero's experimental
// allocator hook). It enforces the page cap itself, so that a refused
// growth is known: the guest gets -1 from memory.grow exactly as with
// wazero's own limit, and if it then crashes the fault is KindMemory.
type linearMemory struct {
	buf       []byte
	limit     uint64
	refused   bool
	allocated bool
}

// Allocate implements experimental.MemoryAllocator: the instance's memory
// is this one.
func (l *linearMemory) Allocate(_, max uint64) experimental.LinearMemory {
	if l.allocated {
		// A second memory (multi-memory is not enabled): give it the same cap.
		return &linearMemory{limit: min(l.limit, max), allocated: true}
	}
	l.allocated = true
	l.limit = min(l.limit, max)
	return l
}

// Reallocate implements experimental.LinearMemory. It grows the buffer
// with headroom so that a guest growing page by page is not copied each
// time; bytes past the old length are zero, as WebAssembly requires.
func (l *linearMemory) Reallocate(size uint64) []byte {
	if size > l.limit {
		l.refused = true
		return nil
	}
	if size <= uint64(cap(l.buf)) {
		l.buf = l.buf[:size]
		return l.buf
	}
	c := size + size/2
	c = (c + pageSize - 1) / pageSize * pageSize
	c = min(c, l.limit)
	b := make([]byte, size, c)
	copy(b, l.buf)
	l.buf = b
	return b
}

// Free implements experimental.LinearMemory.
func (l *linearMemory) Free() { l.buf = nil }

// tailWriter keeps the last bytes written to it.
type tailWriter struct{ b []byte }

const tailMax = 512

// Write implements io.Writer; it never fails.
func (t *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= tailMax {
		t.b = append(t.b[:0], p[len(p)-tailMax:]...)
		return n, nil
	}
	if over := len(t.b) + len(p) - tailMax; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	t.b = append(t.b, p...)
	return n, nil
}

// take returns the kept bytes as text and forgets them.
func (t *tailWriter) take() string {
	s := strings.ToValidUTF8(string(t.b), "?")
	t.b = t.b[:0]
	return s
}
