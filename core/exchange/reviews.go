package exchange

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/territory"
)

// reviewReport is one member's report of a published review.
type reviewReport struct {
	bun.BaseModel `bun:"table:review_reports"`

	ExchangeID string    `bun:"exchange_id,pk"`
	AuthorID   string    `bun:"author_id,pk"`
	ReporterID string    `bun:"reporter_id,pk"`
	Reason     string    `bun:"reason,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

var errReviewNotFound = apperr.New(apperr.KindNotFound, "review_not_found",
	"Évaluation introuvable sur ce territoire.", "No such review in this territory.")

// reviewIn reads the published, visible review of authorID on exchange id of t.
func reviewIn(ctx context.Context, db bun.IDB, t *territory.Territory, id, authorID string) (*ReviewRow, error) {
	r := new(ReviewRow)
	err := db.NewSelect().Model(r).Where("exchange_id = ?", id).Where("author_id = ?", authorID).
		Where("territory_id = ?", t.ID).Where("published_at IS NOT NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errReviewNotFound
	}
	return r, err
}

// ReportReview records member reporterID's report of the published review
// authorID wrote on exchange id (once per member; not their own review).
func (s *Service) ReportReview(ctx context.Context, t *territory.Territory, reporterID, id, authorID, reason string) error {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 3 || n > 500 || strings.ContainsRune(reason, 0) {
		return apperr.New(apperr.KindInvalid, "report_reason", "Dites en quelques mots (3 à 500 caractères) ce qui ne va pas.",
			"Say in a few words (3 to 500 characters) what is wrong.")
	}
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := reviewIn(ctx, tx, t, id, authorID)
		if err != nil {
			return err
		}
		if r.HiddenAt != nil {
			return errReviewNotFound
		}
		if reporterID == authorID {
			return apperr.New(apperr.KindInvalid, "report_own", "Vous ne pouvez pas signaler votre propre évaluation.", "You cannot report your own review.")
		}
		res, err := tx.NewInsert().Model(&reviewReport{ExchangeID: id, AuthorID: authorID, ReporterID: reporterID, Reason: reason, CreatedAt: s.clock()}).
			On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.KindConflict, "report_twice", "Vous avez déjà signalé cette évaluation : l'équipe du territoire l'examine.",
				"You already reported this review: the territory's team is looking at it.")
		}
		_, err = tx.NewUpdate().Model(r).Set("report_count = report_count + 1").WherePK().Exec(ctx)
		return err
	})
	if err != nil && apperr.As(err).Kind == apperr.KindInternal {
		return fmt.Errorf("exchange: report review: %w", err)
	}
	return err
}

// HideReview hides (or shows again) the review authorID wrote on exchange
// id of t; a hidden review no longer counts in the rating.
func (s *Service) HideReview(ctx context.Context, t *territory.Territory, id, authorID string, hide bool) error {
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := reviewIn(ctx, tx, t, id, authorID)
		if err != nil {
			return err
		}
		q := tx.NewUpdate().Model(r).WherePK()
		if hide {
			q = q.Set("hidden_at = ?", s.clock())
		} else {
			q = q.Set("hidden_at = NULL").Set("report_count = 0")
		}
		_, err = q.Exec(ctx)
		return err
	})
	if err != nil && apperr.As(err).Kind == apperr.KindInternal {
		return fmt.Errorf("exchange: hide review: %w", err)
	}
	return err
}

// ReportedReviews returns t's reported or hidden reviews, most reported first.
func (s *Service) ReportedReviews(ctx context.Context, t *territory.Territory) ([]ReviewRow, error) {
	out := []ReviewRow{}
	err := s.store.DB().NewSelect().Model(&out).Where("territory_id = ?", t.ID).
		Where("(report_count > 0 OR hidden_at IS NOT NULL)").OrderExpr("report_count DESC").Limit(MaxPage).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("exchange: reported reviews: %w", err)
	}
	return out, nil
}
