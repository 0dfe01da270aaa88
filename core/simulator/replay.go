package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/sdk/abi"
)

// cancelled is the one state of an agreed exchange left out: no service
// took place (core/exchange.Cancelled; core/simulator does not import the
// domain for a name).
const cancelled = "cancelled"

// exchangesQuery reads the period's agreed exchanges with their frozen
// quote: the plugin's input and answer, and the rules that made it. It is
// bounded by LIMIT; the request and result texts are decoded row by row
// and dropped, so that memory holds only what the replay needs.
const exchangesQuery = `SELECT e.id, e.provider_id, e.category, e.modality, e.mode, e.total_cents, e.payable_cents,
  e.time_credit_minutes, e.created_at, q.module_hash, q.config_hash, q.request, q.result
FROM exchanges e
JOIN quotes q ON q.id = e.quote_id
WHERE e.territory_id = ? AND e.created_at >= ? AND e.created_at < ? AND e.state <> ?
LIMIT ?`

// scanned is one row of exchangesQuery.
type scanned struct {
	ID                string    `bun:"id"`
	ProviderID        string    `bun:"provider_id"`
	Category          string    `bun:"category"`
	Modality          string    `bun:"modality"`
	Mode              string    `bun:"mode"`
	TotalCents        int64     `bun:"total_cents"`
	PayableCents      int64     `bun:"payable_cents"`
	TimeCreditMinutes int       `bun:"time_credit_minutes"`
	CreatedAt         time.Time `bun:"created_at"`
	ModuleHash        string    `bun:"module_hash"`
	ConfigHash        string    `bun:"config_hash"`
	Request           string    `bun:"request"`
	Result            string    `bun:"result"`
}

// row is one exchange of the period, as the replay needs it.
type row struct {
	id, providerID, category, modality, mode string
	createdAt                                time.Time
	// The frozen quote's figures.
	totalCents, payableCents, commissionCents int64
	timeCreditMinutes                         int
	moduleHash, configHash                    string
	// req is the plugin input stored with the frozen quote (its context
	// without the configuration).
	req abi.QuoteRequest
}

// frozenResult is what the replay reads of a frozen quote's answer.
type frozenResult struct {
	CommissionCents int64 `json:"commission_cents"`
}

// read returns the agreed exchanges of territoryID requested in [from,
// end), oldest first; more than the bound is refused.
func (s *Service) read(ctx context.Context, territoryID string, from, end time.Time) ([]row, error) {
	db := s.store.DB()
	max := s.opts.MaxExchanges
	rs, err := db.QueryContext(ctx, exchangesQuery, territoryID, from.UTC(), end.UTC(), cancelled, max+1)
	if err != nil {
		return nil, fmt.Errorf("simulator: read the exchanges: %w", err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		if len(out) == max {
			return nil, apperr.New(apperr.KindTooLarge, "simulation_too_large",
				fmt.Sprintf("La période compte plus de %d échanges : raccourcissez-la.", max),
				fmt.Sprintf("The period holds more than %d exchanges: shorten it.", max))
		}
		var sc scanned
		if err := db.ScanRow(ctx, rs, &sc); err != nil {
			return nil, fmt.Errorf("simulator: read an exchange: %w", err)
		}
		r := row{id: sc.ID, providerID: sc.ProviderID, category: sc.Category, modality: sc.Modality, mode: sc.Mode,
			createdAt: sc.CreatedAt, totalCents: sc.TotalCents, payableCents: sc.PayableCents, timeCreditMinutes: sc.TimeCreditMinutes,
			moduleHash: sc.ModuleHash, configHash: sc.ConfigHash}
		var res frozenResult
		if err := json.Unmarshal([]byte(sc.Request), &r.req); err != nil {
			return nil, fmt.Errorf("simulator: exchange %s: unreadable stored quote request: %w", sc.ID, err)
		}
		if err := json.Unmarshal([]byte(sc.Result), &res); err != nil {
			return nil, fmt.Errorf("simulator: exchange %s: unreadable stored quote: %w", sc.ID, err)
		}
		r.commissionCents = res.CommissionCents
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("simulator: read the exchanges: %w", err)
	}
	slices.SortFunc(out, func(a, b row) int {
		if c := a.createdAt.Compare(b.createdAt); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out, nil
}

// Outcome is how a scenario prices one exchange.
type Outcome struct {
	// Mode is the payment mode priced: the exchange's, or the one the
	// scenario's rules fall back to; empty when refused.
	Mode string `json:"mode,omitempty"`
	// TotalCents, SubsidyCents (the plugin's), PayableCents (after every
	// subsidy) and CommissionCents are the quote's amounts, with the
	// scenario's levers applied.
	TotalCents      int64 `json:"total_cents"`
	SubsidyCents    int64 `json:"subsidy_cents"`
	PayableCents    int64 `json:"payable_cents"`
	CommissionCents int64 `json:"commission_cents"`
	// ExtraSubsidyCents is the scenario's subsidy per exchange.
	ExtraSubsidyCents int64 `json:"extra_subsidy_cents,omitempty"`
	// TimeCreditMinutes is the time credit transferred.
	TimeCreditMinutes int `json:"time_credit_minutes,omitempty"`
	// Refusal is the rule that refuses the exchange, when refused.
	Refusal *abi.Refusal `json:"refusal,omitempty"`
}

// Refused reports that the scenario's rules refuse the exchange.
func (o *Outcome) Refused() bool { return o.Refusal != nil }

// same reports whether two outcomes are the same price in the same mode.
func (o *Outcome) same(p *Outcome) bool {
	return o.Mode == p.Mode && o.TotalCents == p.TotalCents && o.SubsidyCents+o.ExtraSubsidyCents == p.SubsidyCents+p.ExtraSubsidyCents &&
		o.PayableCents == p.PayableCents && o.CommissionCents == p.CommissionCents && o.TimeCreditMinutes == p.TimeCreditMinutes &&
		o.Refused() == p.Refused()
}

// priced is a scenario's outcomes for the period, in the rows' order.
type priced struct {
	outcomes []Outcome
	// quotes counts the plugin's quote calls.
	quotes int64
}

// price prices every row under p, Options.Workers at a time; the first
// plugin fault stops the run (a module faulting repeatedly would be cut
// off for every territory that runs it).
func (s *Service) price(ctx context.Context, p *prepared, rows []row, progress func(done int)) (*priced, error) {
	out := &priced{outcomes: make([]Outcome, len(rows))}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, done atomic.Int64
		mu         sync.Mutex // progress, firstErr
		firstErr   error
		wg         sync.WaitGroup
		modes      = &modeCache{m: map[string]modeAnswer{}}
	)
	step := int64(max(len(rows)/20, 500))
	for range min(s.opts.Workers, max(len(rows), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(rows) || ctx.Err() != nil {
					return
				}
				o, calls, err := s.priceOne(ctx, p, &rows[i], modes)
				atomic.AddInt64(&out.quotes, calls)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
				out.outcomes[i] = o
				if n := done.Add(1); n%step == 0 || int(n) == len(rows) {
					mu.Lock()
					progress(int(n))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		progress(0)
	}
	return out, nil
}

// modeAnswer is the modes a scenario's rules offer for a category,
// modality and provider status.
type modeAnswer struct {
	modes []string
	err   error // a refusal: none
}

// modeCache keeps the payment_modes answers of one scenario's run.
type modeCache struct {
	mu sync.Mutex
	m  map[string]modeAnswer
}

// context is the operation context of a replayed request: the time of the
// frozen quote, the scenario's configuration.
func (p *prepared) context(stored abi.Context) abi.Context {
	t := stored.Territory
	if t.Slug == "" {
		t = p.territory
	}
	return abi.Context{Now: stored.Now, Territory: t, ConfigHash: p.configHash, Config: p.config}
}

// priceOne prices one exchange under p: in its own mode, or, when the
// scenario's rules no longer allow that mode, in the first mode they
// offer; it returns the outcome and the number of quote calls.
func (s *Service) priceOne(ctx context.Context, p *prepared, r *row, modes *modeCache) (Outcome, int64, error) {
	req := r.req
	req.Context = p.context(r.req.Context)
	if req.Occurrences == 0 {
		req.Occurrences = 1
	}
	q, err := p.module.Quote(ctx, &req)
	calls := int64(1)
	if err == nil {
		return p.adjust(&req, q), calls, nil
	}
	var refusal *pluginhost.RefusalError
	if !errors.As(err, &refusal) {
		return Outcome{}, calls, p.fault(err, r.id)
	}
	refused := Outcome{Refusal: &refusal.Refusal}
	offered, err := p.modes(ctx, &req, modes)
	if err != nil {
		return Outcome{}, calls, p.fault(err, r.id)
	}
	if slices.Contains(offered, req.Mode) {
		return refused, calls, nil // the mode is allowed: another rule refuses
	}
	for _, m := range offered {
		alt := req
		alt.Mode, alt.HourlyCents = m, 0 // the amount agreed was for the other mode: the grid's
		q, err := p.module.Quote(ctx, &alt)
		calls++
		if err == nil {
			return p.adjust(&alt, q), calls, nil
		}
		if !errors.As(err, &refusal) {
			return Outcome{}, calls, p.fault(err, r.id)
		}
	}
	return refused, calls, nil
}

// modes returns the modes p's rules offer for req's category, modality
// and provider status, asked once per run; a refusal means none.
func (p *prepared) modes(ctx context.Context, req *abi.QuoteRequest, cache *modeCache) ([]string, error) {
	key := req.Category + "\x00" + req.Modality + "\x00" + fmt.Sprint(req.ProviderSAP)
	cache.mu.Lock()
	a, ok := cache.m[key]
	cache.mu.Unlock()
	if ok {
		return a.modes, a.err
	}
	res, err := p.module.PaymentModes(ctx, &abi.PaymentModesRequest{Context: req.Context, Category: req.Category,
		Modality: req.Modality, ProviderSAP: req.ProviderSAP})
	var refusal *pluginhost.RefusalError
	switch {
	case errors.As(err, &refusal):
		a = modeAnswer{}
	case err != nil:
		return nil, err // not cached: the run stops
	default:
		for _, m := range res.Modes {
			a.modes = append(a.modes, m.Mode)
		}
	}
	cache.mu.Lock()
	cache.m[key] = a
	cache.mu.Unlock()
	return a.modes, nil
}

// paidModes are the modes in which money changes hands for the service.
var paidModes = []string{abi.ModeCESUDeclaratif, abi.ModeCESUPrefinance, abi.ModeProfessional}

// adjust applies the scenario's platform levers to a plugin quote.
func (p *prepared) adjust(req *abi.QuoteRequest, q *abi.Quote) Outcome {
	o := Outcome{Mode: q.Mode, TotalCents: q.TotalCents, SubsidyCents: q.SubsidyCents, PayableCents: q.PayableCents,
		CommissionCents: q.CommissionCents, TimeCreditMinutes: q.TimeCreditMinutes}
	if p.commission == CommissionPlatform && req.Modality == abi.ModalityProfessional && slices.Contains(paidModes, q.Mode) {
		base := o.TotalCents - o.CommissionCents
		o.CommissionCents = percentOf(base, *p.sc.CommissionBP)
		o.TotalCents = base + o.CommissionCents
		o.SubsidyCents = min(o.SubsidyCents, o.TotalCents)
		o.PayableCents = o.TotalCents - o.SubsidyCents
	}
	if s := p.sc.SubsidyCentsPerExchange; s > 0 && o.PayableCents > 0 {
		o.ExtraSubsidyCents = min(s, o.PayableCents)
		o.PayableCents -= o.ExtraSubsidyCents
	}
	return o
}

// percentOf is bp basis points of v, rounded to the nearest cent (as the
// standard plugin rounds).
func percentOf(v, bp int64) int64 {
	if v <= 0 || bp <= 0 {
		return 0
	}
	return (v*bp + 5000) / 10000
}

// fault explains a plugin failure during the replay: the run stops.
func (p *prepared) fault(err error, exchangeID string) error {
	var pe *pluginhost.Error
	if errors.As(err, &pe) && pe.Kind == pluginhost.KindCanceled {
		return err
	}
	e := apperr.As(hostError(err, p.name))
	if e.Kind == apperr.KindInternal {
		return fmt.Errorf("simulator: exchange %s: %w", exchangeID, err)
	}
	return apperr.Wrap(err, e.Kind, e.Code, e.Message+" (échange "+exchangeID+")", e.MessageEN+" (exchange "+exchangeID+")")
}
