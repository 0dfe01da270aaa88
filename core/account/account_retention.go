package account

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Retention periods applied by Purge.
const (
	// UnverifiedRetention: an account whose address was never verified is
	// deleted that long after sign-up.
	UnverifiedRetention = 7 * 24 * time.Hour
	// SpentRetention: expired tokens, ended sessions and sent messages are
	// deleted that long after they ended.
	SpentRetention = 30 * 24 * time.Hour
)

// Purged counts the rows deleted by Purge, per table.
type Purged struct {
	Accounts, Tokens, Sessions, Throttle, Outbox int64
}

// Purge applies the retention periods of core/privacy.PersonalColumns: it
// deletes unverified accounts older than UnverifiedRetention (with their
// tokens and sessions), tokens and sessions ended more than SpentRetention
// ago, messages sent (or created and never sent) more than SpentRetention
// ago, and throttle rows whose window and lock are over. Run it from a periodic job; it is one transaction.
func (s *Service) Purge(ctx context.Context) (Purged, error) {
	var p Purged
	now := s.now()
	spent := now.Add(-SpentRetention)
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		steps := []struct {
			n *int64
			q *bun.DeleteQuery
		}{
			{&p.Accounts, tx.NewDelete().Model((*Account)(nil)).
				Where("email_verified_at IS NULL").Where("erased_at IS NULL").Where("created_at < ?", now.Add(-UnverifiedRetention))},
			{&p.Tokens, tx.NewDelete().Model((*tokenRow)(nil)).
				WhereGroup(" AND ", func(q *bun.DeleteQuery) *bun.DeleteQuery {
					return q.Where("expires_at < ?", spent).WhereOr("used_at < ?", spent).WhereOr("revoked_at < ?", spent)
				})},
			{&p.Sessions, tx.NewDelete().Model((*sessionRow)(nil)).
				WhereGroup(" AND ", func(q *bun.DeleteQuery) *bun.DeleteQuery {
					return q.Where("expires_at < ?", spent).WhereOr("revoked_at < ?", spent).WhereOr("last_seen_at < ?", spent)
				})},
			{&p.Throttle, tx.NewDelete().Model((*throttleRow)(nil)).
				Where("window_start_at < ?", now.Add(-s.o.Throttle.Window)).
				WhereGroup(" AND ", func(q *bun.DeleteQuery) *bun.DeleteQuery {
					return q.Where("locked_until IS NULL").WhereOr("locked_until < ?", now)
				})},
			// Sent messages, and unsent ones (abandoned, or never
			// delivered): their links have long expired.
			{&p.Outbox, tx.NewDelete().Model((*Message)(nil)).
				WhereGroup(" AND ", func(q *bun.DeleteQuery) *bun.DeleteQuery {
					return q.Where("sent_at < ?", spent).WhereOr("sent_at IS NULL AND created_at < ?", spent)
				})},
		}
		for _, st := range steps {
			res, err := st.q.Exec(ctx)
			if err != nil {
				return fmt.Errorf("purge: %w", err)
			}
			if *st.n, err = res.RowsAffected(); err != nil {
				return fmt.Errorf("purge: %w", err)
			}
		}
		return nil
	})
	return p, err
}
