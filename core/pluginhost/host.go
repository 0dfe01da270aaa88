package pluginhost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Host runs plugins: one wazero runtime, the modules loaded into it (each
// compiled once) and their instance pools. Its methods are safe for
// concurrent use.
type Host struct {
	cfg          Config
	log          *slog.Logger
	rt           wazero.Runtime
	cache        wazero.CompilationCache
	moduleConfig wazero.ModuleConfig
	wasiSigs     map[string]sig

	mu      sync.Mutex
	modules map[[32]byte]*loadEntry

	// names maps an instance's wazero module name to its Module, for the
	// host functions.
	names  sync.Map
	seq    atomic.Uint64
	closed atomic.Bool

	stop chan struct{}
	done chan struct{}
}

// loadEntry is a module being loaded or loaded; concurrent Loads of the
// same bytes wait for the first.
type loadEntry struct {
	ready chan struct{}
	m     *Module
	err   error
}

// HostStats is a snapshot of a host.
type HostStats struct {
	// Modules counts the open modules, Instances their open instances.
	Modules, Instances int
}

// New returns a Host. The wazero runtime is configured so that a guest
// can never hold the process: WithCloseOnContextDone is always on (a
// looping guest is stopped at its deadline), memory is capped, WASI has no
// file, environment, argument, network nor real clock, randomness is
// deterministic, stdout is discarded. log receives the plugins' log lines
// and the host's reports (faults, cut-offs); nil means slog.Default().
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Host, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	h := &Host{
		cfg:     cfg,
		log:     log.With(slog.String("component", "pluginhost")),
		modules: map[[32]byte]*loadEntry{},
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	rc := wazero.NewRuntimeConfig().WithCloseOnContextDone(true)
	if cfg.CacheDir != "" {
		h.cache, err = wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("pluginhost: compilation cache in %s: %w", cfg.CacheDir, err)
		}
		rc = rc.WithCompilationCache(h.cache)
	}
	h.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, h.rt); err != nil {
		_ = h.rt.Close(ctx)
		return nil, fmt.Errorf("pluginhost: instantiate WASI: %w", err)
	}
	h.wasiSigs = map[string]sig{}
	for name, def := range h.rt.Module(abi.WASIModule).ExportedFunctionDefinitions() {
		h.wasiSigs[name] = sigOf(def)
	}
	_, err = h.rt.NewHostModuleBuilder(abi.ImportModule).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(h.hostLog), []api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}, nil).
		WithParameterNames("level", "ptr", "len").
		Export(abi.ImportLog).
		Instantiate(ctx)
	if err != nil {
		_ = h.rt.Close(ctx)
		return nil, fmt.Errorf("pluginhost: instantiate the %s host module: %w", abi.ImportModule, err)
	}
	// No WithFS, WithArgs, WithEnv, WithSysWalltime, WithSysNanotime nor
	// WithSysNanosleep: wazero's defaults are no files, no arguments, no
	// environment, a fake clock and a no-op sleep.
	h.moduleConfig = wazero.NewModuleConfig().
		WithStartFunctions(abi.ExportInitialize).
		WithStdin(bytes.NewReader(nil)).
		WithStdout(io.Discard)
	go h.janitor()
	return h, nil
}

// Close closes every module and the runtime. Calls in flight fail with
// KindClosed. It returns the first error met.
func (h *Host) Close(ctx context.Context) error {
	if !h.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(h.stop)
	<-h.done
	h.mu.Lock()
	var mods []*Module
	for _, e := range h.modules {
		select {
		case <-e.ready:
			if e.m != nil {
				mods = append(mods, e.m)
			}
		default:
		}
	}
	h.mu.Unlock()
	for _, m := range mods {
		m.shutdown()
	}
	err := h.rt.Close(ctx)
	if h.cache != nil {
		err = errors.Join(err, h.cache.Close(ctx))
	}
	if err != nil {
		return fmt.Errorf("pluginhost: close: %w", err)
	}
	return nil
}

// Stats returns a snapshot of the host.
func (h *Host) Stats() HostStats {
	var s HostStats
	for _, m := range h.loaded() {
		live, _ := m.pool.counts()
		s.Modules++
		s.Instances += live
	}
	return s
}

func (h *Host) loaded() []*Module {
	h.mu.Lock()
	defer h.mu.Unlock()
	mods := make([]*Module, 0, len(h.modules))
	for _, e := range h.modules {
		select {
		case <-e.ready:
			if e.m != nil {
				mods = append(mods, e.m)
			}
		default:
		}
	}
	return mods
}

// Load checks, compiles and starts a plugin, and returns it. Before any
// guest code runs it refuses, with a typed *Error: a module larger than
// MaxModuleBytes (KindTooLarge); bytes that are not WebAssembly
// (KindNotWasm); a missing or bad signature when RequireSignatures is set,
// or a bad signature given while TrustedKeys are set (KindBadSignature); a module for another ABI
// or without the version marker (KindABIMismatch); a missing or mistyped
// required export (KindMissingExport); an import the ABI does not grant,
// named in the error (KindForbiddenImport); an initial memory above the
// cap (KindMemory). Then it compiles the module (once per distinct
// content: Load of the same bytes returns the same *Module), starts one
// instance (running _initialize) and reads and checks the manifest
// (describe). Load may take a while (compilation); call it at start-up or
// when an admin installs a plugin, never on a request path.
func (h *Host) Load(ctx context.Context, wasm, signature []byte) (*Module, error) {
	if h.closed.Load() {
		return nil, &Error{Kind: KindClosed, Err: errors.New("host closed")}
	}
	if len(wasm) > h.cfg.MaxModuleBytes {
		return nil, &Error{Kind: KindTooLarge, Detail: fmt.Sprintf("%d octets, au plus %d", len(wasm), h.cfg.MaxModuleBytes),
			Err: fmt.Errorf("module of %d bytes; the limit is %d", len(wasm), h.cfg.MaxModuleBytes)}
	}
	if err := checkHeader(wasm); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(wasm)
	// A signature is checked when signatures are required, or when one is
	// given and there are keys to check it against; with no trusted key
	// at all, a signature beside a module (an integrator's own, say) means
	// nothing here and is ignored.
	if h.cfg.RequireSignatures || (len(signature) > 0 && len(h.cfg.TrustedKeys) > 0) {
		if err := verifySignature(sum, signature, h.cfg.TrustedKeys); err != nil {
			err.(*Error).Plugin = "sha256:" + hex.EncodeToString(sum[:6])
			return nil, err
		}
	}
	for {
		h.mu.Lock()
		e := h.modules[sum]
		if e == nil {
			e = &loadEntry{ready: make(chan struct{})}
			h.modules[sum] = e
			h.mu.Unlock()
			e.m, e.err = h.build(ctx, wasm, sum)
			if e.err != nil {
				h.mu.Lock()
				if h.modules[sum] == e {
					delete(h.modules, sum)
				}
				h.mu.Unlock()
			}
			close(e.ready)
			return e.m, e.err
		}
		h.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, &Error{Kind: KindCanceled, Err: ctx.Err()}
		}
		if e.err != nil {
			var pe *Error
			if errors.As(e.err, &pe) && pe.Kind == KindCanceled {
				continue // the first loader gave up; try again ourselves
			}
			return nil, e.err
		}
		if e.m.state.Load()&closedBit != 0 {
			h.forget(e.m)
			continue
		}
		return e.m, nil
	}
}

// build checks, compiles and starts a module.
func (h *Host) build(ctx context.Context, wasm []byte, sum [32]byte) (*Module, error) {
	hash := hex.EncodeToString(sum[:])
	label := "sha256:" + hash[:12]
	withLabel := func(err error) error {
		var pe *Error
		if errors.As(err, &pe) && pe.Plugin == "" {
			pe.Plugin = label
		}
		return err
	}
	pre, err := preCompileShape(wasm)
	if err != nil {
		return nil, &Error{Kind: KindNotWasm, Plugin: label, Err: err}
	}
	if pre != nil {
		if err := checkShape(pre, h.cfg.MaxMemoryPages, h.wasiSigs); err != nil {
			return nil, withLabel(err)
		}
	}
	start := time.Now()
	cm, err := h.rt.CompileModule(ctx, wasm)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &Error{Kind: KindCanceled, Plugin: label, Err: err}
		}
		return nil, &Error{Kind: KindNotWasm, Plugin: label, Err: fmt.Errorf("compile: %w", err)}
	}
	compileTime := time.Since(start)
	if err := checkShape(compiledShape(cm), h.cfg.MaxMemoryPages, h.wasiSigs); err != nil {
		_ = cm.Close(ctx)
		return nil, withLabel(err)
	}
	m := newModule(h, cm, hash, len(wasm))
	start = time.Now()
	in, err := m.pool.acquire(ctx, abi.OpDescribe)
	if err != nil {
		m.shutdownQuiet()
		return nil, err
	}
	startTime := time.Since(start)
	m.pool.release(in, false)
	man, err := m.Describe(ctx)
	if err != nil {
		m.shutdownQuiet()
		var re *RefusalError
		if errors.As(err, &re) {
			return nil, &Error{Kind: KindInvalidResult, Plugin: label, Op: abi.OpDescribe, Detail: "describe refusé", Err: err}
		}
		return nil, err
	}
	m.manifest = *man
	m.plugin = man.ID + "@" + man.Version
	h.log.Info("plugin loaded", m.logAttrs(
		slog.Int("size", len(wasm)), slog.Duration("compile", compileTime), slog.Duration("start", startTime))...)
	return m, nil
}

// shutdownQuiet closes a module that failed to load.
func (m *Module) shutdownQuiet() {
	m.state.Store(closedBit)
	if m.pool.close() {
		m.finalize()
	}
}

// forget removes a closed module from the cache, so that loading the
// same bytes again starts afresh.
func (h *Host) forget(m *Module) {
	sum, err := hex.DecodeString(m.hash)
	if err != nil || len(sum) != 32 {
		return
	}
	key := [32]byte(sum)
	h.mu.Lock()
	if e := h.modules[key]; e != nil && e.m == m {
		delete(h.modules, key)
	}
	h.mu.Unlock()
}

// janitor closes idle instances past IdleTimeout, keeping one per module.
func (h *Host) janitor() {
	defer close(h.done)
	every := max(h.cfg.IdleTimeout/4, 10*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case now := <-t.C:
			cutoff := now.Add(-h.cfg.IdleTimeout).UnixNano()
			for _, m := range h.loaded() {
				if n := m.pool.reap(cutoff, 1); n > 0 {
					h.log.Debug("idle plugin instances closed", m.logAttrs(slog.Int("closed", n))...)
				}
			}
		}
	}
}

// instanceName returns the wazero module name of the seq-th instance.
func instanceName(seq uint64) string { return "plugin-" + strconv.FormatUint(seq, 10) }
