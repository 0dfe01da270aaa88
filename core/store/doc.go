// Package store opens and manages Campagnon's relational storage.
//
// Two dialects are supported with the same schema: SQLite (the embedded
// default, through the pure Go driver modernc.org/sqlite) and PostgreSQL
// (production, through pgx's database/sql adapter). Both are used through
// Bun (github.com/uptrace/bun).
//
// # SQLite
//
// A SQLite store opens two connection pools on the same database file:
//
//   - a write pool with exactly one connection, whose transactions start with
//     BEGIN IMMEDIATE (DSN parameter _txlock=immediate). Every write goes
//     through [Store.WriteTx], so writers of this process queue on that single
//     connection instead of racing for the file lock, and the write lock is
//     taken when the transaction begins rather than on its first write, so a
//     transaction never fails half-way with "database is locked" (SQLite
//     cannot wait on a lock a transaction needs to upgrade, but it does wait
//     at BEGIN IMMEDIATE). Writers of other processes (for example a
//     `campagnon migrate` run next to a server) thus wait for each other, up
//     to the busy timeout;
//   - a read pool of [Options.MaxOpenConns] connections opened with
//     PRAGMA query_only, returned by [Store.DB]. Any attempt to write through
//     it fails with SQLITE_READONLY.
//
// The database runs in WAL mode (readers do not block the writer and the
// writer does not block readers), with foreign keys enforced, a busy timeout,
// and synchronous=FULL by default (a committed transaction survives a power
// loss) or NORMAL on request (a committed transaction survives a crash of the
// process but may be lost on power loss).
//
// # PostgreSQL
//
// A PostgreSQL store has a single pool used for reads and writes. WriteTx runs
// a READ COMMITTED transaction and retries it, a bounded number of times, when
// it fails with a serialization failure (SQLSTATE 40001) or a deadlock
// (SQLSTATE 40P01).
//
// # Migrations
//
// The schema is managed by a small versioned migration runner: see
// [LoadMigrations] and [Migrator].
package store
