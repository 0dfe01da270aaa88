package pluginhost

import (
	"context"
	"encoding/json"
	"log/slog"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/pluginhost/testdata/guestlogic"
	"github.com/campagnon/campagnon/sdk/abi"
)

// The benchmarks of the speed budget. Each through-host figure
// sits beside its baseline in the same run:
//
//	BenchmarkQuote/host/good     the encoding/json test guest through the host (warm instance, deadline)
//	BenchmarkQuote/native/good   the same handler called natively (JSON in, JSON out)
//	BenchmarkQuote/host/fixed    a guest that answers a constant: the host's own cost per call
//
// p50-ns and p99-ns are computed from every call's duration.

func benchRequest(category, mode string) *abi.QuoteRequest {
	req := quoteReq(category, abi.ModalityResident, mode)
	return req
}

// reportLatency reports the median and 99th percentile of samples.
func reportLatency(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(samples[len(samples)*99/100].Nanoseconds()), "p99-ns")
}

func BenchmarkQuote(b *testing.B) {
	for _, c := range []struct {
		guest, category, mode string
	}{
		{"good", "jardinage", abi.ModeCESUDeclaratif},
		{"fixed", "jardinage", abi.ModeFree},
	} {
		b.Run("host/"+c.guest, func(b *testing.B) {
			h, _ := newHost(b, Config{MaxInstances: 1, CallTimeout: DefaultCallTimeout})
			m := load(b, h, c.guest)
			req := benchRequest(c.category, c.mode)
			ctx := context.Background()
			if _, err := m.Quote(ctx, req); err != nil { // the instance now holds the configuration
				b.Fatal(err)
			}
			samples := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
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
	}
	b.Run("native/good", func(b *testing.B) {
		s := guestlogic.NewState()
		req := benchRequest("jardinage", abi.ModeCESUDeclaratif)
		in, _ := json.Marshal(req)
		s.Handle(string(abi.OpQuote), in) // caches the configuration, as the guest does
		req.Context.Config = nil
		in, _ = json.Marshal(req)
		samples := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if out := s.Handle(string(abi.OpQuote), in); len(out) == 0 {
				b.Fatal("no output")
			}
			samples = append(samples, time.Since(start))
		}
		b.StopTimer()
		reportLatency(b, samples)
	})
}

// BenchmarkQuoteParallel measures quotes per second across concurrent
// callers on one module (pool of GOMAXPROCS×2 instances).
func BenchmarkQuoteParallel(b *testing.B) {
	for _, c := range []struct {
		guest, mode string
	}{
		{"good", abi.ModeCESUDeclaratif},
		{"fixed", abi.ModeFree},
	} {
		b.Run(c.guest, func(b *testing.B) {
			h, _ := newHost(b, Config{CallTimeout: DefaultCallTimeout})
			m := load(b, h, c.guest)
			ctx := context.Background()
			// Warm every instance of the pool.
			warm := make(chan struct{})
			n := runtime.GOMAXPROCS(0) * 2
			for i := 0; i < n; i++ {
				go func() {
					_, _ = m.Quote(ctx, benchRequest("jardinage", c.mode))
					warm <- struct{}{}
				}()
			}
			for i := 0; i < n; i++ {
				<-warm
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				req := benchRequest("jardinage", c.mode)
				for pb.Next() {
					if _, err := m.Quote(ctx, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "quotes/s")
		})
	}
}

// BenchmarkLoadFromDiskCache measures a plugin ready to serve (compiled,
// one instance started, manifest read) in a new host: cold, with an empty
// cache directory, and warm, from the disk cache.
func BenchmarkLoadFromDiskCache(b *testing.B) {
	wasm := guest(b, "good")
	loadOnce := func(b *testing.B, dir string) {
		h, err := New(context.Background(), Config{CacheDir: dir}, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.Load(context.Background(), wasm, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = h.Close(context.Background())
		b.StartTimer()
	}
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			dir := b.TempDir()
			b.StartTimer()
			loadOnce(b, dir)
		}
	})
	b.Run("warm", func(b *testing.B) {
		dir := b.TempDir()
		loadOnce(b, dir)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			loadOnce(b, dir)
		}
	})
}
