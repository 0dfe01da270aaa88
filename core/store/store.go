package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect identifies the SQL database behind a Store.
type Dialect string

const (
	// DialectSQLite is the embedded SQLite database (modernc.org/sqlite).
	DialectSQLite Dialect = "sqlite"
	// DialectPostgres is a PostgreSQL server reached through pgx.
	DialectPostgres Dialect = "postgres"
)

// Default values applied by Open to zero fields of Options.
const (
	// DefaultSQLiteReadConns is the size of the SQLite read pool when
	// Options.MaxOpenConns is zero.
	DefaultSQLiteReadConns = 4
	// DefaultPostgresConns is the size of the PostgreSQL pool when
	// Options.MaxOpenConns is zero.
	DefaultPostgresConns = 10
	// DefaultBusyTimeout is how long a SQLite connection waits for a lock held
	// by another process when Options.BusyTimeout is zero.
	DefaultBusyTimeout = 5 * time.Second
	// DefaultOpenTimeout bounds the whole of Open, in addition to the deadline
	// of the context given to it.
	DefaultOpenTimeout = 5 * time.Second
)

// maxWriteAttempts bounds how many times WriteTx runs a PostgreSQL transaction
// that keeps failing with a serialization failure or a deadlock.
const maxWriteAttempts = 5

// openTimeout is DefaultOpenTimeout; a variable so that tests can shorten it.
var openTimeout = DefaultOpenTimeout

// Options configures Open.
type Options struct {
	// Driver selects the database: "sqlite" (the default when empty) or
	// "postgres" (also accepted as "postgresql").
	Driver string
	// SQLitePath is the path of the SQLite database file. Its parent
	// directory is created when missing. Required for the sqlite driver.
	SQLitePath string
	// PostgresDSN is the PostgreSQL connection string, either a URL
	// (postgres://user:password@host:5432/dbname?sslmode=disable) or
	// keyword/value pairs. Required for the postgres driver.
	PostgresDSN string
	// MaxOpenConns is the size of the SQLite read pool (the write pool always
	// has one connection) or of the whole PostgreSQL pool. Zero selects
	// DefaultSQLiteReadConns or DefaultPostgresConns.
	MaxOpenConns int
	// BusyTimeout is how long a SQLite connection waits for a lock held by
	// another process before failing with SQLITE_BUSY. Zero selects
	// DefaultBusyTimeout.
	BusyTimeout time.Duration
	// Synchronous is the SQLite synchronous pragma: "FULL" (the default when
	// empty) or "NORMAL".
	Synchronous string
	// Logger receives the store's logs. Nil selects slog.Default().
	Logger *slog.Logger
}

// Store is an open database: a SQLite file or a PostgreSQL pool. It is safe
// for concurrent use.
type Store struct {
	dialect Dialect
	log     *slog.Logger
	// db serves reads; on PostgreSQL it also serves writes.
	db *bun.DB
	// wdb is the SQLite write pool (one connection); equal to db on PostgreSQL.
	wdb *bun.DB
	// wgate admits SQLite writers one at a time, first come first served:
	// goroutines blocked sending on a channel are woken in order, whereas
	// database/sql hands a freed connection to a waiter picked at random,
	// which under many concurrent writers makes the slowest wait many times
	// the average.
	wgate chan struct{}
	// target describes the database for logs and errors: the SQLite path or
	// the redacted PostgreSQL DSN.
	target string

	closeOnce sync.Once
	closeErr  error
}

// ErrInvalidOptions is wrapped by Open's errors that come from the options
// themselves (a missing or malformed DSN, an unusable path, an unknown
// driver): the operator must change the configuration, retrying won't help.
var ErrInvalidOptions = errors.New("invalid database options")

// IsUniqueViolation reports whether err is a unique or primary-key
// constraint violation, on either engine: two writers raced to create the
// same row, and the caller can answer "already exists".
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// msgError is an error with a message of its own that wraps err, so that
// errors.Is and errors.As see err without err's text being shown. It carries
// messages that must not quote a DSN, and messages that read better without
// the text of the sentinel they wrap.
type msgError struct {
	msg string
	err error
}

func (e *msgError) Error() string { return e.msg }
func (e *msgError) Unwrap() error { return e.err }

// PoolStat describes one connection pool at one instant.
type PoolStat struct {
	// MaxOpen is the maximum number of open connections of the pool.
	MaxOpen int
	// Open is the number of established connections, in use or idle.
	Open int
	// InUse is the number of connections currently in use.
	InUse int
	// Idle is the number of idle connections.
	Idle int
	// WaitCount is the total number of times a caller waited for a connection.
	WaitCount int64
	// WaitDuration is the total time callers waited for a connection.
	WaitDuration time.Duration
}

// PoolStats describes the connection pools of a Store, for metrics.
type PoolStats struct {
	// Read is the pool behind Store.DB. On PostgreSQL it is the only pool.
	Read PoolStat
	// Write is the SQLite write pool (one connection). On PostgreSQL it is
	// the same pool as Read, and Shared is true.
	Write PoolStat
	// Shared reports that Read and Write describe the same pool, so that a
	// metrics exporter does not count it twice.
	Shared bool
}

// Open opens the database described by o, checks that it is reachable and
// configured as expected, and returns the Store. Open gives up after
// DefaultOpenTimeout or when ctx is done, whichever comes first. Its errors
// say what is wrong and what to do, and never contain a password.
func Open(ctx context.Context, o Options) (*Store, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	if o.MaxOpenConns < 0 {
		return nil, fmt.Errorf("store: invalid pool size %d: MaxOpenConns must be zero (default) or positive: %w", o.MaxOpenConns, ErrInvalidOptions)
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()

	var (
		s   *Store
		err error
	)
	switch strings.ToLower(strings.TrimSpace(o.Driver)) {
	case "", string(DialectSQLite):
		s, err = openSQLite(ctx, o, log)
	case string(DialectPostgres), "postgresql":
		s, err = openPostgres(ctx, o, log)
	default:
		return nil, fmt.Errorf("store: unknown database driver %q: use %q or %q: %w", o.Driver, DialectSQLite, DialectPostgres, ErrInvalidOptions)
	}
	if err != nil {
		return nil, err
	}
	log.Info("store opened", "dialect", string(s.dialect), "database", s.target)
	return s, nil
}

// Dialect reports which database the Store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB returns the Bun database to use for reads. On PostgreSQL it may be used
// for writes too; on SQLite its connections are read-only (PRAGMA
// query_only) and every write must go through WriteTx.
func (s *Store) DB() *bun.DB { return s.db }

// WriteTx runs fn in a write transaction, commits it when fn returns nil and
// rolls it back otherwise. The error returned by fn is returned unchanged
// (except on PostgreSQL when the retries described below run out: it is then
// wrapped). If fn panics, the transaction is rolled back and the panic goes
// on.
//
// Every statement of the transaction must go through tx: on SQLite, reads
// through DB() inside fn do not see the transaction's writes, and a nested
// WriteTx waits until its context ends since the write pool has one
// connection.
//
// On SQLite the transaction runs on the single write connection and starts
// with BEGIN IMMEDIATE, so it holds the write lock from its start and is
// never retried. On PostgreSQL it is a READ COMMITTED transaction that is run
// again, up to a bounded number of attempts, when it fails with a
// serialization failure (40001) or a deadlock (40P01): fn must therefore have
// no effect outside tx that it would be wrong to repeat.
func (s *Store) WriteTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if s.dialect == DialectSQLite {
		select {
		case s.wgate <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("store: waiting for the database writer: %w", ctx.Err())
		}
		defer func() { <-s.wgate }()
		return runTx(ctx, s.wdb, nil, fn)
	}
	opts := &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	for attempt := 1; ; attempt++ {
		err := runTx(ctx, s.db, opts, fn)
		if err == nil || !isRetryable(err) {
			return err
		}
		if attempt >= maxWriteAttempts {
			s.log.WarnContext(ctx, "write transaction keeps conflicting, giving up",
				"attempts", attempt, "error", err)
			return fmt.Errorf("store: write transaction failed after %d attempts: %w", attempt, err)
		}
		delay := retryDelay(attempt)
		s.log.DebugContext(ctx, "retrying write transaction", "attempt", attempt, "delay", delay, "error", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("store: write transaction interrupted while waiting to retry: %w (last error: %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// runTx runs fn in one transaction begun on db with opts.
func runTx(ctx context.Context, db *bun.DB, opts *sql.TxOptions, fn func(ctx context.Context, tx bun.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin write transaction: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// Runs on error and on panic alike; a panic continues unwinding
		// after the rollback since it is not recovered here.
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) && err != nil {
			err = errors.Join(err, fmt.Errorf("store: roll back write transaction: %w", rbErr))
		}
	}()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	committed = true // Commit ends the transaction whether it succeeds or not.
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit write transaction: %w", err)
	}
	return nil
}

// Ping checks that the database answers, on every pool of the Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s database: %w", s.dialect, err)
	}
	if s.wdb != s.db {
		if err := s.wdb.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping %s write pool: %w", s.dialect, err)
		}
	}
	return nil
}

// Stats returns the current state of the connection pools.
func (s *Store) Stats() PoolStats {
	read := poolStat(s.db.DB.Stats())
	if s.wdb == s.db {
		return PoolStats{Read: read, Write: read, Shared: true}
	}
	return PoolStats{Read: read, Write: poolStat(s.wdb.DB.Stats())}
}

func poolStat(st sql.DBStats) PoolStat {
	return PoolStat{
		MaxOpen:      st.MaxOpenConnections,
		Open:         st.OpenConnections,
		InUse:        st.InUse,
		Idle:         st.Idle,
		WaitCount:    st.WaitCount,
		WaitDuration: st.WaitDuration,
	}
}

// Close closes every pool of the Store. It waits for queries in progress to
// finish. Calling Close again returns the result of the first call.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		// Readers first: the writer, closed last, then checkpoints the WAL.
		if err := s.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close %s database: %w", s.dialect, err))
		}
		if s.wdb != s.db {
			if err := s.wdb.Close(); err != nil {
				errs = append(errs, fmt.Errorf("store: close %s write pool: %w", s.dialect, err))
			}
		}
		s.closeErr = errors.Join(errs...)
		if s.closeErr == nil {
			s.log.Info("store closed", "dialect", string(s.dialect), "database", s.target)
		}
	})
	return s.closeErr
}

// IntegrityCheck verifies the database. On SQLite it runs PRAGMA
// integrity_check and fails unless it reports "ok". On PostgreSQL, which
// offers no cheap equivalent, it is only a trivial check that the server
// answers a query (SELECT 1).
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.dialect == DialectPostgres {
		var one int
		if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return fmt.Errorf("store: integrity check (SELECT 1) on PostgreSQL: %w", err)
		}
		return nil
	}
	rows, err := s.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("store: integrity check of %s: %w", s.target, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: integrity check of %s: read result: %w", s.target, err)
		}
		if line != "ok" && len(problems) < 10 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: integrity check of %s: %w", s.target, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: integrity check of %s failed: %s: restore the database from a backup",
			s.target, strings.Join(problems, "; "))
	}
	return nil
}
