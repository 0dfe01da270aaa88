package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/credential"
)

// ResetRequested is the answer to a password reset request, the same whether
// the address has an account or not.
var ResetRequested = SignUpResult{
	Message:   "Si un compte existe pour cette adresse, un courriel vient de lui être envoyé avec un lien pour choisir un nouveau mot de passe (valable une heure). Pensez à regarder dans les indésirables.",
	MessageEN: "If an account exists for this address, an email was just sent to it with a link to choose a new password (valid for one hour). Check your spam folder too.",
}

// RequestPasswordReset sends a single-use reset link to the address when it
// has an account; the answer is ResetRequested either way, so it reveals no
// registered address. (An unknown address costs one read less than a known
// one, which writes a token and an email: the HTTP layer should answer
// before that difference can be timed, or rate-limit the route.)
func (s *Service) RequestPasswordReset(ctx context.Context, email string) (*SignUpResult, error) {
	r := ResetRequested
	email, ok := NormalizeEmail(email)
	if !ok {
		return &r, nil
	}
	a := new(Account)
	err := s.store.DB().NewSelect().Model(a).Where("email = ?", email).Where("erased_at IS NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return &r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("request password reset: look up account: %w", err)
	}
	plain, hash, err := credential.NewToken(PurposeReset)
	if err != nil {
		return nil, fmt.Errorf("request password reset: %w", err)
	}
	now := s.now()
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		tok := &tokenRow{Hash: hash, AccountID: a.ID, Purpose: PurposeReset, ExpiresAt: now.Add(s.o.ResetTTL), CreatedAt: now}
		if _, err := tx.NewInsert().Model(tok).Exec(ctx); err != nil {
			return fmt.Errorf("insert reset token: %w", err)
		}
		return s.enqueue(ctx, tx, resetEmail(a, plain, s.o.BaseURL, s.o.ResetTTL))
	})
	if err != nil {
		return nil, fmt.Errorf("request password reset: %w", err)
	}
	return &r, nil
}

// ResetPassword consumes a reset token and sets a new password, which must
// pass credential.CheckPassword. It closes every session of the account,
// voids its other reset links, marks its address verified (the link proved
// it) and tells the owner by email, in one transaction.
func (s *Service) ResetPassword(ctx context.Context, plain, newPassword string) error {
	hash, err := credential.CheckToken(plain, PurposeReset)
	if err != nil {
		return errTokenInvalid(err)
	}
	if err := credential.CheckPassword(newPassword); err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "password_invalid", capitalize(err.Error())+".", "Password refused: "+passwordEN(err))
	}
	pwHash, err := credential.Hash(newPassword, s.o.Params)
	if err != nil {
		return fmt.Errorf("reset password: hash: %w", err)
	}
	return s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		tok, err := s.consume(ctx, tx, hash, PurposeReset, now)
		if err != nil {
			return err
		}
		a := new(Account)
		if err := tx.NewSelect().Model(a).Where("id = ?", tok.AccountID).Where("erased_at IS NULL").Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errTokenInvalid(err)
			}
			return fmt.Errorf("look up account of token: %w", err)
		}
		a.PasswordHash, a.UpdatedAt = pwHash, now
		if a.EmailVerifiedAt == nil {
			a.EmailVerifiedAt = &now
		}
		if _, err := tx.NewUpdate().Model(a).Column("password_hash", "email_verified_at", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if _, err := tx.NewUpdate().Model((*tokenRow)(nil)).Set("used_at = ?", now).
			Where("account_id = ?", a.ID).Where("purpose = ?", PurposeReset).Where("used_at IS NULL").Exec(ctx); err != nil {
			return fmt.Errorf("void reset tokens: %w", err)
		}
		if err := revokeSessions(ctx, tx, a.ID, now); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, passwordChangedEmail(a))
	})
}

// Bounds of API tokens.
const (
	MinAPITokenTTL = time.Minute
	MaxAPITokenTTL = 366 * 24 * time.Hour
	maxScopeLen    = 200
)

// validScope reports whether scope is 1 to 200 characters among lower-case
// letters, digits and ": _ . , * -" (such as "territory:read,rules:write").
func validScope(scope string) bool {
	if scope == "" || len(scope) > maxScopeLen {
		return false
	}
	for i := 0; i < len(scope); i++ {
		c := scope[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ':' || c == '_' || c == '.' || c == ',' || c == '*' || c == '-') {
			return false
		}
	}
	return true
}

// CreateAPIToken creates an API token for the account, valid for ttl
// (1 minute to 366 days) and limited to scope, whose meaning is the
// authorization layer's. The plain token is returned once and stored only as
// its hash: show it to its owner and forget it.
func (s *Service) CreateAPIToken(ctx context.Context, accountID, scope string, ttl time.Duration) (string, *APIToken, error) {
	if !validScope(scope) {
		return "", nil, apperr.New(apperr.KindInvalid, "api_token_scope_invalid",
			"Portée du jeton invalide : 1 à 200 caractères parmi lettres minuscules, chiffres et « : _ . , * - », par exemple territory:read.",
			"Invalid token scope: 1 to 200 characters among lower-case letters, digits and \": _ . , * -\", such as territory:read.")
	}
	if ttl < MinAPITokenTTL || ttl > MaxAPITokenTTL {
		return "", nil, apperr.New(apperr.KindInvalid, "api_token_ttl_invalid",
			"Durée de validité du jeton invalide : choisissez entre une minute et 366 jours.",
			"Invalid token lifetime: choose between one minute and 366 days.")
	}
	if _, err := s.Account(ctx, accountID); err != nil {
		return "", nil, err
	}
	plain, hash, err := credential.NewToken(PurposeAPI)
	if err != nil {
		return "", nil, fmt.Errorf("create API token: %w", err)
	}
	now := s.now()
	tok := &tokenRow{Hash: hash, AccountID: accountID, Purpose: PurposeAPI, Scope: scope, ExpiresAt: now.Add(ttl), CreatedAt: now}
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(tok).Exec(ctx)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("create API token: %w", err)
	}
	return plain, apiToken(tok), nil
}

func apiToken(t *tokenRow) *APIToken {
	return &APIToken{ID: t.Hash, AccountID: t.AccountID, Scope: t.Scope, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
}

// RevokeAPIToken revokes the account's API token tokenID (APIToken.ID). A
// token of another account, or an unknown one, is not found.
func (s *Service) RevokeAPIToken(ctx context.Context, accountID, tokenID string) error {
	return s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*tokenRow)(nil)).Set("revoked_at = ?", s.now()).
			Where("hash = ?", tokenID).Where("account_id = ?", accountID).Where("purpose = ?", PurposeAPI).
			Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("revoke API token: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return apperr.New(apperr.KindNotFound, "api_token_not_found",
				"Jeton d'API introuvable ou déjà révoqué : consultez la liste de vos jetons.",
				"API token not found or already revoked: see the list of your tokens.")
		}
		return nil
	})
}

// AuthenticateAPIToken returns the API token whose plain value is given.
// A malformed, unknown, revoked or expired token, or one whose account was
// erased, gives apperr "api_token_invalid".
func (s *Service) AuthenticateAPIToken(ctx context.Context, plain string) (*APIToken, error) {
	invalid := apperr.New(apperr.KindUnauthenticated, "api_token_invalid",
		"Jeton d'API invalide, expiré ou révoqué : créez-en un nouveau depuis votre compte.",
		"API token invalid, expired or revoked: create a new one from your account.")
	hash, err := credential.CheckToken(plain, PurposeAPI)
	if err != nil {
		return nil, invalid
	}
	tok := new(tokenRow)
	err = s.store.DB().NewSelect().Model(tok).
		Join("JOIN accounts AS a ON a.id = tok.account_id").
		Where("tok.hash = ?", hash).Where("tok.purpose = ?", PurposeAPI).Where("a.erased_at IS NULL").
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, invalid
	}
	if err != nil {
		return nil, fmt.Errorf("look up API token: %w", err)
	}
	if tok.RevokedAt != nil || !s.now().Before(tok.ExpiresAt) {
		return nil, invalid
	}
	return apiToken(tok), nil
}
