package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteHint is appended to the errors of openSQLite.
const sqliteHint = "check database.sqlite_path and that its directory exists and is writable"

// openSQLite opens the two pools (one writer, N readers) on o.SQLitePath.
func openSQLite(ctx context.Context, o Options, log *slog.Logger) (*Store, error) {
	path := strings.TrimSpace(o.SQLitePath)
	switch {
	case path == "":
		return nil, fmt.Errorf("store: no SQLite database path configured: set database.sqlite_path: %w", ErrInvalidOptions)
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return nil, fmt.Errorf("store: SQLite path %q is not supported: database.sqlite_path must be a plain file path: %w", path, ErrInvalidOptions)
	case strings.ContainsRune(path, '?'):
		return nil, fmt.Errorf("store: SQLite path %q contains '?': choose a file path without it: %w", path, ErrInvalidOptions)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: resolve SQLite path %q: %w", path, err)
	}
	path = abs

	syncMode := strings.ToUpper(strings.TrimSpace(o.Synchronous))
	switch syncMode {
	case "":
		syncMode = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("store: invalid SQLite synchronous mode %q: use FULL or NORMAL: %w", o.Synchronous, ErrInvalidOptions)
	}
	busy := o.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	readers := o.MaxOpenConns
	if readers == 0 {
		readers = DefaultSQLiteReadConns
	}

	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: cannot open SQLite database at %s (cannot create its directory: %w): %s",
			path, err, sqliteHint)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("store: cannot open SQLite database at %s (it is a directory): %s", path, sqliteHint)
	}

	// The writer is opened first: it switches the file to WAL, which the
	// read-only readers cannot do.
	wsql, err := sql.Open("sqlite", sqliteDSN(path, busy.Milliseconds(), syncMode, false))
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite write pool on %s: %w", path, err)
	}
	wsql.SetMaxOpenConns(1)
	wsql.SetMaxIdleConns(1)
	wsql.SetConnMaxLifetime(0)
	wsql.SetConnMaxIdleTime(0)
	if err := checkSQLite(ctx, wsql, true); err != nil {
		_ = wsql.Close()
		return nil, sqliteOpenError(path, err)
	}

	rsql, err := sql.Open("sqlite", sqliteDSN(path, busy.Milliseconds(), syncMode, true))
	if err != nil {
		_ = wsql.Close()
		return nil, fmt.Errorf("store: open SQLite read pool on %s: %w", path, err)
	}
	rsql.SetMaxOpenConns(readers)
	rsql.SetMaxIdleConns(readers)
	if err := checkSQLite(ctx, rsql, false); err != nil {
		_ = rsql.Close()
		_ = wsql.Close()
		return nil, sqliteOpenError(path, err)
	}

	return &Store{
		dialect: DialectSQLite,
		log:     log,
		db:      bun.NewDB(rsql, sqlitedialect.New()),
		wdb:     bun.NewDB(wsql, sqlitedialect.New()),
		wgate:   make(chan struct{}, 1),
		target:  path,
	}, nil
}

// sqliteDSN builds the modernc.org/sqlite DSN of one pool. The _pragma values
// run on every new connection (busy_timeout first, then in lexicographic
// order); _txlock=immediate makes BeginTx issue BEGIN IMMEDIATE;
// _query_only=1 is applied last and makes a reader connection refuse writes.
// _time_format=sqlite stores time.Time arguments in SQLite's own format
// instead of Go's String form.
func sqliteDSN(path string, busyMillis int64, syncMode string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyMillis))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous("+syncMode+")")
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	}
	q.Set("_time_format", "sqlite")
	return path + "?" + q.Encode()
}

// checkSQLite opens a connection of db, so that errors in the file surface
// now rather than on the first query, and checks the pragmas took effect.
func checkSQLite(ctx context.Context, db *sql.DB, writer bool) error {
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	if writer {
		var mode string
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			return fmt.Errorf("read journal_mode: %w", err)
		}
		if !strings.EqualFold(mode, "wal") {
			return fmt.Errorf("journal_mode is %q, WAL is required (is the file on a network file system?)", mode)
		}
	}
	var fk int
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if fk != 1 {
		return errors.New("foreign_keys could not be enabled")
	}
	return nil
}

// sqliteOpenError turns an error met while opening path into one that says
// what is wrong and what to do.
func sqliteOpenError(path string, err error) error {
	reason := "cannot open the file"
	hint := sqliteHint
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			reason = "the file is not a SQLite database"
			hint = "check database.sqlite_path points to a Campagnon database"
		case sqlite3.SQLITE_CORRUPT:
			reason = "the database file is corrupt"
			hint = "restore it from a backup"
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			reason = "the file is read-only or access is denied"
			hint = "check the permissions of the file and of its directory"
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			reason = "the database is locked by another process"
			hint = "check that no other process holds it locked, or raise database.busy_timeout"
		case sqlite3.SQLITE_FULL:
			reason = "the disk is full"
			hint = "free some disk space"
		}
	} else if errors.Is(err, context.DeadlineExceeded) {
		reason = "timed out"
		hint = "check that no other process holds the database locked"
	}
	return fmt.Errorf("store: cannot open SQLite database at %s (%s): %s: %w", path, reason, hint, err)
}
