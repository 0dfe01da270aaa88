package message

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Export returns the messages accountID wrote (a mediator's help included)
// and what they have read of each thread, for the "my data" export.
func (s *Service) Export(ctx context.Context, db bun.IDB, accountID string) (any, error) {
	ms := []Message{}
	if err := db.NewSelect().Model(&ms).Where("author_id = ?", accountID).OrderExpr("exchange_id, seq").Scan(ctx); err != nil {
		return nil, fmt.Errorf("message: export: %w", err)
	}
	for i := range ms {
		ms[i].Erased = ms[i].Body == ""
	}
	rs := []readMarker{}
	if err := db.NewSelect().Model(&rs).Where("reader_id = ?", accountID).OrderExpr("exchange_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("message: export read markers: %w", err)
	}
	return map[string]any{"messages": ms, "read": rs}, nil
}

// Erase clears the bodies of the messages accountID wrote and deletes their
// read markers, in tx. The rows stay, under the pseudonymous ID, so the
// other party's thread keeps its order and shows "Message supprimé" where
// they wrote; what the other party wrote is theirs and stays.
func (s *Service) Erase(ctx context.Context, tx bun.Tx, accountID string, now time.Time) error {
	if _, err := tx.NewUpdate().Model((*Message)(nil)).Set("body = ''").Where("author_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("message: erase bodies: %w", err)
	}
	if _, err := tx.NewDelete().Model((*readMarker)(nil)).Where("reader_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("message: erase read markers: %w", err)
	}
	return nil
}
