package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/territory"
)

// Options adjusts a Service; zero fields take the defaults below.
type Options struct {
	// Params are the argon2id parameters of new hashes; a stored hash made
	// with others is rehashed at its next login. Default credential.OWASPParams.
	Params credential.Params
	// BaseURL prefixes the links of the emails. Default http://localhost:8080.
	BaseURL string
	// VerifyTTL is the life of an email verification link. Default 48 h.
	VerifyTTL time.Duration
	// ResetTTL is the life of a password reset link. Default 1 h.
	ResetTTL time.Duration
	// SessionIdle ends a session unused for that long. Default 2 h.
	SessionIdle time.Duration
	// SessionAbsolute ends any session that long after login. Default 7 days.
	SessionAbsolute time.Duration
	// SessionCacheTTL is how long Session serves a validated session from
	// memory before reading its rows again; it is also how long this
	// replica may keep honouring a session revoked by another replica
	// (revocations made through this Service take effect at once).
	// Default DefaultSessionCacheTTL, at most MaxSessionCacheTTL; negative
	// turns the cache off.
	SessionCacheTTL time.Duration
	// SessionCacheSize bounds the sessions cached. Default
	// DefaultSessionCacheSize; negative turns the cache off.
	SessionCacheSize int
	// Throttle bounds login failures.
	Throttle Throttle
	// Now gives the time; tests inject a clock. Default time.Now in UTC.
	Now func() time.Time
}

// Throttle bounds login failures: after EmailFailures failures for one email
// address (known or not) or AddressFailures from one network address within
// Window, logins for it are refused for Lockout.
type Throttle struct {
	EmailFailures   int           // default 5
	AddressFailures int           // default 50
	Window          time.Duration // default 15 min
	Lockout         time.Duration // default 15 min
}

// Defaults.
const (
	DefaultVerifyTTL       = 48 * time.Hour
	DefaultResetTTL        = time.Hour
	DefaultSessionIdle     = 2 * time.Hour
	DefaultSessionAbsolute = 7 * 24 * time.Hour
	// touchEvery bounds the writes of Session: last_seen_at moves at most
	// once per this interval.
	touchEvery = time.Minute
)

// Service signs people up, verifies their email, logs them in and out and
// manages their tokens.
type Service struct {
	store *store.Store
	ref   *referential.Referential
	o     Options
	// dummyHash is a hash made with o.Params that no password matches, so
	// that a login for an unknown email costs what a known one does.
	dummyHash string
	// sessions caches validated sessions; nil when turned off.
	sessions *sessionCache
}

// NewService returns a Service over the store (migrated with core/schema)
// and the national referential.
func NewService(s *store.Store, ref *referential.Referential, o Options) *Service {
	if o.Params == (credential.Params{}) {
		o.Params = credential.OWASPParams
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://localhost:8080"
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.VerifyTTL, DefaultVerifyTTL)
	def(&o.ResetTTL, DefaultResetTTL)
	def(&o.SessionIdle, DefaultSessionIdle)
	def(&o.SessionAbsolute, DefaultSessionAbsolute)
	def(&o.Throttle.Window, 15*time.Minute)
	def(&o.Throttle.Lockout, 15*time.Minute)
	if o.Throttle.EmailFailures <= 0 {
		o.Throttle.EmailFailures = 5
	}
	if o.Throttle.AddressFailures <= 0 {
		o.Throttle.AddressFailures = 50
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionCacheTTL == 0 {
		o.SessionCacheTTL = DefaultSessionCacheTTL
	}
	o.SessionCacheTTL = min(o.SessionCacheTTL, MaxSessionCacheTTL)
	if o.SessionCacheSize == 0 {
		o.SessionCacheSize = DefaultSessionCacheSize
	}
	svc := &Service{store: s, ref: ref, o: o, sessions: newSessionCache(o.SessionCacheTTL, o.SessionCacheSize)}
	if o.Params != credential.OWASPParams {
		// Bad parameters leave dummyHash empty; Hash will then fail loudly at sign-up.
		svc.dummyHash, _ = credential.Hash("campagnon: no password matches this", o.Params)
	}
	return svc
}

// dummyVerify costs what verifying password against a real hash does,
// waiting for a derivation slot as a real verification would; it fails only
// when ctx ends before a slot is free (credential.ErrBusy).
func (s *Service) dummyVerify(ctx context.Context, password string) error {
	var err error
	if s.dummyHash == "" || len(password) > credential.MaxVerifyPasswordBytes {
		err = credential.DummyVerifyContext(ctx)
	} else {
		_, _, err = credential.VerifyContext(ctx, password, s.dummyHash, s.o.Params)
	}
	if errors.Is(err, credential.ErrBusy) {
		return err
	}
	return nil
}

// now returns the current time in UTC, truncated to the microsecond (the
// precision both engines keep).
func (s *Service) now() time.Time { return s.o.Now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// SignUpResult is the answer to a sign-up. It is the same whether an account
// was created or the address already had one, so that the answer tells
// nobody which addresses are registered.
type SignUpResult struct {
	// Message tells the person to look at their mailbox.
	Message string `json:"message"`
	// MessageEN says the same in English.
	MessageEN string `json:"message_en"`
}

var neutralSignUp = SignUpResult{
	Message:   "Merci. Un courriel vient d'être envoyé à l'adresse indiquée : ouvrez le lien qu'il contient pour activer votre compte (il reste valable 48 heures). Pensez à regarder dans les indésirables.",
	MessageEN: "Thank you. An email was sent to the address given: open its link to activate your account (valid for 48 hours). Check your spam folder too.",
}

// SignUp creates an account. Every field is checked at once (email shape,
// password policy, display name, commune of residence in an active
// territory, and for a professional the SIRET checksum, the NAF code and the
// optional SAP number) and all problems come back together in one
// apperr.KindInvalid error whose cause is Problems. The territory is the
// commune's: it is never taken from the caller.
//
// The account, its verification token and the verification email in the
// outbox are written in one transaction. When the address already has an
// account, nothing is created and the owner of the address is told by email
// that someone tried to sign up with it; the caller gets exactly the same
// result as for a new account, after the same work (the password is hashed
// either way), so sign-up reveals no registered address.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*SignUpResult, error) {
	v, ps := validateSignUp(s.ref, in)
	var t *territory.Territory
	if v.commune != nil {
		var err error
		if t, err = s.territoryOf(ctx, v.commune); err != nil {
			return nil, err
		}
		if t == nil {
			ps.add("commune", fmt.Sprintf("La commune %s (%s) ne fait pas encore partie d'un territoire ouvert sur Campagnon : l'inscription n'y est pas possible pour l'instant.", v.commune.Name, v.commune.INSEE),
				fmt.Sprintf("The commune %s (%s) is not yet part of a territory open on Campagnon: sign-up is not possible there yet.", v.commune.Name, v.commune.INSEE))
		}
	}
	if len(ps) > 0 {
		return nil, invalidSignUp(ps)
	}
	hash, err := credential.Hash(v.password, s.o.Params)
	if err != nil {
		return nil, fmt.Errorf("sign up: hash password: %w", err)
	}
	plain, tokenHash, err := credential.NewToken(PurposeVerify)
	if err != nil {
		return nil, fmt.Errorf("sign up: %w", err)
	}
	now := s.now()
	a := &Account{
		ID: newID(), Email: v.email, PasswordHash: hash, DisplayName: v.displayName,
		Commune: v.commune.INSEE, TerritoryID: t.ID, Resident: true,
		CreatedAt: now, UpdatedAt: now,
	}
	if p := v.pro; p != nil {
		a.Professional = true
		a.CompanyName, a.SIRET, a.NAF, a.SAPNumber = &p.companyName, &p.siret, &p.naf, p.sap
	}
	tok := &tokenRow{Hash: tokenHash, AccountID: a.ID, Purpose: PurposeVerify, ExpiresAt: now.Add(s.o.VerifyTTL), CreatedAt: now}
	exists := false
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		exists, err = tx.NewSelect().Model((*Account)(nil)).Where("email = ?", a.Email).Exists(ctx)
		if err != nil {
			return fmt.Errorf("look up account: %w", err)
		}
		if exists {
			return s.warnAlreadyRegistered(ctx, tx, a.Email)
		}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return fmt.Errorf("insert account: %w", err)
		}
		if _, err := tx.NewInsert().Model(tok).Exec(ctx); err != nil {
			return fmt.Errorf("insert verification token: %w", err)
		}
		return s.enqueue(ctx, tx, verifyEmail(a, plain, s.o.BaseURL, s.o.VerifyTTL))
	})
	if store.IsUniqueViolation(err) {
		// Another sign-up with the same address committed between the
		// check and the insert: answer as for any known address.
		err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return s.warnAlreadyRegistered(ctx, tx, a.Email)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("sign up: %w", err)
	}
	r := neutralSignUp
	return &r, nil
}

// warnEvery bounds the "someone tried to sign up with your address" emails
// to one per address in that time, so repeated sign-ups cannot flood a mailbox.
const warnEvery = time.Hour

// warnAlreadyRegistered tells the owner of email that someone tried to sign
// up with it, unless they were told within warnEvery.
func (s *Service) warnAlreadyRegistered(ctx context.Context, tx bun.Tx, email string) error {
	m := alreadyRegisteredEmail(email, s.o.BaseURL)
	recent, err := tx.NewSelect().Model((*Message)(nil)).Where("recipient = ?", email).
		Where("subject = ?", m.Subject).Where("created_at > ?", s.now().Add(-warnEvery)).Exists(ctx)
	if err != nil {
		return fmt.Errorf("look up recent warnings: %w", err)
	}
	if recent {
		return nil
	}
	return s.enqueue(ctx, tx, m)
}

// territoryOf returns the active territory of commune c, or nil when it has none.
func (s *Service) territoryOf(ctx context.Context, c *referential.Commune) (*territory.Territory, error) {
	return territory.OfCommune(ctx, s.store.DB(), c.INSEE)
}

// errTokenInvalid is the one answer to a verification or reset link that is
// malformed, unknown, used or expired.
func errTokenInvalid(cause error) error {
	return apperr.Wrap(cause, apperr.KindInvalid, "token_invalid",
		"Ce lien n'est pas ou plus valable : il a peut-être déjà servi ou expiré. Demandez-en un nouveau depuis la page de connexion.",
		"This link is not valid (any more): it may have been used already or have expired. Ask for a new one from the login page.")
}

// Verify consumes an email verification token and marks its account's
// address as verified. The token works once and until it expires; a used,
// expired, unknown or malformed token gives the same apperr "token_invalid".
func (s *Service) Verify(ctx context.Context, plain string) (*Account, error) {
	hash, err := credential.CheckToken(plain, PurposeVerify)
	if err != nil {
		return nil, errTokenInvalid(err)
	}
	a := new(Account)
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		tok, err := s.consume(ctx, tx, hash, PurposeVerify, now)
		if err != nil {
			return err
		}
		if err := tx.NewSelect().Model(a).Where("id = ?", tok.AccountID).Scan(ctx); err != nil {
			return fmt.Errorf("look up account of token: %w", err)
		}
		if a.ErasedAt != nil {
			return errTokenInvalid(errors.New("account erased"))
		}
		if a.EmailVerifiedAt == nil {
			a.EmailVerifiedAt, a.UpdatedAt = &now, now
			if _, err := tx.NewUpdate().Model(a).Column("email_verified_at", "updated_at").WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("mark email verified: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// consume marks the single-use token hash of purpose as used, in tx; a
// token that is unknown, used or expired gives errTokenInvalid. The update is
// conditional, so two concurrent uses cannot both succeed.
func (s *Service) consume(ctx context.Context, tx bun.Tx, hash, purpose string, now time.Time) (*tokenRow, error) {
	tok := new(tokenRow)
	err := tx.NewSelect().Model(tok).Where("hash = ?", hash).Where("purpose = ?", purpose).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTokenInvalid(errors.New("unknown token"))
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	if tok.UsedAt != nil || tok.RevokedAt != nil || !now.Before(tok.ExpiresAt) {
		return nil, errTokenInvalid(errors.New("token used or expired"))
	}
	res, err := tx.NewUpdate().Model((*tokenRow)(nil)).Set("used_at = ?", now).
		Where("hash = ?", hash).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("consume token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, errTokenInvalid(errors.New("token used concurrently"))
	}
	if purpose == PurposeReset {
		// Using a reset link closes every session of its account
		// (ResetPassword, in this transaction): drop them from the session
		// cache now; the hold keeps them out until after the commit.
		s.sessions.forgetAccount(tok.AccountID, now)
	}
	return tok, nil
}

// Account returns the account with the given ID; an erased or unknown one is not found.
func (s *Service) Account(ctx context.Context, id string) (*Account, error) {
	a := new(Account)
	err := s.store.DB().NewSelect().Model(a).Where("id = ?", id).Where("erased_at IS NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.KindNotFound, "account_not_found",
			"Compte introuvable : il a peut-être été supprimé.", "Account not found: it may have been erased.")
	}
	if err != nil {
		return nil, fmt.Errorf("look up account: %w", err)
	}
	return a, nil
}
