// Package account manages the people who use Campagnon: sign-up with an
// email, a password and a commune of residence (which gives the territory),
// email verification, login with throttling, sessions stored in the
// database, password reset, API tokens, and the notification outbox through
// which every message leaves. It knows nothing of HTTP: the routes that call
// it set the cookies (__Host-, Secure, HttpOnly, SameSite) and map its
// apperr errors to answers.
//
// Passwords are hashed with argon2id (core/credential); tokens and session
// IDs are stored only as their SHA-256. Every multi-row change is one
// store.WriteTx, and every personal column is classified in core/privacy.PersonalColumns.
package account

import (
	"time"

	"github.com/uptrace/bun"
)

// Token purposes, as stored in account_tokens.purpose and carried in the
// plain token ("cmp_verify_…").
const (
	PurposeVerify = "verify"
	PurposeReset  = "reset"
	PurposeAPI    = "api"
)

// Account is one person's account. A person may be a resident and a
// professional at once; staff are flagged by operators, never at sign-up.
type Account struct {
	bun.BaseModel `bun:"table:accounts"`

	// ID is an opaque, time-ordered identifier (UUIDv7).
	ID string `bun:"id,pk" json:"id"`
	// Email is the lower-cased login address, unique.
	Email string `bun:"email,notnull" json:"email"`
	// EmailVerifiedAt is when the address was proven, nil before.
	EmailVerifiedAt *time.Time `bun:"email_verified_at" json:"email_verified_at,omitempty"`
	// PasswordHash is the argon2id PHC string; never shown.
	PasswordHash string `bun:"password_hash,notnull" json:"-"`
	// DisplayName is the name shown to others.
	DisplayName string `bun:"display_name,notnull" json:"display_name"`
	// Commune is the INSEE code of the commune of residence.
	Commune string `bun:"commune,notnull" json:"commune"`
	// TerritoryID is the territory of the commune of residence.
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	// Resident, Professional and Staff are the account's kinds.
	Resident     bool `bun:"is_resident,notnull" json:"resident"`
	Professional bool `bun:"is_professional,notnull" json:"professional"`
	Staff        bool `bun:"is_staff,notnull" json:"staff"`
	// CompanyName, SIRET, NAF and SAPNumber describe a professional; nil otherwise.
	CompanyName *string `bun:"company_name" json:"company_name,omitempty"`
	SIRET       *string `bun:"siret" json:"siret,omitempty"`
	NAF         *string `bun:"naf" json:"naf,omitempty"`
	SAPNumber   *string `bun:"sap_number" json:"sap_number,omitempty"`
	// CreatedAt and UpdatedAt are when the account was created and last changed.
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`
	// ErasedAt is when the account was erased (RGPD); an erased account cannot log in.
	ErasedAt *time.Time `bun:"erased_at" json:"-"`
}

// Verified reports whether the account's email address has been proven.
func (a *Account) Verified() bool { return a.EmailVerifiedAt != nil }

// tokenRow is one single-use or API token, stored by its hash.
type tokenRow struct {
	bun.BaseModel `bun:"table:account_tokens,alias:tok"`

	Hash      string     `bun:"hash,pk"`
	AccountID string     `bun:"account_id,notnull"`
	Purpose   string     `bun:"purpose,notnull"`
	Scope     string     `bun:"scope,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
}

// sessionRow is one login session, stored by the hash of its ID.
type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`

	IDHash     string     `bun:"id_hash,pk"`
	AccountID  string     `bun:"account_id,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	LastSeenAt time.Time  `bun:"last_seen_at,notnull"`
	ExpiresAt  time.Time  `bun:"expires_at,notnull"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	UserAgent  string     `bun:"user_agent,notnull"`
}

// Session is a valid login session.
type Session struct {
	// ID is the plain session ID (Login makes it; Session echoes the one it
	// was given): it goes in the cookie and keys the CSRF token, and is
	// never stored or logged — the database holds its hash.
	ID string `json:"-"`
	// Account is the session's account.
	Account *Account `json:"account"`
	// CreatedAt is the login time; ExpiresAt the absolute expiry.
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// LastSeenAt is the last recorded use (updated at most once a minute).
	LastSeenAt time.Time `json:"last_seen_at"`
}

// APIToken describes an API token; the plain token is shown once, by CreateAPIToken.
type APIToken struct {
	// ID names the token for revocation: the SHA-256 of the plain token,
	// which opens nothing by itself.
	ID string `json:"id"`
	// AccountID is the token's owner.
	AccountID string `json:"account_id"`
	// Scope is what the token may do, as given at creation.
	Scope string `json:"scope"`
	// CreatedAt and ExpiresAt bound the token's life.
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Message is one notification of the outbox.
type Message struct {
	bun.BaseModel `bun:"table:outbox"`

	ID        string     `bun:"id,pk" json:"id"`
	Kind      string     `bun:"kind,notnull" json:"kind"`
	To        string     `bun:"recipient,notnull" json:"to"`
	Subject   string     `bun:"subject,notnull" json:"subject"`
	Body      string     `bun:"body,notnull" json:"body"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
	SentAt    *time.Time `bun:"sent_at" json:"sent_at,omitempty"`
	Attempts  int        `bun:"attempts,notnull" json:"attempts"`
}

// throttleRow counts recent login failures for one key.
type throttleRow struct {
	bun.BaseModel `bun:"table:login_throttle"`

	Key           string     `bun:"key,pk"`
	Failures      int        `bun:"failures,notnull"`
	WindowStartAt time.Time  `bun:"window_start_at,notnull"`
	LockedUntil   *time.Time `bun:"locked_until"`
}
