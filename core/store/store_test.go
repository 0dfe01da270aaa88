package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

func TestOpenPingClose(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if err := s.IntegrityCheck(ctx); err != nil {
			t.Fatalf("IntegrityCheck: %v", err)
		}
		st := s.Stats()
		switch s.Dialect() {
		case DialectSQLite:
			if st.Shared || st.Write.MaxOpen != 1 || st.Read.MaxOpen != DefaultSQLiteReadConns {
				t.Errorf("SQLite pool stats = %+v, want a separate write pool of 1 and a read pool of %d",
					st, DefaultSQLiteReadConns)
			}
		case DialectPostgres:
			if !st.Shared || st.Read.MaxOpen != 8 || st.Write != st.Read {
				t.Errorf("PostgreSQL pool stats = %+v, want one shared pool of 8", st)
			}
		}
		if st.Read.Open < 1 {
			t.Errorf("read pool has %d open connections after Ping, want at least 1", st.Read.Open)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := s.Ping(ctx); err == nil {
			t.Fatal("Ping after Close succeeded")
		}
	})
}

func TestSQLiteConfiguration(t *testing.T) {
	for _, tc := range []struct {
		sync     string
		wantSync int
	}{
		{"", 2}, {"FULL", 2}, {"normal", 1},
	} {
		t.Run("synchronous="+tc.sync, func(t *testing.T) {
			o := sqliteOptions(t)
			o.Synchronous = tc.sync
			o.BusyTimeout = 1234 * time.Millisecond
			o.MaxOpenConns = 3
			s := openStore(t, o)
			ctx := testCtx(t)
			if _, err := os.Stat(o.SQLitePath); err != nil {
				t.Fatalf("database file: %v", err)
			}
			pragmas := func(db bun.IConn) (journal string, fk, sync, busy, queryOnly int) {
				t.Helper()
				for q, dst := range map[string]any{
					"PRAGMA journal_mode": &journal, "PRAGMA foreign_keys": &fk, "PRAGMA synchronous": &sync,
					"PRAGMA busy_timeout": &busy, "PRAGMA query_only": &queryOnly,
				} {
					if err := db.QueryRowContext(ctx, q).Scan(dst); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				return
			}
			j, fk, sy, busy, qo := pragmas(s.DB())
			if j != "wal" || fk != 1 || sy != tc.wantSync || busy != 1234 || qo != 1 {
				t.Errorf("read pool: journal_mode=%s foreign_keys=%d synchronous=%d busy_timeout=%d query_only=%d, "+
					"want wal 1 %d 1234 1", j, fk, sy, busy, qo, tc.wantSync)
			}
			err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				j, fk, sy, busy, qo := pragmas(tx)
				if j != "wal" || fk != 1 || sy != tc.wantSync || busy != 1234 || qo != 0 {
					t.Errorf("write pool: journal_mode=%s foreign_keys=%d synchronous=%d busy_timeout=%d query_only=%d, "+
						"want wal 1 %d 1234 0", j, fk, sy, busy, qo, tc.wantSync)
				}
				_, err := tx.ExecContext(ctx, "CREATE TABLE t (x INTEGER)")
				return err
			})
			if err != nil {
				t.Fatalf("WriteTx: %v", err)
			}
			if _, err := s.DB().ExecContext(ctx, "INSERT INTO t (x) VALUES (1)"); err == nil ||
				!strings.Contains(err.Error(), "readonly") {
				t.Errorf("write through the read pool: err = %v, want a read-only error", err)
			}
			if got := s.Stats().Read.MaxOpen; got != 3 {
				t.Errorf("read pool size = %d, want 3", got)
			}
		})
	}
}

func TestWriteTx(t *testing.T) {
	errBoom := errors.New("boom")
	for _, tc := range []struct {
		name      string
		fn        func(ctx context.Context, tx bun.Tx) error
		wantErr   error
		wantPanic bool
		wantRows  int
	}{
		{
			name: "commit",
			fn: func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO items (id, label) VALUES (?, ?), (?, ?)", 1, "a", 2, "b")
				return err
			},
			wantRows: 2,
		},
		{
			name: "error rolls back",
			fn: func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, label) VALUES (?, ?)", 1, "a"); err != nil {
					return err
				}
				return fmt.Errorf("validation: %w", errBoom)
			},
			wantErr: errBoom,
		},
		{
			name: "failed statement rolls back",
			fn: func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, label) VALUES (?, ?)", 1, "a"); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "INSERT INTO items (id, label) VALUES (?, ?)", 1, "duplicate")
				return err
			},
		},
		{
			name: "panic rolls back and re-panics",
			fn: func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, label) VALUES (?, ?)", 1, "a"); err != nil {
					return err
				}
				panic(errBoom)
			},
			wantPanic: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachDialect(t, func(t *testing.T, s *Store) {
				ctx := testCtx(t)
				mustWrite(t, s, "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL)")
				var err error
				panicked := func() (p any) {
					defer func() { p = recover() }()
					err = s.WriteTx(ctx, tc.fn)
					return nil
				}()
				switch {
				case tc.wantPanic && panicked != errBoom:
					t.Fatalf("recovered %v, want the panic of fn (%v)", panicked, errBoom)
				case !tc.wantPanic && panicked != nil:
					t.Fatalf("unexpected panic: %v", panicked)
				case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
					t.Fatalf("WriteTx error = %v, want %v", err, tc.wantErr)
				case tc.wantRows > 0 && err != nil:
					t.Fatalf("WriteTx: %v", err)
				case tc.wantRows == 0 && !tc.wantPanic && err == nil:
					t.Fatal("WriteTx succeeded, want an error")
				}
				if got := count(t, s, "items"); got != tc.wantRows {
					t.Errorf("items has %d rows, want %d", got, tc.wantRows)
				}
				// The store is still usable: the connection was given back clean.
				mustWrite(t, s, "INSERT INTO items (id, label) VALUES (100, 'after')")
				if got := count(t, s, "items"); got != tc.wantRows+1 {
					t.Errorf("items has %d rows after a further write, want %d", got, tc.wantRows+1)
				}
			})
		})
	}
}

func TestWriteTxRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		code      string
		failures  int // attempts that fail with code before one succeeds
		wantCalls map[Dialect]int
		wantErr   bool
	}{
		{"serialization failure", sqlstateSerializationFailure, 2,
			map[Dialect]int{DialectPostgres: 3, DialectSQLite: 1}, false},
		{"deadlock", sqlstateDeadlockDetected, 1,
			map[Dialect]int{DialectPostgres: 2, DialectSQLite: 1}, false},
		{"unique violation is not retried", "23505", 1,
			map[Dialect]int{DialectPostgres: 1, DialectSQLite: 1}, true},
		{"bounded attempts", sqlstateSerializationFailure, 100,
			map[Dialect]int{DialectPostgres: maxWriteAttempts, DialectSQLite: 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachDialect(t, func(t *testing.T, s *Store) {
				mustWrite(t, s, "CREATE TABLE items (id INTEGER PRIMARY KEY)")
				calls := 0
				err := s.WriteTx(testCtx(t), func(ctx context.Context, tx bun.Tx) error {
					calls++
					if _, err := tx.ExecContext(ctx, "INSERT INTO items (id) VALUES (?)", calls); err != nil {
						return err
					}
					if calls <= tc.failures {
						return fmt.Errorf("simulated: %w", &pgconn.PgError{Code: tc.code, Message: "simulated"})
					}
					return nil
				})
				wantCalls := tc.wantCalls[s.Dialect()]
				wantErr := tc.wantErr || s.Dialect() == DialectSQLite
				if calls != wantCalls {
					t.Errorf("fn ran %d times, want %d", calls, wantCalls)
				}
				if (err != nil) != wantErr {
					t.Fatalf("WriteTx error = %v, want error: %v", err, wantErr)
				}
				var pgErr *pgconn.PgError
				if err != nil && !errors.As(err, &pgErr) {
					t.Errorf("WriteTx error %v does not wrap the *pgconn.PgError", err)
				}
				wantRows := 0
				if !wantErr {
					wantRows = 1 // only the successful attempt's insert remains
				}
				if got := count(t, s, "items"); got != wantRows {
					t.Errorf("items has %d rows, want %d", got, wantRows)
				}
			})
		})
	}
}

// TestWriteTxDeadlockRetried provokes a real deadlock on PostgreSQL: two
// transactions lock two rows in opposite orders. The server aborts one of
// them (after deadlock_timeout, 1 s by default) and WriteTx runs it again.
func TestWriteTxDeadlockRetried(t *testing.T) {
	s := openStore(t, postgresOptions(t))
	mustWrite(t, s, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)",
		"INSERT INTO accounts VALUES (1, 100), (2, 100)")
	ctx := testCtx(t)
	var (
		barrier sync.WaitGroup
		wg      sync.WaitGroup
		calls   atomic.Int32
		errs    [2]error
	)
	barrier.Add(2)
	transfer := func(i, from, to int) {
		defer wg.Done()
		first := true
		errs[i] = s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			calls.Add(1)
			if _, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = balance - 10 WHERE id = ?", from); err != nil {
				return err
			}
			if first { // both transactions hold their first row lock before either asks for the second
				first = false
				barrier.Done()
				barrier.Wait()
			}
			_, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = balance + 10 WHERE id = ?", to)
			return err
		})
	}
	wg.Add(2)
	go transfer(0, 1, 2)
	go transfer(1, 2, 1)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transfer %d: %v", i, err)
		}
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("transaction functions ran %d times, want 3 (one retried after the deadlock)", got)
	}
	var total int
	if err := s.DB().QueryRowContext(ctx, "SELECT sum(balance) FROM accounts").Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != 200 {
		t.Errorf("total balance = %d, want 200", total)
	}
}

// TestConcurrentWriters hammers one counter row with read-modify-write
// transactions from many goroutines: every increment must land and no
// "database is locked" may escape.
func TestConcurrentWriters(t *testing.T) {
	const goroutines, perGoroutine = 16, 200
	forEachDialect(t, func(t *testing.T, s *Store) {
		mustWrite(t, s, "CREATE TABLE counters (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)",
			"INSERT INTO counters (id, n) VALUES (1, 0)")
		read := "SELECT n FROM counters WHERE id = 1"
		if s.Dialect() == DialectPostgres {
			read += " FOR UPDATE" // READ COMMITTED: lock the row we are about to rewrite
		}
		ctx := testCtx(t)
		var (
			wg       sync.WaitGroup
			failures atomic.Int64
			firstErr atomic.Value
		)
		start := time.Now()
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perGoroutine {
					err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
						var n int64
						if err := tx.QueryRowContext(ctx, read).Scan(&n); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, "UPDATE counters SET n = ? WHERE id = 1", n+1)
						return err
					})
					if err != nil {
						failures.Add(1)
						firstErr.CompareAndSwap(nil, err)
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		if n := failures.Load(); n > 0 {
			t.Fatalf("%d of %d transactions failed, first error: %v", n, goroutines*perGoroutine, firstErr.Load())
		}
		var n int64
		if err := s.DB().QueryRowContext(ctx, "SELECT n FROM counters WHERE id = 1").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != goroutines*perGoroutine {
			t.Fatalf("counter = %d, want %d", n, goroutines*perGoroutine)
		}
		t.Logf("%d transactions in %v (%.0f tx/s)", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	})
}

// TestConcurrentWritersTwoStoresSQLite opens two Stores on one SQLite file,
// as two processes would: their writers then contend for the file lock, which
// BEGIN IMMEDIATE and the busy timeout must absorb without an error.
func TestConcurrentWritersTwoStoresSQLite(t *testing.T) {
	const goroutines, perGoroutine = 4, 100
	o := sqliteOptions(t)
	stores := []*Store{openStore(t, o), openStore(t, o)}
	mustWrite(t, stores[0], "CREATE TABLE counters (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)",
		"INSERT INTO counters (id, n) VALUES (1, 0)")
	ctx := testCtx(t)
	var (
		wg       sync.WaitGroup
		failures atomic.Int64
		firstErr atomic.Value
	)
	start := time.Now()
	for _, s := range stores {
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perGoroutine {
					err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
						var n int64
						if err := tx.QueryRowContext(ctx, "SELECT n FROM counters WHERE id = 1").Scan(&n); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, "UPDATE counters SET n = ? WHERE id = 1", n+1)
						return err
					})
					if err != nil {
						failures.Add(1)
						firstErr.CompareAndSwap(nil, err)
					}
				}
			}()
		}
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d transactions failed, first error: %v", n, firstErr.Load())
	}
	want := int64(len(stores) * goroutines * perGoroutine)
	for i, s := range stores {
		var n int64
		if err := s.DB().QueryRowContext(ctx, "SELECT n FROM counters WHERE id = 1").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("store %d reads counter = %d, want %d", i, n, want)
		}
	}
	t.Logf("%d transactions from two stores in %v", want, time.Since(start).Round(time.Millisecond))
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("this is not a SQLite database\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "S3cr3t-Pa55w0rd"
	for _, tc := range []struct {
		name string
		o    Options
		want []string
	}{
		{
			name: "unreachable postgres url",
			o:    Options{Driver: "postgres", PostgresDSN: "postgres://campagnon:" + secret + "@localhost:1/campagnon?sslmode=disable"},
			want: []string{"cannot reach PostgreSQL at localhost:1 (connection refused)", "check database.postgres_dsn or that the server is running"},
		},
		{
			name: "unreachable postgres keyword/value",
			o:    Options{Driver: "postgres", PostgresDSN: "host=127.0.0.1 port=1 user=campagnon password='" + secret + "' dbname=x sslmode=disable"},
			want: []string{"cannot reach PostgreSQL at 127.0.0.1:1 (connection refused)", "check database.postgres_dsn"},
		},
		{
			name: "malformed postgres url",
			o:    Options{Driver: "postgres", PostgresDSN: "postgres://campagnon:" + secret + "@localhost:notaport/db"},
			want: []string{"invalid PostgreSQL DSN", "check database.postgres_dsn"},
		},
		{
			name: "empty postgres dsn",
			o:    Options{Driver: "postgres"},
			want: []string{"set database.postgres_dsn"},
		},
		{
			name: "sqlite directory cannot be created",
			o:    Options{SQLitePath: filepath.Join(notADir, "sub", "campagnon.db")},
			want: []string{"cannot open SQLite database at", "cannot create its directory", "check database.sqlite_path"},
		},
		{
			name: "sqlite file is not a database",
			o:    Options{SQLitePath: garbage},
			want: []string{"cannot open SQLite database at " + garbage, "not a SQLite database"},
		},
		{
			name: "sqlite path is a directory",
			o:    Options{SQLitePath: dir},
			want: []string{"it is a directory"},
		},
		{
			name: "sqlite invalid synchronous",
			o:    Options{SQLitePath: filepath.Join(dir, "x.db"), Synchronous: "OFF"},
			want: []string{`invalid SQLite synchronous mode "OFF": use FULL or NORMAL`},
		},
		{
			name: "unknown driver",
			o:    Options{Driver: "mysql"},
			want: []string{`unknown database driver "mysql"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Logger = testLogger(t)
			start := time.Now()
			s, err := Open(testCtx(t), tc.o)
			elapsed := time.Since(start)
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error %q reveals the password", msg)
			}
			t.Logf("error after %v: %s", elapsed, msg)
		})
	}
}

// TestOpenPostgresErrors checks the messages for a server that is reached
// but refuses the connection. The server may trust connections without a
// password; the wrong-password case is then skipped.
func TestOpenPostgresErrors(t *testing.T) {
	dsn := os.Getenv(pgEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL test skipped: %s is unset", pgEnv)
	}
	if !urlSchemeRe.MatchString(dsn) {
		t.Skipf("PostgreSQL test skipped: %s is not a URL", pgEnv)
	}
	const secret = "Wr0ng-S3cr3t"
	for _, tc := range []struct {
		name   string
		modify func(u *url.URL)
		want   string
	}{
		{"wrong password", func(u *url.URL) { u.User = url.UserPassword(u.User.Username(), secret) },
			"(authentication failed): check the user and password in database.postgres_dsn"},
		{"unknown database", func(u *url.URL) { u.Path = "/campagnon_no_such_db" },
			"(database does not exist): create it or fix the database name in database.postgres_dsn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			tc.modify(u)
			s, err := Open(testCtx(t), Options{Driver: "postgres", PostgresDSN: u.String(), Logger: testLogger(t)})
			if err == nil {
				_ = s.Close()
				t.Skip("the server accepted the connection (trust authentication?)")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q reveals the password", err)
			}
			t.Logf("error: %v", err)
		})
	}
}

// TestOpenTimeout points Open at a server that accepts connections and never
// answers: Open must give up at the context's deadline, or after its own
// timeout when the context has none.
func TestOpenTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	defer func(d time.Duration) { openTimeout = d }(openTimeout)
	openTimeout = 700 * time.Millisecond

	for _, tc := range []struct {
		name     string
		deadline time.Duration // 0: no deadline on the context
		max      time.Duration
	}{
		{"context deadline", 200 * time.Millisecond, 600 * time.Millisecond},
		{"open timeout", 0, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			start := time.Now()
			_, err := Open(ctx, Options{Driver: "postgres", Logger: testLogger(t),
				PostgresDSN: "postgres://u:pw@" + ln.Addr().String() + "/db?sslmode=disable"})
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			t.Logf("failed after %v (deadline %v)", elapsed, tc.max) // no timed assertion: the message must say "timed out"
			if want := "cannot reach PostgreSQL at " + ln.Addr().String() + " (timed out)"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			t.Logf("after %v: %v", elapsed.Round(time.Millisecond), err)
		})
	}
}

func TestRedactDSN(t *testing.T) {
	for _, tc := range []struct{ in, want, password string }{
		{"postgres://u:secret@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable", "secret"},
		{"postgresql://u@h/db", "postgresql://u@h/db", ""},
		{"postgres://u@h/db?password=secret&sslmode=disable", "postgres://u@h/db?password=xxxxx&sslmode=disable", "secret"},
		{"host=h user=u password=secret dbname=db", "host=h user=u password=xxxxx dbname=db", "secret"},
		{"host=h password = 'sec ret' dbname=db", "host=h password = xxxxx dbname=db", "sec ret"},
		{"postgres://u:secret@h:bad port/db", "postgres://(unparsable, redacted)", ""},
	} {
		if got := RedactDSN(tc.in); got != tc.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := dsnPassword(tc.in); got != tc.password {
			t.Errorf("dsnPassword(%q) = %q, want %q", tc.in, got, tc.password)
		}
	}
}

func TestIsUniqueViolation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		mustWrite(t, s, "CREATE TABLE uniq (id INTEGER PRIMARY KEY, name TEXT UNIQUE)", "INSERT INTO uniq (id, name) VALUES (1, 'a')")
		for _, q := range []string{"INSERT INTO uniq (id, name) VALUES (1, 'b')", "INSERT INTO uniq (id, name) VALUES (2, 'a')"} {
			err := s.WriteTx(testCtx(t), func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, q)
				return err
			})
			if !IsUniqueViolation(err) {
				t.Errorf("%s: IsUniqueViolation(%v) = false", q, err)
			}
		}
		err := s.WriteTx(testCtx(t), func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO no_such_table VALUES (1)")
			return err
		})
		if err == nil || IsUniqueViolation(err) {
			t.Errorf("other error classified as unique violation: %v", err)
		}
	})
}

func TestOpenClassifiesOptionErrors(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{
		{Driver: "oracle"},
		{Driver: "postgres"},
		{Driver: "postgres", PostgresDSN: "postgres://u:p@host:notaport/db"},
		{Driver: "sqlite"},
		{Driver: "sqlite", SQLitePath: ":memory:"},
		{Driver: "sqlite", SQLitePath: "x.db", Synchronous: "SOMETIMES"},
	} {
		if _, err := Open(testCtx(t), o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("Open(%+v) = %v, want ErrInvalidOptions", o, err)
		}
	}
	_, err := Open(testCtx(t), Options{Driver: "postgres", PostgresDSN: "postgres://u:p@127.0.0.1:1/db?sslmode=disable"})
	if err == nil || errors.Is(err, ErrInvalidOptions) {
		t.Errorf("unreachable server classified as bad options: %v", err)
	}
}

// TestWriterGateHonoursContext: a SQLite writer waiting for its turn gives
// up when its context ends, with an error that says so, and the writer
// holding the turn is not disturbed.
func TestWriterGateHonoursContext(t *testing.T) {
	s := openStore(t, Options{Driver: "sqlite", SQLitePath: filepath.Join(t.TempDir(), "gate.db")})
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.WriteTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.WriteTx(ctx, func(context.Context, bun.Tx) error { return errors.New("must not run") })
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "writer") {
		t.Errorf("waiting writer with a cancelled context: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the writer holding the turn: %v", err)
	}
}
