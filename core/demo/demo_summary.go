package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/core/message"
)

// Summary is what Seed installed, as read back from the database.
type Summary struct {
	// Territories are the seeded territories, in the order of the options.
	Territories []TerritorySummary
	// Logins are the demo's known accounts; Password opens them all.
	Logins   []Login
	Password string
	// From and To bound the simulated history.
	From, To time.Time
	// Actions counts the actions played.
	Actions int
	// Elapsed is how long the seeding took.
	Elapsed time.Duration
}

// Login is a known demo account.
type Login struct {
	Email, Name, Role string
	// Territory is the territory's slug; empty for the national operator.
	Territory string
}

// TerritorySummary counts what one territory holds.
type TerritorySummary struct {
	Slug, Name string
	// Members counts the accounts of the territory; Professionals those of
	// professionals, SAP those declared for services à la personne.
	Members, Professionals, SAP int
	// Mediators and Admins count the roles given.
	Mediators, Admins int
	// Listings counts the listings by status (hidden ones under "hidden"),
	// Categories by category, Kinds by kind ("offer", "need") and modality
	// ("offer/professional").
	Listings, Categories, Kinds map[string]int
	// Exchanges counts the exchanges by state, Modes by payment mode.
	Exchanges, Modes map[string]int
	// Recurring counts the weekly agreements, Months their months recorded.
	Recurring, Months int
	// Messages, Reviews and Payments count the threads' messages, the
	// reviews written and the payment records.
	Messages, Reviews, Payments int
	// Consents and MediatedActions count the mediation records.
	Consents, MediatedActions int
	// Transfers counts the time-credit transfers; LedgerOK reports that
	// the ledger check found every balance equal to its postings.
	Transfers int64
	LedgerOK  bool
}

// summary reads back what the territories hold.
func (w *world) summary(ctx context.Context) (*Summary, error) {
	s := &Summary{Logins: w.logins(), Password: Password, From: w.start, To: w.now, Actions: len(w.tl.actions)}
	for _, tr := range w.terrs {
		ts, err := w.count(ctx, tr)
		if err != nil {
			return nil, fmt.Errorf("demo: count %s: %w", tr.t.Slug, err)
		}
		s.Territories = append(s.Territories, *ts)
	}
	return s, nil
}

func (w *world) count(ctx context.Context, tr *terr) (*TerritorySummary, error) {
	db := w.app.Store.DB()
	id := tr.t.ID
	ts := &TerritorySummary{Slug: tr.t.Slug, Name: tr.t.Name, Listings: map[string]int{}, Categories: map[string]int{},
		Kinds: map[string]int{}, Exchanges: map[string]int{}, Modes: map[string]int{}}
	var accounts []struct {
		Pro bool    `bun:"is_professional"`
		SAP *string `bun:"sap_number"`
	}
	if err := db.NewSelect().Model((*account.Account)(nil)).Column("is_professional", "sap_number").
		Where("territory_id = ?", id).Scan(ctx, &accounts); err != nil {
		return nil, err
	}
	for _, a := range accounts {
		ts.Members++
		if a.Pro {
			ts.Professionals++
		}
		if a.SAP != nil {
			ts.SAP++
		}
	}
	as, err := w.app.Authz.Assignments(tr.t.Slug)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		switch a.Role {
		case authz.RoleMediator:
			ts.Mediators++
		case authz.RoleTerritoryAdmin:
			ts.Admins++
		}
	}
	var ls []struct {
		Status   string     `bun:"status"`
		Category string     `bun:"category"`
		Kind     string     `bun:"kind"`
		Modality string     `bun:"modality"`
		Hidden   *time.Time `bun:"hidden_at"`
	}
	if err := db.NewSelect().Model((*listing.Listing)(nil)).Column("status", "category", "kind", "modality", "hidden_at").
		Where("territory_id = ?", id).Scan(ctx, &ls); err != nil {
		return nil, err
	}
	for _, l := range ls {
		st := l.Status
		if l.Hidden != nil {
			st = "hidden"
		}
		ts.Listings[st]++
		ts.Categories[l.Category]++
		ts.Kinds[l.Kind+"/"+l.Modality]++
	}
	var xs []struct {
		State      string `bun:"state"`
		Mode       string `bun:"mode"`
		Recurrence string `bun:"recurrence"`
	}
	if err := db.NewSelect().Model((*exchange.Exchange)(nil)).Column("state", "mode", "recurrence").
		Where("territory_id = ?", id).Scan(ctx, &xs); err != nil {
		return nil, err
	}
	for _, x := range xs {
		ts.Exchanges[x.State]++
		ts.Modes[x.Mode]++
		if x.Recurrence != "" {
			ts.Recurring++
		}
	}
	counts := []struct {
		n     *int
		model any
	}{
		{&ts.Months, (*exchange.MonthRow)(nil)}, {&ts.Messages, (*message.Message)(nil)}, {&ts.Reviews, (*exchange.ReviewRow)(nil)},
		{&ts.Payments, (*exchange.Payment)(nil)}, {&ts.Consents, (*mediation.Consent)(nil)}, {&ts.MediatedActions, (*mediation.Action)(nil)},
	}
	for _, c := range counts {
		n, err := db.NewSelect().Model(c.model).Where("territory_id = ?", id).Count(ctx)
		if err != nil {
			return nil, err
		}
		*c.n = int(n)
	}
	r, err := w.app.Ledger.Check(ctx, id)
	if err != nil {
		return nil, err
	}
	ts.Transfers, ts.LedgerOK = r.Transfers, r.OK()
	return ts, nil
}
