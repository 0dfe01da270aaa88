package simulator_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/simulator"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// The period of the tests: autumn 2026.
const (
	from = "2026-09-01"
	to   = "2026-11-30"
)

// autumn are the fixture's exchanges in Portes de Sologne, in the period:
// every payment mode, both modalities, a declared professional (whose
// commission the territory waives), the older people's subsidy, a ride
// with its mileage allowance, and a month of weekly sessions.
var autumn = []deal{
	{territory: portes, category: "petits-travaux", modality: "professional", mode: "professional", minutes: 120, provider: pro, far: true, day: "2026-09-03"},
	{territory: portes, category: "petits-travaux", modality: "professional", mode: "professional", minutes: 90, provider: proSAP, sap: true, day: "2026-09-10"},
	{territory: portes, category: "aines", modality: "professional", mode: "professional", minutes: 60, provider: pro, day: "2026-09-21"},
	{territory: portes, category: "petits-travaux", modality: "resident", mode: "cesu_declaratif", minutes: 120, day: "2026-10-01"},
	{territory: portes, category: "petits-travaux", modality: "resident", mode: "time_credits", minutes: 90, day: "2026-10-05"},
	{territory: portes, category: "mobilite", modality: "resident", mode: "free", minutes: 45, far: true, day: "2026-10-12"},
	{territory: portes, category: "enfance", modality: "resident", mode: "cesu_prefinance", minutes: 180, hourly: 1300, day: "2026-10-20"},
	{territory: portes, category: "aines", modality: "professional", mode: "cesu_prefinance", minutes: 60, provider: proSAP, sap: true, day: "2026-11-02"},
	{territory: portes, category: "petits-travaux", modality: "professional", mode: "professional", minutes: 60, occurrences: 4, provider: pro, far: true, day: "2026-11-30"},
}

// others are exchanges the period leaves out: cancelled after acceptance,
// before the period, after it, in another territory.
var others = []deal{
	{territory: portes, category: "petits-travaux", modality: "professional", mode: "professional", minutes: 120, provider: pro, day: "2026-10-02", state: exchange.Cancelled},
	{territory: portes, category: "petits-travaux", modality: "professional", mode: "professional", minutes: 120, provider: pro, day: "2026-08-31"},
	{territory: portes, category: "petits-travaux", modality: "professional", mode: "professional", minutes: 120, provider: pro, day: "2026-12-01"},
	{territory: picardie, category: "petits-travaux", modality: "professional", mode: "professional", minutes: 120, provider: pro, far: true, day: "2026-10-02"},
}

// seed adds every exchange and a request without quote; it returns the
// autumn exchanges.
func seed(t testing.TB, f *fixture) []*exchange.Exchange {
	t.Helper()
	var xs []*exchange.Exchange
	for _, d := range autumn {
		xs = append(xs, f.add(t, d))
	}
	for _, d := range others {
		f.add(t, d)
	}
	f.request(t, portes, "2026-10-15")
	return xs
}

func bp(v int64) *int64 { return &v }

func run(t testing.TB, f *fixture, slug string, base, alt simulator.Scenario) *simulator.Report {
	t.Helper()
	r, err := f.sim.Run(ctxT(t), simulator.Request{Territory: slug, From: dayAt(t, from, 0), To: dayAt(t, to, 0), Baseline: base, Alternative: alt})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

// frozen totals the exchanges as recorded.
func frozen(xs []*exchange.Exchange) (total, payable int64) {
	for _, x := range xs {
		total += x.TotalCents
		payable += x.PayableCents
	}
	return total, payable
}

func TestSimulator(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg, simulator.Options{})
		xs := seed(t, f)
		total, payable := frozen(xs)

		t.Run("baseline reproduces the frozen quotes", func(t *testing.T) {
			r := run(t, f, portes, simulator.Scenario{}, simulator.Scenario{})
			if r.Exchanges != len(autumn) || r.Frozen.Exchanges != len(autumn) {
				t.Fatalf("%d exchanges replayed, want %d (cancelled, outside the period, another territory and unaccepted left out)", r.Exchanges, len(autumn))
			}
			if r.Frozen.TotalCents != total || r.Frozen.CostCents != payable {
				t.Errorf("frozen totals %d/%d, want %d/%d", r.Frozen.TotalCents, r.Frozen.CostCents, total, payable)
			}
			b := r.Baseline.Totals
			b.SubscriptionCents, b.ExtraSubsidyCents, b.ProMonths = 0, 0, 0
			if b != r.Frozen {
				t.Errorf("the current rules do not reproduce the frozen quotes:\nfrozen   %+v\nbaseline %+v", r.Frozen, b)
			}
			if r.Alternative.Totals != r.Baseline.Totals || r.Changes.Total() != 0 || r.Changes.Unchanged != len(autumn) || len(r.Differences) != 0 {
				t.Errorf("same rules, yet changes: %+v %+v", r.Changes, r.Differences)
			}
			if r.FrozenUnderOtherRules != 0 || r.Baseline.PluginID != "cc.portes-de-sologne" || !r.Baseline.CurrentModule || !r.Baseline.CurrentConfig {
				t.Errorf("baseline %+v, frozen under other rules %d", r.Baseline, r.FrozenUnderOtherRules)
			}
			if r.Frozen.CommissionCents == 0 || r.Frozen.PluginSubsidyCents == 0 || r.Frozen.TimeCreditMinutes != 90 {
				t.Errorf("the fixture lacks a commission, a subsidy or time credits: %+v", r.Frozen)
			}
			if r.Quotes != int64(2*len(autumn)) {
				t.Errorf("%d quote calls, want %d", r.Quotes, 2*len(autumn))
			}
		})

		t.Run("a commission of 10 % through the plugin's configuration", func(t *testing.T) {
			r := run(t, f, portes, simulator.Scenario{}, simulator.Scenario{CommissionBP: bp(1000)})
			if r.Alternative.CommissionApplied != simulator.CommissionConfig {
				t.Fatalf("commission applied by %q, want the plugin's configuration", r.Alternative.CommissionApplied)
			}
			// 10 % of the service (labour and travel), uncapped; the
			// territory still waives it for declared professionals.
			var want, changed int64
			for _, x := range xs {
				if x.Modality != abi.ModalityProfessional || x.ProviderSAP {
					continue
				}
				q := quoteOf(t, f, x)
				want += ((q.TotalCents-q.CommissionCents)*1000+5000)/10000 - q.CommissionCents
				changed++
			}
			b, a := r.Baseline.Totals, r.Alternative.Totals
			if got := a.CommissionCents - b.CommissionCents; got != want || want <= 0 {
				t.Errorf("commission up by %d cents, want %d", got, want)
			}
			if a.RevenueCents-b.RevenueCents != want || a.TotalCents-b.TotalCents != want {
				t.Errorf("revenue up by %d, total by %d, want %d", a.RevenueCents-b.RevenueCents, a.TotalCents-b.TotalCents, want)
			}
			// The residents pay it, less the older people's subsidy, which
			// is 20 % of the total.
			if a.CostCents-b.CostCents != want-(a.PluginSubsidyCents-b.PluginSubsidyCents) || a.PluginSubsidyCents <= b.PluginSubsidyCents {
				t.Errorf("cost %d → %d, subsidy %d → %d", b.CostCents, a.CostCents, b.PluginSubsidyCents, a.PluginSubsidyCents)
			}
			if int64(r.Changes.Price) != changed || r.Changes.Mode+r.Changes.Refused != 0 {
				t.Errorf("changes %+v, want %d prices", r.Changes, changed)
			}
			if !strings.Contains(notesText(r), "10\u00a0%") {
				t.Errorf("notes do not explain the commission: %s", notesText(r))
			}
		})

		t.Run("a commission of 5 % in Picardie Verte (3 %, capped, today)", func(t *testing.T) {
			r := run(t, f, picardie, simulator.Scenario{}, simulator.Scenario{CommissionBP: bp(500)})
			if r.Exchanges != 1 || r.Changes.Price != 1 || len(r.Differences) != 1 {
				t.Fatalf("report %+v", r.Changes)
			}
			d := r.Differences[0]
			base := d.Before.TotalCents - d.Before.CommissionCents
			if d.After.CommissionCents != (base*500+5000)/10000 || d.Before.CommissionCents != min((base*300+5000)/10000, 1500) {
				t.Errorf("commission %d → %d on %d", d.Before.CommissionCents, d.After.CommissionCents, base)
			}
		})

		t.Run("a subsidy per exchange and a subscription", func(t *testing.T) {
			r := run(t, f, portes, simulator.Scenario{}, simulator.Scenario{SubsidyCentsPerExchange: 200, SubscriptionCentsPerProMonth: 1500})
			var subsidy int64
			paid := 0
			for _, x := range xs {
				if x.PayableCents > 0 {
					subsidy += min(200, x.PayableCents)
					paid++
				}
			}
			b, a := r.Baseline.Totals, r.Alternative.Totals
			if a.ExtraSubsidyCents != subsidy || a.SubsidyCents != b.SubsidyCents+subsidy || a.CostCents != b.CostCents-subsidy || paid != 8 {
				t.Errorf("subsidy %d (want %d on %d paid exchanges), cost %d → %d", a.ExtraSubsidyCents, subsidy, paid, b.CostCents, a.CostCents)
			}
			// pro in September and November, the declared professional in
			// September and November.
			if a.ProMonths != 4 || a.SubscriptionCents != 4*1500 || a.RevenueCents != b.RevenueCents+6000 {
				t.Errorf("subscriptions: %d pro-months, %d cents, revenue %d → %d", a.ProMonths, a.SubscriptionCents, b.RevenueCents, a.RevenueCents)
			}
			if r.Changes.Price != paid || a.TotalCents != b.TotalCents {
				t.Errorf("changes %+v, total %d → %d", r.Changes, b.TotalCents, a.TotalCents)
			}
		})

		t.Run("a configuration that removes modes and a category", func(t *testing.T) {
			cfg := portesConfig(t, func(c map[string]any) {
				var kept []any
				for _, raw := range c["categories"].([]any) {
					cat := raw.(map[string]any)
					switch cat["id"] {
					case "mobilite":
						continue
					case "petits-travaux":
						cat["modes"].(map[string]any)["resident"] = []any{"free", "cesu_prefinance"}
					}
					kept = append(kept, cat)
				}
				c["categories"] = kept
			})
			r := run(t, f, portes, simulator.Scenario{}, simulator.Scenario{Config: cfg})
			if r.Changes.Mode != 2 || r.Changes.Refused != 1 || r.Changes.Price != 0 || r.Alternative.Totals.Refused != 1 {
				t.Fatalf("changes %+v", r.Changes)
			}
			var modes []string
			for _, d := range r.Differences {
				switch d.Kind {
				case simulator.ChangeMode:
					modes = append(modes, d.Before.Mode+"→"+d.After.Mode)
				case simulator.ChangeRefused:
					if d.Category != "mobilite" || d.After.Refusal == nil || d.After.Refusal.Code != "unknown_category" {
						t.Errorf("refused: %+v", d)
					}
				}
			}
			slices.Sort(modes)
			if strings.Join(modes, " ") != "cesu_declaratif→free time_credits→free" {
				t.Errorf("mode changes %v", modes)
			}
			if r.Alternative.CurrentConfig || r.Alternative.ConfigHash == r.Baseline.ConfigHash {
				t.Errorf("alternative %+v", r.Alternative)
			}
		})

		t.Run("another module: the platform applies the commission", func(t *testing.T) {
			r := run(t, f, portes, simulator.Scenario{}, simulator.Scenario{Module: flatRate, CommissionBP: bp(500)})
			a := r.Alternative
			if a.PluginID != "test.flatrate" || a.CurrentModule || a.CommissionApplied != simulator.CommissionPlatform {
				t.Fatalf("alternative %+v", a)
			}
			for _, d := range r.Differences {
				if d.Modality == abi.ModalityProfessional && d.After.Mode == abi.ModeProfessional {
					x := byID(xs, d.ExchangeID)
					labour := (3000*int64(x.Minutes) + 30) / 60 * int64(x.Occurrences)
					if d.After.CommissionCents != (labour*500+5000)/10000 || d.After.TotalCents != labour+d.After.CommissionCents {
						t.Errorf("%s: %+v for %d cents of labour", d.ExchangeID, d.After, labour)
					}
				}
			}
			// CESU is not offered: time credits between residents (the
			// plugin's first mode), a professional's own mode otherwise; the
			// professionals' and the ride's prices change (no mileage here).
			if r.Changes.Mode != 3 || r.Changes.Refused != 0 || r.Changes.Price != 5 || r.Changes.Unchanged != 1 {
				t.Errorf("changes %+v", r.Changes)
			}
			if !strings.Contains(notesText(r), "ne lit pas de commission") {
				t.Errorf("notes: %s", notesText(r))
			}
		})
	})
}

func TestSimulatorRefusals(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"), simulator.Options{MaxExchanges: 3})
	seed(t, f)
	ctx := ctxT(t)
	day := func(s string) simulator.Request {
		return simulator.Request{Territory: portes, From: dayAt(t, s, 0), To: dayAt(t, to, 0)}
	}
	tests := []struct {
		name string
		req  simulator.Request
		kind apperr.Kind
		code string
	}{
		{"too many exchanges", day(from), apperr.KindTooLarge, "simulation_too_large"},
		{"reversed period", day("2026-12-01"), apperr.KindInvalid, "simulation_period"},
		{"too long a period", day("2024-09-01"), apperr.KindInvalid, "simulation_period"},
		{"unknown territory", simulator.Request{Territory: "nulle-part", From: dayAt(t, from, 0), To: dayAt(t, to, 0)}, apperr.KindNotFound, ""},
		{"commission above 50 %", withAlt(day("2026-11-29"), simulator.Scenario{CommissionBP: bp(6000)}), apperr.KindInvalid, "simulation_commission"},
		{"negative subsidy", withAlt(day("2026-11-29"), simulator.Scenario{SubsidyCentsPerExchange: -1}), apperr.KindInvalid, "simulation_subsidy"},
		{"not a configuration", withAlt(day("2026-11-29"), simulator.Scenario{Config: json.RawMessage(`[1]`)}), apperr.KindInvalid, "plugin_config_not_object"},
		{"a configuration the plugin refuses", withAlt(day("2026-11-29"), simulator.Scenario{Config: json.RawMessage(`{"comission": []}`)}), apperr.KindInvalid, "plugin_config_refused"},
		{"not a module", withAlt(day("2026-11-29"), simulator.Scenario{Module: []byte("not wasm")}), apperr.KindInvalid, "plugin_not_wasm"},
	}
	for _, tt := range tests {
		_, err := f.sim.Run(ctx, tt.req)
		e := apperr.As(err)
		if err == nil || e.Kind != tt.kind || (tt.code != "" && e.Code != tt.code) || e.Message == "" {
			t.Errorf("%s: %v (%v %q), want %v %q", tt.name, err, e.Kind, e.Code, tt.kind, tt.code)
		}
	}
	// One day, one exchange: within the bound.
	r, err := f.sim.Run(ctx, day("2026-11-30"))
	if err != nil || r.Exchanges != 1 {
		t.Fatalf("one day: %v, %+v", err, r)
	}
	// A territory on the default plugin with its defaults, no exchange.
	if _, err := f.terr.CreateFromEPCI(ctx, "200000933", territory.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err = f.sim.Run(ctx, simulator.Request{Territory: "sauldre-et-sologne", From: dayAt(t, from, 0), To: dayAt(t, to, 0),
		Alternative: simulator.Scenario{CommissionBP: bp(500)}})
	if err != nil || r.Exchanges != 0 || r.Baseline.PluginID != "campagnon.standard" || r.Alternative.CommissionApplied != simulator.CommissionConfig {
		t.Fatalf("default plugin: %v %+v", err, r)
	}
}

func withAlt(r simulator.Request, sc simulator.Scenario) simulator.Request {
	r.Alternative = sc
	return r
}

func TestParsers(t *testing.T) {
	for in, want := range map[string]int64{"5": 500, "2,5": 250, "2.5": 250, " 12.34 ": 1234, "0": 0, "7.": 700, "5 %": 500, "3%": 300} {
		if got, err := simulator.ParsePercent(in, "commission"); err != nil || got != want {
			t.Errorf("ParsePercent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.234", "abc", "1e3", ".5", "5 % %", "%"} {
		if _, err := simulator.ParsePercent(in, "commission"); err == nil {
			t.Errorf("ParsePercent(%q) accepted", in)
		}
	}
	if got, err := simulator.ParseEuros("15,50 €", "abonnement"); err != nil || got != 1550 {
		t.Errorf("ParseEuros = %d, %v", got, err)
	}
	for cents, want := range map[int64]string{0: "0,00\u00a0€", 5: "0,05\u00a0€", -305: "-3,05\u00a0€", 123456789: "1\u202f234\u202f567,89\u00a0€"} {
		if got := simulator.Euros(cents); got != want {
			t.Errorf("Euros(%d) = %q, want %q", cents, got, want)
		}
	}
	if got := simulator.Percent(250); got != "2,5\u00a0%" {
		t.Errorf("Percent(250) = %q", got)
	}
}

// quoteOf reads the frozen quote of x.
func quoteOf(t testing.TB, f *fixture, x *exchange.Exchange) abi.Quote {
	t.Helper()
	var res []string
	if err := f.store.DB().NewRaw("SELECT result FROM quotes WHERE id = ?", *x.QuoteID).Scan(ctxT(t), &res); err != nil || len(res) != 1 {
		t.Fatalf("quote of %s: %v", x.ID, err)
	}
	var q abi.Quote
	if err := json.Unmarshal([]byte(res[0]), &q); err != nil {
		t.Fatal(err)
	}
	return q
}

func byID(xs []*exchange.Exchange, id string) *exchange.Exchange {
	for _, x := range xs {
		if x.ID == id {
			return x
		}
	}
	return nil
}

func notesText(r *simulator.Report) string {
	var b strings.Builder
	for _, n := range r.Notes {
		b.WriteString(n.FR + "\n")
	}
	return b.String()
}

// portesConfig is the Portes de Sologne's default configuration, changed
// by edit.
func portesConfig(t testing.TB, edit func(map[string]any)) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile("../../plugins/portes-de-sologne/config.default.json")
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	edit(c)
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
