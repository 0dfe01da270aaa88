package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// guests holds the test guests built from testdata/guests/<name>, by name.
var guests = map[string][]byte{}

// testCacheDir is the wazero compilation cache shared by the tests' hosts,
// so that reruns do not compile the guests again.
var testCacheDir string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(func() int {
		tmp, err := os.MkdirTemp("", "pluginhost-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		cache := filepath.Join(tmp, "cache")
		if dir, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(dir, "campagnon-test-guests")
		}
		testCacheDir = filepath.Join(cache, "wazero")
		start := time.Now()
		if err := buildGuests(tmp, cache); err != nil {
			fmt.Fprintln(os.Stderr, "build test guests:", err)
			return 1
		}
		if testing.Verbose() {
			fmt.Printf("test guests ready in %v\n", time.Since(start).Round(time.Millisecond))
		}
		return m.Run()
	}())
}

// buildGuests builds every testdata/guests/<name> with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared into out, two at a
// time, reusing a build from cacheDir when its sources are unchanged.
func buildGuests(out, cacheDir string) error {
	entries, err := os.ReadDir("testdata/guests")
	if err != nil {
		return err
	}
	goVersion, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("go env GOVERSION: %w", err)
	}
	// Every guest may use these: a change in any of them rebuilds it.
	shared, err := hashTree(string(goVersion), "testdata/guestlogic", "../../sdk/abi", "../../go.mod", "../../go.sum")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return err
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 2)
	)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			b, err := buildGuest(name, shared, out, cacheDir)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				return
			}
			guests[name] = b
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func buildGuest(name, shared, out, cacheDir string) ([]byte, error) {
	src := filepath.Join("testdata/guests", name)
	key, err := hashTree(shared, src)
	if err != nil {
		return nil, err
	}
	cached := filepath.Join(cacheDir, name+"-"+key[:16]+".wasm")
	if b, err := os.ReadFile(cached); err == nil {
		return b, nil
	}
	dst, err := filepath.Abs(filepath.Join(out, name+".wasm"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-o", dst, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %w\n%s", err, msg)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		return nil, err
	}
	tmp := cached + ".tmp" + key[16:24]
	if err := os.WriteFile(tmp, b, 0o644); err == nil {
		_ = os.Rename(tmp, cached)
	}
	return b, nil
}

// hashTree hashes seed and the .go, go.mod and go.sum files under paths.
func hashTree(seed string, paths ...string) (string, error) {
	h := sha256.New()
	h.Write([]byte(seed))
	for _, root := range paths {
		var files []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, "go.mod") || strings.HasSuffix(p, "go.sum")) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(f), len(b))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// guest returns the bytes of a test guest.
func guest(t testing.TB, name string) []byte {
	t.Helper()
	b, ok := guests[name]
	if !ok {
		t.Fatalf("no test guest %q", name)
	}
	return b
}

// recorder is a slog.Handler that keeps the records, for assertions.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}

func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// find returns the records whose message contains s.
func (r *recorder) find(s string) []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []slog.Record
	for _, rec := range r.records {
		if strings.Contains(rec.Message, s) {
			out = append(out, rec)
		}
	}
	return out
}

func attr(rec slog.Record, key string) string {
	var v string
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// newHost returns a host on the shared test compilation cache, closed at
// the end of the test, and the recorder of its log.
func newHost(t testing.TB, cfg Config) (*Host, *recorder) {
	t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = testCacheDir
	}
	if cfg.CallTimeout == 0 {
		// Generous, so that a loaded machine (or -race) does not turn a
		// slow good call into a timeout; the timeout tests set their own.
		cfg.CallTimeout = 2 * time.Second
	}
	rec := &recorder{}
	h, err := New(context.Background(), cfg, slog.New(rec))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h, rec
}

// load loads a test guest or fails the test.
func load(t testing.TB, h *Host, name string) *Module {
	t.Helper()
	m, err := h.Load(context.Background(), guest(t, name), nil)
	if err != nil {
		t.Fatalf("Load %s: %v", name, err)
	}
	return m
}

// testConfig is the territory configuration of the tests.
var testConfig = []byte(`{"hourly_cents":2000,"km_cents":32,"commission_percent":5,"solidarity_percent":30}`)

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func testContext() abi.Context {
	return abi.Context{
		Now:        "2026-11-27T10:00:00Z",
		Territory:  abi.Territory{Slug: "portes-de-sologne", Name: "Portes de Sologne", EPCI: "200000172"},
		ConfigHash: hashOf(testConfig),
		Config:     testConfig,
	}
}

// quoteReq returns a valid quote request.
func quoteReq(category, modality, mode string) *abi.QuoteRequest {
	return &abi.QuoteRequest{
		Context: testContext(), Category: category, Modality: modality, Mode: mode,
		Minutes: 90, DistanceMeters: 4200, Occurrences: 2,
	}
}

// mustQuote asks m for a free quote of category and fails the test on error.
func mustQuote(t testing.TB, m *Module, category string) *abi.Quote {
	t.Helper()
	q, err := m.Quote(context.Background(), quoteReq(category, abi.ModalityResident, abi.ModeFree))
	if err != nil {
		t.Fatalf("Quote(%s) on %s: %v", category, m, err)
	}
	return q
}

// kindOf returns the Kind of an *Error, or 0.
func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func hasNote(q *abi.Quote, note string) bool {
	for _, n := range q.Notes {
		if n == note {
			return true
		}
	}
	return false
}
