package exchange

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/cesu"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// CESUView is what the CESU déclaratif asks of a member for one month: the
// summaries to enter on the URSSAF CESU site (as employer), and for each
// pair whether a written contract is now mandatory.
type CESUView struct {
	Month     string                `json:"month"`
	Summaries []cesu.MonthlySummary `json:"summaries"`
	Contracts []cesu.ContractCheck  `json:"contracts"`
	// Declaration says when the month is due.
	Declaration cesu.Declaration `json:"declaration"`
	// ReminderDue reports that the declaration is to be made now.
	ReminderDue bool `json:"reminder_due"`
	// Costs estimate, for each summary where the member is the employer,
	// the month's cost after the 50 % tax credit (a simulation; social
	// contributions are computed by the URSSAF, not here).
	Costs []cesu.CostEstimate `json:"costs"`
}

// CESU returns accountID's CESU déclaratif work in t for month: every
// confirmed exchange in that mode where they are the employer (the seeker)
// or the employee (the provider), one intervention per exchange on its
// scheduled day, minutes × occurrences at the agreed net hourly wage. The
// contract checks look at the pair's whole history.
func (s *Service) CESU(ctx context.Context, t *territory.Territory, accountID string, month cesu.Month, activity func(category string) string) (*CESUView, error) {
	var xs []Exchange
	err := s.store.DB().NewSelect().Model(&xs).Where("territory_id = ?", t.ID).Where("mode = ?", abi.ModeCESUDeclaratif).
		Where("(state IN (?) OR recurrence <> '')", bun.In([]State{Confirmed, Reviewed})).Where("(seeker_id = ? OR provider_id = ?)", accountID, accountID).
		OrderExpr("id").Limit(10_000).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("exchange: CESU work: %w", err)
	}
	v := &CESUView{Month: month.String(), Summaries: []cesu.MonthlySummary{}, Contracts: []cesu.ContractCheck{},
		Declaration: cesu.DeclarationFor(month), ReminderDue: cesu.ReminderDue(month, s.clock())}
	var inMonth []cesu.Intervention
	byPair := map[cesu.Pair][]cesu.Intervention{}
	for _, x := range xs {
		if x.Recurrence != "" {
			ivs, err := s.monthInterventions(ctx, x, activity(x.Category))
			if err != nil {
				return nil, err
			}
			for _, iv := range ivs {
				byPair[iv.Pair()] = append(byPair[iv.Pair()], iv)
				if cesu.MonthOf(iv.Date) == month {
					inMonth = append(inMonth, iv)
				}
			}
			continue
		}
		day := x.CreatedAt
		if x.ScheduledAt != nil {
			day = *x.ScheduledAt
		}
		iv := cesu.Intervention{Employer: x.SeekerID, Employee: x.ProviderID, Date: day,
			Minutes: min(x.Minutes*x.Occurrences, 24*60), NetHourlyCents: x.HourlyCents, Activity: activity(x.Category)}
		byPair[iv.Pair()] = append(byPair[iv.Pair()], iv)
		if cesu.MonthOf(day) == month {
			inMonth = append(inMonth, iv)
		}
	}
	if len(inMonth) > 0 {
		if v.Summaries, err = cesu.Summarize(inMonth); err != nil {
			return nil, err
		}
	}
	v.Costs = []cesu.CostEstimate{}
	if law, err := cesu.TaxCreditLawFor(cesu.DefaultTaxCreditLaws(), month.Year); err == nil {
		for _, sum := range v.Summaries {
			if sum.Employer != accountID {
				continue
			}
			c, err := cesu.EstimateInvoiceCost(sum.NetCents, 0, law)
			if err != nil {
				return nil, err
			}
			v.Costs = append(v.Costs, c)
		}
	}
	for _, ivs := range byPair {
		c, err := cesu.CheckContract(ivs, cesu.DefaultContractRules())
		if err != nil {
			return nil, err
		}
		v.Contracts = append(v.Contracts, c)
	}
	slices.SortFunc(v.Contracts, func(a, b cesu.ContractCheck) int {
		return cmp.Or(cmp.Compare(a.Employer, b.Employer), cmp.Compare(a.Employee, b.Employee))
	})
	return v, nil
}

// monthInterventions returns the CESU interventions of a recurring
// agreement's confirmed months: its sessions spread over each month, one
// a week when there are four or five, so that the weekly contract rule
// sees them as they happened.
func (s *Service) monthInterventions(ctx context.Context, x Exchange, activity string) ([]cesu.Intervention, error) {
	months, err := s.Months(ctx, s.store.DB(), x.ID)
	if err != nil {
		return nil, err
	}
	var out []cesu.Intervention
	for _, m := range months {
		if m.ConfirmedAt == nil {
			continue
		}
		mo, err := parseMonth(m.Month)
		if err != nil {
			return nil, err
		}
		days := int(mo.End().Sub(mo.Start()).Hours()/24 + 0.5)
		for k := range m.Sessions {
			out = append(out, cesu.Intervention{Employer: x.SeekerID, Employee: x.ProviderID,
				Date: mo.Start().AddDate(0, 0, k*days/m.Sessions), Minutes: x.Minutes, NetHourlyCents: x.HourlyCents, Activity: activity})
		}
	}
	return out, nil
}
