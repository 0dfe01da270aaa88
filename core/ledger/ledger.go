// Package ledger keeps the time credits of each territory: one hour given is
// one hour received, whatever the service. It is a double-entry ledger in
// minutes: every transfer is two postings summing to zero (payer −n, payee
// +n), recorded with its kind, reference, memo, actor and time in one
// store.WriteTx.
//
// # Accounts
//
// A territory has one ledger account per member (keyed by the territory ID
// and the member's account ID) and one territory account (holder
// [TerritoryAccount]) that issues the welcome credits; its balance is minus
// the credits it has put into circulation. Ledger accounts are created by
// the first transfer that touches them, for an existing territory and a
// member account that exists and is not erased; a member without one has a
// balance of zero. Exchanges move credits between two members, welcome
// credits from the territory account to a member, adjustments between the
// territory account and a member.
//
// # Limits, and how they hold under concurrency
//
// The caller passes the territory's [Limits] with each transfer (they come
// from the territory's plugin): a member's balance may not go below the
// floor nor above the ceiling. The territory account has neither. The
// limits are enforced inside the transaction, not merely checked before it:
// each ledger account row holds its balance, and a posting applies as
//
//	UPDATE ledger_accounts SET balance_minutes = balance_minutes + Δ, last_seq = last_seq + 1
//	WHERE … AND balance_minutes + Δ >= floor   -- or <= ceiling for the payee
//	RETURNING id, balance_minutes, last_seq
//
// so the test and the write are one statement on the current row. On SQLite
// every write transaction runs alone on the single write connection (BEGIN
// IMMEDIATE), so the row cannot change under it. On PostgreSQL (READ
// COMMITTED) the UPDATE locks the row; if another transaction changed it
// meanwhile, the UPDATE waits for it to commit and evaluates its WHERE again
// on the new balance, so two concurrent debits can never both pass against
// the same old balance. A lost-update or write-skew anomaly cannot occur,
// and no SERIALIZABLE retry loop is needed. The two rows of a transfer are
// always updated in the same order (by holder), so concurrent transfers
// between the same members wait for each other instead of deadlocking (a
// rare deadlock left, such as two transfers of other members racing for
// one idempotency key, is retried by WriteTx as a whole). When the UPDATE
// matches no row, the row is read again (SELECT … FOR UPDATE on
// PostgreSQL, locked for the rest of the transaction): a missing account is
// created, a balance that would break a limit is refused with a message
// stating the balance and the limit, and otherwise the UPDATE runs again.
// Limits only stop movements that go the wrong way: a member already past
// a limit (the territory tightened it, or a reversal took them there) may
// always move back towards it.
//
// # Idempotency
//
// A transfer may carry an idempotency key, unique per territory. A retry
// with the same key and the same content (kind, payer, payee, amount,
// reference, memo, actor, compared through a SHA-256 fingerprint) returns
// the transfer recorded the first time, marked Replayed, and posts nothing;
// the same key with another content is refused. Two concurrent requests with
// one key record one transfer: on PostgreSQL the second insert waits for the
// first to commit, finds the key taken, rolls its transaction back, and
// answers with the recorded transfer. A refused transfer is not recorded, so
// its retry is judged afresh.
//
// # Corrections: reversals only
//
// Rows are only ever added. A mistaken transfer is cancelled by [Service.Reverse],
// which posts the opposite transfer (payee −n, payer +n), of kind reversal,
// naming the transfer it cancels; a transfer is reversed at most once (a
// unique column, so even concurrent reversals record one), and a reversal
// itself cannot be reversed (record a new transfer instead, limits checked).
// A reversal deliberately skips the floor and ceiling checks: it restores
// each side to where it would be had the mistaken transfer never been
// recorded, and refusing it because the payee has already spent the credits
// would leave a mistake in the books with no other way to correct it. The
// balance it leaves may thus lie past a limit; the member can then only move
// back towards it (see above). Transfers of kind adjustment, with limits
// checked, remain for any other correction decided by the territory.
//
// # Verification
//
// [Service.Check] recomputes every balance from the postings and reports any
// account whose stored balance differs, any transfer whose postings do not
// sum to zero (or are not exactly two) and any posting booked on an account
// of another territory; `campagnon ledger check` runs it.
//
// # Personal data
//
// The ledger stores account IDs only (members and actors), never a name:
// once the accounts row is pseudonymised by an erasure, the ledger is
// pseudonymous. Erasure deletes nothing here: the postings of an erased
// member stay under their pseudonymous ID, because the other members'
// balances and statements, and the territory's ledger, must still balance.
// Memos are written by the platform or by staff and must name no one.
package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/sdk/abi"
)

// TerritoryAccount is the holder of a territory's own ledger account, as
// From or To of a transfer: it issues the welcome credits and has no limits.
const TerritoryAccount = "territory"

// Kind says why a transfer was made.
type Kind string

// Kinds of transfer.
const (
	// KindExchange settles an exchange between two members.
	KindExchange Kind = "exchange"
	// KindWelcome gives a new member credits from the territory account.
	KindWelcome Kind = "welcome"
	// KindReversal cancels a transfer; only Reverse records one.
	KindReversal Kind = "reversal"
	// KindAdjustment moves credits between the territory account and a
	// member, decided by the territory's staff (limits checked).
	KindAdjustment Kind = "adjustment"
)

// Bounds of the input.
const (
	// MaxTransferMinutes bounds one transfer: 1,000 hours.
	MaxTransferMinutes = 1000 * 60
	// maxText bounds a reference, an actor or an idempotency key.
	maxText = 200
	// maxMemo bounds a memo.
	maxMemo = 500
	// DefaultPageSize and MaxPageSize bound a page of a statement.
	DefaultPageSize = 50
	MaxPageSize     = 500
	// maxReport bounds each list of a Check report.
	maxReport = 1000
	// maxExport bounds the postings and recorded transfers of an export.
	maxExport = 100000
)

// Limits are a territory's bounds on a member's balance, in minutes: the
// floor (how negative a balance may go, zero or below) and the ceiling
// (zero or above).
type Limits struct {
	FloorMinutes   int64 `json:"floor_minutes"`
	CeilingMinutes int64 `json:"ceiling_minutes"`
}

// DefaultLimits are the bounds of a territory whose plugin states none (see
// LimitsOf): a member may owe up to 10 hours and hold up to 60.
var DefaultLimits = Limits{FloorMinutes: -10 * 60, CeilingMinutes: 60 * 60}

// Account is one ledger account and its balance.
type Account struct {
	bun.BaseModel `bun:"table:ledger_accounts"`

	// ID identifies the ledger account; empty for a member who has none yet.
	ID          string `bun:"id,pk" json:"id"`
	TerritoryID string `bun:"territory_id,notnull" json:"territory_id"`
	// MemberID is the member's account ID; nil for the territory account.
	MemberID *string `bun:"member_id" json:"member_id,omitempty"`
	// BalanceMinutes is the balance, the sum of the account's postings.
	BalanceMinutes int64 `bun:"balance_minutes,notnull" json:"balance_minutes"`
	// LastSeq is the number of the account's latest posting (its count).
	LastSeq   int64     `bun:"last_seq,notnull" json:"postings"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// Holder returns the member's account ID, or TerritoryAccount.
func (a *Account) Holder() string { return holderOf(a.MemberID) }

func holderOf(member *string) string {
	if member == nil {
		return TerritoryAccount
	}
	return *member
}

// Service records transfers and reads balances and statements.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// NewService returns a Service over s; now may be nil (the clock).
func NewService(s *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// FormatMinutes writes an amount of time credits the French way: "1 h",
// "4 h 30", "45 min", "-5 h", "0 h".
func FormatMinutes(m int64) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	h, rest := m/60, m%60
	switch {
	case h == 0 && rest != 0:
		return fmt.Sprintf("%s%d min", sign, rest)
	case rest == 0:
		return fmt.Sprintf("%s%d h", sign, h)
	default:
		return fmt.Sprintf("%s%d h %02d", sign, h, rest)
	}
}

// normalizeHolder returns the canonical form of a holder (a lower-case
// UUID, or TerritoryAccount) and whether it is one.
func normalizeHolder(h string) (string, bool) {
	h = strings.TrimSpace(h)
	if h == TerritoryAccount {
		return h, true
	}
	id, err := uuid.Parse(h)
	if err != nil || len(h) != 36 {
		return h, false
	}
	return id.String(), true
}

// LimitsOf returns the limits a territory's plugin states, DefaultLimits
// when it states none.
func LimitsOf(p *abi.TimeCreditPolicy) Limits {
	if p == nil {
		return DefaultLimits
	}
	return Limits{FloorMinutes: int64(p.FloorMinutes), CeilingMinutes: int64(p.CeilingMinutes)}
}
