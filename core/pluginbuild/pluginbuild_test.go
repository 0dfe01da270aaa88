package pluginbuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBuildAndCache(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cache := t.TempDir()
	first, err := Cached(ctx, "testdata/tiny", cache, Options{})
	if err != nil {
		t.Fatalf("Cached: %v", err)
	}
	wasm, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(wasm, []byte("\x00asm")) {
		t.Fatalf("%s is not WebAssembly", first)
	}
	if !bytes.Contains(wasm, []byte("campagnon_abi_v1")) {
		t.Error("the export is missing from the module")
	}
	info, _ := os.Stat(first)
	again, err := Cached(ctx, "testdata/tiny", cache, Options{})
	if err != nil || again != first {
		t.Fatalf("second Cached = %s, %v; want the cached %s", again, err, first)
	}
	info2, _ := os.Stat(again)
	if !info2.ModTime().Equal(info.ModTime()) {
		t.Error("unchanged sources were rebuilt")
	}
	leftovers, _ := filepath.Glob(filepath.Join(cache, "*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestSourceHashFollowsSources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	write := func(body string) {
		src := "package main\n\n//go:wasmexport campagnon_abi_v1\nfunc marker() {}\n\nfunc main() {}\n" + body
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/p\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write("")
	h1, err := SourceHash(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	write("// a change\n")
	h2, err := SourceHash(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Error("hash unchanged after a source change")
	}
}

func TestBuildErrorsSayWhy(t *testing.T) {
	t.Parallel()
	err := Build(context.Background(), "testdata/broken", filepath.Join(t.TempDir(), "x.wasm"), Options{})
	if err == nil || !strings.Contains(err.Error(), "undefinedFunction") {
		t.Errorf("Build error = %v, want the compiler's message", err)
	}
	err = Build(context.Background(), "testdata/does-not-exist", filepath.Join(t.TempDir(), "x.wasm"), Options{})
	if err == nil {
		t.Error("building a missing folder succeeded")
	}
}
