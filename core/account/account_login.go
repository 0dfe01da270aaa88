package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/store"
)

// ThrottledError is the cause of a login refused by throttling; RetryAfter
// says when to try again (the Retry-After header).
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("login throttled, retry after %s", e.RetryAfter)
}

// RetryAfter returns how long to wait before the next login when err is a
// throttled login.
func RetryAfter(err error) (time.Duration, bool) {
	var t *ThrottledError
	if errors.As(err, &t) {
		return t.RetryAfter, true
	}
	return 0, false
}

// errLoginFailed is the one answer to an unknown email and a wrong password.
func errLoginFailed() error {
	return apperr.New(apperr.KindUnauthenticated, "login_failed",
		"Adresse électronique ou mot de passe incorrect. Vérifiez-les, ou choisissez un nouveau mot de passe avec « Mot de passe oublié ».",
		"Wrong email address or password. Check them, or choose a new password with \"Forgot password\".")
}

func errThrottled(wait time.Duration) error {
	wait = wait.Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	min := int((wait + time.Minute - 1) / time.Minute)
	return apperr.Wrap(&ThrottledError{RetryAfter: wait}, apperr.KindRateLimited, "login_throttled",
		fmt.Sprintf("Trop de tentatives de connexion infructueuses : par sécurité, réessayez dans %d minute(s). Si vous avez oublié votre mot de passe, choisissez-en un nouveau avec « Mot de passe oublié ».", min),
		fmt.Sprintf("Too many failed login attempts: for safety, try again in %d minute(s). If you forgot your password, choose a new one with \"Forgot password\".", min))
}

// errLoginBusy is the answer to a login that waited for a free password
// check (credential.MaxConcurrentHashes run at once) until its request
// ended; known and unknown emails wait in the same queue and get it alike.
func errLoginBusy(cause error) error {
	return apperr.Wrap(cause, apperr.KindUnavailable, "login_busy",
		"Beaucoup de connexions en même temps : réessayez dans quelques secondes.",
		"Many logins at the same time: try again in a few seconds.")
}

func errSessionInvalid() error {
	return apperr.New(apperr.KindUnauthenticated, "session_invalid",
		"Votre session a expiré ou a été fermée : connectez-vous de nouveau.",
		"Your session expired or was closed: log in again.")
}

// LoginInput is a login attempt.
type LoginInput struct {
	Email, Password string
	// RemoteAddr is the client's address ("ip" or "ip:port"), for throttling.
	RemoteAddr string
	// UserAgent is recorded with the session, to list sessions to their owner.
	UserAgent string
}

// Login checks an email and password and opens a new session, whose plain ID
// is in the result's ID (a new one at every login: no session fixation).
// An unknown email and a wrong password give the same error after the same
// work (credential.DummyVerify stands in for the hash). A hash made with
// older parameters is rehashed. Failures are counted per email address
// (known or not) and per network address; past the limits the login is
// refused with apperr "login_throttled", whose cause gives RetryAfter.
//
// Password checks take one of credential.MaxConcurrentHashes slots, known
// and unknown emails alike, so that a burst of logins leaves a core to the
// other requests; a login whose context ends while it waits for a slot gets
// apperr "login_busy".
func (s *Service) Login(ctx context.Context, email, password, remoteAddr string) (*Session, error) {
	return s.LoginWith(ctx, LoginInput{Email: email, Password: password, RemoteAddr: remoteAddr})
}

// LoginWith is Login with the user agent to record.
func (s *Service) LoginWith(ctx context.Context, in LoginInput) (*Session, error) {
	email, _ := NormalizeEmail(in.Email)
	keys := []string{"email:" + credential.HashToken(email), "address:" + credential.HashToken(addressKey(in.RemoteAddr))}
	limits := []int{s.o.Throttle.EmailFailures, s.o.Throttle.AddressFailures}
	now := s.now()
	if wait, err := s.lockedFor(ctx, keys, now); err != nil {
		return nil, err
	} else if wait > 0 {
		return nil, errThrottled(wait)
	}
	a := new(Account)
	err := s.store.DB().NewSelect().Model(a).Where("email = ?", email).Where("erased_at IS NULL").Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("login: look up account: %w", err)
	}
	ok, rehash := false, false
	if err == nil && len(in.Password) <= credential.MaxVerifyPasswordBytes {
		ok, rehash, err = credential.VerifyContext(ctx, in.Password, a.PasswordHash, s.o.Params)
		if errors.Is(err, credential.ErrBusy) {
			return nil, errLoginBusy(err)
		}
		if err != nil {
			return nil, fmt.Errorf("login: verify password of account %s: %w", a.ID, err)
		}
	} else if err := s.dummyVerify(ctx, in.Password); err != nil {
		return nil, errLoginBusy(err)
	}
	if !ok {
		if err := s.fail(ctx, keys, limits, now); err != nil {
			return nil, err
		}
		return nil, errLoginFailed()
	}
	if !a.Verified() {
		return nil, apperr.New(apperr.KindForbidden, "email_not_verified",
			"Votre adresse électronique n'est pas encore confirmée : ouvrez le lien du courriel reçu à l'inscription, ou demandez-en un nouveau avec « Mot de passe oublié ».",
			"Your email address is not confirmed yet: open the link of the email received at sign-up, or get a new one with \"Forgot password\".")
	}
	var newHash string
	if rehash {
		if newHash, err = credential.HashContext(ctx, in.Password, s.o.Params); err != nil {
			return nil, fmt.Errorf("login: rehash password: %w", err)
		}
	}
	plain, idHash, err := credential.NewSessionID()
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	ua := in.UserAgent
	if len(ua) > 256 {
		ua = ua[:256]
	}
	if !printable(ua) {
		ua = ""
	}
	row := &sessionRow{IDHash: idHash, AccountID: a.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.o.SessionAbsolute), UserAgent: ua}
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if newHash != "" {
			a.PasswordHash, a.UpdatedAt = newHash, now
			if _, err := tx.NewUpdate().Model(a).Column("password_hash", "updated_at").WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("rehash password: %w", err)
			}
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		_, err := tx.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", keys[0]).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	return &Session{ID: plain, Account: a, CreatedAt: now, ExpiresAt: row.ExpiresAt, LastSeenAt: now}, nil
}

// addressKey reduces a remote address to what throttling counts: the IPv4
// address, or the /64 of an IPv6 address (one subscriber's range).
func addressKey(remote string) string {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "unknown"
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// lockedFor returns how long the longest lock among keys still runs.
func (s *Service) lockedFor(ctx context.Context, keys []string, now time.Time) (time.Duration, error) {
	var rows []throttleRow
	if err := s.store.DB().NewSelect().Model(&rows).Where("key IN (?)", bun.In(keys)).Scan(ctx); err != nil {
		return 0, fmt.Errorf("login: read throttle: %w", err)
	}
	var wait time.Duration
	for _, r := range rows {
		if r.LockedUntil != nil && r.LockedUntil.After(now) && r.LockedUntil.Sub(now) > wait {
			wait = r.LockedUntil.Sub(now)
		}
	}
	return wait, nil
}

// fail counts one failure against each key; a key reaching its limit within
// the window is locked for the lockout.
func (s *Service) fail(ctx context.Context, keys []string, limits []int, now time.Time) error {
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for i, key := range keys {
			_, err := tx.NewInsert().Model(&throttleRow{Key: key, WindowStartAt: now}).On("CONFLICT (key) DO NOTHING").Exec(ctx)
			if err != nil {
				return err
			}
			r := new(throttleRow)
			q := tx.NewSelect().Model(r).Where("key = ?", key)
			if s.store.Dialect() == store.DialectPostgres {
				q = q.For("UPDATE")
			}
			if err := q.Scan(ctx); err != nil {
				return err
			}
			if now.Sub(r.WindowStartAt) >= s.o.Throttle.Window {
				r.Failures, r.WindowStartAt = 0, now
			}
			r.Failures++
			if r.Failures >= limits[i] {
				until := now.Add(s.o.Throttle.Lockout)
				r.LockedUntil, r.Failures, r.WindowStartAt = &until, 0, now
			}
			if _, err := tx.NewUpdate().Model(r).WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("login: count failure: %w", err)
	}
	return nil
}

// Session returns the session whose plain ID is given, with its account. A
// malformed, unknown, revoked, idle (unused for Options.SessionIdle) or
// expired (past Options.SessionAbsolute) session, or one whose account was
// erased, gives apperr "session_invalid". last_seen_at is written at most
// once a minute.
//
// A session validated against the database is then served from memory for
// Options.SessionCacheTTL (a few seconds), with the account as it was read:
// the requests of a signed-in person cost no database read. A cached session
// is read again whenever last_seen_at is due to move or the idle limit could
// be near, so both behave as without the cache. Revocations made through
// this Service take effect at once; one made by another replica, after at
// most the TTL.
func (s *Service) Session(ctx context.Context, plain string) (*Session, error) {
	if !credential.ValidSessionID(plain) {
		return nil, errSessionInvalid()
	}
	hash := credential.HashToken(plain)
	now := s.now()
	if e, ok := s.sessions.get(hash, now); ok {
		if !now.Before(e.expiresAt) {
			return nil, errSessionInvalid()
		}
		if now.Sub(e.lastSeenAt) < min(touchEvery, s.o.SessionIdle) {
			a := e.account
			return &Session{ID: plain, Account: &a, CreatedAt: e.createdAt, ExpiresAt: e.expiresAt, LastSeenAt: e.lastSeenAt}, nil
		}
		// last_seen_at is due to move, or the idle limit may be reached:
		// the database decides.
	}
	sess, err := s.lookUpSession(ctx, plain, hash, now)
	if err != nil {
		return nil, err
	}
	s.sessions.put(hash, sess, now)
	return sess, nil
}

// lookUpSession is Session from the database: it reads the session and its
// account, checks them, and moves last_seen_at when a minute has passed.
func (s *Service) lookUpSession(ctx context.Context, plain, hash string, now time.Time) (*Session, error) {
	row := new(sessionRow)
	err := s.store.DB().NewSelect().Model(row).Where("id_hash = ?", hash).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSessionInvalid()
	}
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	if row.RevokedAt != nil || !now.Before(row.ExpiresAt) || now.Sub(row.LastSeenAt) >= s.o.SessionIdle {
		return nil, errSessionInvalid()
	}
	a := new(Account)
	err = s.store.DB().NewSelect().Model(a).Where("id = ?", row.AccountID).Where("erased_at IS NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSessionInvalid()
	}
	if err != nil {
		return nil, fmt.Errorf("look up account of session: %w", err)
	}
	if now.Sub(row.LastSeenAt) >= touchEvery {
		err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewUpdate().Model((*sessionRow)(nil)).Set("last_seen_at = ?", now).
				Where("id_hash = ?", hash).Where("revoked_at IS NULL").Exec(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
		row.LastSeenAt = now
	}
	return &Session{ID: plain, Account: a, CreatedAt: row.CreatedAt, ExpiresAt: row.ExpiresAt, LastSeenAt: row.LastSeenAt}, nil
}

// Logout closes the session whose plain ID is given; an unknown or closed
// session is not an error. The session leaves this replica's cache at once.
func (s *Service) Logout(ctx context.Context, plain string) error {
	if !credential.ValidSessionID(plain) {
		return nil
	}
	hash := credential.HashToken(plain)
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*sessionRow)(nil)).Set("revoked_at = ?", s.now()).
			Where("id_hash = ?", hash).Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.sessions.forgetSession(hash, s.now())
	return nil
}

// LogoutEverywhere closes every session of the account; they leave this
// replica's cache at once.
func (s *Service) LogoutEverywhere(ctx context.Context, accountID string) error {
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return revokeSessions(ctx, tx, accountID, s.now())
	})
	if err != nil {
		return err
	}
	s.sessions.forgetAccount(accountID, s.now())
	return nil
}

func revokeSessions(ctx context.Context, tx bun.Tx, accountID string, now time.Time) error {
	_, err := tx.NewUpdate().Model((*sessionRow)(nil)).Set("revoked_at = ?", now).
		Where("account_id = ?", accountID).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke sessions of account %s: %w", accountID, err)
	}
	return nil
}
