package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store"
)

// Report is what Check found.
type Report struct {
	// TerritoryID is the territory checked; empty for every territory.
	TerritoryID string `json:"territory_id,omitempty"`
	// Accounts, Transfers and Postings count what was checked.
	Accounts  int64 `json:"accounts"`
	Transfers int64 `json:"transfers"`
	Postings  int64 `json:"postings"`
	// Differences lists the accounts whose stored balance is not the sum
	// of their postings.
	Differences []Difference `json:"differences"`
	// Unbalanced lists the transfers whose postings do not sum to zero,
	// are not exactly two, or lie on an account of another territory.
	Unbalanced []Unbalanced `json:"unbalanced"`
	// Truncated reports that a list stopped at its first 1,000 rows.
	Truncated bool `json:"truncated,omitempty"`
}

// OK reports whether the ledger checked is consistent.
func (r *Report) OK() bool { return len(r.Differences) == 0 && len(r.Unbalanced) == 0 }

// Difference is an account whose stored balance differs from its postings.
type Difference struct {
	TerritoryID string `bun:"territory_id" json:"territory_id"`
	AccountID   string `bun:"id" json:"ledger_account_id"`
	// Holder is the member's account ID or TerritoryAccount.
	Holder          string  `bun:"-" json:"holder"`
	MemberID        *string `bun:"member_id" json:"-"`
	StoredMinutes   int64   `bun:"balance_minutes" json:"stored_minutes"`
	ComputedMinutes int64   `bun:"computed" json:"computed_minutes"`
}

// Unbalanced is a transfer whose postings are wrong.
type Unbalanced struct {
	TransferID  string `bun:"id" json:"transfer_id"`
	TerritoryID string `bun:"territory_id" json:"territory_id"`
	// SumMinutes is the sum of its postings (zero when right), Postings
	// their number (two when right), Foreign the number booked on an
	// account of another territory (zero when right).
	SumMinutes int64 `bun:"total" json:"sum_minutes"`
	Postings   int64 `bun:"postings" json:"postings"`
	Foreign    int64 `bun:"foreign_postings" json:"foreign_postings"`
}

// The checks are single statements, each comparing within one snapshot
// what it reads, and they run in one read transaction (REPEATABLE READ on
// PostgreSQL, a WAL snapshot on SQLite) so that the counts agree with them.
const (
	differencesQuery = `SELECT a.id, a.territory_id, a.member_id, a.balance_minutes, COALESCE(SUM(p.amount_minutes), 0) AS computed
FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.ledger_account_id = a.id
WHERE %s
GROUP BY a.id, a.territory_id, a.member_id, a.balance_minutes
HAVING a.balance_minutes <> COALESCE(SUM(p.amount_minutes), 0)
ORDER BY a.territory_id, a.id
LIMIT ?`
	unbalancedQuery = `SELECT t.id, t.territory_id, COALESCE(SUM(p.amount_minutes), 0) AS total, COUNT(p.ledger_account_id) AS postings,
	COALESCE(SUM(CASE WHEN a.territory_id <> t.territory_id THEN 1 ELSE 0 END), 0) AS foreign_postings
FROM ledger_transfers t
LEFT JOIN ledger_postings p ON p.transfer_id = t.id
LEFT JOIN ledger_accounts a ON a.id = p.ledger_account_id
WHERE %s
GROUP BY t.id, t.territory_id
HAVING COALESCE(SUM(p.amount_minutes), 0) <> 0 OR COUNT(p.ledger_account_id) <> 2
	OR COALESCE(SUM(CASE WHEN a.territory_id <> t.territory_id THEN 1 ELSE 0 END), 0) <> 0
ORDER BY t.territory_id, t.id
LIMIT ?`
)

// Check recomputes every balance of territoryID (every territory when
// empty) from its postings and reports any difference with the stored
// balances, and any transfer whose postings do not sum to zero. It only
// reads.
func (s *Service) Check(ctx context.Context, territoryID string) (*Report, error) {
	territoryID = strings.TrimSpace(territoryID)
	r := &Report{TerritoryID: territoryID, Differences: []Difference{}, Unbalanced: []Unbalanced{}}
	filter := func(alias string) (string, []any) {
		if territoryID == "" {
			return "TRUE", nil
		}
		return alias + ".territory_id = ?", []any{territoryID}
	}
	var opts *sql.TxOptions
	if s.store.Dialect() == store.DialectPostgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	err := s.store.DB().RunInTx(ctx, opts, func(ctx context.Context, tx bun.Tx) error {
		where, args := filter("a")
		if err := tx.NewRaw(fmt.Sprintf(differencesQuery, where), append(args, maxReport)...).Scan(ctx, &r.Differences); err != nil {
			return fmt.Errorf("recompute the balances: %w", err)
		}
		for i := range r.Differences {
			r.Differences[i].Holder = holderOf(r.Differences[i].MemberID)
		}
		where, args = filter("t")
		if err := tx.NewRaw(fmt.Sprintf(unbalancedQuery, where), append(args, maxReport)...).Scan(ctx, &r.Unbalanced); err != nil {
			return fmt.Errorf("sum the transfers: %w", err)
		}
		r.Truncated = len(r.Differences) == maxReport || len(r.Unbalanced) == maxReport
		where, args = filter("x")
		for _, c := range []struct {
			table string
			n     *int64
		}{{"ledger_accounts", &r.Accounts}, {"ledger_transfers", &r.Transfers}} {
			if err := tx.NewRaw("SELECT COUNT(*) FROM "+c.table+" x WHERE "+where, args...).Scan(ctx, c.n); err != nil {
				return fmt.Errorf("count %s: %w", c.table, err)
			}
		}
		where, args = filter("a")
		err := tx.NewRaw("SELECT COUNT(*) FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.ledger_account_id WHERE "+where,
			args...).Scan(ctx, &r.Postings)
		if err != nil {
			return fmt.Errorf("count ledger_postings: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: check territory %q: %w", territoryID, err)
	}
	return r, nil
}
