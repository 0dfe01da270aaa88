package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"
)

// BenchmarkWriteTx measures single-insert write transactions on SQLite from
// many goroutines (b.RunParallel with 8 goroutines per GOMAXPROCS), through
// the Store and, as a baseline in the same run, through database/sql on a
// plain modernc.org/sqlite connection pool with default settings (rollback
// journal, no busy timeout, deferred transactions). It reports successful
// operations per second; the baseline also reports the share of inserts that
// failed, typically with "database is locked".
func BenchmarkWriteTx(b *testing.B) {
	const create = "CREATE TABLE bench (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)"
	for _, syncMode := range []string{"FULL", "NORMAL"} {
		b.Run("store/synchronous="+syncMode, func(b *testing.B) {
			o := sqliteOptions(b)
			o.Synchronous = syncMode
			s := openStore(b, o)
			mustWrite(b, s, create)
			ctx := context.Background()
			var failed atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
						_, err := tx.ExecContext(ctx, "INSERT INTO bench (v) VALUES (?)", "x")
						return err
					})
					if err != nil {
						failed.Add(1)
					}
				}
			})
			b.StopTimer()
			report(b, failed.Load())
		})
	}
	// Baselines: plain database/sql inserts (autocommit, no explicit
	// transaction) on modernc.org/sqlite with its default settings, through
	// the default unlimited pool and through a pool of one connection.
	for _, tc := range []struct {
		name  string
		conns int // 0: database/sql default (unlimited)
	}{{"baseline/database-sql-defaults", 0}, {"baseline/database-sql-one-conn", 1}} {
		b.Run(tc.name, func(b *testing.B) {
			db, err := sql.Open("sqlite", filepath.Join(b.TempDir(), "baseline.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(tc.conns)
			ctx := context.Background()
			if _, err := db.ExecContext(ctx, create); err != nil {
				b.Fatal(err)
			}
			var (
				failed   atomic.Int64
				firstErr atomic.Value
			)
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := db.ExecContext(ctx, "INSERT INTO bench (v) VALUES (?)", "x"); err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
				}
			})
			b.StopTimer()
			report(b, failed.Load())
			if e := firstErr.Load(); e != nil {
				b.Logf("%d of %d inserts failed, first error: %v", failed.Load(), b.N, e)
			}
		})
	}
}

// report adds ops/s (successful operations per second) and the failure
// ratio to the benchmark result.
func report(b *testing.B, failed int64) {
	b.ReportMetric(float64(int64(b.N)-failed)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(failed)/float64(b.N), "failed/op")
}
