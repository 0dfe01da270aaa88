package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Data is what the ledger holds about a person, for the "my data" export.
type Data struct {
	// Accounts are the person's ledger accounts, one per territory, each
	// with every posting, newest first.
	Accounts []Statement `json:"accounts"`
	// Recorded are the transfers the person recorded (as actor), newest
	// first, whoever paid and received.
	Recorded []Recorded `json:"recorded"`
}

// Recorded is a transfer as the export of its actor shows it.
type Recorded struct {
	ID          string  `bun:"id" json:"id"`
	TerritoryID string  `bun:"territory_id" json:"territory_id"`
	Kind        Kind    `bun:"kind" json:"kind"`
	Minutes     int64   `bun:"amount_minutes" json:"minutes"`
	Reference   string  `bun:"reference" json:"reference"`
	Memo        string  `bun:"memo" json:"memo"`
	ReversesID  *string `bun:"reverses_id" json:"reverses_id,omitempty"`
	// From and To are the payer and the payee.
	From      string    `bun:"-" json:"from"`
	To        string    `bun:"-" json:"to"`
	Payer     *string   `bun:"payer" json:"-"`
	Payee     *string   `bun:"payee" json:"-"`
	CreatedAt time.Time `bun:"created_at" json:"created_at"`
}

// recordedQuery reads the transfers recorded by an actor with their payer
// and payee.
const recordedQuery = `SELECT t.id, t.territory_id, t.kind, t.amount_minutes, t.reference, t.memo, t.reverses_id, t.created_at,
	fa.member_id AS payer, ta.member_id AS payee
FROM ledger_transfers t
JOIN ledger_postings fp ON fp.transfer_id = t.id AND fp.amount_minutes < 0
JOIN ledger_accounts fa ON fa.id = fp.ledger_account_id
JOIN ledger_postings tp ON tp.transfer_id = t.id AND tp.amount_minutes > 0
JOIN ledger_accounts ta ON ta.id = tp.ledger_account_id
WHERE t.actor = ?
ORDER BY t.created_at DESC, t.id DESC
LIMIT ?`

// Export returns what the ledger holds about accountID, read from db: its
// ledger accounts with their statements, and the transfers it recorded.
// It matches privacy.Section.Export.
func (s *Service) Export(ctx context.Context, db bun.IDB, accountID string) (any, error) {
	var accounts []Account
	if err := db.NewSelect().Model(&accounts).Where("member_id = ?", accountID).OrderExpr("territory_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("ledger: read the accounts of %s: %w", accountID, err)
	}
	d := &Data{Accounts: []Statement{}, Recorded: []Recorded{}}
	for _, a := range accounts {
		st, err := s.statement(ctx, db, a.TerritoryID, accountID, Page{Limit: maxExport})
		if err != nil {
			return nil, err
		}
		d.Accounts = append(d.Accounts, *st)
	}
	if err := db.NewRaw(recordedQuery, accountID, maxExport).Scan(ctx, &d.Recorded); err != nil {
		return nil, fmt.Errorf("ledger: read the transfers recorded by %s: %w", accountID, err)
	}
	for i := range d.Recorded {
		d.Recorded[i].From, d.Recorded[i].To = holderOf(d.Recorded[i].Payer), holderOf(d.Recorded[i].Payee)
	}
	return d, nil
}

// Erase deletes nothing and changes nothing: every ledger must still
// balance after an erasure, and the other members' statements must still
// read. The ledger holds account IDs only (member, actor), which become
// pseudonymous when the accounts section pseudonymises the accounts row, in
// the same transaction. It matches privacy.Section.Erase.
func (s *Service) Erase(ctx context.Context, tx bun.Tx, accountID string, now time.Time) error {
	return nil
}
