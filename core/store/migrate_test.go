package store

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/uptrace/bun"
)

// testMigrations loads the fixtures of testdata/migrations.
func testMigrations(t testing.TB) []Migration {
	t.Helper()
	ms, err := LoadMigrations(os.DirFS("testdata/migrations"))
	if err != nil {
		t.Fatalf("LoadMigrations(testdata/migrations): %v", err)
	}
	return ms
}

func TestLoadMigrationsTestdata(t *testing.T) {
	ms := testMigrations(t)
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID())
	}
	want := []string{"0001_create_members", "0002_create_offers", "0003_offers_touch_updated_at"}
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("loaded %v, want %v", ids, want)
	}
	// A generic file serves both dialects; an override serves its own.
	for d, f := range map[Dialect]string{DialectSQLite: "0001_create_members.up.sql", DialectPostgres: "0001_create_members.up.sql"} {
		if ms[0].UpFile[d] != f || ms[0].Up[d] == "" {
			t.Errorf("migration 1 up for %s comes from %q, want %q", d, ms[0].UpFile[d], f)
		}
	}
	for d, f := range map[Dialect]string{
		DialectSQLite:   "0003_offers_touch_updated_at.down.sqlite.sql",
		DialectPostgres: "0003_offers_touch_updated_at.down.postgres.sql",
	} {
		if ms[2].DownFile[d] != f {
			t.Errorf("migration 3 down for %s comes from %q, want %q", d, ms[2].DownFile[d], f)
		}
	}
	if n := len(SplitStatements(ms[2].Up[DialectPostgres])); n != 2 {
		t.Errorf("migration 3 up for postgres has %d statements, want 2 (function and trigger)", n)
	}
}

func TestLoadMigrationsErrors(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ok := "CREATE TABLE x (id INTEGER);"
	for _, tc := range []struct {
		name  string
		files fstest.MapFS
		want  string // substring of the error; empty for success
		n     int    // migrations loaded on success
	}{
		{
			name: "valid with override and ignored files",
			files: fstest.MapFS{
				"0001_a.up.sql": file(ok), "0001_a.down.sql": file(ok),
				"0002_b.up.sql": file(ok), "0002_b.up.postgres.sql": file(ok), "0002_b.down.sql": file(ok),
				"README.md": file("notes"), "sub/0009_z.up.sql": file(ok),
			},
			n: 2,
		},
		{
			name:  "empty directory",
			files: fstest.MapFS{"README.md": file("")},
		},
		{
			name: "gap",
			files: fstest.MapFS{
				"0001_a.up.sql": file(ok), "0001_a.down.sql": file(ok),
				"0003_c.up.sql": file(ok), "0003_c.down.sql": file(ok),
			},
			want: "gap in migration versions: 3 (0003_c.",
		},
		{
			name:  "does not start at 1",
			files: fstest.MapFS{"0002_b.up.sql": file(ok), "0002_b.down.sql": file(ok)},
			want:  "migrations must start at version 1",
		},
		{
			name: "duplicate version",
			files: fstest.MapFS{
				"0001_a.up.sql": file(ok), "0001_a.down.sql": file(ok),
				"001_a.up.sql": file(ok),
			},
			want: "duplicate migration version 1",
		},
		{
			name: "duplicate version with another name",
			files: fstest.MapFS{
				"0001_a.up.sql": file(ok), "0001_a.down.sql": file(ok),
				"0001_b.up.sql": file(ok), "0001_b.down.sql": file(ok),
			},
			want: "duplicate migration version 1",
		},
		{
			name:  "missing down",
			files: fstest.MapFS{"0001_a.up.sql": file(ok)},
			want:  "migration 0001_a has no down file for sqlite: add 0001_a.down.sql",
		},
		{
			name:  "missing up",
			files: fstest.MapFS{"0001_a.down.sql": file(ok)},
			want:  "migration 0001_a has no up file",
		},
		{
			name:  "down only for one dialect",
			files: fstest.MapFS{"0001_a.up.sql": file(ok), "0001_a.down.sqlite.sql": file(ok)},
			want:  "migration 0001_a has no down file for postgres",
		},
		{
			name:  "unexpected sql file name",
			files: fstest.MapFS{"0001_a.up.sql": file(ok), "0001_a.down.sql": file(ok), "0002-b.sql": file(ok)},
			want:  `unexpected migration file name "0002-b.sql"`,
		},
		{
			name:  "unknown dialect",
			files: fstest.MapFS{"0001_a.up.sql": file(ok), "0001_a.down.mysql.sql": file(ok)},
			want:  "unexpected migration file name",
		},
		{
			name:  "version zero",
			files: fstest.MapFS{"0000_a.up.sql": file(ok), "0000_a.down.sql": file(ok)},
			want:  "version must be a positive number",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := LoadMigrations(tc.files)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("LoadMigrations: %v", err)
			case tc.want == "" && len(ms) != tc.n:
				t.Fatalf("loaded %d migrations, want %d", len(ms), tc.n)
			case tc.want != "" && err == nil:
				t.Fatalf("LoadMigrations succeeded, want an error containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestMigrateLifecycle(t *testing.T) {
	ms := testMigrations(t)
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		m := NewMigrator(s, ms)

		// Fresh database: everything pending, nothing written by Check/Status.
		if err := m.Check(ctx); !errors.Is(err, ErrPendingMigrations) ||
			!strings.Contains(err.Error(), "database schema is version 0, this campagnon knows up to 3") ||
			!strings.Contains(err.Error(), "run `campagnon migrate up`") {
			t.Fatalf("Check on a fresh database = %v, want ErrPendingMigrations with advice", err)
		}
		assertStatus(t, m, []bool{false, false, false})
		if tableExists(t, s, MigrationsTable) {
			t.Fatal("Check or Status created the migrations table")
		}

		before := time.Now().Add(-time.Hour)
		applied, err := m.Up(ctx)
		if err != nil {
			t.Fatalf("Up: %v", err)
		}
		if len(applied) != 3 || applied[0].Version != 1 || applied[2].Version != 3 {
			t.Fatalf("Up applied %v, want versions 1..3", ids(applied))
		}
		st := assertStatus(t, m, []bool{true, true, true})
		for _, x := range st {
			// Not a timing check: applied_at must be set (not zero) to the time of Up, in UTC.
			if x.AppliedAt.Before(before) || x.AppliedAt.After(time.Now().Add(time.Hour)) {
				t.Errorf("version %d applied_at = %v, want the time of Up", x.Version, x.AppliedAt)
			}
		}
		if err := m.Check(ctx); err != nil {
			t.Fatalf("Check after Up: %v", err)
		}
		exerciseSchema(t, s)

		if again, err := m.Up(ctx); err != nil || len(again) != 0 {
			t.Fatalf("second Up = %v, %v; want nothing to do", ids(again), err)
		}

		reverted, err := m.Down(ctx)
		if err != nil || reverted == nil || reverted.Version != 3 {
			t.Fatalf("Down = %v, %v; want version 3", reverted, err)
		}
		assertStatus(t, m, []bool{true, true, false})
		t.Logf("Check error: %v", m.Check(ctx))
		if err := m.Check(ctx); !errors.Is(err, ErrPendingMigrations) || !strings.Contains(err.Error(), "0003_offers_touch_updated_at") {
			t.Fatalf("Check after Down = %v, want ErrPendingMigrations naming 0003", err)
		}

		applied, err = m.Up(ctx)
		if err != nil || len(applied) != 1 || applied[0].Version != 3 {
			t.Fatalf("Up after Down = %v, %v; want version 3", ids(applied), err)
		}

		for v := 3; v >= 1; v-- {
			reverted, err := m.Down(ctx)
			if err != nil || reverted == nil || reverted.Version != v {
				t.Fatalf("Down = %v, %v; want version %d", reverted, err, v)
			}
		}
		for _, table := range []string{"members", "offers"} {
			if tableExists(t, s, table) {
				t.Errorf("table %s still exists after reverting every migration", table)
			}
		}
		if reverted, err := m.Down(ctx); err != nil || reverted != nil {
			t.Fatalf("Down with nothing applied = %v, %v; want nil, nil", reverted, err)
		}
		assertStatus(t, m, []bool{false, false, false})
	})
}

// exerciseSchema checks the fixture schema works on the dialect: foreign
// keys, check constraints and the trigger of migration 3.
func exerciseSchema(t *testing.T, s *Store) {
	t.Helper()
	ctx := testCtx(t)
	mustWrite(t, s,
		"INSERT INTO members (id, email, display_name, commune) VALUES (1, 'a@example.org', 'Alice', 'Aurillac')",
		"INSERT INTO offers (id, member_id, title, kind) VALUES (10, 1, 'Garde de poules', 'offer')",
		"UPDATE offers SET title = 'Garde de chèvres' WHERE id = 10")
	var updated time.Time
	if err := s.DB().QueryRowContext(ctx, "SELECT updated_at FROM offers WHERE id = 10").Scan(&updated); err != nil {
		t.Fatalf("read updated_at: %v", err)
	}
	if updated.Year() != 2999 {
		t.Errorf("updated_at = %v, want the trigger's sentinel in 2999", updated)
	}
	for _, bad := range []string{
		"INSERT INTO offers (id, member_id, title, kind) VALUES (11, 999, 'x', 'offer')",  // no member 999
		"INSERT INTO offers (id, member_id, title, kind) VALUES (12, 1, 'x', 'barter')",   // kind check
		"INSERT INTO members (id, email, display_name) VALUES (2, 'a@example.org', 'Bo')", // unique email
	} {
		if err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, bad)
			return err
		}); err == nil {
			t.Errorf("%s succeeded, want a constraint violation", bad)
		}
	}
	mustWrite(t, s, "DELETE FROM members WHERE id = 1")
	if n := count(t, s, "offers"); n != 0 {
		t.Errorf("%d offers left after deleting their member, want 0 (ON DELETE CASCADE)", n)
	}
}

func TestMigrateSchemaTooNew(t *testing.T) {
	ms := testMigrations(t)
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		m := NewMigrator(s, ms)
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		// As if a newer campagnon had migrated the database further.
		mustWrite(t, s, "INSERT INTO "+MigrationsTable+" (version, name, applied_at) VALUES (4, 'from_the_future', '2030-01-01T00:00:00Z')")
		const want = "database schema is version 4, this campagnon knows up to 3: upgrade campagnon"
		check := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s = %v, want ErrSchemaTooNew saying %q", what, err, want)
			}
		}
		check("Check", m.Check(ctx))
		t.Logf("Check error: %v", m.Check(ctx))
		applied, err := m.Up(ctx)
		check("Up", err)
		if len(applied) != 0 {
			t.Errorf("Up applied %v on a too new schema", ids(applied))
		}
		_, err = m.Down(ctx)
		check("Down", err)

		st, err := m.Status(ctx)
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if len(st) != 4 || st[3].Known || st[3].Version != 4 || st[3].Name != "from_the_future" || !st[3].Applied {
			t.Errorf("Status = %+v, want the unknown version 4 listed last with Known false", st)
		}

		// A binary that knows only the first migration sees the same.
		if err := NewMigrator(s, ms[:1]).Check(ctx); !errors.Is(err, ErrSchemaTooNew) {
			t.Errorf("Check with one known migration = %v, want ErrSchemaTooNew", err)
		}
	})
}

func TestMigrateFailureIsAtomic(t *testing.T) {
	fsys := fstest.MapFS{
		"0001_good.up.sql":   {Data: []byte("CREATE TABLE good (id INTEGER PRIMARY KEY);\n")},
		"0001_good.down.sql": {Data: []byte("DROP TABLE good;\n")},
		"0002_broken.up.sql": {Data: []byte("-- Creates a table, then fails.\n" +
			"CREATE TABLE half (id INTEGER PRIMARY KEY);\n" +
			"INSERT INTO good (id) VALUES (1);\n" +
			"\n" +
			"INSERT INTO no_such_table (id)\n    VALUES (1);\n")},
		"0002_broken.down.sql": {Data: []byte("DROP TABLE half;\n")},
	}
	ms, err := LoadMigrations(fsys)
	if err != nil {
		t.Fatalf("LoadMigrations: %v", err)
	}
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		m := NewMigrator(s, ms)
		applied, err := m.Up(ctx)
		if err == nil {
			t.Fatal("Up succeeded, want the failure of 0002_broken")
		}
		t.Logf("Up error: %v", err)
		for _, want := range []string{"migration 0002_broken up failed in 0002_broken.up.sql", "statement 3 at line 5", "INSERT INTO no_such_table"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
		if len(applied) != 1 || applied[0].Version != 1 {
			t.Errorf("Up returned %v as applied, want only version 1", ids(applied))
		}
		if tableExists(t, s, "half") {
			t.Error("table created by the failed migration exists: the migration was not atomic")
		}
		if n := count(t, s, "good"); n != 0 {
			t.Errorf("good has %d rows inserted by the failed migration, want 0", n)
		}
		assertStatus(t, m, []bool{true, false})
		if err := m.Check(ctx); !errors.Is(err, ErrPendingMigrations) {
			t.Errorf("Check = %v, want ErrPendingMigrations", err)
		}
	})
}

// TestMigrateConcurrent runs several migrators at once, each with its own
// Store (as separate processes would): every migration must be applied once.
func TestMigrateConcurrent(t *testing.T) {
	ms := testMigrations(t)
	forEachTarget(t, func(t *testing.T, o Options) {
		const migrators = 4
		ctx := testCtx(t)
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total int
			errs  []error
		)
		for range migrators {
			s := openStore(t, o)
			wg.Add(1)
			go func() {
				defer wg.Done()
				applied, err := NewMigrator(s, ms).Up(ctx)
				mu.Lock()
				defer mu.Unlock()
				total += len(applied)
				if err != nil {
					errs = append(errs, err)
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("concurrent Up failed: %v", errs)
		}
		if total != len(ms) {
			t.Errorf("migrations applied %d times in all, want %d", total, len(ms))
		}
		s := openStore(t, o)
		if err := NewMigrator(s, ms).Check(ctx); err != nil {
			t.Errorf("Check: %v", err)
		}
	})
}

func TestMigratorRejectsInvalidSet(t *testing.T) {
	ms := testMigrations(t)
	s := openStore(t, sqliteOptions(t))
	noDown := ms[0]
	noDown.Down = map[Dialect]string{DialectPostgres: "DROP TABLE members;"}
	for _, tc := range []struct {
		name string
		ms   []Migration
		want string
	}{
		{"gap", []Migration{ms[0], ms[2]}, "expected version 2, found 0003_offers_touch_updated_at"},
		{"no SQL for the dialect", []Migration{noDown}, "0001_create_members has no down SQL for sqlite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMigrator(s, tc.ms)
			for what, err := range map[string]error{"Check": m.Check(testCtx(t)), "Up": second(m.Up(testCtx(t)))} {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s = %v, want an error containing %q", what, err, tc.want)
				}
			}
		})
	}
}

// TestMultiStatementExec records a driver fact the statement splitter does
// not rely on: both drivers run every statement of a multi-statement Exec
// that has no arguments.
func TestMultiStatementExec(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		mustWrite(t, s, "CREATE TABLE ma (x INTEGER); CREATE TABLE mb (y INTEGER);")
		if !tableExists(t, s, "ma") || !tableExists(t, s, "mb") {
			t.Errorf("multi-statement Exec did not run every statement")
		}
	})
}

func TestSplitStatements(t *testing.T) {
	fn := "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;"
	for _, tc := range []struct {
		name string
		src  string
		want []Statement
	}{
		{"empty", "", nil},
		{"comments only", "-- nothing;\n\n-- here\n", nil},
		{
			name: "semicolons at end of line",
			src: "-- header\nCREATE TABLE a (\n  x TEXT DEFAULT 'a;b'\n);\n\nCREATE INDEX a_x ON a (x);  \r\n" +
				"INSERT INTO a VALUES ('1'); INSERT INTO a VALUES ('2');\n-- trailing;\nUPDATE a SET x = 'z'",
			want: []Statement{
				{"CREATE TABLE a (\n  x TEXT DEFAULT 'a;b'\n);", 2},
				{"CREATE INDEX a_x ON a (x);", 6},
				{"INSERT INTO a VALUES ('1'); INSERT INTO a VALUES ('2');", 7},
				{"UPDATE a SET x = 'z'", 9},
			},
		},
		{
			name: "statement markers",
			src:  "-- intro\n-- +statement\n" + fn + "\n  -- +statement  \nCREATE TRIGGER t BEFORE UPDATE ON a\nFOR EACH ROW EXECUTE FUNCTION f();\n-- +statement\n",
			want: []Statement{
				{fn, 3},
				{"CREATE TRIGGER t BEFORE UPDATE ON a\nFOR EACH ROW EXECUTE FUNCTION f();", 9},
			},
		},
		{
			name: "markers override semicolon splitting",
			src:  "CREATE TABLE a (x INTEGER);\nCREATE TABLE b (y INTEGER);\n-- +statement\nCREATE TABLE c (z INTEGER);\n",
			want: []Statement{
				{"CREATE TABLE a (x INTEGER);\nCREATE TABLE b (y INTEGER);", 1},
				{"CREATE TABLE c (z INTEGER);", 4},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SplitStatements(tc.src); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("SplitStatements(%q)\n got %#v\nwant %#v", tc.src, got, tc.want)
			}
		})
	}
}

// assertStatus checks which known migrations Status reports as applied, and
// returns the statuses.
func assertStatus(t *testing.T, m *Migrator, applied []bool) []MigrationStatus {
	t.Helper()
	st, err := m.Status(testCtx(t))
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	var got []bool
	for _, x := range st {
		got = append(got, x.Applied)
		if !x.Known {
			t.Errorf("Status lists unknown version %d", x.Version)
		}
		if !x.Applied && !x.AppliedAt.IsZero() {
			t.Errorf("version %d is not applied but has applied_at %v", x.Version, x.AppliedAt)
		}
	}
	if !reflect.DeepEqual(got, applied) {
		t.Fatalf("Status applied = %v, want %v", got, applied)
	}
	return st
}

func ids(ms []Migration) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID())
	}
	return out
}

func second[T any](_ T, err error) error { return err }
