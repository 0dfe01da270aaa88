package account

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/credential"
)

// ErasedName is the display name an erased account keeps, for the other
// party's history ("Compte supprimé" where the name was).
const ErasedName = "Compte supprimé"

// ErasedEmail is the pseudonymous address an erased account keeps: unique,
// in the reserved .invalid domain, and carrying nothing of the person.
func ErasedEmail(id string) string { return "erased-" + id + "@erased.invalid" }

// CheckPassword verifies the password of accountID before a sensitive
// action (erasure): a wrong password is refused with a message that says so.
func (s *Service) CheckPassword(ctx context.Context, accountID, password string) error {
	a, err := s.Account(ctx, accountID)
	if err != nil {
		return err
	}
	ok := false
	if len(password) <= credential.MaxVerifyPasswordBytes {
		if ok, _, err = credential.Verify(password, a.PasswordHash, s.o.Params); err != nil {
			return fmt.Errorf("verify password of account %s: %w", a.ID, err)
		}
	}
	if !ok {
		return apperr.New(apperr.KindForbidden, "password_wrong",
			"Mot de passe incorrect : saisissez celui de votre compte pour confirmer.",
			"Wrong password: type your account's password to confirm.")
	}
	return nil
}

// SessionInfo is what an export shows of a session (never its ID).
type SessionInfo struct {
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	UserAgent  string     `json:"user_agent"`
}

// MessageInfo is what an export shows of an email sent (never its body,
// which may hold a single-use link).
type MessageInfo struct {
	Subject   string     `json:"subject"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// Data is what the accounts domain holds about a person.
type Data struct {
	Account   *Account      `json:"account"`
	Sessions  []SessionInfo `json:"sessions"`
	APITokens []APIToken    `json:"api_tokens"`
	Emails    []MessageInfo `json:"emails"`
}

// maxExportRows bounds each list of an export.
const maxExportRows = 1000

// ExportData returns what the accounts tables hold about accountID, read
// from db (the privacy export's transaction).
func (s *Service) ExportData(ctx context.Context, db bun.IDB, accountID string) (any, error) {
	d := &Data{Account: new(Account), Sessions: []SessionInfo{}, APITokens: []APIToken{}, Emails: []MessageInfo{}}
	if err := db.NewSelect().Model(d.Account).Where("id = ?", accountID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("export account %s: %w", accountID, err)
	}
	var sessions []sessionRow
	if err := db.NewSelect().Model(&sessions).Where("account_id = ?", accountID).OrderExpr("created_at DESC").Limit(maxExportRows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("export sessions: %w", err)
	}
	for _, r := range sessions {
		d.Sessions = append(d.Sessions, SessionInfo{CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, UserAgent: r.UserAgent})
	}
	var toks []tokenRow
	if err := db.NewSelect().Model(&toks).Where("account_id = ?", accountID).Where("purpose = ?", PurposeAPI).Limit(maxExportRows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("export API tokens: %w", err)
	}
	for i := range toks {
		d.APITokens = append(d.APITokens, *apiToken(&toks[i]))
	}
	var msgs []Message
	if err := db.NewSelect().Model(&msgs).Where("recipient = ?", d.Account.Email).OrderExpr("id DESC").Limit(maxExportRows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("export emails: %w", err)
	}
	for _, m := range msgs {
		d.Emails = append(d.Emails, MessageInfo{Subject: m.Subject, CreatedAt: m.CreatedAt, SentAt: m.SentAt})
	}
	return d, nil
}

// EraseData pseudonymises accountID in tx: the row stays (other people's
// history points at it) with a pseudonymous address, the name "Compte
// supprimé", no password, no commune, no business identifiers; its
// sessions, tokens, emails and login-throttle counters are deleted. The
// account can no longer log in. Erasing an erased account changes nothing.
func (s *Service) EraseData(ctx context.Context, tx bun.Tx, accountID string, now time.Time) error {
	a := new(Account)
	if err := tx.NewSelect().Model(a).Where("id = ?", accountID).Scan(ctx); err != nil {
		return fmt.Errorf("erase account %s: %w", accountID, err)
	}
	if a.ErasedAt != nil {
		return nil
	}
	email := a.Email
	a.Email, a.DisplayName, a.PasswordHash, a.Commune = ErasedEmail(a.ID), ErasedName, "!erased", ""
	a.CompanyName, a.SIRET, a.NAF, a.SAPNumber = nil, nil, nil, nil
	a.EmailVerifiedAt, a.UpdatedAt, a.ErasedAt = nil, now, &now
	if _, err := tx.NewUpdate().Model(a).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("pseudonymise account: %w", err)
	}
	steps := []*bun.DeleteQuery{
		tx.NewDelete().Model((*sessionRow)(nil)).Where("account_id = ?", accountID),
		tx.NewDelete().Model((*tokenRow)(nil)).Where("account_id = ?", accountID),
		tx.NewDelete().Model((*Message)(nil)).Where("recipient = ?", email),
		tx.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", "email:"+credential.HashToken(email)),
	}
	for _, q := range steps {
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("erase account data: %w", err)
		}
	}
	s.sessions.forgetAccount(accountID, s.now()) // held out of the cache until after the commit
	return nil
}
