package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// MigrationsTable is the table where applied migrations are recorded, one row
// per applied version.
const MigrationsTable = "schema_migrations"

// migrateLockClass is the first key of the PostgreSQL advisory lock taken by
// migrators; the second is a hash of the current schema, so that migrators of
// different schemas of one database do not wait for each other.
const migrateLockClass = 0x43616d70 // "Camp"

var (
	// ErrPendingMigrations is returned (wrapped) by Migrator.Check when the
	// database lacks migrations that this binary knows.
	ErrPendingMigrations = errors.New("database schema is out of date")
	// ErrSchemaTooNew is returned (wrapped) when the database has a migration
	// version this binary does not know: it was migrated by a newer release.
	ErrSchemaTooNew = errors.New("database schema is newer than this campagnon")
)

// Migration is one versioned change of the schema.
type Migration struct {
	// Version orders migrations; versions of a set run from 1 without gaps.
	Version int
	// Name describes the migration, e.g. "create_members".
	Name string
	// Up holds the SQL that applies the migration, for each dialect.
	Up map[Dialect]string
	// Down holds the SQL that reverts the migration, for each dialect.
	Down map[Dialect]string
	// UpFile and DownFile name, for each dialect, the file the SQL was read
	// from, for error messages. They are optional.
	UpFile, DownFile map[Dialect]string
}

// ID returns the migration's identifier as used in file names,
// "NNNN_name".
func (m Migration) ID() string { return fmt.Sprintf("%04d_%s", m.Version, m.Name) }

// MigrationStatus describes one migration as seen in a database.
type MigrationStatus struct {
	// Version and Name identify the migration.
	Version int
	Name    string
	// Applied reports whether the database has the migration.
	Applied bool
	// AppliedAt is when it was applied, in UTC; zero when not applied.
	AppliedAt time.Time
	// Known is false for a version recorded in the database that this binary
	// does not know (the schema is newer than the binary).
	Known bool
}

// migrationFileRe matches NNNN_name.up.sql, NNNN_name.down.sql and their
// dialect overrides NNNN_name.up.postgres.sql, NNNN_name.down.sqlite.sql...
var migrationFileRe = regexp.MustCompile(`^([0-9]+)_([A-Za-z0-9_-]+)\.(up|down)(?:\.(sqlite|postgres))?\.sql$`)

// LoadMigrations reads the migrations in the top directory of fsys (use
// fs.Sub for a subdirectory of an embed.FS). Each migration is a pair of
// files NNNN_name.up.sql and NNNN_name.down.sql, used for every dialect, and
// either may be replaced for one dialect by NNNN_name.up.postgres.sql,
// NNNN_name.up.sqlite.sql (and likewise for down). Files not ending in .sql
// are ignored; a .sql file with another name is an error. It is also an error
// when versions do not run from 1 without gaps, when a version appears twice
// (or under two names), or when a migration lacks its up or down SQL for a
// dialect. When a migration runs, the SQL of its file is split into
// statements as described at SplitStatements. The result is sorted by
// version.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations directory: %w", err)
	}
	type fileKey struct {
		dir     string // "up" or "down"
		dialect Dialect
	}
	type pending struct {
		name  string
		first string // file that set name
		files map[fileKey]string
		sql   map[fileKey]string
	}
	byVersion := map[int]*pending{}
	for _, e := range entries {
		fname := e.Name()
		if e.IsDir() || !strings.HasSuffix(fname, ".sql") {
			continue
		}
		m := migrationFileRe.FindStringSubmatch(fname)
		if m == nil {
			return nil, fmt.Errorf("store: unexpected migration file name %q: expected NNNN_name.up.sql, NNNN_name.down.sql "+
				"or a dialect override such as NNNN_name.up.postgres.sql", fname)
		}
		version, err := strconv.Atoi(m[1])
		if err != nil || version <= 0 {
			return nil, fmt.Errorf("store: migration file %q: version must be a positive number", fname)
		}
		name, key := m[2], fileKey{dir: m[3], dialect: Dialect(m[4])}
		p := byVersion[version]
		if p == nil {
			p = &pending{name: name, first: fname, files: map[fileKey]string{}, sql: map[fileKey]string{}}
			byVersion[version] = p
		}
		if p.name != name {
			return nil, fmt.Errorf("store: duplicate migration version %d: %q and %q have different names", version, p.first, fname)
		}
		if prev, dup := p.files[key]; dup {
			return nil, fmt.Errorf("store: duplicate migration version %d: %q and %q", version, prev, fname)
		}
		body, err := fs.ReadFile(fsys, fname)
		if err != nil {
			return nil, fmt.Errorf("store: read migration file %q: %w", fname, err)
		}
		p.files[key] = fname
		p.sql[key] = string(body)
	}

	versions := make([]int, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Ints(versions)

	out := make([]Migration, 0, len(versions))
	for i, v := range versions {
		if i == 0 && v != 1 {
			return nil, fmt.Errorf("store: migrations must start at version 1, the first one is %d (%s)", v, byVersion[v].first)
		}
		if i > 0 && v != versions[i-1]+1 {
			return nil, fmt.Errorf("store: gap in migration versions: %d (%s) follows %d, version %d is missing",
				v, byVersion[v].first, versions[i-1], versions[i-1]+1)
		}
		p := byVersion[v]
		mig := Migration{
			Version: v, Name: p.name,
			Up: map[Dialect]string{}, Down: map[Dialect]string{},
			UpFile: map[Dialect]string{}, DownFile: map[Dialect]string{},
		}
		for _, dir := range []string{"up", "down"} {
			sqlMap, fileMap := mig.Up, mig.UpFile
			if dir == "down" {
				sqlMap, fileMap = mig.Down, mig.DownFile
			}
			for _, d := range []Dialect{DialectSQLite, DialectPostgres} {
				key := fileKey{dir: dir, dialect: d}
				if _, ok := p.files[key]; !ok {
					key = fileKey{dir: dir}
				}
				f, ok := p.files[key]
				if !ok {
					return nil, fmt.Errorf("store: migration %s has no %s file for %s: add %s_%s.%s.sql",
						mig.ID(), dir, d, m4(v), p.name, dir)
				}
				sqlMap[d], fileMap[d] = p.sql[key], f
			}
		}
		out = append(out, mig)
	}
	return out, nil
}

func m4(v int) string { return fmt.Sprintf("%04d", v) }

// Migrator applies and reverts migrations on a Store.
//
// On SQLite, migrators are serialised by the write lock that every
// transaction takes up front (BEGIN IMMEDIATE). On PostgreSQL, each migration
// transaction first takes a transaction-level advisory lock
// (pg_advisory_xact_lock) keyed by the current schema, so that migrators
// running at the same time, in one process or several, apply each migration
// once.
type Migrator struct {
	s   *Store
	ms  []Migration
	err error // set by NewMigrator when ms is not a valid set
}

// NewMigrator returns a Migrator for the migrations ms, which must have
// versions from 1 without gaps and SQL for s's dialect. An invalid set is
// reported by every method of the Migrator.
func NewMigrator(s *Store, ms []Migration) *Migrator {
	sorted := slices.Clone(ms)
	slices.SortFunc(sorted, func(a, b Migration) int { return a.Version - b.Version })
	m := &Migrator{s: s, ms: sorted}
	for i, mig := range sorted {
		if mig.Version != i+1 {
			m.err = fmt.Errorf("store: invalid migration set: expected version %d, found %s", i+1, mig.ID())
			break
		}
		if _, ok := mig.Up[s.dialect]; !ok {
			m.err = fmt.Errorf("store: invalid migration set: %s has no up SQL for %s", mig.ID(), s.dialect)
			break
		}
		if _, ok := mig.Down[s.dialect]; !ok {
			m.err = fmt.Errorf("store: invalid migration set: %s has no down SQL for %s", mig.ID(), s.dialect)
			break
		}
	}
	return m
}

// Latest returns the highest version the Migrator knows, 0 when it has no
// migrations.
func (m *Migrator) Latest() int { return len(m.ms) }

// Up applies every pending migration in order, each in its own transaction
// together with its row in schema_migrations, and returns those it applied.
// When a migration fails, its transaction is rolled back (nothing of it
// remains), the migrations applied before it stay applied and are returned,
// and the error names the file and statement that failed. Up refuses to run
// on a database whose schema is newer than the binary (ErrSchemaTooNew).
func (m *Migrator) Up(ctx context.Context) ([]Migration, error) {
	if m.err != nil {
		return nil, m.err
	}
	var done []Migration
	for {
		var applied *Migration
		err := m.s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			applied = nil
			rows, err := m.lockAndRead(ctx, tx)
			if err != nil {
				return err
			}
			if err := m.checkNotTooNew(rows); err != nil {
				return err
			}
			next := m.firstPending(rows)
			if next == nil {
				return nil
			}
			start := time.Now()
			if err := m.exec(ctx, tx, *next, "up"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO "+MigrationsTable+" (version, name, applied_at) VALUES (?, ?, ?)",
				next.Version, next.Name, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
				return fmt.Errorf("store: record migration %s: %w", next.ID(), err)
			}
			m.s.log.InfoContext(ctx, "migration applied", "version", next.Version, "name", next.Name,
				"dialect", string(m.s.dialect), "duration", time.Since(start))
			applied = next
			return nil
		})
		if err != nil {
			return done, err
		}
		if applied == nil {
			return done, nil
		}
		done = append(done, *applied)
	}
}

// Down reverts the latest applied migration, in one transaction together
// with the removal of its row in schema_migrations, and returns it. It
// returns nil and no error when no migration is applied, and ErrSchemaTooNew
// when the latest applied migration is unknown to this binary.
func (m *Migrator) Down(ctx context.Context) (*Migration, error) {
	if m.err != nil {
		return nil, m.err
	}
	var reverted *Migration
	err := m.s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		reverted = nil
		rows, err := m.lockAndRead(ctx, tx)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if err := m.checkNotTooNew(rows); err != nil {
			return err
		}
		mig := m.ms[rows[len(rows)-1].Version-1]
		start := time.Now()
		if err := m.exec(ctx, tx, mig, "down"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+MigrationsTable+" WHERE version = ?", mig.Version); err != nil {
			return fmt.Errorf("store: unrecord migration %s: %w", mig.ID(), err)
		}
		m.s.log.InfoContext(ctx, "migration reverted", "version", mig.Version, "name", mig.Name,
			"dialect", string(m.s.dialect), "duration", time.Since(start))
		reverted = &mig
		return nil
	})
	if err != nil {
		return nil, err
	}
	return reverted, nil
}

// Status lists every known migration with whether and when it was applied,
// followed by the versions recorded in the database that this binary does
// not know (Known false). It does not modify the database.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	if m.err != nil {
		return nil, m.err
	}
	rows, err := m.readApplied(ctx, m.s.DB())
	if err != nil {
		return nil, err
	}
	byVersion := make(map[int]appliedRow, len(rows))
	for _, r := range rows {
		byVersion[r.Version] = r
	}
	out := make([]MigrationStatus, 0, len(m.ms)+len(rows))
	for _, mig := range m.ms {
		st := MigrationStatus{Version: mig.Version, Name: mig.Name, Known: true}
		if r, ok := byVersion[mig.Version]; ok {
			st.Applied, st.AppliedAt = true, r.AppliedAt
		}
		out = append(out, st)
	}
	for _, r := range rows {
		if r.Version > m.Latest() {
			out = append(out, MigrationStatus{Version: r.Version, Name: r.Name, Applied: true, AppliedAt: r.AppliedAt})
		}
	}
	return out, nil
}

// Check returns nil when the database has exactly the migrations this binary
// knows. Otherwise it returns an error wrapping ErrSchemaTooNew when the
// database has a version this binary does not know, or ErrPendingMigrations
// when migrations are pending. It does not modify the database.
func (m *Migrator) Check(ctx context.Context) error {
	if m.err != nil {
		return m.err
	}
	rows, err := m.readApplied(ctx, m.s.DB())
	if err != nil {
		return err
	}
	if err := m.checkNotTooNew(rows); err != nil {
		return err
	}
	have := make(map[int]bool, len(rows))
	for _, r := range rows {
		have[r.Version] = true
	}
	var pending []string
	for _, mig := range m.ms {
		if !have[mig.Version] {
			pending = append(pending, mig.ID())
		}
	}
	if len(pending) > 0 {
		return &msgError{
			msg: fmt.Sprintf("database schema is version %d, this campagnon knows up to %d (pending: %s): run `campagnon migrate up`",
				schemaVersion(rows), m.Latest(), strings.Join(pending, ", ")),
			err: ErrPendingMigrations,
		}
	}
	return nil
}

// appliedRow is one row of schema_migrations.
type appliedRow struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// schemaVersion is the highest applied version, 0 when none.
func schemaVersion(rows []appliedRow) int {
	if len(rows) == 0 {
		return 0
	}
	return rows[len(rows)-1].Version
}

// checkNotTooNew fails with ErrSchemaTooNew when rows hold a version beyond
// the known ones, and when they hold a version below 1.
func (m *Migrator) checkNotTooNew(rows []appliedRow) error {
	if v := schemaVersion(rows); v > m.Latest() {
		return &msgError{
			msg: fmt.Sprintf("database schema is version %d, this campagnon knows up to %d: upgrade campagnon", v, m.Latest()),
			err: ErrSchemaTooNew,
		}
	}
	for _, r := range rows {
		if r.Version < 1 {
			return fmt.Errorf("store: %s holds invalid version %d: remove that row", MigrationsTable, r.Version)
		}
	}
	return nil
}

// firstPending returns the known migration with the lowest version that rows
// do not hold, or nil.
func (m *Migrator) firstPending(rows []appliedRow) *Migration {
	have := make(map[int]bool, len(rows))
	for _, r := range rows {
		have[r.Version] = true
	}
	for i := range m.ms {
		if !have[m.ms[i].Version] {
			mig := m.ms[i]
			return &mig
		}
	}
	return nil
}

// exec runs the statements of mig's up or down SQL in tx. Its error names the
// file, statement and line that failed.
func (m *Migrator) exec(ctx context.Context, tx bun.Tx, mig Migration, dir string) error {
	src, file := mig.Up[m.s.dialect], mig.UpFile[m.s.dialect]
	if dir == "down" {
		src, file = mig.Down[m.s.dialect], mig.DownFile[m.s.dialect]
	}
	if file == "" {
		file = mig.ID() + "." + dir + " (" + string(m.s.dialect) + ")"
	}
	for i, st := range SplitStatements(src) {
		// No arguments: Bun sends the text untouched, '?' included.
		if _, err := tx.ExecContext(ctx, st.SQL); err != nil {
			return fmt.Errorf("store: migration %s %s failed in %s, statement %d at line %d (%s): %w",
				mig.ID(), dir, file, i+1, st.Line, firstLine(st.SQL), err)
		}
	}
	return nil
}

// firstLine returns the first line of sql, shortened for messages.
func firstLine(sql string) string {
	if i := strings.IndexByte(sql, '\n'); i >= 0 {
		sql = sql[:i] + " …"
	}
	if len(sql) > 80 {
		sql = sql[:77] + "..."
	}
	return sql
}

// lockAndRead serialises migrators (PostgreSQL advisory lock), creates the
// migrations table if needed and reads it, all in tx.
func (m *Migrator) lockAndRead(ctx context.Context, tx bun.Tx) ([]appliedRow, error) {
	create := "CREATE TABLE IF NOT EXISTS " + MigrationsTable +
		" (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
	if m.s.dialect == DialectPostgres {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(
			"SELECT pg_advisory_xact_lock(%d, hashtext(coalesce(current_schema(), '')))", migrateLockClass)); err != nil {
			return nil, fmt.Errorf("store: take the migration lock: %w", err)
		}
		create = "CREATE TABLE IF NOT EXISTS " + MigrationsTable +
			" (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
	}
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("store: create %s table: %w", MigrationsTable, err)
	}
	return m.queryApplied(ctx, tx)
}

// readApplied reads schema_migrations through db without creating it: a
// missing table means no migration is applied.
func (m *Migrator) readApplied(ctx context.Context, db *bun.DB) ([]appliedRow, error) {
	var exists bool
	q := "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '" + MigrationsTable + "'"
	if m.s.dialect == DialectPostgres {
		q = "SELECT to_regclass('" + MigrationsTable + "') IS NOT NULL"
	}
	if err := db.QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return nil, fmt.Errorf("store: look for the %s table: %w", MigrationsTable, err)
	}
	if !exists {
		return nil, nil
	}
	return m.queryApplied(ctx, db)
}

// queryApplied reads schema_migrations ordered by version.
func (m *Migrator) queryApplied(ctx context.Context, q bun.IConn) ([]appliedRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT version, name, applied_at FROM "+MigrationsTable+" ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("store: read %s: %w", MigrationsTable, err)
	}
	defer rows.Close()
	var out []appliedRow
	for rows.Next() {
		var (
			r  appliedRow
			at any
		)
		if err := rows.Scan(&r.Version, &r.Name, &at); err != nil {
			return nil, fmt.Errorf("store: read %s: %w", MigrationsTable, err)
		}
		switch v := at.(type) {
		case time.Time:
			r.AppliedAt = v.UTC()
		case string:
			r.AppliedAt, _ = time.Parse(time.RFC3339Nano, v)
		case []byte:
			r.AppliedAt, _ = time.Parse(time.RFC3339Nano, string(v))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read %s: %w", MigrationsTable, err)
	}
	return out, nil
}
