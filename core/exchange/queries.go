package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/territory"
)

// Detail is an exchange with its history.
type Detail struct {
	*Exchange
	Events   []EventRow `json:"events"`
	Payments []Payment  `json:"payments"`
	// Months are a recurring agreement's months, oldest first.
	Months []MonthRow `json:"months"`
}

// Get returns exchange id of t with its events, for one of its parties or
// an admin; anyone else gets not found.
func (s *Service) Get(ctx context.Context, t *territory.Territory, c Caller, id string) (*Detail, error) {
	x, err := s.load(ctx, s.store.DB(), t, id)
	if err != nil {
		return nil, err
	}
	if x.Party(c.AccountID) == "" && !c.Admin {
		return nil, errNotFound
	}
	d := &Detail{Exchange: x, Events: []EventRow{}}
	if err := s.store.DB().NewSelect().Model(&d.Events).Where("exchange_id = ?", id).OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("exchange: read events: %w", err)
	}
	if d.Payments, err = s.Payments(ctx, s.store.DB(), id); err != nil {
		return nil, err
	}
	if d.Months, err = s.Months(ctx, s.store.DB(), id); err != nil {
		return nil, err
	}
	return d, nil
}

// MaxPage bounds one page of Mine.
const MaxPage = 100

// Mine returns accountID's exchanges in t, newest first, in the given
// state when it is set.
func (s *Service) Mine(ctx context.Context, t *territory.Territory, accountID string, state State, limit int) ([]Exchange, error) {
	if limit < 1 || limit > MaxPage {
		limit = 50
	}
	out := []Exchange{}
	q := s.store.DB().NewSelect().Model(&out).Where("territory_id = ?", t.ID).
		Where("(seeker_id = ? OR provider_id = ?)", accountID, accountID).OrderExpr("id DESC").Limit(int64(limit))
	if state != "" {
		q = q.Where("state = ?", state)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("exchange: list: %w", err)
	}
	return out, nil
}

// Rating is a member's published reviews and their average.
type Rating struct {
	Count   int         `json:"count"`
	Average float64     `json:"average"`
	Reviews []ReviewRow `json:"reviews"`
}

// RatingOf returns the published reviews of accountID in t, newest first.
func (s *Service) RatingOf(ctx context.Context, t *territory.Territory, accountID string) (*Rating, error) {
	r := &Rating{Reviews: []ReviewRow{}}
	if err := s.store.DB().NewSelect().Model(&r.Reviews).Where("territory_id = ?", t.ID).Where("subject_id = ?", accountID).
		Where("published_at IS NOT NULL").Where("hidden_at IS NULL").OrderExpr("published_at DESC").Limit(MaxPage).Scan(ctx); err != nil {
		return nil, fmt.Errorf("exchange: read reviews: %w", err)
	}
	var agg struct {
		N   int   `bun:"n"`
		Sum int64 `bun:"total"`
	}
	if err := s.store.DB().NewSelect().Model((*ReviewRow)(nil)).ColumnExpr("COUNT(*) AS n").ColumnExpr("COALESCE(SUM(rating), 0) AS total").
		Where("territory_id = ?", t.ID).Where("subject_id = ?", accountID).Where("published_at IS NOT NULL").Where("hidden_at IS NULL").Scan(ctx, &agg); err != nil {
		return nil, fmt.Errorf("exchange: rating: %w", err)
	}
	r.Count = agg.N
	if agg.N > 0 {
		// One decimal, as people read a rating.
		r.Average = float64((agg.Sum*10+int64(agg.N)/2)/int64(agg.N)) / 10
	}
	return r, nil
}

// Swept counts what Sweep did.
type Swept struct {
	Expired, AutoConfirmed, ReviewsClosed int
}

// sweepBatch bounds the exchanges one Sweep handles per timer.
const sweepBatch = 200

// Sweep runs the timers: requests unanswered for RequestTTL expire, done
// exchanges unconfirmed after ConfirmAfter are confirmed (and settled), and
// reviews close ReviewWindow after confirmation. Each exchange moves in its
// own transaction, under the same version guard as people's transitions;
// it is idempotent.
func (s *Service) Sweep(ctx context.Context) (Swept, error) {
	var out Swept
	now := s.clock()
	timers := []struct {
		from  State
		ev    Event
		col   string
		after time.Duration
		n     *int
	}{
		{Requested, Expire, "created_at", RequestTTL, &out.Expired},
		{Done, AutoConfirm, "done_at", ConfirmAfter, &out.AutoConfirmed},
		{Confirmed, CloseReviews, "confirmed_at", ReviewWindow, &out.ReviewsClosed},
	}
	for _, tm := range timers {
		var due []Exchange
		if err := s.store.DB().NewSelect().Model(&due).Where("state = ?", tm.from).
			Where("? <= ?", bun.Ident(tm.col), now.Add(-tm.after)).OrderExpr("id").Limit(sweepBatch).Scan(ctx); err != nil {
			return out, fmt.Errorf("exchange: sweep %s: %w", tm.ev, err)
		}
		for i := range due {
			x := &due[i]
			to, err := Next(x, tm.ev, System)
			if err != nil {
				continue
			}
			err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				return s.apply(ctx, tx, x, tm.ev, System, to, Caller{}, TransitionInput{}, nil)
			})
			if apperr.As(err).Code == "exchange_changed" {
				continue // a person acted first
			}
			if err != nil {
				return out, fmt.Errorf("exchange: sweep %s %s: %w", tm.ev, x.ID, err)
			}
			*tm.n++
		}
	}
	return out, nil
}

// Export returns accountID's exchanges, their events and the reviews they
// wrote or received, for the "my data" export.
func (s *Service) Export(ctx context.Context, db bun.IDB, accountID string) (any, error) {
	var xs []Exchange
	if err := db.NewSelect().Model(&xs).Where("seeker_id = ? OR provider_id = ?", accountID, accountID).OrderExpr("id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("exchange: export: %w", err)
	}
	var rs []ReviewRow
	if err := db.NewSelect().Model(&rs).Where("author_id = ? OR subject_id = ?", accountID, accountID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("exchange: export reviews: %w", err)
	}
	return map[string]any{"exchanges": xs, "reviews": rs}, nil
}

// Erase clears the texts accountID wrote (review comments, event notes) in
// tx; exchanges, events and ratings stay under the pseudonymous ID, so the
// other party's history and every ledger stay consistent.
func (s *Service) Erase(ctx context.Context, tx bun.Tx, accountID string, now time.Time) error {
	if _, err := tx.NewUpdate().Model((*ReviewRow)(nil)).Set("comment = ''").Where("author_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("exchange: erase reviews: %w", err)
	}
	if _, err := tx.NewUpdate().Model((*reviewReport)(nil)).Set("reason = ''").Where("reporter_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("exchange: erase review reports: %w", err)
	}
	if _, err := tx.NewUpdate().Model((*EventRow)(nil)).Set("note = ''").Where("actor_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("exchange: erase notes: %w", err)
	}
	return nil
}
