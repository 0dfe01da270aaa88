// Package storetest gives tests of any package an isolated database on each
// engine Campagnon supports: a fresh SQLite file always, and a fresh schema
// of the PostgreSQL server named by $CAMPAGNON_TEST_POSTGRES when it is set.
// It does not import the store package, so the store's own tests use it too.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// PostgresEnv names the environment variable holding the DSN of the
// PostgreSQL server used by the tests.
const PostgresEnv = "CAMPAGNON_TEST_POSTGRES"

// Engines are the engine names, as store.Options.Driver takes them.
var Engines = []string{"sqlite", "postgres"}

// Target is one isolated database for a test.
type Target struct {
	// Driver is "sqlite" or "postgres".
	Driver string
	// SQLitePath is a fresh file path (its folder does not exist yet).
	SQLitePath string
	// PostgresDSN points at a fresh schema through search_path.
	PostgresDSN string
}

// ForEachEngine runs fn in one subtest per engine with a fresh target:
// always SQLite; PostgreSQL when $CAMPAGNON_TEST_POSTGRES is set, else that
// subtest is skipped with a message naming the variable.
func ForEachEngine(t *testing.T, fn func(t *testing.T, tg Target)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(e, func(t *testing.T) { fn(t, New(t, e)) })
	}
}

// New returns a fresh target on the named engine, cleaned up when the test ends.
func New(t testing.TB, engine string) Target {
	t.Helper()
	switch engine {
	case "sqlite":
		return Target{Driver: "sqlite", SQLitePath: filepath.Join(t.TempDir(), "data", "campagnon.db")}
	case "postgres":
		return Target{Driver: "postgres", PostgresDSN: PostgresSchema(t)}
	default:
		t.Fatalf("storetest: unknown engine %q", engine)
		return Target{}
	}
}

// PostgresSchema creates a fresh schema on the server named by
// $CAMPAGNON_TEST_POSTGRES, drops it when the test ends, and returns a DSN
// whose search_path selects it. It skips the test when the variable is unset.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL test skipped: %s is unset (set it to a DSN such as "+
			"postgres://user:password@localhost:5432/campagnon_test?sslmode=disable; .ci/run does)", PostgresEnv)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open PostgreSQL admin connection: %v", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		t.Fatalf("create test schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	return WithSearchPath(t, dsn, schema)
}

// WithSearchPath adds search_path=schema to dsn (URL or key=value form); pgx
// sends unknown DSN parameters to the server as run-time parameters.
func WithSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Logger discards logs unless the tests run with -v, where warnings and
// errors go to the test log.
func Logger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
