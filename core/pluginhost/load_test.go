package pluginhost

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLoadRefusals loads each broken module: a typed refusal, no module
// kept, and the host still loads and serves the good guest.
func TestLoadRefusals(t *testing.T) {
	h, _ := newHost(t, Config{MaxModuleBytes: 8 << 20})
	good := guest(t, "good")
	cases := []struct {
		name   string
		wasm   []byte
		kind   Kind
		detail string
		is     error
	}{
		{name: "text", wasm: []byte("#!/bin/sh\necho not a plugin\n"), kind: KindNotWasm},
		{name: "empty", wasm: nil, kind: KindNotWasm},
		{name: "elf", wasm: []byte("\x7fELF\x02\x01\x01\x00rest of an executable"), kind: KindNotWasm},
		{name: "truncated", wasm: good[:len(good)/2], kind: KindNotWasm},
		{name: "header only", wasm: good[:8], kind: KindABIMismatch, is: ErrNoABIMarker},
		{name: "too large", wasm: append(append([]byte{}, good...), make([]byte, 8<<20)...), kind: KindTooLarge},
		{name: "noexport", wasm: guest(t, "noexport"), kind: KindMissingExport, detail: "campagnon_quote"},
		{name: "abiv2", wasm: guest(t, "abiv2"), kind: KindABIMismatch, detail: "campagnon_abi_v2"},
		{name: "nomarker", wasm: guest(t, "nomarker"), kind: KindABIMismatch, is: ErrNoABIMarker},
		{name: "forbidden", wasm: guest(t, "forbidden"), kind: KindForbiddenImport, detail: "env.secret"},
		{name: "badinit", wasm: guest(t, "badinit"), kind: KindTrap},
		{name: "badmanifest", wasm: guest(t, "badmanifest"), kind: KindInvalidResult},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := h.Load(context.Background(), c.wasm, nil)
			if m != nil {
				t.Errorf("Load returned a module")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Kind != c.kind {
				t.Fatalf("kind = %v (%v), want %v", e.Kind, err, c.kind)
			}
			if !errors.Is(err, &Error{Kind: c.kind}) {
				t.Errorf("errors.Is(err, sentinel of %v) is false", c.kind)
			}
			if c.detail != "" && !strings.Contains(e.Detail, c.detail) {
				t.Errorf("detail %q does not name %q", e.Detail, c.detail)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("err does not wrap %v", c.is)
			}
			fr, en := e.PublicMessage()
			if fr == "" || en == "" || fr == en {
				t.Errorf("public message %q / %q", fr, en)
			}
			if c.detail != "" && !strings.Contains(fr, c.detail) {
				t.Errorf("the French message does not name %q: %s", c.detail, fr)
			}
			t.Logf("%v", err)
			mustQuote(t, load(t, h, "good"), "jardinage")
		})
	}
	if s := h.Stats(); s.Modules != 1 {
		t.Errorf("host keeps %d modules, want only the good one", s.Modules)
	}
}

func TestLoadSameBytesSameModule(t *testing.T) {
	h, _ := newHost(t, Config{})
	var wg sync.WaitGroup
	mods := make([]*Module, 4)
	for i := range mods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mods[i] = load(t, h, "good")
		}()
	}
	wg.Wait()
	for _, m := range mods[1:] {
		if m != mods[0] {
			t.Fatalf("two Loads of the same bytes returned different modules")
		}
	}
	if other := load(t, h, "goodv2"); other == mods[0] {
		t.Errorf("different bytes returned the same module")
	}
	if s := h.Stats(); s.Modules != 2 || s.Instances != 2 {
		t.Errorf("stats = %+v, want 2 modules with one instance each", s)
	}
}

func TestSignatures(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	good := guest(t, "good")
	sig := Sign(priv, good)
	tampered := append([]byte{}, good...)
	tampered[len(tampered)/2] ^= 0x01

	strict, _ := newHost(t, Config{RequireSignatures: true, TrustedKeys: []ed25519.PublicKey{pub}})
	lax, _ := newHost(t, Config{})
	checking, _ := newHost(t, Config{TrustedKeys: []ed25519.PublicKey{pub}})
	cases := []struct {
		name string
		h    *Host
		wasm []byte
		sig  []byte
		ok   bool
	}{
		{"signed by a trusted key", strict, good, sig, true},
		{"unsigned", strict, good, nil, false},
		{"signed by another key", strict, good, Sign(otherPriv, good), false},
		{"tampered module", strict, tampered, sig, false},
		{"malformed signature", strict, good, sig[:10], false},
		{"unsigned, not required", lax, good, nil, true},
		{"signed, nothing to check it against: the signature is ignored", lax, good, sig, true},
		{"not required, but a given signature is checked when keys are trusted", checking, good, Sign(otherPriv, good), false},
		{"not required, trusted signature", checking, good, sig, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.h.Load(context.Background(), c.wasm, c.sig)
			if c.ok {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				mustQuote(t, m, "jardinage")
				return
			}
			if kindOf(err) != KindBadSignature {
				t.Fatalf("err = %v, want KindBadSignature", err)
			}
		})
	}
}

// TestCompileCache loads the good guest in a host with an empty cache
// directory, then in a second host on the same directory.
func TestCompileCache(t *testing.T) {
	dir := t.TempDir()
	loadIn := func() time.Duration {
		h, err := New(context.Background(), Config{CacheDir: dir}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close(context.Background())
		start := time.Now()
		m, err := h.Load(context.Background(), guest(t, "good"), nil)
		if err != nil {
			t.Fatal(err)
		}
		d := time.Since(start)
		mustQuote(t, m, "jardinage")
		return d
	}
	cold := loadIn()
	var files int
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files == 0 {
		t.Fatalf("the cache directory is empty after a load")
	}
	warm := loadIn()
	t.Logf("load of a %d-byte module: cold %v, from the disk cache %v", len(guest(t, "good")), cold.Round(time.Millisecond), warm.Round(time.Millisecond))
}

func TestHostClose(t *testing.T) {
	h, err := New(context.Background(), Config{CacheDir: testCacheDir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	m := load(t, h, "good")
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Quote(context.Background(), quoteReq("jardinage", "resident", "free")); kindOf(err) != KindClosed {
		t.Errorf("call after Close: %v, want KindClosed", err)
	}
	if _, err := h.Load(context.Background(), guest(t, "good"), nil); kindOf(err) != KindClosed {
		t.Errorf("Load after Close: %v, want KindClosed", err)
	}
	if err := h.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{MaxMemoryPages: 2000},
		{MaxInputBytes: 1 << 30},
		{MaxOutputBytes: -1},
		{MaxInstances: -1},
		{CallTimeout: -time.Second},
		{RequireSignatures: true},
		{TrustedKeys: []ed25519.PublicKey{make([]byte, 3)}},
	} {
		if _, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
