// Package schematest opens, for a test, a database migrated to the current
// schema on one engine (storetest gives the isolated SQLite file or
// PostgreSQL schema; this package adds the migrations), closed when the
// test ends. Every package whose tests need tables uses it, so that the
// setup is written once.
package schematest

import (
	"context"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/schema"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// Open returns a store on tg, migrated to the current schema, closed when
// the test ends.
func Open(t testing.TB, tg storetest.Target) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, store.Options{Driver: tg.Driver, SQLitePath: tg.SQLitePath,
		PostgresDSN: tg.PostgresDSN, Logger: storetest.Logger(t)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ms, err := store.LoadMigrations(schema.Migrations())
	if err != nil {
		t.Fatalf("load migrations: %v", err)
	}
	if _, err := store.NewMigrator(s, ms).Up(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}
