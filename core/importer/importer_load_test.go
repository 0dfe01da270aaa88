package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// LoadEnv runs TestImportLoad: the 100,000-row import with its figures.
const LoadEnv = "CAMPAGNON_IMPORT_LOAD"

// loadRows is the size of the load test's file.
const loadRows = 100_000

// Targets of the 100,000-row import (issue 8).
const (
	minRowsPerSecond = 5000
	maxGrowthBytes   = 64 << 20
)

// TestImportLoad imports a generated file of 100,000 answers (written to
// a temporary file, read from disk as the command does): validation, then
// the one transaction, on each engine. It reports rows per second beside
// the baseline of the same run — encoding/csv reading the same file and
// nothing else — and the memory growth above the level before the import,
// sampled every 10 ms: the live heap (what the import holds, as of each
// collection: /gc/heap/live:bytes), the heap in use (live and garbage not
// collected yet: with GOGC=100 the collector lets it reach about twice the
// whole process's live heap) and the memory obtained from the system. It
// fails below 5,000 rows/s or when the live heap grows by more than 64 MB.
// Set CAMPAGNON_IMPORT_LOAD=1 to run it (about a minute).
func TestImportLoad(t *testing.T) {
	if os.Getenv(LoadEnv) == "" {
		t.Skipf("load test skipped: set %s=1 to import %d rows", LoadEnv, loadRows)
	}
	path := filepath.Join(t.TempDir(), "reponses.csv")
	if err := os.WriteFile(path, generate(loadRows, 0), 0o600); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	base := baselineCSV(t, path)
	t.Logf("file: %d rows, %.1f MB; baseline encoding/csv: %.0f rows/s", loadRows, float64(st.Size())/1e6, base)
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		m := mustMapping(t, KindListings)
		file, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		mem := startMemory()
		start := time.Now()
		rep, err := f.svc.Validate(ctx, f.terr, File{Name: "reponses.csv", Data: file, Size: st.Size()}, m, nil)
		if err != nil {
			t.Fatal(err)
		}
		validated := time.Since(start)
		if !rep.OK() || rep.Ready != loadRows {
			t.Fatalf("report: ok %v, ready %d, first problems %+v", rep.OK(), rep.Ready, rep.Problems[:min(3, len(rep.Problems))])
		}
		done, err := f.svc.Apply(ctx, f.terr, rep, CommandActor, nil)
		if err != nil {
			t.Fatal(err)
		}
		total := time.Since(start)
		live, heap, sys := mem.stop()
		if done.Created != loadRows || f.count(t, "listings") != loadRows {
			t.Fatalf("created %d", done.Created)
		}
		rate := float64(loadRows) / total.Seconds()
		t.Logf("%s: validate %.0f rows/s (%s), apply %.0f rows/s (%s), whole import %.0f rows/s (%.1f× slower than the baseline); "+
			"growth: live heap %.1f MB, heap in use %.1f MB, from the system %.1f MB; plugin calls %d",
			tg.Driver, loadRows/validated.Seconds(), validated.Round(time.Millisecond), loadRows/(total-validated).Seconds(),
			(total - validated).Round(time.Millisecond), rate, base/rate, mb(live), mb(heap), mb(sys), f.rules.calls)
		if rate < minRowsPerSecond {
			t.Errorf("%.0f rows/s, want ≥ %d", rate, minRowsPerSecond)
		}
		if live > maxGrowthBytes {
			t.Errorf("live heap grew %.1f MB, want ≤ %d MB", mb(live), maxGrowthBytes>>20)
		}
		// Importing it again is a validation that finds every row done.
		file2, _ := os.Open(path)
		defer file2.Close()
		again := time.Now()
		rep, err = f.svc.Validate(ctx, f.terr, File{Name: "reponses.csv", Data: file2, Size: st.Size()}, m, nil)
		if err != nil || rep.Ready != 0 || rep.Already != loadRows {
			t.Fatalf("again: %v, ready %d, already %d", err, rep.Ready, rep.Already)
		}
		t.Logf("%s: re-import found the %d rows imported in %s", tg.Driver, loadRows, time.Since(again).Round(time.Millisecond))
	})
	t.Run("xlsx", func(t *testing.T) {
		data := generateXLSX(t, loadRows)
		f := newFixture(t, storetest.New(t, "sqlite"))
		mem := startMemory()
		start := time.Now()
		rep, err := f.svc.Validate(context.Background(), f.terr, File{Name: "reponses.xlsx", Data: bytesReader(data), Size: int64(len(data))},
			mustMapping(t, KindListings), nil)
		took := time.Since(start)
		live, heap, sys := mem.stop()
		if err != nil || !rep.OK() || rep.Ready != loadRows {
			t.Fatalf("xlsx: %v, %+v", err, rep)
		}
		t.Logf("xlsx (%.1f MB): validate %.0f rows/s (%s); growth: live heap %.1f MB, heap in use %.1f MB, from the system %.1f MB",
			float64(len(data))/1e6, loadRows/took.Seconds(), took.Round(time.Millisecond), mb(live), mb(heap), mb(sys))
		if live > maxGrowthBytes {
			t.Errorf("live heap grew %.1f MB, want ≤ %d MB", mb(live), maxGrowthBytes>>20)
		}
	})
}

// generateXLSX returns the answers of generate as a workbook.
func generateXLSX(t testing.TB, n int) []byte {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(generate(n, 0), []byte("\ufeff"))))
	r.Comma = ';'
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; ; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		row := make([]any, len(rec))
		for j, c := range rec {
			row[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := sw.SetRow(cell, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// baselineCSV reads path with encoding/csv alone and returns rows/s.
func baselineCSV(t testing.TB, path string) float64 {
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	start := time.Now()
	r := csv.NewReader(file)
	r.Comma = ';'
	n := 0
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// memory samples the heap while an import runs.
type memory struct {
	live0, heap0, sys0          uint64
	peakLive, peakHeap, peakSys atomic.Uint64
	quit                        chan struct{}
	wg                          sync.WaitGroup
}

func startMemory() *memory {
	runtime.GC()
	m := &memory{quit: make(chan struct{})}
	m.live0, m.heap0, m.sys0 = readMemory()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			m.sample()
			select {
			case <-m.quit:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

// readMemory returns the live heap as of the last collection, the heap in
// use and the memory obtained from the system.
func readMemory() (live, heap, sys uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return s[0].Value.Uint64(), ms.HeapInuse, ms.Sys
}

func (m *memory) sample() {
	live, heap, sys := readMemory()
	for _, p := range []struct {
		peak *atomic.Uint64
		v    uint64
	}{{&m.peakLive, live}, {&m.peakHeap, heap}, {&m.peakSys, sys}} {
		if p.v > p.peak.Load() {
			p.peak.Store(p.v)
		}
	}
}

// stop returns the peak growths of the live heap, the heap in use and
// the memory from the system.
func (m *memory) stop() (live, heap, sys uint64) {
	m.sample()
	close(m.quit)
	m.wg.Wait()
	growth := func(peak, base uint64) uint64 { return peak - min(base, peak) }
	return growth(m.peakLive.Load(), m.live0), growth(m.peakHeap.Load(), m.heap0), growth(m.peakSys.Load(), m.sys0)
}

// BenchmarkValidate validates a 10,000-row export; its baseline,
// BenchmarkValidate/baseline, reads the same bytes with encoding/csv.
func BenchmarkValidate(b *testing.B) {
	data := generate(10_000, 0)
	b.Run("baseline", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			r := csv.NewReader(bytesReader(data))
			r.Comma = ';'
			if _, err := r.ReadAll(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("validate", func(b *testing.B) {
		f := newFixture(b, storetest.New(b, "sqlite"))
		m := mustMapping(b, KindListings)
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			rep, err := f.svc.Validate(context.Background(), f.terr, File{Name: "b.csv", Data: bytesReader(data), Size: int64(len(data))}, m, nil)
			if err != nil || !rep.OK() {
				b.Fatal(err, rep.Problems)
			}
		}
	})
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b: b} }

// sliceReader reads a byte slice (a bytes.Reader without its ReaderAt, as
// a file upload comes).
type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
