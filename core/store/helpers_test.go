package store

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// pgEnv names the environment variable holding the DSN of the PostgreSQL
// server used by the tests; PostgreSQL subtests are skipped when it is unset.
const pgEnv = storetest.PostgresEnv

// testLogger discards logs unless the tests run with -v.
func testLogger(t testing.TB) *slog.Logger { return storetest.Logger(t) }

// testCtx returns a context bounded in time, canceled when the test ends.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// sqliteOptions returns Options for a fresh SQLite database in a temporary
// directory (in a subdirectory that does not exist yet, so that Open has to
// create it).
func sqliteOptions(t testing.TB) Options {
	tg := storetest.New(t, "sqlite")
	return Options{Driver: tg.Driver, SQLitePath: tg.SQLitePath, Logger: testLogger(t)}
}

// postgresOptions returns Options for a fresh schema of the PostgreSQL
// database named by $CAMPAGNON_TEST_POSTGRES, dropped when the test ends. It
// skips the test when the variable is unset.
func postgresOptions(t testing.TB) Options {
	t.Helper()
	return Options{Driver: string(DialectPostgres), PostgresDSN: storetest.PostgresSchema(t),
		MaxOpenConns: 8, Logger: testLogger(t)}
}

// forEachTarget runs fn in one subtest per dialect with the Options of a
// fresh, isolated database: always SQLite, PostgreSQL when
// $CAMPAGNON_TEST_POSTGRES is set.
func forEachTarget(t *testing.T, fn func(t *testing.T, o Options)) {
	t.Helper()
	t.Run(string(DialectSQLite), func(t *testing.T) { fn(t, sqliteOptions(t)) })
	t.Run(string(DialectPostgres), func(t *testing.T) { fn(t, postgresOptions(t)) })
}

// forEachDialect runs fn in one subtest per dialect with a Store open on a
// fresh, isolated database, closed when the subtest ends.
func forEachDialect(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	forEachTarget(t, func(t *testing.T, o Options) { fn(t, openStore(t, o)) })
}

// openStore opens a Store that is closed when the test ends.
func openStore(t testing.TB, o Options) *Store {
	t.Helper()
	s, err := Open(testCtx(t), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// mustWrite runs the statements in one WriteTx and fails the test on error.
func mustWrite(t testing.TB, s *Store, stmts ...string) {
	t.Helper()
	err := s.WriteTx(testCtx(t), func(ctx context.Context, tx bun.Tx) error {
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("write %q: %v", stmts, err)
	}
}

// count returns SELECT count(*) FROM table through the read pool.
func count(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(testCtx(t), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// tableExists reports whether table exists in the test database.
func tableExists(t testing.TB, s *Store, table string) bool {
	t.Helper()
	q := "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?"
	if s.Dialect() == DialectPostgres {
		q = "SELECT to_regclass(?) IS NOT NULL"
	}
	var ok bool
	if err := s.DB().QueryRowContext(testCtx(t), q, table).Scan(&ok); err != nil {
		t.Fatalf("look for table %s: %v", table, err)
	}
	return ok
}
