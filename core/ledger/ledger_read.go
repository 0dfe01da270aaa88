package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Page selects a page of a statement, newest first.
type Page struct {
	// Before is the Seq of the oldest entry of the previous page (its
	// Statement.NextBefore); zero starts with the newest.
	Before int64
	// Limit is the page size, DefaultPageSize when zero, at most MaxPageSize.
	Limit int
}

// Entry is one line of a statement: one posting with its transfer.
type Entry struct {
	// Seq numbers the account's postings from 1.
	Seq        int64  `json:"seq"`
	TransferID string `json:"transfer_id"`
	Kind       Kind   `json:"kind"`
	// Minutes is negative when the holder paid, positive when they received.
	Minutes int64 `json:"minutes"`
	// BalanceAfter is the balance once this entry applied.
	BalanceAfter int64 `json:"balance_after_minutes"`
	// Counterparty is the other side: a member's account ID or TerritoryAccount.
	Counterparty string `json:"counterparty"`
	Reference    string `json:"reference"`
	Memo         string `json:"memo"`
	Actor        string `json:"actor"`
	// ReversesID is, for a reversal, the transfer it cancels; ReversedBy,
	// for a reversed transfer, the reversal that cancels it.
	ReversesID *string   `json:"reverses_id,omitempty"`
	ReversedBy *string   `json:"reversed_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Statement is a page of a holder's postings, newest first.
type Statement struct {
	// Account is the ledger account, as of the statement (its ID is empty
	// when the holder has none yet).
	Account Account `json:"account"`
	Entries []Entry `json:"entries"`
	// NextBefore is the Page.Before of the next, older page; zero when this
	// page holds the oldest entry.
	NextBefore int64 `json:"next_before,omitempty"`
}

// entryRow is an Entry as the statement query returns it.
type entryRow struct {
	Seq          int64     `bun:"seq"`
	Minutes      int64     `bun:"amount_minutes"`
	BalanceAfter int64     `bun:"balance_after_minutes"`
	TransferID   string    `bun:"transfer_id"`
	Kind         Kind      `bun:"kind"`
	Reference    string    `bun:"reference"`
	Memo         string    `bun:"memo"`
	Actor        string    `bun:"actor"`
	ReversesID   *string   `bun:"reverses_id"`
	CreatedAt    time.Time `bun:"created_at"`
	OtherAccount *string   `bun:"other_account"`
	OtherMember  *string   `bun:"other_member"`
	ReversedBy   *string   `bun:"reversed_by"`
}

// statementQuery reads the postings of one ledger account with their
// transfer, the other side and the reversal, if any, newest first.
const statementQuery = `SELECT p.seq, p.amount_minutes, p.balance_after_minutes, t.id AS transfer_id, t.kind, t.reference,
	t.memo, t.actor, t.reverses_id, t.created_at, oa.id AS other_account, oa.member_id AS other_member, r.id AS reversed_by
FROM ledger_postings p
JOIN ledger_transfers t ON t.id = p.transfer_id
LEFT JOIN ledger_postings op ON op.transfer_id = p.transfer_id AND op.ledger_account_id <> p.ledger_account_id
LEFT JOIN ledger_accounts oa ON oa.id = op.ledger_account_id
LEFT JOIN ledger_transfers r ON r.reverses_id = t.id
WHERE p.ledger_account_id = ? AND p.seq < ?
ORDER BY p.seq DESC
LIMIT ?`

// account reads holder's ledger account in territoryID; a holder without
// one gets a zero account (ID empty).
func (s *Service) account(ctx context.Context, db bun.IDB, territoryID, holder string) (*Account, error) {
	h, ok := normalizeHolder(holder)
	if !ok {
		return nil, invalid("ledger_party", "Un titulaire est un identifiant de compte (UUID) ou le compte du territoire.",
			"A holder is an account ID (UUID) or the territory account.")
	}
	a := &Account{TerritoryID: territoryID}
	q := db.NewSelect().Model(a).Where("territory_id = ?", territoryID)
	if h == TerritoryAccount {
		q = q.Where("member_id IS NULL")
	} else {
		q = q.Where("member_id = ?", h)
	}
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		a = &Account{TerritoryID: territoryID}
		if h != TerritoryAccount {
			a.MemberID = &h
		}
		return a, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read the account of %s in territory %s: %w", h, territoryID, err)
	}
	return a, nil
}

// Balance returns holder's ledger account in territoryID (holder is a
// member's account ID or TerritoryAccount), with its balance; a holder who
// has none yet gets a zero balance and an empty ID.
func (s *Service) Balance(ctx context.Context, territoryID, holder string) (*Account, error) {
	return s.account(ctx, s.store.DB(), territoryID, holder)
}

// Statement returns a page of holder's postings in territoryID, newest
// first, with the account as of the newest one. Pages are keyed by Seq, so
// a transfer recorded meanwhile shifts nothing: the next page starts where
// this one stopped.
func (s *Service) Statement(ctx context.Context, territoryID, holder string, p Page) (*Statement, error) {
	if p.Limit <= 0 {
		p.Limit = DefaultPageSize
	}
	p.Limit = min(p.Limit, MaxPageSize)
	return s.statement(ctx, s.store.DB(), territoryID, holder, p)
}

func (s *Service) statement(ctx context.Context, db bun.IDB, territoryID, holder string, p Page) (*Statement, error) {
	a, err := s.account(ctx, db, territoryID, holder)
	if err != nil {
		return nil, err
	}
	st := &Statement{Account: *a, Entries: []Entry{}}
	if a.ID == "" {
		return st, nil
	}
	// Entries newer than the account as read are left out, so that the
	// balance and the entries agree without a transaction.
	before := a.LastSeq + 1
	if p.Before > 0 {
		before = min(before, p.Before)
	}
	var rows []entryRow
	if err := db.NewRaw(statementQuery, a.ID, before, p.Limit).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("ledger: read the statement of %s in territory %s: %w", a.Holder(), territoryID, err)
	}
	for _, r := range rows {
		e := Entry{Seq: r.Seq, TransferID: r.TransferID, Kind: r.Kind, Minutes: r.Minutes, BalanceAfter: r.BalanceAfter,
			Reference: r.Reference, Memo: r.Memo, Actor: r.Actor, ReversesID: r.ReversesID, ReversedBy: r.ReversedBy,
			CreatedAt: r.CreatedAt}
		if r.OtherAccount != nil {
			e.Counterparty = holderOf(r.OtherMember)
		}
		st.Entries = append(st.Entries, e)
	}
	if n := len(st.Entries); n == p.Limit && st.Entries[n-1].Seq > 1 {
		st.NextBefore = st.Entries[n-1].Seq
	}
	return st, nil
}

// Accounts returns the ledger accounts of territoryID: the territory
// account first, then the members' by account ID.
func (s *Service) Accounts(ctx context.Context, territoryID string) ([]Account, error) {
	out := []Account{}
	err := s.store.DB().NewSelect().Model(&out).Where("territory_id = ?", territoryID).
		OrderExpr("(member_id IS NULL) DESC, member_id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger: read the accounts of territory %s: %w", territoryID, err)
	}
	return out, nil
}
