package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// SQLSTATE codes that WriteTx retries on PostgreSQL.
const (
	sqlstateSerializationFailure = "40001"
	sqlstateDeadlockDetected     = "40P01"
)

// pgHint is the advice given when PostgreSQL cannot be reached.
const pgHint = "check database.postgres_dsn or that the server is running"

// openPostgres opens the PostgreSQL pool described by o.PostgresDSN and checks
// the server answers.
func openPostgres(ctx context.Context, o Options, log *slog.Logger) (*Store, error) {
	dsn := strings.TrimSpace(o.PostgresDSN)
	if dsn == "" {
		return nil, fmt.Errorf("store: no PostgreSQL DSN configured: set database.postgres_dsn: %w", ErrInvalidOptions)
	}
	redacted := RedactDSN(dsn)
	password := dsnPassword(dsn)

	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, &msgError{
			msg: sanitize(fmt.Sprintf("store: invalid PostgreSQL DSN %s (%s): check database.postgres_dsn, "+
				"expected postgres://user:password@host:5432/dbname?sslmode=disable", redacted, parseErrorDetail(err)), password),
			err: errors.Join(ErrInvalidOptions, err),
		}
	}
	if cfg.ConnectTimeout == 0 {
		// Bounds connections the pool opens later, outside Open's deadline.
		cfg.ConnectTimeout = DefaultOpenTimeout
	}
	addr := pgAddr(cfg)

	sqldb := stdlib.OpenDB(*cfg)
	n := o.MaxOpenConns
	if n == 0 {
		n = DefaultPostgresConns
	}
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	sqldb.SetConnMaxLifetime(30 * time.Minute)

	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		reason, hint := pgFailure(ctx, err)
		if password == cfg.User || strings.Contains(cfg.Database, password) {
			// The message shows the user and database names, which then
			// say as much as the password: do not mangle them.
			password = ""
		}
		return nil, &msgError{
			msg: sanitize(fmt.Sprintf("store: cannot reach PostgreSQL at %s (%s): %s: %v", addr, reason, hint, err), password),
			err: err,
		}
	}

	db := bun.NewDB(sqldb, pgdialect.New())
	return &Store{
		dialect: DialectPostgres,
		log:     log,
		db:      db,
		wdb:     db,
		target:  redacted,
	}, nil
}

// pgAddr returns host:port of the first host of cfg, for messages.
func pgAddr(cfg *pgx.ConnConfig) string {
	if strings.HasPrefix(cfg.Host, "/") {
		return fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// pgFailure classifies a connection failure into a short reason and the
// advice to give.
func pgFailure(ctx context.Context, err error) (reason, hint string) {
	var pgErr *pgconn.PgError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case "28P01", "28000":
			return "authentication failed", "check the user and password in database.postgres_dsn"
		case "3D000":
			return "database does not exist", "create it or fix the database name in database.postgres_dsn"
		case "53300":
			return "too many connections", "lower database.max_open_conns or raise max_connections on the server"
		case "57P03":
			return "the server is starting up or shutting down", "retry in a moment"
		}
		return "server error " + pgErr.Code, pgHint
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused", pgHint
	case errors.As(err, &dnsErr):
		return "unknown host", "check the host name in database.postgres_dsn"
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err), ctx.Err() != nil:
		if errors.Is(ctx.Err(), context.Canceled) {
			return "canceled", pgHint
		}
		return "timed out", pgHint
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable", pgHint
	}
	return "connection failed", pgHint
}

// isRetryable reports whether err is a PostgreSQL serialization failure or
// deadlock, after which the whole transaction can be run again.
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == sqlstateSerializationFailure || pgErr.Code == sqlstateDeadlockDetected
}

// retryDelay is the pause before attempt+1: exponential from 5 ms, capped at
// 200 ms, with full jitter so that conflicting transactions spread out.
func retryDelay(attempt int) time.Duration {
	d := 5 * time.Millisecond << min(attempt, 6)
	d = min(d, 200*time.Millisecond)
	return d/2 + rand.N(d/2+1)
}

var (
	kvPasswordRe = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
	urlSchemeRe  = regexp.MustCompile(`(?i)^postgres(ql)?://`)
)

// RedactDSN returns dsn with its password, if any, replaced by "xxxxx". It
// handles URLs (postgres://user:password@host/db?password=...) and
// keyword/value strings (host=... password=...). A URL that cannot be parsed
// is reduced to its scheme.
func RedactDSN(dsn string) string {
	if urlSchemeRe.MatchString(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn[:strings.Index(dsn, "://")+3] + "(unparsable, redacted)"
		}
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return kvPasswordRe.ReplaceAllString(dsn, "${1}xxxxx")
}

// dsnPassword extracts the password of dsn, or "" when it has none or cannot
// be parsed.
func dsnPassword(dsn string) string {
	if urlSchemeRe.MatchString(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return ""
		}
		if p, ok := u.User.Password(); ok && p != "" {
			return p
		}
		return u.Query().Get("password")
	}
	m := kvPasswordRe.FindStringSubmatch(dsn)
	if m == nil {
		return ""
	}
	p := m[2]
	if len(p) >= 2 && p[0] == '\'' && p[len(p)-1] == '\'' {
		p = strings.ReplaceAll(p[1:len(p)-1], `\'`, `'`)
	}
	return p
}

// sanitize removes password from msg, as a last line of defence in case a
// driver message quotes it.
func sanitize(msg, password string) string {
	if password == "" {
		return msg
	}
	return strings.ReplaceAll(msg, password, "xxxxx")
}

// parseErrorDetail returns why pgx could not parse a DSN without quoting the
// DSN itself (pgx redacts it on a best-effort basis only).
func parseErrorDetail(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	var pce *pgconn.ParseConfigError
	if errors.As(err, &pce) {
		// The message is "cannot parse `<dsn>`: <why>"; keep only <why>.
		msg := pce.Error()
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			return msg[i+3:]
		}
	}
	return "malformed connection string"
}
