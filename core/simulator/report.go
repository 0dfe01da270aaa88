package simulator

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Report is a run's result: what was recorded, the baseline and the
// alternative side by side, and the exchanges that change.
type Report struct {
	// Territory and TerritoryName identify the territory.
	Territory     string `json:"territory"`
	TerritoryName string `json:"territory_name"`
	// From and To are the first and last days of the period (00:00,
	// Europe/Paris), both included.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Exchanges counts the period's agreed exchanges, all replayed.
	Exchanges int `json:"exchanges"`
	// Frozen totals what was recorded: the quotes frozen at acceptance.
	Frozen Totals `json:"frozen"`
	// Baseline and Alternative are the two scenarios and their totals.
	Baseline    ScenarioReport `json:"baseline"`
	Alternative ScenarioReport `json:"alternative"`
	// Changes counts the exchanges the alternative prices otherwise than
	// the baseline.
	Changes Changes `json:"changes"`
	// Differences lists changed exchanges, the largest change in the
	// resident's cost first, at most Options.MaxDifferences of them;
	// Truncated says some were left out (all are counted in Changes).
	Differences []Difference `json:"differences"`
	Truncated   bool         `json:"truncated,omitempty"`
	// FrozenUnderOtherRules counts the exchanges whose quote was frozen
	// with another module or configuration than the baseline's.
	FrozenUnderOtherRules int `json:"frozen_under_other_rules"`
	// Notes say how the figures were made, in French and English.
	Notes []Note `json:"notes"`
	// Quotes counts the plugin's quote calls of both scenarios.
	Quotes int64 `json:"quotes"`
	// Elapsed is the run's duration.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// ScenarioReport is one scenario as it ran.
type ScenarioReport struct {
	// Name is the scenario's name, in French and English.
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	// PluginID, PluginVersion and ModuleHash identify the module,
	// ConfigHash the configuration priced with (the commission rule
	// included when the scenario set it in the configuration).
	PluginID      string `json:"plugin_id"`
	PluginVersion string `json:"plugin_version"`
	ModuleHash    string `json:"module_hash"`
	ConfigHash    string `json:"config_hash"`
	// CurrentModule and CurrentConfig report the territory's own.
	CurrentModule bool `json:"current_module"`
	CurrentConfig bool `json:"current_config"`
	// CommissionBP is the scenario's commission, nil when it keeps the
	// plugin's; CommissionApplied is CommissionConfig or
	// CommissionPlatform.
	CommissionBP      *int64 `json:"commission_bp,omitempty"`
	CommissionApplied string `json:"commission_applied,omitempty"`
	// The scenario's other levers.
	SubscriptionCentsPerProMonth int64 `json:"subscription_cents_per_pro_month"`
	SubsidyCentsPerExchange      int64 `json:"subsidy_cents_per_exchange"`
	// Totals are the scenario's figures.
	Totals Totals `json:"totals"`
}

// Totals are the figures of the period under one set of rules.
type Totals struct {
	// Exchanges counts the exchanges priced; Refused those the rules
	// refuse (they count in no amount).
	Exchanges int `json:"exchanges"`
	Refused   int `json:"refused"`
	// TotalCents is the price of the services, every subsidy included.
	TotalCents int64 `json:"total_cents"`
	// CostCents is the cost to residents: what seekers pay.
	CostCents int64 `json:"cost_cents"`
	// CommissionCents, SubscriptionCents and their sum RevenueCents are the
	// platform's revenue.
	CommissionCents   int64 `json:"commission_cents"`
	SubscriptionCents int64 `json:"subscription_cents"`
	RevenueCents      int64 `json:"revenue_cents"`
	// PluginSubsidyCents (the territory's part of the quotes),
	// ExtraSubsidyCents (the scenario's subsidy per exchange) and their sum
	// SubsidyCents are what the communauté de communes pays.
	PluginSubsidyCents int64 `json:"plugin_subsidy_cents"`
	ExtraSubsidyCents  int64 `json:"extra_subsidy_cents"`
	SubsidyCents       int64 `json:"subsidy_cents"`
	// ProviderCents is what providers receive: the total less the
	// commission.
	ProviderCents int64 `json:"provider_cents"`
	// TimeCreditMinutes is the time credit transferred.
	TimeCreditMinutes int64 `json:"time_credit_minutes"`
	// ProMonths counts the subscriptions: for each professional, the months
	// in which they provided an exchange priced here.
	ProMonths int `json:"pro_months"`
}

// Changes counts how the alternative prices the exchanges, against the
// baseline.
type Changes struct {
	// Price: same mode, another amount. Mode: priced in another mode.
	Price int `json:"price"`
	Mode  int `json:"mode"`
	// Refused: the alternative refuses what the baseline prices; Accepted:
	// the reverse.
	Refused  int `json:"refused"`
	Accepted int `json:"accepted"`
	// Unchanged: the same price in the same mode, or refused by both.
	Unchanged int `json:"unchanged"`
}

// Total is the number of exchanges that change.
func (c Changes) Total() int { return c.Price + c.Mode + c.Refused + c.Accepted }

// Kinds of Difference.
const (
	ChangePrice    = "price"
	ChangeMode     = "mode"
	ChangeRefused  = "refused"
	ChangeAccepted = "accepted"
)

// Difference is one exchange the alternative prices otherwise.
type Difference struct {
	ExchangeID string    `json:"exchange_id"`
	CreatedAt  time.Time `json:"created_at"`
	Category   string    `json:"category"`
	Modality   string    `json:"modality"`
	// Kind is ChangePrice, ChangeMode, ChangeRefused or ChangeAccepted.
	Kind string `json:"kind"`
	// Before is the baseline's outcome, After the alternative's.
	Before Outcome `json:"before"`
	After  Outcome `json:"after"`
	// DeltaCostCents is After's payable less Before's (a refused exchange
	// costs nothing).
	DeltaCostCents int64 `json:"delta_cost_cents"`
}

// Note is a sentence that says how the figures were made.
type Note struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// Text returns the note in lang ("fr" or "en").
func (n Note) Text(lang string) string {
	if lang == "en" && n.EN != "" {
		return n.EN
	}
	return n.FR
}

// Line is one row of the side-by-side table.
type Line struct {
	// Key names the figure: exchanges, refused, total, cost, commission,
	// subscription, revenue, plugin_subsidy, extra_subsidy, subsidy,
	// provider, time_credits.
	Key string
	// Unit is "count", "cents" or "minutes".
	Unit string
	// Frozen (when HasFrozen), Baseline and Alternative are the figures.
	Frozen, Baseline, Alternative int64
	HasFrozen                     bool
}

// Delta is the alternative's figure less the baseline's.
func (l Line) Delta() int64 { return l.Alternative - l.Baseline }

// Lines returns the side-by-side table, in reading order: activity, cost to
// residents, revenue, subsidies, providers, time credits.
func (r *Report) Lines() []Line {
	f, b, a := &r.Frozen, &r.Baseline.Totals, &r.Alternative.Totals
	line := func(key, unit string, get func(*Totals) int64, frozen bool) Line {
		return Line{Key: key, Unit: unit, Frozen: get(f), Baseline: get(b), Alternative: get(a), HasFrozen: frozen}
	}
	return []Line{
		line("exchanges", "count", func(t *Totals) int64 { return int64(t.Exchanges) }, true),
		line("refused", "count", func(t *Totals) int64 { return int64(t.Refused) }, false),
		line("total", "cents", func(t *Totals) int64 { return t.TotalCents }, true),
		line("cost", "cents", func(t *Totals) int64 { return t.CostCents }, true),
		line("commission", "cents", func(t *Totals) int64 { return t.CommissionCents }, true),
		line("subscription", "cents", func(t *Totals) int64 { return t.SubscriptionCents }, false),
		line("revenue", "cents", func(t *Totals) int64 { return t.RevenueCents }, true),
		line("plugin_subsidy", "cents", func(t *Totals) int64 { return t.PluginSubsidyCents }, true),
		line("extra_subsidy", "cents", func(t *Totals) int64 { return t.ExtraSubsidyCents }, false),
		line("subsidy", "cents", func(t *Totals) int64 { return t.SubsidyCents }, true),
		line("provider", "cents", func(t *Totals) int64 { return t.ProviderCents }, true),
		line("time_credits", "minutes", func(t *Totals) int64 { return t.TimeCreditMinutes }, true),
	}
}

// compile fills r from the rows and both scenarios' outcomes.
func (r *Report) compile(rows []row, base, alt *prepared, pb, pa *priced, maxDiffs int) {
	r.Baseline = scenarioReport(base, rows, pb.outcomes)
	r.Alternative = scenarioReport(alt, rows, pa.outcomes)
	r.Quotes = pb.quotes + pa.quotes
	for i := range rows {
		x := &rows[i]
		f := &r.Frozen
		f.Exchanges++
		f.TotalCents += x.totalCents
		f.CostCents += x.payableCents
		f.CommissionCents += x.commissionCents
		f.PluginSubsidyCents += x.totalCents - x.payableCents
		f.ProviderCents += x.totalCents - x.commissionCents
		f.TimeCreditMinutes += int64(x.timeCreditMinutes)
		if x.moduleHash != base.module.Hash() || x.configHash != base.configHash {
			r.FrozenUnderOtherRules++
		}
		b, a := &pb.outcomes[i], &pa.outcomes[i]
		kind := ""
		switch {
		case b.Refused() && a.Refused():
		case a.Refused():
			kind, r.Changes.Refused = ChangeRefused, r.Changes.Refused+1
		case b.Refused():
			kind, r.Changes.Accepted = ChangeAccepted, r.Changes.Accepted+1
		case a.Mode != b.Mode:
			kind, r.Changes.Mode = ChangeMode, r.Changes.Mode+1
		case !a.same(b):
			kind, r.Changes.Price = ChangePrice, r.Changes.Price+1
		}
		if kind == "" {
			r.Changes.Unchanged++
			continue
		}
		r.Differences = append(r.Differences, Difference{ExchangeID: x.id, CreatedAt: x.createdAt, Category: x.category,
			Modality: x.modality, Kind: kind, Before: *b, After: *a, DeltaCostCents: a.PayableCents - b.PayableCents})
	}
	f := &r.Frozen
	f.SubsidyCents, f.RevenueCents = f.PluginSubsidyCents, f.CommissionCents
	slices.SortStableFunc(r.Differences, func(x, y Difference) int {
		return cmp.Compare(abs(y.DeltaCostCents), abs(x.DeltaCostCents))
	})
	if r.Differences == nil {
		r.Differences = []Difference{}
	}
	if len(r.Differences) > maxDiffs {
		r.Differences, r.Truncated = r.Differences[:maxDiffs], true
	}
	r.Notes = notes(r, base, alt)
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// scenarioReport totals one scenario's outcomes.
func scenarioReport(p *prepared, rows []row, outcomes []Outcome) ScenarioReport {
	man := p.module.Manifest()
	sr := ScenarioReport{Name: p.name[0], NameEN: p.name[1], PluginID: man.ID, PluginVersion: man.Version,
		ModuleHash: p.module.Hash(), ConfigHash: p.configHash, CurrentModule: p.currentModule, CurrentConfig: p.currentConfig,
		CommissionBP: p.sc.CommissionBP, CommissionApplied: p.commission,
		SubscriptionCentsPerProMonth: p.sc.SubscriptionCentsPerProMonth, SubsidyCentsPerExchange: p.sc.SubsidyCentsPerExchange}
	t := &sr.Totals
	proMonths := map[string]bool{}
	for i := range outcomes {
		o := &outcomes[i]
		if o.Refused() {
			t.Refused++
			continue
		}
		t.Exchanges++
		t.TotalCents += o.TotalCents
		t.CostCents += o.PayableCents
		t.CommissionCents += o.CommissionCents
		t.PluginSubsidyCents += o.SubsidyCents
		t.ExtraSubsidyCents += o.ExtraSubsidyCents
		t.ProviderCents += o.TotalCents - o.CommissionCents
		t.TimeCreditMinutes += int64(o.TimeCreditMinutes)
		if rows[i].modality == abi.ModalityProfessional {
			proMonths[rows[i].providerID+" "+rows[i].createdAt.In(paris).Format("2006-01")] = true
		}
	}
	t.ProMonths = len(proMonths)
	t.SubscriptionCents = int64(t.ProMonths) * p.sc.SubscriptionCentsPerProMonth
	t.RevenueCents = t.CommissionCents + t.SubscriptionCents
	t.SubsidyCents = t.PluginSubsidyCents + t.ExtraSubsidyCents
	return sr
}

// notes explain the report's figures.
func notes(r *Report, base, alt *prepared) []Note {
	out := []Note{{
		FR: fmt.Sprintf("Échanges de la période : %d échanges conclus (devis figé à l'acceptation), demandés du %s au %s inclus ; les échanges annulés sont exclus, un accord régulier compte pour son devis d'un mois. Chacun est rechiffré par le plugin lui-même, avec la demande enregistrée avec son devis.",
			r.Exchanges, frenchDay(r.From), frenchDay(r.To)),
		EN: fmt.Sprintf("The period's exchanges: %d agreed exchanges (quote frozen at acceptance), requested from %s to %s included; cancelled exchanges are left out, a recurring agreement counts for its one-month quote. Each is priced again by the plugin itself, from the request stored with its quote.",
			r.Exchanges, r.From.Format(time.DateOnly), r.To.Format(time.DateOnly)),
	}}
	if r.FrozenUnderOtherRules > 0 {
		out = append(out, Note{
			FR: fmt.Sprintf("%d échange(s) ont été figés avec d'autres règles (module ou configuration) que celles de la référence : la colonne « Enregistré » peut différer de la référence.", r.FrozenUnderOtherRules),
			EN: fmt.Sprintf("%d exchange(s) were frozen under other rules (module or configuration) than the baseline's: the Recorded column may differ from the baseline.", r.FrozenUnderOtherRules),
		})
	}
	for _, p := range []*prepared{base, alt} {
		out = append(out, leverNotes(p)...)
	}
	if r.Changes.Mode+r.Changes.Refused+r.Changes.Accepted > 0 {
		out = append(out, Note{
			FR: "Quand des règles n'acceptent plus le mode de paiement d'un échange, il est chiffré dans le premier mode qu'elles proposent pour sa catégorie (au tarif de la grille) ; si aucun n'est possible, l'échange est compté comme refusé et n'entre dans aucun montant.",
			EN: "When rules no longer accept an exchange's payment mode, it is priced in the first mode they offer for its category (at the grid's rate); if none is possible, the exchange counts as refused and in no amount.",
		})
	}
	return out
}

// leverNotes say how a scenario's levers were applied.
func leverNotes(p *prepared) []Note {
	var out []Note
	name, nameEN := p.name[0], p.name[1]
	id := p.module.Manifest().ID
	if bp := p.sc.CommissionBP; bp != nil {
		switch p.commission {
		case CommissionConfig:
			out = append(out, Note{
				FR: fmt.Sprintf("%s : commission de %s sur les services des professionnels, sans plafond ; elle remplace la règle « commission » de la configuration du plugin %s, qui la calcule avec ses propres exceptions (par exemple une commission offerte aux professionnels déclarés services à la personne) et l'ajoute au prix payé par l'habitant.", name, Percent(*bp), id),
				EN: fmt.Sprintf("%s: a %s commission on professionals' services, uncapped; it replaces the \"commission\" rule of plugin %s's configuration, which computes it with its own exceptions (such as a commission waived for professionals declared for services à la personne) and adds it to the price the resident pays.", nameEN, Percent(*bp), id),
			})
		case CommissionPlatform:
			out = append(out, Note{
				FR: fmt.Sprintf("%s : le plugin %s ne lit pas de commission dans sa configuration ; la plateforme remplace donc sa commission, sur les services payants des professionnels, par %s du montant du devis hors commission, ajoutés au prix payé par l'habitant.", name, id, Percent(*bp)),
				EN: fmt.Sprintf("%s: plugin %s reads no commission from its configuration; the platform therefore replaces its commission, on professionals' paid services, by %s of the quote's amount before commission, added to the price the resident pays.", nameEN, id, Percent(*bp)),
			})
		}
	}
	if s := p.sc.SubscriptionCentsPerProMonth; s > 0 {
		out = append(out, Note{
			FR: fmt.Sprintf("%s : abonnement de %s par mois et par professionnel, compté pour chaque mois où il a rendu au moins un service de la période ; il ne change aucun prix.", name, Euros(s)),
			EN: fmt.Sprintf("%s: a subscription of %s a month per professional, counted for each month in which they provided at least one service of the period; it changes no price.", nameEN, Euros(s)),
		})
	}
	if s := p.sc.SubsidyCentsPerExchange; s > 0 {
		out = append(out, Note{
			FR: fmt.Sprintf("%s : la communauté de communes paie %s de chaque échange où l'habitant paie quelque chose, au plus ce qu'il paie ; appliqué par la plateforme après le devis du plugin (le crédit d'impôt estimé n'est pas recalculé).", name, Euros(s)),
			EN: fmt.Sprintf("%s: the communauté de communes pays %s of each exchange where the resident pays something, at most what they pay; applied by the platform after the plugin's quote (the estimated tax credit is not recomputed).", nameEN, Euros(s)),
		})
	}
	return out
}

// Euros writes cents the French way: "1 234,50 €", "-3,05 €" (no-break
// spaces).
func Euros(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return sign + Thousands(cents/100) + "," + fmt.Sprintf("%02d", cents%100) + "\u00a0€"
}

// Thousands writes n with a narrow no-break space between thousands, the
// French way: "12 345".
func Thousands(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// Percent writes basis points as a French percentage: "5 %", "2,5 %".
func Percent(bp int64) string {
	s := strconv.FormatInt(bp/100, 10)
	if r := bp % 100; r != 0 {
		if r < 0 {
			r = -r
		}
		s += "," + strings.TrimRight(fmt.Sprintf("%02d", r), "0")
	}
	return s + "\u00a0%"
}

// frenchDay writes a day as 01/09/2026.
func frenchDay(t time.Time) string { return t.In(paris).Format("02/01/2006") }
