package web

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/simulator"
	"github.com/campagnon/campagnon/core/territory"
)

// The economic-model simulator's page, for the territory's admins (the
// observatory's right): a GET form (period, commission, subscription,
// subsidy per exchange) and, once sent, the side-by-side table of the
// recorded amounts, the rules in force and the scenario, the exchanges
// that change and how the figures are made. The simulator replays the
// period through the territory's plugin (core/simulator); it writes
// nothing, so the form is a GET, bookmarkable, without CSRF token.
func (p *pages) registerSimulator(add adder) {
	add(fiber.MethodGet, "/t/:territory/simulateur", api.Member, "observatory", "read", p.simulatorPage)
}

// Simulator runs the economic-model simulator: core/simulator's Service.
type Simulator interface {
	Run(ctx context.Context, req simulator.Request) (*simulator.Report, error)
}

// Bounds of the page.
const (
	// simDifferences is how many changed exchanges the page lists.
	simDifferences = 50
	// simDefaultMonths is the default period: the last whole months.
	simDefaultMonths = 3
)

// simForm is the scenario's form, as typed.
type simForm struct {
	From, To, Commission, Subscription, Subsidy string
}

// simLine is one row of the side-by-side table, formatted.
type simLine struct {
	Label, Frozen, Baseline, Alternative, Delta string
}

// simDiff is one changed exchange, formatted.
type simDiff struct {
	Date, Category, Modality, Kind, Before, After, Delta, Detail string
}

// simView is the result's part of the page.
type simView struct {
	Period      string
	Rules       []string // "name: description", baseline then alternative
	Lines       []simLine
	ShowFrozen  bool
	Changes     simulator.Changes
	Differences []simDiff
	More        string
	Notes       []string
}

// simulatorPage shows the form and, once sent, the simulation.
func (p *pages) simulatorPage(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("sim.title") + " — " + t.Name
	f := simForm{From: strings.TrimSpace(c.Query("du")), To: strings.TrimSpace(c.Query("au")), Commission: strings.TrimSpace(c.Query("commission")),
		Subscription: strings.TrimSpace(c.Query("abonnement")), Subsidy: strings.TrimSpace(c.Query("aide"))}
	sent := f.From != "" || f.To != ""
	if !sent {
		f.From, f.To = defaultPeriod(time.Now())
	}
	body := map[string]any{"Form": f}
	v.Body = body
	sim := p.d.Simulator
	if sim == nil {
		body["Unavailable"] = true
		v.status = fiber.StatusServiceUnavailable
		return p.render(c, v, "simulator.html")
	}
	if !sent {
		return p.render(c, v, "simulator.html")
	}
	req, err := f.request(t.Slug, v.Lang)
	if err == nil {
		var r *simulator.Report
		if r, err = sim.Run(c.UserContext(), req); err == nil {
			body["R"] = p.simView(c, v, t, r)
			return p.render(c, v, "simulator.html")
		}
	}
	switch apperr.KindOf(err) {
	case apperr.KindInvalid, apperr.KindTooLarge, apperr.KindUnavailable:
		// A scenario to change, a period too long, another run in
		// progress: said above the form, which keeps what was typed.
		v.Errors = problems(err, v.Lang)
		v.status = fiber.StatusUnprocessableEntity
		if apperr.KindOf(err) == apperr.KindUnavailable {
			v.status = fiber.StatusServiceUnavailable
		}
		return p.render(c, v, "simulator.html")
	}
	return err
}

// defaultPeriod is the last simDefaultMonths whole months before now, in
// France.
func defaultPeriod(now time.Time) (string, string) {
	n := now.In(paris)
	first := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, paris)
	return first.AddDate(0, -simDefaultMonths, 0).Format(time.DateOnly), first.AddDate(0, 0, -1).Format(time.DateOnly)
}

// request reads the form into a simulation of the territory: the rules in
// force against the scenario.
func (f simForm) request(slug, lang string) (simulator.Request, error) {
	req := simulator.Request{Territory: slug}
	label := func(key string) string { return tr(lang, key) }
	var err error
	if req.From, err = simulator.Day(f.From, label("sim.from")); err != nil {
		return req, err
	}
	if req.To, err = simulator.Day(f.To, label("sim.to")); err != nil {
		return req, err
	}
	alt := &req.Alternative
	if f.Commission != "" {
		bp, err := simulator.ParsePercent(f.Commission, label("sim.commission"))
		if err != nil {
			return req, err
		}
		alt.CommissionBP = &bp
	}
	if f.Subscription != "" {
		if alt.SubscriptionCentsPerProMonth, err = simulator.ParseEuros(f.Subscription, label("sim.subscription")); err != nil {
			return req, err
		}
	}
	if f.Subsidy != "" {
		if alt.SubsidyCentsPerExchange, err = simulator.ParseEuros(f.Subsidy, label("sim.subsidy")); err != nil {
			return req, err
		}
	}
	return req, nil
}

// simView formats a report for the page in v's language.
func (p *pages) simView(c *fiber.Ctx, v *view, t *territory.Territory, r *simulator.Report) *simView {
	sv := &simView{Changes: r.Changes,
		Period: fmt.Sprintf(v.T("sim.period"), r.From.Format("02/01/2006"), r.To.Format("02/01/2006"), r.Exchanges, r.Quotes)}
	sv.Rules = []string{v.T("sim.col.baseline") + " : " + describe(v, &r.Baseline), v.T("sim.col.alternative") + " : " + describe(v, &r.Alternative)}
	if v.Lang == "en" {
		for i := range sv.Rules {
			sv.Rules[i] = strings.Replace(sv.Rules[i], " : ", ": ", 1)
		}
	}
	for _, l := range r.Lines() {
		sl := simLine{Label: v.T("sim.row." + l.Key), Frozen: "—", Baseline: simFigure(l.Unit, l.Baseline, false),
			Alternative: simFigure(l.Unit, l.Alternative, false), Delta: simFigure(l.Unit, l.Delta(), true)}
		if l.HasFrozen {
			sl.Frozen = simFigure(l.Unit, l.Frozen, false)
			sv.ShowFrozen = sv.ShowFrozen || l.Frozen != l.Baseline
		}
		sv.Lines = append(sv.Lines, sl)
	}
	labels := p.categoryLabels(c, v, t)
	for i, d := range r.Differences {
		if i == simDifferences {
			break
		}
		cat := d.Category
		if l, ok := labels[cat]; ok {
			cat = l
		}
		sv.Differences = append(sv.Differences, simDiff{Date: d.CreatedAt.In(paris).Format("02/01/2006"), Category: cat,
			Modality: v.T("modality." + d.Modality), Kind: v.T("sim.kind." + d.Kind), Before: simOutcome(v, d.Before), After: simOutcome(v, d.After),
			Delta: simFigure("cents", d.DeltaCostCents, true), Detail: simDetail(v, d)})
	}
	if rest := r.Changes.Total() - len(sv.Differences); rest > 0 {
		sv.More = fmt.Sprintf(v.T("sim.diff.more"), rest)
	}
	for _, n := range r.Notes {
		sv.Notes = append(sv.Notes, n.Text(v.Lang))
	}
	return sv
}

// categoryLabels names the territory's categories in v's language, from
// its plugin; none when the plugin cannot say (the IDs are shown).
func (p *pages) categoryLabels(c *fiber.Ctx, v *view, t *territory.Territory) map[string]string {
	out := map[string]string{}
	cats, err := p.d.Rules.Categories(c.UserContext(), t.Slug)
	if err != nil {
		return out
	}
	for _, cat := range cats.Categories {
		out[cat.ID] = cat.Label
		if v.Lang == "en" && cat.LabelEN != "" {
			out[cat.ID] = cat.LabelEN
		}
	}
	return out
}

// describe says what a scenario runs, in v's language.
func describe(v *view, s *simulator.ScenarioReport) string {
	parts := []string{s.PluginID + " " + s.PluginVersion}
	if !s.CurrentModule {
		parts = append(parts, v.T("sim.desc.othermodule"))
	}
	if s.CurrentConfig {
		parts = append(parts, v.T("sim.desc.current"))
	} else {
		parts = append(parts, v.T("sim.desc.given"))
	}
	if s.CommissionBP != nil {
		parts = append(parts, fmt.Sprintf(v.T("sim.desc.commission."+s.CommissionApplied), simulator.Percent(*s.CommissionBP)))
	}
	if s.SubscriptionCentsPerProMonth > 0 {
		parts = append(parts, fmt.Sprintf(v.T("sim.desc.subscription"), simulator.Euros(s.SubscriptionCentsPerProMonth)))
	}
	if s.SubsidyCentsPerExchange > 0 {
		parts = append(parts, fmt.Sprintf(v.T("sim.desc.subsidy"), simulator.Euros(s.SubsidyCentsPerExchange)))
	}
	return strings.Join(parts, ", ")
}

// simFigure writes one figure; signed puts a + before a rise.
func simFigure(unit string, n int64, signed bool) string {
	var s string
	switch unit {
	case "cents":
		s = simulator.Euros(n)
	case "minutes":
		if n < 0 {
			s = "-" + hoursText(-n)
		} else {
			s = hoursText(n)
		}
	default:
		s = simulator.Thousands(n)
	}
	if signed && n > 0 {
		s = "+" + s
	}
	return s
}

// simOutcome writes how a set of rules prices an exchange: its mode and
// the resident's cost, or refused.
func simOutcome(v *view, o simulator.Outcome) string {
	if o.Refused() {
		return v.T("sim.refused")
	}
	return v.T("mode."+o.Mode) + " · " + simulator.Euros(o.PayableCents)
}

// simDetail says why an exchange changes: the rule that refuses it, or
// the amounts that move.
func simDetail(v *view, d simulator.Difference) string {
	refusal := func(o simulator.Outcome) string {
		if v.Lang == "en" && o.Refusal.MessageEN != "" {
			return o.Refusal.MessageEN
		}
		return o.Refusal.Message
	}
	switch {
	case d.After.Refused():
		return refusal(d.After)
	case d.Before.Refused():
		return refusal(d.Before)
	}
	var parts []string
	if d.Before.CommissionCents != d.After.CommissionCents {
		parts = append(parts, v.T("sim.row.commission")+" "+simulator.Euros(d.Before.CommissionCents)+" → "+simulator.Euros(d.After.CommissionCents))
	}
	if b, a := d.Before.SubsidyCents+d.Before.ExtraSubsidyCents, d.After.SubsidyCents+d.After.ExtraSubsidyCents; b != a {
		parts = append(parts, v.T("sim.row.subsidy")+" "+simulator.Euros(b)+" → "+simulator.Euros(a))
	}
	if d.Before.TotalCents != d.After.TotalCents {
		parts = append(parts, v.T("sim.row.total")+" "+simulator.Euros(d.Before.TotalCents)+" → "+simulator.Euros(d.After.TotalCents))
	}
	return strings.Join(parts, " ; ")
}
