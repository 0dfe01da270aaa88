package simulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/simulator"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/sdk/abi"
)

// benchExchanges is the size of the replayed period.
const benchExchanges = 10_000

// BenchmarkReplay is the simulator's throughput: a period of 10,000
// exchanges of Portes de Sologne (the nine kinds of the fixture — every
// mode, both modalities — in turn, spread over the autumn) replayed under
// the current rules and under a 5 % commission: 20,000 plugin quotes, the
// period read with its frozen quotes, the report compiled. Its baselines,
// in the same run, compute the same 20,000 quotes with the same number of
// goroutines (GOMAXPROCS) directly through the plugin host (module.Quote,
// the stored requests already decoded), and through rules.ComputeQuote
// (the platform's dry-run quote: territory lookup, distance, record).
// Reported: exchanges/s (exchanges replayed under both scenarios, per
// second), quotes/s, and for the replay the time until the period is read
// (x-read-ms: both scenarios' modules pinned and configurations checked,
// then the one query with its 10,000 frozen quotes decoded).
//
//	go test ./core/simulator/ -run '^$' -bench BenchmarkReplay -benchtime 5x
func BenchmarkReplay(b *testing.B) {
	f := newFixture(b, storetest.New(b, "sqlite"), simulator.Options{})
	ctx := context.Background()
	inputs, reqs := f.bulk(b, benchExchanges)
	workers := runtime.GOMAXPROCS(0)

	b.Run("simulator", func(b *testing.B) {
		var readFor time.Duration
		b.ResetTimer()
		for b.Loop() {
			start := time.Now()
			r, err := f.sim.Run(ctx, simulator.Request{Territory: portes, From: dayAt(b, from, 0), To: dayAt(b, to, 0),
				Alternative: simulator.Scenario{CommissionBP: bp(500)},
				Progress: func(p simulator.Progress) {
					if p.Phase == "read" {
						readFor += time.Since(start)
					}
				}})
			if err != nil || r.Exchanges != benchExchanges {
				b.Fatalf("%v, %+v", err, r)
			}
		}
		report(b, benchExchanges, 2*benchExchanges)
		b.ReportMetric(float64(readFor.Milliseconds())/float64(b.N), "x-read-ms")
	})

	b.Run("host-direct", func(b *testing.B) {
		wasm, err := os.ReadFile(filepath.Join(moduleDir, portes+".wasm"))
		if err != nil {
			b.Fatal(err)
		}
		m, err := f.host.Load(ctx, wasm, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			parallel(b, workers, 2*benchExchanges, func(i int) error {
				req := reqs[i%len(reqs)]
				_, err := m.Quote(ctx, &req)
				return err
			})
		}
		report(b, benchExchanges, 2*benchExchanges)
	})

	b.Run("rules-compute", func(b *testing.B) {
		for b.Loop() {
			parallel(b, workers, 2*benchExchanges, func(i int) error {
				_, err := f.rules.ComputeQuote(ctx, portes, inputs[i%len(inputs)])
				return err
			})
		}
		report(b, benchExchanges, 2*benchExchanges)
	})
}

// report adds the throughput metrics of one benchmark.
func report(b *testing.B, exchanges, quotes int) {
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(exchanges*b.N)/s, "exchanges/s")
	b.ReportMetric(float64(quotes*b.N)/s, "quotes/s")
}

// parallel runs fn(0..n-1) on workers goroutines.
func parallel(b *testing.B, workers, n int, fn func(i int) error) {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		fail atomic.Value
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					fail.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := fail.Load(); err != nil {
		b.Fatal(err)
	}
}

// bulk stores n exchanges of Portes de Sologne in the period, the kinds of
// autumn in turn, each with its frozen quote; it returns the quote inputs
// and the plugin requests (with the territory's configuration) of the
// kinds, for the baselines.
func (f *fixture) bulk(b *testing.B, n int) ([]rules.QuoteInput, []abi.QuoteRequest) {
	ctx := ctxT(b)
	var (
		inputs  []rules.QuoteInput
		reqs    []abi.QuoteRequest
		records []*rules.QuoteRecord
	)
	for _, d := range autumn {
		if d.occurrences == 0 {
			d.occurrences = 1
		}
		from, to := f.communes[portes][0], f.communes[portes][0]
		if d.far {
			to = f.communes[portes][1]
		}
		in := rules.QuoteInput{Category: d.category, Modality: d.modality, Mode: d.mode, Minutes: d.minutes, Occurrences: d.occurrences,
			HourlyCents: d.hourly, ProviderSAP: d.sap, FromCommune: from, ToCommune: to}
		res, err := f.rules.ComputeQuote(ctx, portes, in)
		if err != nil {
			b.Fatal(err)
		}
		var req abi.QuoteRequest
		if err := json.Unmarshal([]byte(res.Record.Request), &req); err != nil {
			b.Fatal(err)
		}
		req.Context.Config = rules.EmptyConfig
		inputs, reqs, records = append(inputs, in), append(reqs, req), append(records, res.Record)
	}
	start, end := dayAt(b, from, 0), dayAt(b, to, 23)
	step := end.Sub(start) / time.Duration(n)
	const batch = 500
	for lo := 0; lo < n; lo += batch {
		var (
			qs []*rules.QuoteRecord
			xs []*exchange.Exchange
		)
		for i := lo; i < min(lo+batch, n); i++ {
			k := i % len(autumn)
			d, src := autumn[k], records[k]
			at := start.Add(time.Duration(i) * step).UTC()
			rec := *src
			rec.ID, rec.CreatedAt = fmt.Sprintf("q-%06d", i), at
			var q abi.Quote
			if err := json.Unmarshal([]byte(rec.Result), &q); err != nil {
				b.Fatal(err)
			}
			prov := d.provider
			if prov == "" {
				prov = provider
			}
			qs = append(qs, &rec)
			xs = append(xs, &exchange.Exchange{ID: fmt.Sprintf("b-%06d", i), TerritoryID: f.ids[portes], ListingID: listing, SeekerID: seeker,
				ProviderID: prov, Initiator: exchange.Seeker, Category: d.category, Modality: d.modality, Mode: d.mode,
				Minutes: d.minutes, Occurrences: max(d.occurrences, 1), HourlyCents: d.hourly, ProviderSAP: d.sap,
				FromCommune: inputs[k].FromCommune, ToCommune: inputs[k].ToCommune, State: exchange.Confirmed, QuoteID: &rec.ID,
				TotalCents: q.TotalCents, PayableCents: q.PayableCents, TimeCreditMinutes: q.TimeCreditMinutes, Version: 3, CreatedAt: at, UpdatedAt: at})
		}
		err := f.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewInsert().Model(&qs).Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewInsert().Model(&xs).Exec(ctx)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return inputs, reqs
}
