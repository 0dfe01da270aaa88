package exchange

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/cesu"
	"github.com/campagnon/campagnon/core/territory"
)

// MonthRow is one month of a recurring agreement: the sessions the
// provider recorded, confirmed by both parties, then settled (time
// credits moved, CESU work counted) on its own.
type MonthRow struct {
	bun.BaseModel `bun:"table:exchange_months"`

	ExchangeID  string `bun:"exchange_id,pk" json:"exchange_id"`
	Month       string `bun:"month,pk" json:"month"`
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	// Sessions is how many sessions took place; Minutes their total.
	Sessions          int        `bun:"sessions,notnull" json:"sessions"`
	Minutes           int        `bun:"minutes,notnull" json:"minutes"`
	RecordedAt        time.Time  `bun:"recorded_at,notnull" json:"recorded_at"`
	SeekerConfirmed   *time.Time `bun:"seeker_confirmed_at" json:"seeker_confirmed_at,omitempty"`
	ProviderConfirmed *time.Time `bun:"provider_confirmed_at" json:"provider_confirmed_at,omitempty"`
	ConfirmedAt       *time.Time `bun:"confirmed_at" json:"confirmed_at,omitempty"`
}

// MonthInput is the body of a month's record.
type MonthInput struct {
	// Month is "YYYY-MM", not after the current month.
	Month string `json:"month"`
	// Sessions is how many sessions took place, 1 to 31.
	Sessions int `json:"sessions"`
}

var errNotRecurring = apperr.New(apperr.KindConflict, "exchange_not_recurring",
	"Cet échange n'est pas un accord régulier : il se déclare réalisé puis se confirme en une fois.",
	"This exchange is not a recurring agreement: it is completed and confirmed once.")

// parseMonth reads "YYYY-MM" in French time.
func parseMonth(v string) (cesu.Month, error) {
	at, err := time.ParseInLocation("2006-01", v, cesu.Paris())
	if err != nil || at.Year() < 2000 || at.Year() > 2100 {
		return cesu.Month{}, apperr.New(apperr.KindInvalid, "month_invalid", "Mois invalide : écrivez-le AAAA-MM, par exemple 2026-11.",
			"Invalid month: write it YYYY-MM, such as 2026-11.")
	}
	return cesu.MonthOf(at), nil
}

// RecordMonth records, by the provider, the sessions of a month of the
// recurring agreement id of t (scheduled, the month begun and not before
// the agreement's start). A month is recorded once.
func (s *Service) RecordMonth(ctx context.Context, t *territory.Territory, c Caller, id string, in MonthInput) (*MonthRow, error) {
	x, err := s.load(ctx, s.store.DB(), t, id)
	if err != nil {
		return nil, err
	}
	switch actor := x.Party(c.AccountID); {
	case actor == "":
		return nil, errNotFound
	case x.Recurrence == "":
		return nil, errNotRecurring
	case actor != Provider:
		return nil, apperr.New(apperr.KindForbidden, "exchange_actor", "Seul le prestataire déclare les séances du mois ; vous les confirmez ensuite.",
			"Only the provider records the month's sessions; you confirm them afterwards.")
	case x.State != Scheduled:
		return nil, apperr.New(apperr.KindConflict, "exchange_state",
			fmt.Sprintf("Impossible de déclarer un mois : l'accord est %s ; c'est possible quand il est planifié.", stateFR[x.State]),
			fmt.Sprintf("Cannot record a month: the agreement is %s; it is possible when it is scheduled.", x.State))
	}
	m, err := parseMonth(in.Month)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	if cesu.MonthOf(now).Before(m) || (x.ScheduledAt != nil && m.Before(cesu.MonthOf(*x.ScheduledAt))) {
		return nil, apperr.New(apperr.KindInvalid, "month_out_of_agreement", "Ce mois n'est pas dans l'accord : entre le mois de son début et le mois en cours.",
			"This month is not in the agreement: from the month it began to the current month.")
	}
	if in.Sessions < 1 || in.Sessions > maxSessionsPerMonth {
		return nil, apperr.New(apperr.KindInvalid, "month_sessions", "Le nombre de séances du mois va de 1 à 31.", "A month has 1 to 31 sessions.")
	}
	row := &MonthRow{ExchangeID: x.ID, Month: m.String(), TerritoryID: x.TerritoryID, Sessions: in.Sessions,
		Minutes: in.Sessions * x.Minutes, RecordedAt: now}
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewInsert().Model(row).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.KindConflict, "month_recorded", "Ce mois est déjà déclaré.", "This month is already recorded.")
		}
		return nil
	})
	if err != nil {
		if apperr.As(err).Kind != apperr.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("exchange: record month: %w", err)
	}
	return row, nil
}

// ConfirmMonth records a party's confirmation of a recorded month; with
// both, the month is confirmed and settled in the same transaction (time
// credits for its sessions, at the frozen quote's rate per session).
func (s *Service) ConfirmMonth(ctx context.Context, t *territory.Territory, c Caller, id, month string) (*MonthRow, error) {
	row := new(MonthRow)
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		x, err := s.load(ctx, tx, t, id)
		if err != nil {
			return err
		}
		actor := x.Party(c.AccountID)
		if actor == "" {
			return errNotFound
		}
		if x.Recurrence == "" {
			return errNotRecurring
		}
		err = tx.NewSelect().Model(row).Where("exchange_id = ?", id).Where("month = ?", month).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.KindNotFound, "month_not_found", "Ce mois n'est pas déclaré : le prestataire déclare d'abord les séances.",
				"This month is not recorded: the provider records the sessions first.")
		}
		if err != nil {
			return err
		}
		// Each party writes its own column only, so that two confirmations
		// at once both land (on PostgreSQL the second waits for the
		// first's row lock, then reads its result).
		col := "seeker_confirmed_at"
		if actor == Provider {
			col = "provider_confirmed_at"
		}
		now := s.clock()
		res, err := tx.NewUpdate().Model(row).Set("? = ?", bun.Ident(col), now).WherePK().
			Where("? IS NULL", bun.Ident(col)).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errAlready("confirmé ce mois", "confirmed this month")
		}
		res, err = tx.NewUpdate().Model(row).Set("confirmed_at = ?", now).WherePK().
			Where("seeker_confirmed_at IS NOT NULL AND provider_confirmed_at IS NOT NULL AND confirmed_at IS NULL").Exec(ctx)
		if err != nil {
			return err
		}
		settle, _ := res.RowsAffected()
		if err := tx.NewSelect().Model(row).WherePK().Scan(ctx); err != nil {
			return err
		}
		if settle != 1 || s.settler == nil {
			return nil
		}
		// The month's share of the frozen quote, per session.
		y := *x
		y.Minutes, y.Occurrences = row.Minutes, row.Sessions
		y.TimeCreditMinutes = x.TimeCreditMinutes / max(x.Occurrences, 1) * row.Sessions
		return s.settler.SettleTx(ctx, tx, &y, row.Month)
	})
	if err != nil {
		if apperr.As(err).Kind != apperr.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("exchange: confirm month: %w", err)
	}
	return row, nil
}

// Months returns the months of a recurring agreement, oldest first.
func (s *Service) Months(ctx context.Context, db bun.IDB, exchangeID string) ([]MonthRow, error) {
	out := []MonthRow{}
	if err := db.NewSelect().Model(&out).Where("exchange_id = ?", exchangeID).OrderExpr("month").Scan(ctx); err != nil {
		return nil, fmt.Errorf("exchange: read months: %w", err)
	}
	return out, nil
}
