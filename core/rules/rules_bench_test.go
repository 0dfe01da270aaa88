package rules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
	stdrules "github.com/campagnon/campagnon/plugins/standard/rules"
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// benchQuote is a professional gardening job: labour, travel, commission,
// tax credit — the standard plugin's longest common path.
func benchQuote() *abi.QuoteRequest {
	cfg := rules.EmptyConfig
	return &abi.QuoteRequest{
		Context: abi.Context{Now: "2026-11-27T10:00:00Z", Territory: abi.Territory{Slug: "portes-de-sologne", Name: "CC des Portes de Sologne", EPCI: "200005932"},
			ConfigHash: rules.HashConfig(cfg), Config: cfg},
		Category: "petits-travaux", Modality: abi.ModalityProfessional, Mode: abi.ModeProfessional,
		Minutes: 90, DistanceMeters: 12400, Occurrences: 1, ProviderSAP: true,
	}
}

// standardHandlers are the standard plugin's handlers, natively, with its
// embedded default configuration read from the source tree.
func standardHandlers(b testing.TB) plugin.Handlers {
	def, err := os.ReadFile("../../plugins/standard/config.default.json")
	if err != nil {
		b.Fatal(err)
	}
	return stdrules.Handlers(abi.Manifest{ID: "campagnon.standard", Name: "Règles standard", Version: "1.0.0", ABI: abi.Version,
		Operations: stdrules.Operations}, stdrules.Options{Default: def})
}

func loadStandard(b testing.TB, cacheDir string) (*pluginhost.Host, *pluginhost.Module) {
	b.Helper()
	host, err := pluginhost.New(context.Background(), pluginhost.Config{CacheDir: cacheDir, MaxInstances: runtime.GOMAXPROCS(0) * 2}, storetest.Logger(b))
	if err != nil {
		b.Fatal(err)
	}
	wasm, err := os.ReadFile(filepath.Join(moduleDir, "standard.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	m, err := host.Load(context.Background(), wasm, nil)
	if err != nil {
		b.Fatal(err)
	}
	return host, m
}

// reportLatency records the p50 and p99 of samples as benchmark metrics.
func reportLatency(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	b.ReportMetric(float64(samples[len(samples)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(samples[len(samples)*99/100].Nanoseconds())/1000, "p99-µs")
}

// BenchmarkStandardQuote prices one quote with the standard plugin three
// ways in the same run: through the plugin host (wasm, warm pool, 100 ms
// deadline on every call), the same handlers called natively through the
// SDK's runner, and a plain encoding/json native implementation (the
// baseline of issue 3). Targets: host p50 ≤ 20 µs, p99 ≤ 50 µs.
func BenchmarkStandardQuote(b *testing.B) {
	req := benchQuote()
	b.Run("host", func(b *testing.B) {
		host, m := loadStandard(b, filepath.Join(moduleDir, "compiled"))
		defer host.Close(context.Background())
		ctx := context.Background()
		for i := 0; i < 200; i++ { // warm the instance and its configuration cache
			if _, err := m.Quote(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		samples := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if _, err := m.Quote(ctx, req); err != nil {
				b.Fatal(err)
			}
			samples = append(samples, time.Since(start))
		}
		b.StopTimer()
		reportLatency(b, samples)
	})
	b.Run("native-sdk", func(b *testing.B) {
		r := plugin.NewRunner(standardHandlers(b))
		input := abi.AppendQuoteRequest(nil, req)
		samples := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if _, err := r.Call(abi.OpQuote, input); err != nil {
				b.Fatal(err)
			}
			samples = append(samples, time.Since(start))
		}
		b.StopTimer()
		reportLatency(b, samples)
	})
	b.Run("native-encoding-json", func(b *testing.B) {
		def, _ := os.ReadFile("../../plugins/standard/config.default.json")
		policy, err := stdrules.Compile(rules.EmptyConfig, stdrules.Options{Default: def})
		if err != nil {
			b.Fatal(err)
		}
		input, _ := json.Marshal(req)
		now, _ := time.Parse(time.RFC3339, req.Context.Now)
		samples := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			var in abi.QuoteRequest
			if err := json.Unmarshal(input, &in); err != nil {
				b.Fatal(err)
			}
			q, err := policy.Quote(now, &in)
			if err != nil {
				b.Fatal(err)
			}
			res, _ := json.Marshal(q)
			if _, err := json.Marshal(abi.Envelope{OK: true, Result: res}); err != nil {
				b.Fatal(err)
			}
			samples = append(samples, time.Since(start))
		}
		b.StopTimer()
		reportLatency(b, samples)
	})
}

// BenchmarkStandardQuoteParallel measures quotes per second through the
// host from concurrent callers sharing one module's pool. Target ≥ 50,000/s
// on 2 cores. The baseline is the native SDK runner under the same load.
func BenchmarkStandardQuoteParallel(b *testing.B) {
	req := benchQuote()
	b.Run("host", func(b *testing.B) {
		host, m := loadStandard(b, filepath.Join(moduleDir, "compiled"))
		defer host.Close(context.Background())
		ctx := context.Background()
		for i := 0; i < 100; i++ {
			if _, err := m.Quote(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		b.SetParallelism(4)
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			r := *req
			for pb.Next() {
				if _, err := m.Quote(ctx, &r); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "quotes/s")
	})
	b.Run("native-sdk", func(b *testing.B) {
		h := standardHandlers(b)
		input := abi.AppendQuoteRequest(nil, req)
		var pool sync.Pool
		pool.New = func() any { return plugin.NewRunner(h) }
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			r := pool.Get().(*plugin.Runner)
			defer pool.Put(r)
			for pb.Next() {
				if _, err := r.Call(abi.OpQuote, input); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "quotes/s")
	})
}

// BenchmarkStandardLoad measures a plugin becoming ready (compile or read
// the compiled code, first instance, describe): from a warm on-disk
// compilation cache (target ≤ 150 ms) against a cold compile in the same run.
func BenchmarkStandardLoad(b *testing.B) {
	warm := b.TempDir()
	host, _ := loadStandard(b, warm) // fills the cache
	_ = host.Close(context.Background())
	for _, tc := range []struct {
		name  string
		cache func(b *testing.B) string
	}{
		{"cold-compile", func(b *testing.B) string { return b.TempDir() }},
		{"warm-disk-cache", func(*testing.B) string { return warm }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				dir := tc.cache(b)
				start := time.Now()
				host, _ := loadStandard(b, dir)
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-ready")
				_ = host.Close(context.Background())
			}
		})
	}
}

// TestMemoryWith1255Territories configures every EPCI of France as a
// territory on the standard plugin, each with a configuration of its own,
// quotes once in each, and reports the process's memory. Target ≤ 300 MiB.
// It is a measurement with a bound and runs with the tests (about 15 s);
// under -short it is skipped with this message.
func TestMemoryWith1255Territories(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement with a bound: it runs in make test, without -short")
	}
	f := newFixture(t, storetest.New(t, "sqlite"))
	svc := f.start(t)
	ctx := context.Background()
	std, err := svc.InstallFile(ctx, "standard")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ref.EPCIs() {
		d, err := f.terr.CreateFromEPCI(ctx, e.SIREN, territory.CreateOptions{})
		if err != nil {
			// the three created by the fixture
			continue
		}
		cfg := fmt.Sprintf(`{"time_credits":{"min_minutes":%d,"max_minutes_per_exchange":6000}}`, 15+n%30)
		if _, err := svc.Assign(ctx, d.Slug, std.Hash, []byte(cfg), "bench"); err != nil {
			t.Fatalf("assign %s: %v", d.Slug, err)
		}
		n++
	}
	ts, _ := f.terr.List(ctx, territory.ListOptions{IncludeDisabled: true})
	in := rules.QuoteInput{Category: "petits-travaux", Modality: abi.ModalityResident, Mode: abi.ModeTimeCredits, Minutes: 60}
	for _, tr := range ts {
		if _, err := svc.Quote(ctx, tr.Slug, in); err != nil {
			t.Fatalf("quote in %s: %v", tr.Slug, err)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := vmRSS()
	t.Logf("%d territories on the standard plugin (%d with their own configuration): Go heap in use %.1f MiB, runtime total %.1f MiB, process RSS %.1f MiB",
		len(ts), n, float64(ms.HeapInuse)/(1<<20), float64(ms.Sys)/(1<<20), rss)
	if len(ts) < 1255 {
		t.Errorf("only %d territories", len(ts))
	}
	if rss > 300 {
		t.Errorf("process RSS %.1f MiB, target ≤ 300 MiB", rss)
	}
}

// vmRSS returns the process's resident set size in MiB, from /proc.
func vmRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
