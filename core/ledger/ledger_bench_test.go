package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// BenchmarkTransfer measures one transfer between two members (both
// balances updated under their limits, the transfer and its two postings
// inserted, in one write transaction) on each engine, one at a time and
// from 8 goroutines among 256 members; with an idempotency key (one more
// read); and, as the baseline in the same run, a write transaction that
// inserts one row, the floor of any durable write on that engine.
// PostgreSQL runs when CAMPAGNON_TEST_POSTGRES is set. Each parallel
// goroutine count is 8 (SetParallelism over GOMAXPROCS).
func BenchmarkTransfer(b *testing.B) {
	const members = 256
	lim := Limits{FloorMinutes: -1 << 40, CeilingMinutes: 1 << 40}
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			svc, s := fixture(b, storetest.New(b, engine), members)
			ctx := context.Background()
			if err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, "CREATE TABLE bench_baseline (id TEXT PRIMARY KEY, v BIGINT NOT NULL)")
				return err
			}); err != nil {
				b.Fatal(err)
			}
			var seq atomic.Int64
			baseline := func() error {
				return s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					_, err := tx.ExecContext(ctx, "INSERT INTO bench_baseline (id, v) VALUES (?, ?)", newID(), seq.Add(1))
					return err
				})
			}
			transfer := func(rng *rand.Rand, key bool) error {
				from, to := rng.IntN(members), rng.IntN(members-1)
				if to >= from {
					to++
				}
				in := TransferInput{TerritoryID: terr, Kind: KindExchange, From: member(from + 1), To: member(to + 1),
					Minutes: 30, Actor: member(from + 1)}
				if key {
					in.Idempotency = fmt.Sprintf("bench-%d", seq.Add(1))
				}
				_, err := svc.Transfer(ctx, in, lim)
				return err
			}
			// Warm up: every ledger account exists before timing.
			for i := range members {
				if err := transfer(rand.New(rand.NewPCG(uint64(i), 0)), false); err != nil {
					b.Fatal(err)
				}
			}
			for _, bc := range []struct {
				name string
				op   func(rng *rand.Rand) error
			}{
				{"baseline-one-insert", func(*rand.Rand) error { return baseline() }},
				{"transfer", func(rng *rand.Rand) error { return transfer(rng, false) }},
				{"transfer-idempotency-key", func(rng *rand.Rand) error { return transfer(rng, true) }},
			} {
				b.Run(bc.name, func(b *testing.B) {
					rng := rand.New(rand.NewPCG(1, 2))
					for b.Loop() {
						if err := bc.op(rng); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
				})
				b.Run(bc.name+"/parallel-8", func(b *testing.B) {
					b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
					var n atomic.Uint64
					b.RunParallel(func(pb *testing.PB) {
						rng := rand.New(rand.NewPCG(n.Add(1), 3))
						for pb.Next() {
							if err := bc.op(rng); err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
				})
			}
			if r, err := svc.Check(ctx, terr); err != nil || !r.OK() {
				b.Fatalf("check after the benchmark: %+v, %v", r, err)
			}
		})
	}
}
