// Package simulator is the economic-model simulator of a territory, for its
// admins and the operators: it replays the exchanges of a period under
// another plugin or configuration — a platform commission of x %, a
// subscription for professionals, a subsidy per exchange paid by the
// communauté de communes, a different price grid — and reports, side by
// side with the current rules and with what was recorded, the cost to
// residents, the platform's revenue and the territory's subsidies, and the
// exchanges whose price or payment mode would change.
//
// Every exchange is priced again by the real plugin in the plugin host
// (core/pluginhost): the figures are the plugin's quotes, never a
// reimplementation of its grid. Nothing is written: the territory's rules
// stay what they are.
//
// Definitions (the words of the report mean exactly this):
//
//   - The exchanges of a period are those requested from its first day to
//     its last day included (Europe/Paris), by the date of the request,
//     that were agreed: they carry the quote frozen at acceptance. Cancelled
//     exchanges are left out (no service, no money); declined and expired
//     requests have no quote. A recurring agreement counts once, at its
//     frozen price (the sessions of one month).
//   - Each exchange is replayed with the plugin input stored with its frozen
//     quote (category, modality, mode, minutes, occurrences, distance,
//     hourly amount, provider's status, time of the quote), under the
//     scenario's module and configuration.
//   - When a scenario's rules refuse an exchange's payment mode, it is
//     priced in the first mode those rules offer for its category and
//     modality (the plugin's order of preference), at the grid's rate; when
//     none is accepted, the exchange is refused and counts in no amount.
//   - Cost to residents is the sum of what seekers pay (payable); revenue is
//     the platform's commission plus the professionals' subscriptions;
//     subsidies are the plugin's (the territory's part of each quote) plus
//     the scenario's subsidy per exchange.
//
// How the scenario's levers apply:
//
//   - Commission: when the plugin reads a commission from its configuration
//     (the standard plugin and both pilots: key "commission"), the scenario
//     replaces that key with one rule, percent_bp of the professionals'
//     services without cap, and the plugin computes it (with its own
//     exceptions, such as the Portes de Sologne's waiver for professionals
//     declared for services à la personne). Otherwise the platform replaces
//     the plugin's commission on professionals' paid exchanges by the
//     percentage of the quote's amount before commission, added to the
//     price; the report says which.
//   - Subsidy per exchange: on every exchange where the resident pays
//     something, the territory pays that amount of it, at most what the
//     resident pays. It is applied by the platform on top of the plugin's
//     quote, whatever the plugin: a configuration's subsidy list cannot be
//     extended without knowing the plugin's defaults.
//   - Subscription: each professional pays it for every month (Europe/Paris)
//     in which they provided at least one exchange of the period; it
//     changes no price.
//
// The period's exchanges are read with one bounded query (SQLite and
// PostgreSQL alike); a run is bounded in exchanges (MaxExchanges) and in
// time (TimeBudget), and only one run at a time per Service uses the
// plugin host, so that a simulation never starves residents' quotes.
package simulator

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zone database

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Bounds of a run.
const (
	// MaxExchanges is the most exchanges a run replays, by default: beyond
	// it the run is refused (shorten the period) rather than read into
	// memory.
	MaxExchanges = 100_000
	// TimeBudget is how long a run may take, by default.
	TimeBudget = 2 * time.Minute
	// MaxDifferences is how many changed exchanges a report lists, by
	// default (all are counted).
	MaxDifferences = 1_000
	// MaxYears is the longest period, in years.
	MaxYears = 2
	// MaxCommissionBP is the highest commission, in basis points (50 %,
	// the standard plugin's own bound).
	MaxCommissionBP = 5000
	// MaxAmountCents bounds a subscription or a subsidy per exchange
	// (10,000 €).
	MaxAmountCents = 1_000_000
	// maxConfigBytes bounds a scenario's configuration, as rules does.
	maxConfigBytes = 64 << 10
)

// paris is the zone of days and months.
var paris = mustLoadParis()

func mustLoadParis() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic("simulator: Europe/Paris is missing although time/tzdata is embedded: " + err.Error())
	}
	return loc
}

// Options bounds a Service's runs; the zero value of a field means its
// default.
type Options struct {
	// MaxExchanges bounds the exchanges of a run (MaxExchanges).
	MaxExchanges int
	// TimeBudget bounds a run's duration (TimeBudget).
	TimeBudget time.Duration
	// MaxDifferences bounds the changed exchanges listed (MaxDifferences).
	MaxDifferences int
	// Workers is how many quotes are computed at once; default
	// GOMAXPROCS, at most 8. The plugin host's instance pool bounds them
	// anyway.
	Workers int
}

func (o Options) withDefaults() Options {
	if o.MaxExchanges <= 0 {
		o.MaxExchanges = MaxExchanges
	}
	if o.TimeBudget <= 0 {
		o.TimeBudget = TimeBudget
	}
	if o.MaxDifferences <= 0 {
		o.MaxDifferences = MaxDifferences
	}
	if o.Workers <= 0 {
		o.Workers = min(runtime.GOMAXPROCS(0), 8)
	}
	return o
}

// Service runs simulations. It is safe for concurrent use; runs are
// admitted one at a time.
type Service struct {
	store       *store.Store
	host        *pluginhost.Host
	rules       *rules.Service
	territories *territory.Service
	opts        Options
	// running admits one run at a time: a run keeps every instance of a
	// module busy.
	running chan struct{}
	now     func() time.Time
}

// NewService returns a Service reading st, running plugins in host; r
// names the default module of territories without rules of their own, ts
// finds territories.
func NewService(st *store.Store, host *pluginhost.Host, r *rules.Service, ts *territory.Service, o Options) *Service {
	return &Service{store: st, host: host, rules: r, territories: ts, opts: o.withDefaults(),
		running: make(chan struct{}, 1), now: time.Now}
}

// Scenario is a set of rules to price the period's exchanges with: a
// module and configuration (the territory's current ones by default) and
// the platform's levers.
type Scenario struct {
	// Name names the scenario in the report; empty means "Référence" for
	// the baseline and "Scénario" for the alternative.
	Name string `json:"name"`
	// Module is a plugin module's bytes (.wasm); nil means the territory's
	// current module. Signature is its signature, if any.
	Module    []byte `json:"-"`
	Signature []byte `json:"-"`
	// Config is the plugin configuration (a JSON object) to price with, as
	// `territory set-plugin` would set it; nil means the territory's
	// current configuration.
	Config json.RawMessage `json:"-"`
	// CommissionBP is the platform's commission on professionals' services,
	// in basis points (500 = 5 %), 0 to MaxCommissionBP; nil leaves the
	// plugin's commission as it is.
	CommissionBP *int64 `json:"commission_bp,omitempty"`
	// SubscriptionCentsPerProMonth is what each professional pays for each
	// month they provide a service (0: none).
	SubscriptionCentsPerProMonth int64 `json:"subscription_cents_per_pro_month,omitempty"`
	// SubsidyCentsPerExchange is what the territory pays on each exchange
	// where the resident pays something, at most that (0: none).
	SubsidyCentsPerExchange int64 `json:"subsidy_cents_per_exchange,omitempty"`
}

// Request is one run: a territory, a period and two scenarios.
type Request struct {
	// Territory is the territory's slug.
	Territory string
	// From and To are the first and last days of the period, both included:
	// their dates in Europe/Paris count, not their times.
	From, To time.Time
	// Baseline is the reference, usually the zero Scenario: the current
	// rules. Alternative is the scenario compared with it.
	Baseline, Alternative Scenario
	// Progress, when set, is told how the run goes (from the run's
	// goroutines, one call at a time).
	Progress func(Progress)
}

// Progress is how far a run has gone.
type Progress struct {
	// Phase is "read" (the period's exchanges read), "baseline" or
	// "alternative" (pricing).
	Phase string
	// Done of Total exchanges are priced in this phase.
	Done, Total int
}

// Day parses a day written YYYY-MM-DD, as the command and the page take
// it, with a message in French and English naming the field what.
func Day(s, what string) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, s, paris)
	if err != nil || d.Year() < 2000 || d.Year() > 2100 {
		return time.Time{}, apperr.New(apperr.KindInvalid, "simulation_day",
			fmt.Sprintf("%s : date illisible (%q) ; écrivez-la AAAA-MM-JJ, par exemple 2026-09-01.", what, s),
			fmt.Sprintf("%s: unreadable date (%q); write it YYYY-MM-DD, such as 2026-09-01.", what, s))
	}
	return d, nil
}

// ParsePercent reads a percentage as the command and the page take it
// ("5", "2,5", "2.5", "5 %") and returns it in basis points, with a message in
// French and English naming the field what.
func ParsePercent(s, what string) (int64, error) {
	bp, ok := parseHundredths(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")))
	if !ok {
		return 0, apperr.New(apperr.KindInvalid, "simulation_percent",
			fmt.Sprintf("%s : valeur illisible (%q) ; un pourcentage comme 5 ou 2,5.", what, s),
			fmt.Sprintf("%s: unreadable value (%q); a percentage such as 5 or 2.5.", what, s))
	}
	return bp, nil
}

// ParseEuros reads an amount in euros ("15", "15,50", "15.5", "15 €") and
// returns it in cents, with a message in French and English naming the
// field what.
func ParseEuros(s, what string) (int64, error) {
	cents, ok := parseHundredths(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "€")))
	if !ok {
		return 0, apperr.New(apperr.KindInvalid, "simulation_amount",
			fmt.Sprintf("%s : valeur illisible (%q) ; un montant en euros comme 15 ou 2,50.", what, s),
			fmt.Sprintf("%s: unreadable value (%q); an amount in euros such as 15 or 2.50.", what, s))
	}
	return cents, nil
}

// parseHundredths reads a non-negative decimal number with at most two
// decimals (comma or dot) as hundredths, without floating point.
func parseHundredths(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 9 || len(frac) > 2 || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	frac += strings.Repeat("0", 2-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, true
}

// period returns the first instant of from's day and the first instant
// after to's day, in Europe/Paris.
func period(from, to time.Time) (time.Time, time.Time) {
	f, t := from.In(paris), to.In(paris)
	return time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, paris), time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, paris)
}

// check refuses a request that cannot run, in French and English.
func (r *Request) check() error {
	switch {
	case r.Territory == "":
		return apperr.New(apperr.KindInvalid, "simulation_territory", "Indiquez le territoire de la simulation.", "Give the simulation's territory.")
	case r.From.IsZero() || r.To.IsZero():
		return apperr.New(apperr.KindInvalid, "simulation_period",
			"Indiquez la période de la simulation : son premier et son dernier jour.", "Give the simulation's period: its first and last days.")
	}
	from, end := period(r.From, r.To)
	switch {
	case !end.After(from):
		return apperr.New(apperr.KindInvalid, "simulation_period",
			fmt.Sprintf("La période finit (%s) avant de commencer (%s) : vérifiez les deux dates.", frenchDay(r.To), frenchDay(r.From)),
			fmt.Sprintf("The period ends (%s) before it starts (%s): check both dates.", r.To.In(paris).Format(time.DateOnly), r.From.In(paris).Format(time.DateOnly)))
	case end.After(from.AddDate(MaxYears, 0, 1)):
		return apperr.New(apperr.KindInvalid, "simulation_period",
			fmt.Sprintf("La simulation porte sur %d ans au plus : du %s au %s, c'est trop long. Raccourcissez la période.", MaxYears, frenchDay(r.From), frenchDay(r.To)),
			fmt.Sprintf("A simulation covers at most %d years: %s to %s is too long. Shorten the period.", MaxYears,
				r.From.In(paris).Format(time.DateOnly), r.To.In(paris).Format(time.DateOnly)))
	}
	for _, sc := range []*Scenario{&r.Baseline, &r.Alternative} {
		if err := sc.check(); err != nil {
			return err
		}
	}
	return nil
}

// check refuses levers out of bounds.
func (sc *Scenario) check() error {
	if sc.CommissionBP != nil && (*sc.CommissionBP < 0 || *sc.CommissionBP > MaxCommissionBP) {
		return apperr.New(apperr.KindInvalid, "simulation_commission",
			fmt.Sprintf("La commission va de 0 à %d %% (%s demandé).", MaxCommissionBP/100, Percent(*sc.CommissionBP)),
			fmt.Sprintf("The commission is 0 to %d%% (%s asked).", MaxCommissionBP/100, Percent(*sc.CommissionBP)))
	}
	for _, v := range []struct {
		cents        int64
		code, fr, en string
	}{
		{sc.SubscriptionCentsPerProMonth, "simulation_subscription", "L'abonnement mensuel des professionnels", "The professionals' monthly subscription"},
		{sc.SubsidyCentsPerExchange, "simulation_subsidy", "L'aide par échange", "The subsidy per exchange"},
	} {
		if v.cents < 0 || v.cents > MaxAmountCents {
			return apperr.New(apperr.KindInvalid, v.code,
				fmt.Sprintf("%s va de 0 à %s (%s demandé).", v.fr, Euros(MaxAmountCents), Euros(v.cents)),
				fmt.Sprintf("%s is 0 to %s (%s asked).", v.en, Euros(MaxAmountCents), Euros(v.cents)))
		}
	}
	return nil
}

// Run replays the period's exchanges of the territory under the baseline
// and the alternative and reports both, with what was recorded. Invalid
// requests are refused with apperr.KindInvalid; a configuration or module
// the plugin host refuses with apperr.KindInvalid too; a period with more
// than Options.MaxExchanges exchanges, or a run past Options.TimeBudget,
// with apperr.KindTooLarge; another run in progress past ctx's end with
// apperr.KindUnavailable.
func (s *Service) Run(ctx context.Context, req Request) (*Report, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	t, err := s.territories.Lookup(ctx, req.Territory, true)
	if err != nil {
		return nil, err
	}
	select {
	case s.running <- struct{}{}:
	case <-ctx.Done():
		return nil, apperr.New(apperr.KindUnavailable, "simulation_busy",
			"Une autre simulation est en cours : réessayez dans un instant.", "Another simulation is running: try again in a moment.")
	}
	defer func() { <-s.running }()

	start := s.now()
	ctx, cancel := context.WithTimeout(ctx, s.opts.TimeBudget)
	defer cancel()
	r, err := s.run(ctx, t, req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded && apperr.KindOf(err) != apperr.KindInvalid {
			return nil, apperr.Wrap(err, apperr.KindTooLarge, "simulation_too_long",
				fmt.Sprintf("La simulation a dépassé le temps qui lui est alloué (%s) : raccourcissez la période.", s.opts.TimeBudget),
				fmt.Sprintf("The simulation took longer than allowed (%s): shorten the period.", s.opts.TimeBudget))
		}
		return nil, err
	}
	r.Elapsed = s.now().Sub(start)
	return r, nil
}

// run does Run's work once admitted.
func (s *Service) run(ctx context.Context, t *territory.Territory, req Request) (*Report, error) {
	from, end := period(req.From, req.To)
	cur, err := s.current(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	at := abiTerritory(t)
	base, err := s.prepare(ctx, at, cur, req.Baseline, "Référence", "Baseline")
	if err != nil {
		return nil, err
	}
	defer base.release()
	alt, err := s.prepare(ctx, at, cur, req.Alternative, "Scénario", "Scenario")
	if err != nil {
		return nil, err
	}
	defer alt.release()

	rows, err := s.read(ctx, t.ID, from, end)
	if err != nil {
		return nil, err
	}
	progress := func(p Progress) {
		if req.Progress != nil {
			req.Progress(p)
		}
	}
	progress(Progress{Phase: "read", Done: len(rows), Total: len(rows)})
	pBase, err := s.price(ctx, base, rows, func(done int) { progress(Progress{Phase: "baseline", Done: done, Total: len(rows)}) })
	if err != nil {
		return nil, err
	}
	pAlt, err := s.price(ctx, alt, rows, func(done int) { progress(Progress{Phase: "alternative", Done: done, Total: len(rows)}) })
	if err != nil {
		return nil, err
	}
	r := &Report{Territory: t.Slug, TerritoryName: t.Name, From: from, To: end.AddDate(0, 0, -1), Exchanges: len(rows)}
	r.compile(rows, base, alt, pBase, pAlt, s.opts.MaxDifferences)
	return r, nil
}

// abiTerritory is the territory as plugins see it.
func abiTerritory(t *territory.Territory) abi.Territory {
	at := abi.Territory{Slug: t.Slug, Name: t.Name}
	if t.EPCISIREN != nil {
		at.EPCI = *t.EPCISIREN
	}
	return at
}
