package rules

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

var (
	defaultOnce sync.Once
	defaultRaw  []byte
)

// standardDefault is the standard plugin's embedded default configuration.
func standardDefault(t testing.TB) []byte {
	t.Helper()
	defaultOnce.Do(func() {
		var err error
		if defaultRaw, err = os.ReadFile("../config.default.json"); err != nil {
			t.Fatalf("read the default configuration: %v", err)
		}
	})
	return defaultRaw
}

func compileT(t testing.TB, raw string) *Policy {
	t.Helper()
	p, err := Compile([]byte(raw), Options{Default: standardDefault(t)})
	if err != nil {
		t.Fatalf("compile %s: %v", raw, err)
	}
	return p
}

// nov2026 is a time when the SMIC net is 9,51 € and the CESU minimum 10,47 €.
var nov2026 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func qreq(cat, modality, mode string, minutes, occ int, opts ...func(*abi.QuoteRequest)) *abi.QuoteRequest {
	r := &abi.QuoteRequest{Category: cat, Modality: modality, Mode: mode, Minutes: minutes, Occurrences: occ}
	for _, o := range opts {
		o(r)
	}
	return r
}

func dist(m int) func(*abi.QuoteRequest)      { return func(r *abi.QuoteRequest) { r.DistanceMeters = m } }
func hourly(c int64) func(*abi.QuoteRequest)  { return func(r *abi.QuoteRequest) { r.HourlyCents = c } }
func sap(r *abi.QuoteRequest)                 { r.ProviderSAP = true }
func solidarity(r *abi.QuoteRequest)          { r.Solidarity = true }
func withSAP() func(*abi.QuoteRequest)        { return sap }
func withSolidarity() func(*abi.QuoteRequest) { return solidarity }

func TestDefaultConfigurationIsValid(t *testing.T) {
	t.Parallel()
	p := compileT(t, "")
	if err := p.Categories().Check(); err != nil {
		t.Fatal(err)
	}
	want := []string{"mobilite", "petits-travaux", "enfance", "aines"}
	got := p.Categories().Categories
	if len(got) != len(want) {
		t.Fatalf("got %d categories, want the four launch categories", len(got))
	}
	for i, id := range want {
		if got[i].ID != id || got[i].Label == "" || got[i].Icon == "" {
			t.Errorf("category %d = %+v, want id %s with a French label and an icon", i, got[i], id)
		}
	}
}

func TestEmptyConfigurationMeansDefault(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "  ", "{}", " { }\n", "null"} {
		p := compileT(t, raw)
		if n := len(p.Categories().Categories); n != 4 {
			t.Errorf("config %q: %d categories, want the default's 4", raw, n)
		}
		q, err := p.Quote(nov2026, qreq("petits-travaux", "professional", "professional", 60, 1))
		if err != nil || q.CommissionCents != 105 {
			t.Errorf("config %q: quote %+v, %v; want the default 3 %% commission (105)", raw, q, err)
		}
	}
}

func TestKeysLeftOutComeFromTheDefault(t *testing.T) {
	t.Parallel()
	p := compileT(t, `{"commission": []}`)
	q, err := p.Quote(nov2026, qreq("petits-travaux", "professional", "professional", 60, 1))
	if err != nil {
		t.Fatal(err)
	}
	if q.CommissionCents != 0 || q.TotalCents != 3500 {
		t.Errorf("commission %d total %d; want no commission, total 3500", q.CommissionCents, q.TotalCents)
	}
	if n := len(p.Categories().Categories); n != 4 {
		t.Errorf("%d categories, want the default's 4", n)
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	cat := func(body string) string {
		return `{"categories":[{"id":"c","label":"Catégorie","icon":"star",` + body + `}]}`
	}
	cases := []struct{ name, raw, want string }{
		{"unknown key", `{"categorie": []}`, `clé inconnue "categorie"`},
		{"not an object", `[1]`, "objet JSON"},
		{"wrong type", `{"commission": {"modality": "x"}}`, "« commission » : type inattendu"},
		{"trailing data", `{} {}`, "des données suivent"},
		{"malformed", `{"categories": [`, "JSON"},
		{"version", `{"version": 2}`, "version"},
		{"bad id", cat(`"modes":{"resident":["free"]}`) + `x`, "JSON"},
		{"id with capitals", strings.Replace(cat(`"modes":{"resident":["free"]}`), `"id":"c"`, `"id":"Menage"`, 1), "minuscules"},
		{"no label", strings.Replace(cat(`"modes":{"resident":["free"]}`), `"Catégorie"`, `""`, 1), "label"},
		{"no modes", cat(`"modes":{}`), "au moins un mode"},
		{"unknown mode", cat(`"modes":{"resident":["gratuit"]}`), "mode inconnu"},
		{"repeated mode", cat(`"modes":{"resident":["free","free"]}`), "répété"},
		{"professional mode between residents", cat(`"modes":{"resident":["professional"]}`), "entre particuliers"},
		{"cesu declaratif with a professional", cat(`"modes":{"professional":["cesu_declaratif"]}`), "avec un professionnel"},
		{"cesu without sap", cat(`"modes":{"resident":["cesu_declaratif"]}`), "D7231-1"},
		{"cesu needing approval", cat(`"sap":{"eligible":true,"activity":"Transport","approval_required":true},"modes":{"resident":["cesu_prefinance"]}`), "sans agrément"},
		{"paid transport", cat(`"transport":true,"sap":{"eligible":true,"activity":"Livraison"},"modes":{"resident":["cesu_declaratif"]}`), "jamais payé"},
		{"mileage off transport", cat(`"modes":{"resident":["free"]},"mileage":{"cents_per_km":30}`), "transport bénévole"},
		{"mileage above the legal scale", cat(`"transport":true,"modes":{"resident":["free"]},"mileage":{"cents_per_km":80}`), "pas être un bénéfice"},
		{"diy beyond two hours", cat(`"sap":{"eligible":true,"activity":"Bricolage","tax_credit_bucket":"diy","max_minutes_per_job":180},"modes":{"resident":["free"]}`), "2 heures"},
		{"sap details without sap", cat(`"sap":{"tax_credit_bucket":"it"},"modes":{"resident":["free"]}`), "sap.eligible"},
		{"sap activity missing", cat(`"sap":{"eligible":true},"modes":{"resident":["free"]}`), "sap.activity"},
		{"bucket", cat(`"sap":{"eligible":true,"activity":"x","tax_credit_bucket":"garden"},"modes":{"resident":["free"]}`), "gardening, it, diy"},
		{"duplicate category", `{"categories":[{"id":"c","label":"A","icon":"a","modes":{"resident":["free"]}},{"id":"c","label":"B","icon":"b","modes":{"resident":["free"]}}]}`, "déjà utilisé"},
		{"no category", `{"categories":[]}`, "au moins une catégorie"},
		{"commission on free", `{"commission":[{"modality":"resident","modes":["free"],"percent_bp":100}]}`, "modes payants"},
		{"commission percent", `{"commission":[{"modality":"professional","percent_bp":9000}]}`, "percent_bp de 0 à 5000"},
		{"commission modality", `{"commission":[{"modality":"pro","percent_bp":100}]}`, "resident ou professional"},
		{"subsidy category", `{"subsidies":[{"categories":["jardin"],"fixed_cents":100}]}`, "« jardin » inconnue"},
		{"empty subsidy", `{"subsidies":[{"modality":"professional"}]}`, "doit être positif"},
		{"solidarity funder", `{"solidarity":{"percent_bp":1000}}`, "solidarity.funded_by"},
		{"legal required", `{"legal":{"smic_net_hourly_cents":[]}}`, "legal.smic_net_hourly_cents : au moins une valeur"},
		{"legal dates", `{"legal":{"smic_net_hourly_cents":[{"from":"2025-01-01","value":900},{"from":"2024-01-01","value":950}],"cesu_paid_leave_bp":[{"from":"2024-01-01","value":1000}],"mileage_max_cents_per_km":[{"from":"2024-01-01","value":60}]}}`, "croissantes"},
		{"legal date format", `{"legal":{"smic_net_hourly_cents":[{"from":"01/01/2025","value":900}],"cesu_paid_leave_bp":[{"from":"2024-01-01","value":1000}],"mileage_max_cents_per_km":[{"from":"2024-01-01","value":60}]}}`, "AAAA-MM-JJ"},
		{"time credits", `{"time_credits":{"min_minutes":-1}}`, "time_credits.min_minutes"},
		{"positive floor", `{"time_credits":{"floor_minutes":60,"ceiling_minutes":600}}`, "time_credits.floor_minutes : 60 ; le plancher"},
		{"floor beyond 1,000 hours", `{"time_credits":{"floor_minutes":-60001,"ceiling_minutes":600}}`, "à -60000 minutes (1000 h)"},
		{"negative ceiling", `{"time_credits":{"floor_minutes":-600,"ceiling_minutes":-1}}`, "time_credits.ceiling_minutes : -1 ; le plafond"},
		{"ceiling beyond 1,000 hours", `{"time_credits":{"floor_minutes":-600,"ceiling_minutes":60001}}`, "de 0 à 60000 minutes (1000 h)"},
		{"negative welcome", `{"time_credits":{"floor_minutes":-600,"ceiling_minutes":600,"welcome_minutes":-60}}`, "time_credits.welcome_minutes : -60 ; le crédit de bienvenue"},
		{"welcome beyond 100 hours", `{"time_credits":{"floor_minutes":-600,"ceiling_minutes":60000,"welcome_minutes":6001}}`, "à 6000 minutes (100 h)"},
		{"welcome above the ceiling", `{"time_credits":{"floor_minutes":-600,"ceiling_minutes":600,"welcome_minutes":660}}`, "660 dépasse ceiling_minutes (600)"},
		{"floor and ceiling zero", `{"time_credits":{"floor_minutes":0,"ceiling_minutes":0}}`, "valent tous deux 0"},
		{"floor without ceiling", `{"time_credits":{"floor_minutes":-600}}`, "se donnent ensemble"},
		{"welcome alone", `{"time_credits":{"welcome_minutes":120}}`, "se donnent ensemble"},
		{"floor as text", `{"time_credits":{"floor_minutes":"-600","ceiling_minutes":600}}`, "« time_credits.floor_minutes » : type inattendu"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile([]byte(tc.raw), Options{Default: standardDefault(t)})
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q\nwant it to mention %q", err, tc.want)
			}
		})
	}
}

func TestConfigurationErrorsAreAllListed(t *testing.T) {
	t.Parallel()
	_, err := Compile([]byte(`{"version":3,"commission":[{"modality":"x"}],"time_credits":{"min_minutes":-2}}`), Options{Default: standardDefault(t)})
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 3 {
		t.Fatalf("err = %v, want the three problems listed", err)
	}
	_, err = Compile([]byte(`{"time_credits":{"floor_minutes":1,"ceiling_minutes":-1,"welcome_minutes":-1}}`), Options{Default: standardDefault(t)})
	if !errors.As(err, &ce) || len(ce.Problems) != 3 {
		t.Fatalf("err = %v, want floor, ceiling and welcome listed", err)
	}
}

// TestTimeCreditPolicy: the balance policy of time_credits is returned by
// categories, valid for the ABI; without one, categories returns none and
// the platform applies its defaults.
func TestTimeCreditPolicy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, raw string
		want      *abi.TimeCreditPolicy
	}{
		{"the default states none", `{}`, nil},
		{"rules without a policy", `{"time_credits":{"min_minutes":30}}`, nil},
		{"a policy", `{"time_credits":{"min_minutes":15,"floor_minutes":-600,"ceiling_minutes":2400,"welcome_minutes":120}}`,
			&abi.TimeCreditPolicy{FloorMinutes: -600, CeilingMinutes: 2400, WelcomeMinutes: 120}},
		{"no welcome credit", `{"time_credits":{"floor_minutes":-300,"ceiling_minutes":1800}}`,
			&abi.TimeCreditPolicy{FloorMinutes: -300, CeilingMinutes: 1800}},
		{"no debt", `{"time_credits":{"floor_minutes":0,"ceiling_minutes":600,"welcome_minutes":600}}`,
			&abi.TimeCreditPolicy{CeilingMinutes: 600, WelcomeMinutes: 600}},
		{"the bounds", `{"time_credits":{"floor_minutes":-60000,"ceiling_minutes":60000,"welcome_minutes":6000}}`,
			&abi.TimeCreditPolicy{FloorMinutes: -60000, CeilingMinutes: 60000, WelcomeMinutes: 6000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := compileT(t, tc.raw).Categories()
			if err := cs.Check(); err != nil {
				t.Fatal(err)
			}
			got := cs.TimeCredits
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Errorf("policy %+v, want %+v", got, tc.want)
			}
		})
	}
}

// quoteCase is one quote with its exact expected figures.
type quoteCase struct {
	name     string
	config   string
	now      time.Time
	req      *abi.QuoteRequest
	lines    []abi.QuoteLine
	total    int64
	subsidy  int64
	commiss  int64
	taxElig  int64
	bucket   string
	minutes  int
	notesHas []string
}

func runQuoteCases(t *testing.T, defaults []byte, cases []quoteCase, ext Extension) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile([]byte(tc.config), Options{Default: defaults, Extension: ext})
			if err != nil {
				t.Fatal(err)
			}
			now := tc.now
			if now.IsZero() {
				now = nov2026
			}
			q, err := p.Quote(now, tc.req)
			if err != nil {
				t.Fatalf("quote: %v", err)
			}
			if err := q.Check(tc.req); err != nil {
				t.Errorf("the quote breaks the ABI's rules: %v", err)
			}
			if len(q.Lines) != len(tc.lines) {
				t.Fatalf("lines = %+v\nwant %+v", q.Lines, tc.lines)
			}
			for i, l := range tc.lines {
				g := q.Lines[i]
				if g.Code != l.Code || g.Quantity != l.Quantity || g.Unit != l.Unit || g.AmountCents != l.AmountCents {
					t.Errorf("line %d = %+v, want %+v", i, g, l)
				}
			}
			if q.TotalCents != tc.total || q.SubsidyCents != tc.subsidy || q.PayableCents != tc.total-tc.subsidy ||
				q.CommissionCents != tc.commiss || q.TaxCreditEligibleCents != tc.taxElig || q.TaxCreditBucket != tc.bucket ||
				q.TimeCreditMinutes != tc.minutes {
				t.Errorf("quote total %d subsidy %d payable %d commission %d tax %d %q minutes %d\nwant total %d subsidy %d commission %d tax %d %q minutes %d",
					q.TotalCents, q.SubsidyCents, q.PayableCents, q.CommissionCents, q.TaxCreditEligibleCents, q.TaxCreditBucket, q.TimeCreditMinutes,
					tc.total, tc.subsidy, tc.commiss, tc.taxElig, tc.bucket, tc.minutes)
			}
			notes := strings.Join(q.Notes, "\n")
			for _, n := range tc.notesHas {
				if !strings.Contains(notes, n) {
					t.Errorf("notes %q\nwant one mentioning %q", q.Notes, n)
				}
			}
		})
	}
}

func line(code string, qty int64, unit string, amount int64) abi.QuoteLine {
	return abi.QuoteLine{Code: code, Quantity: qty, Unit: unit, AmountCents: amount}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	const solidarityCC = `{"solidarity":{"percent_bp":3000,"max_cents":1500,"funded_by":"territory"}}`
	const solidarityPro = `{"solidarity":{"percent_bp":1000,"funded_by":"provider"}}`
	const subsidies = `{"subsidies":[{"modality":"professional","categories":["aines"],"fixed_cents":500,"percent_bp":1000,"max_cents":800},{"modes":["cesu_declaratif"],"fixed_cents":200}]}`
	cases := []quoteCase{{
		name: "professional: labour, travel between commune centres and commission",
		req:  qreq("petits-travaux", "professional", "professional", 90, 1, dist(12300), withSAP()),
		lines: []abi.QuoteLine{
			line("labour", 90, "minute", 5250),
			line("travel", 24, "km", 1200),
			line("commission", 1, "unit", 194),
		},
		total: 6644, commiss: 194, taxElig: 6450, bucket: "diy",
		notesHas: []string{"Crédit d'impôt de 50 % : estimation"},
	}, {
		name: "professional not declared SAP: no tax credit",
		req:  qreq("petits-travaux", "professional", "professional", 60, 2, dist(3400), hourly(4000)),
		lines: []abi.QuoteLine{
			line("labour", 120, "minute", 8000),
			line("travel", 12, "km", 600),
			line("commission", 1, "unit", 258),
		},
		total: 8858, commiss: 258,
		notesHas: []string{"pas déclaré services à la personne"},
	}, {
		name:     "professional commission capped",
		req:      qreq("petits-travaux", "professional", "professional", 600, 1, hourly(10000), withSAP()),
		lines:    []abi.QuoteLine{line("labour", 600, "minute", 100000), line("commission", 1, "unit", 1500)},
		total:    101500,
		commiss:  1500,
		taxElig:  20000,
		bucket:   "diy",
		notesHas: []string{"seules les 2 h de chaque intervention comptent"},
	}, {
		name:     "small DIY over two hours in CESU: tax credit limited to 2 hours a job",
		req:      qreq("petits-travaux", "resident", "cesu_declaratif", 180, 2),
		lines:    []abi.QuoteLine{line("labour", 360, "minute", 7200)},
		total:    7200,
		taxElig:  4800,
		bucket:   "diy",
		notesHas: []string{"particulier employeur", "Contrat de travail écrit obligatoire dès 8 heures", "seules les 2 h de chaque intervention comptent"},
	}, {
		name:    "CESU at the exact minimum is accepted",
		req:     qreq("enfance", "resident", "cesu_declaratif", 60, 1, hourly(1047)),
		lines:   []abi.QuoteLine{line("labour", 60, "minute", 1047)},
		total:   1047,
		taxElig: 1047,
	}, {
		name:     "CESU préfinancé between residents: wage, and only the household's own share counts",
		req:      qreq("enfance", "resident", "cesu_prefinance", 45, 1),
		lines:    []abi.QuoteLine{line("labour", 45, "minute", 825)},
		total:    825,
		notesHas: []string{"Enfant de moins de 3 ans", "seule la part que vous avez financée"},
	}, {
		name:  "CESU préfinancé to a declared professional",
		req:   qreq("aines", "professional", "cesu_prefinance", 60, 1, withSAP()),
		lines: []abi.QuoteLine{line("labour", 60, "minute", 2800), line("commission", 1, "unit", 84)},
		total: 2884, commiss: 84,
	}, {
		name:     "volunteer ride: mileage allowance only, round trip",
		req:      qreq("mobilite", "resident", "free", 120, 2, dist(23600)),
		lines:    []abi.QuoteLine{line("volunteer", 240, "minute", 0), line("mileage", 96, "km", 3072)},
		total:    3072,
		notesHas: []string{"organismes agréés", "ce n'est pas un revenu"},
	}, {
		name:     "volunteer ride: allowance capped per trip",
		req:      qreq("mobilite", "resident", "free", 180, 1, dist(60000)),
		lines:    []abi.QuoteLine{line("volunteer", 180, "minute", 0), line("mileage", 120, "km", 3000)},
		total:    3000,
		notesHas: []string{"plafonnée par trajet"},
	}, {
		name:  "free help without transport: no line has an amount",
		req:   qreq("aines", "resident", "free", 60, 1, dist(9000)),
		lines: []abi.QuoteLine{line("volunteer", 60, "minute", 0)},
	}, {
		name:    "time credits: minutes × occurrences, no money",
		req:     qreq("enfance", "resident", "time_credits", 90, 4, hourly(2000)),
		lines:   []abi.QuoteLine{line("time_credits", 360, "minute", 0)},
		minutes: 360,
	}, {
		name:    "time-credit ride: no mileage in the standard rules",
		req:     qreq("mobilite", "resident", "time_credits", 60, 1, dist(30000)),
		lines:   []abi.QuoteLine{line("time_credits", 60, "minute", 0)},
		minutes: 60,
	}, {
		name:  "professional ride: paid, no tax credit without approval",
		req:   qreq("mobilite", "professional", "professional", 60, 1, dist(10000), withSAP()),
		lines: []abi.QuoteLine{line("labour", 60, "minute", 3000), line("travel", 20, "km", 1200), line("commission", 1, "unit", 126)},
		total: 4326, commiss: 126,
		notesHas: []string{"seule leur facture ouvre droit au crédit d'impôt"},
	}, {
		name:   "solidarity reduction paid by the territory",
		config: solidarityCC,
		req:    qreq("petits-travaux", "professional", "professional", 60, 1, withSAP(), withSolidarity()),
		lines:  []abi.QuoteLine{line("labour", 60, "minute", 3500), line("commission", 1, "unit", 105)},
		total:  3605, subsidy: 1082, commiss: 105, taxElig: 2418, bucket: "diy",
		notesHas: []string{"prise en charge par la communauté de communes"},
	}, {
		name:   "solidarity reduction capped",
		config: solidarityCC,
		req:    qreq("petits-travaux", "professional", "professional", 240, 1, withSAP(), withSolidarity()),
		lines:  []abi.QuoteLine{line("labour", 240, "minute", 14000), line("commission", 1, "unit", 420)},
		total:  14420, subsidy: 1500, commiss: 420, taxElig: 5500, bucket: "diy",
	}, {
		name:   "solidarity not asked: nothing",
		config: solidarityCC,
		req:    qreq("petits-travaux", "professional", "professional", 60, 1, withSAP()),
		lines:  []abi.QuoteLine{line("labour", 60, "minute", 3500), line("commission", 1, "unit", 105)},
		total:  3605, commiss: 105, taxElig: 3500, bucket: "diy",
	}, {
		name:   "solidarity never applies to a free exchange",
		config: solidarityCC,
		req:    qreq("mobilite", "resident", "free", 60, 1, dist(5000), withSolidarity()),
		lines:  []abi.QuoteLine{line("volunteer", 60, "minute", 0), line("mileage", 10, "km", 320)},
		total:  320,
	}, {
		name:   "solidarity reduction granted by the provider: a reduction line before the commission",
		config: solidarityPro,
		req:    qreq("aines", "professional", "professional", 60, 1, withSAP(), withSolidarity()),
		lines:  []abi.QuoteLine{line("labour", 60, "minute", 2800), line("reduction", 1, "unit", -280), line("commission", 1, "unit", 76)},
		total:  2596, commiss: 76, taxElig: 2520,
		notesHas: []string{"consentie par le prestataire"},
	}, {
		name:   "subsidies: fixed plus percent, capped per rule, and per mode",
		config: subsidies,
		req:    qreq("aines", "professional", "professional", 120, 1, withSAP()),
		lines:  []abi.QuoteLine{line("labour", 120, "minute", 5600), line("commission", 1, "unit", 168)},
		total:  5768, subsidy: 800, commiss: 168, taxElig: 4800,
	}, {
		name:    "subsidy of a CESU exchange",
		config:  subsidies,
		req:     qreq("aines", "resident", "cesu_declaratif", 60, 1),
		lines:   []abi.QuoteLine{line("labour", 60, "minute", 1150)},
		total:   1150,
		subsidy: 200,
		taxElig: 950,
	}, {
		name:   "grid wage below a new minimum is raised to it",
		config: `{"legal":{"smic_net_hourly_cents":[{"from":"2024-01-01","value":1200}],"cesu_paid_leave_bp":[{"from":"2024-01-01","value":1000}],"mileage_max_cents_per_km":[{"from":"2024-01-01","value":63}]},"categories":[{"id":"menage","label":"Ménage","icon":"broom","sap":{"eligible":true,"activity":"Entretien de la maison"},"modes":{"resident":["cesu_declaratif"]},"prices":{"cesu_net_hourly_cents":1100}}]}`,
		req:    qreq("menage", "resident", "cesu_declaratif", 60, 1),
		lines:  []abi.QuoteLine{line("labour", 60, "minute", 1320)},
		total:  1320, taxElig: 1320,
		notesHas: []string{"porté à ce minimum"},
	}, {
		name:   "travel with free kilometres",
		config: `{"categories":[{"id":"jardin","label":"Jardin","icon":"leaf","sap":{"eligible":true,"activity":"Petits travaux de jardinage","tax_credit_bucket":"gardening"},"modes":{"professional":["professional"]},"prices":{"professional_hourly_cents":3000},"travel":{"cents_per_km":40,"round_trip":true,"free_km":10}}],"commission":[]}`,
		req:    qreq("jardin", "professional", "professional", 60, 3, dist(7600), withSAP()),
		lines:  []abi.QuoteLine{line("labour", 180, "minute", 9000), line("travel", 18, "km", 720)},
		total:  9720, taxElig: 9720, bucket: "gardening",
	}, {
		name:  "rounding: 35 minutes at 12 € is 7 €, per occurrence",
		req:   qreq("petits-travaux", "resident", "cesu_declaratif", 35, 3),
		lines: []abi.QuoteLine{line("labour", 105, "minute", 2100)},
		total: 2100, taxElig: 2100, bucket: "diy",
	}}
	runQuoteCases(t, standardDefault(t), cases, nil)
}

func TestQuoteRefusals(t *testing.T) {
	t.Parallel()
	p := compileT(t, "")
	cases := []struct {
		name string
		now  time.Time
		req  *abi.QuoteRequest
		code string
		has  string
	}{
		{"unknown category", nov2026, qreq("jardinage", "resident", "free", 60, 1), CodeUnknownCategory, "« jardinage » inconnue"},
		{"unknown modality", nov2026, qreq("aines", "voisin", "free", 60, 1), CodeInvalidRequest, "modalité"},
		{"unknown mode", nov2026, qreq("aines", "resident", "cash", 60, 1), CodeInvalidRequest, "mode de paiement"},
		{"paid ride between residents", nov2026, qreq("mobilite", "resident", "cesu_declaratif", 60, 1), CodeCESUNotEligible, "organisme agréé"},
		{"prefunded CESU ride", nov2026, qreq("mobilite", "resident", "cesu_prefinance", 60, 1), CodeCESUNotEligible, "D7231-1"},
		{"professional mode between residents", nov2026, qreq("aines", "resident", "professional", 60, 1), CodeModeNotAllowed, "entre particuliers"},
		{"free with a professional", nov2026, qreq("aines", "professional", "free", 60, 1), CodeModeNotAllowed, "avec un professionnel"},
		{"prefunded CESU to an undeclared professional", nov2026, qreq("petits-travaux", "professional", "cesu_prefinance", 60, 1), CodeCESUPrefinanceNoSAP, "CRCESU"},
		{"CESU wage below the minimum", nov2026, qreq("petits-travaux", "resident", "cesu_declaratif", 60, 1, hourly(1046)), CodeCESUWageBelowMinimum, "au moins 10,47 € (SMIC net 9,51 € + 10 % de congés payés) ; 10,46 € proposé"},
		{"CESU wage below the 2025 minimum", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), qreq("enfance", "resident", "cesu_declaratif", 60, 1, hourly(1033)), CodeCESUWageBelowMinimum, "au moins 10,34 €"},
		{"before any legal amount", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), qreq("enfance", "resident", "free", 60, 1), CodeLegalAmountsUnknown, "montant légal"},
		{"too short for time credits", nov2026, qreq("aines", "resident", "time_credits", 10, 1), CodeTimeCreditsLimit, "au moins 15 min"},
		{"too many time credits", nov2026, qreq("aines", "resident", "time_credits", 600, 11), CodeTimeCreditsLimit, "au plus 100 h"},
		{"no minutes", nov2026, qreq("aines", "resident", "free", 0, 1), CodeInvalidRequest, "durée"},
		{"no occurrence", nov2026, qreq("aines", "resident", "free", 60, 0), CodeInvalidRequest, "nombre d'interventions"},
		{"negative distance", nov2026, qreq("aines", "resident", "free", 60, 1, dist(-1)), CodeInvalidRequest, "distance"},
		{"hourly too high", nov2026, qreq("aines", "professional", "professional", 60, 1, hourly(100001)), CodeInvalidRequest, "tarif horaire"},
		{"quote too large", nov2026, qreq("aines", "professional", "professional", 1440, 1000, hourly(100000)), CodeInvalidRequest, "100 000 €"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := p.Quote(tc.now, tc.req)
			var r *Refusal
			if !errors.As(err, &r) {
				t.Fatalf("quote = %+v, err = %v; want a refusal %s", q, err, tc.code)
			}
			if r.Code != tc.code || !strings.Contains(r.Message, tc.has) || r.MessageEN == "" {
				t.Errorf("refusal %s %q\nwant %s mentioning %q, with an English message", r.Code, r.Message, tc.code, tc.has)
			}
			if err := (&abi.Refusal{Code: r.Code, Message: r.Message, MessageEN: r.MessageEN}).Check(); err != nil {
				t.Errorf("the refusal breaks the ABI's rules: %v", err)
			}
		})
	}
}

func TestPriceRequiredWhenTheGridHasNone(t *testing.T) {
	t.Parallel()
	p := compileT(t, `{"categories":[{"id":"info","label":"Aide informatique","icon":"laptop","sap":{"eligible":true,"activity":"Assistance informatique à domicile","tax_credit_bucket":"it"},"modes":{"resident":["cesu_declaratif"],"professional":["professional"]}}]}`)
	for _, r := range []*abi.QuoteRequest{
		qreq("info", "resident", "cesu_declaratif", 60, 1),
		qreq("info", "professional", "professional", 60, 1),
	} {
		_, err := p.Quote(nov2026, r)
		var ref *Refusal
		if !errors.As(err, &ref) || ref.Code != CodePriceRequired {
			t.Errorf("%s: err = %v, want %s", r.Mode, err, CodePriceRequired)
		}
	}
	q, err := p.Quote(nov2026, qreq("info", "professional", "professional", 60, 1, hourly(4500), withSAP()))
	if err != nil || q.TaxCreditBucket != abi.BucketIT || q.TaxCreditEligibleCents != 4500 {
		t.Errorf("quote %+v, %v; want the IT bucket with 4500 eligible", q, err)
	}
}

func TestLegalAmountsInForce(t *testing.T) {
	t.Parallel()
	p := compileT(t, "")
	paris := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	cases := []struct {
		now     string
		min     int64
		mileage int64
	}{
		{"2024-06-01T12:00:00Z", 1015, 63},
		{"2024-10-31T22:59:59Z", 1015, 63}, // 23:59:59 in Paris (winter time)
		{"2024-10-31T23:00:00Z", 1034, 63}, // midnight, 1 November, in Paris
		{"2025-12-31T22:59:59Z", 1034, 63},
		{"2025-12-31T23:00:00Z", 1047, 63},
		{"2026-11-27T10:00:00Z", 1047, 63},
	}
	for _, tc := range cases {
		g := p.at(paris(tc.now).Unix())
		if !g.known || g.cesuMin != tc.min || g.mileageMax != tc.mileage {
			t.Errorf("at %s: CESU minimum %d, mileage cap %d; want %d, %d", tc.now, g.cesuMin, g.mileageMax, tc.min, tc.mileage)
		}
	}
}

func TestFrenchMidnight(t *testing.T) {
	t.Parallel()
	cases := []struct{ day, want string }{
		{"2026-01-01", "2025-12-31T23:00:00Z"},
		{"2026-07-01", "2026-06-30T22:00:00Z"},
		{"2026-03-29", "2026-03-28T23:00:00Z"}, // the last Sunday of March starts on winter time
		{"2026-03-30", "2026-03-29T22:00:00Z"},
		{"2026-10-25", "2026-10-24T22:00:00Z"}, // the last Sunday of October starts on summer time
		{"2026-10-26", "2026-10-25T23:00:00Z"},
	}
	for _, tc := range cases {
		got, err := frenchMidnight(tc.day)
		if err != nil {
			t.Fatal(err)
		}
		if s := time.Unix(got, 0).UTC().Format(time.RFC3339); s != tc.want {
			t.Errorf("midnight of %s in France = %s, want %s", tc.day, s, tc.want)
		}
	}
}

func TestCESUMinimum(t *testing.T) {
	t.Parallel()
	cases := []struct{ smic, bp, floor, want int64 }{
		{940, 1000, 0, 1034},
		{951, 1000, 0, 1047}, // 10,461 € rounded up: never below the law
		{922, 1000, 0, 1015},
		{951, 1000, 1051, 1051},
	}
	for _, tc := range cases {
		if got := cesuMinimum(tc.smic, tc.bp, tc.floor); got != tc.want {
			t.Errorf("cesuMinimum(%d, %d, %d) = %d, want %d", tc.smic, tc.bp, tc.floor, got, tc.want)
		}
	}
}

func TestPaymentModes(t *testing.T) {
	t.Parallel()
	p := compileT(t, "")
	cases := []struct {
		cat, modality string
		sap           bool
		want          []string
		noteHas       string
	}{
		{"mobilite", "resident", false, []string{"free", "time_credits"}, "30,00 € par trajet"},
		{"mobilite", "professional", true, []string{"professional"}, "organismes agréés"},
		{"petits-travaux", "resident", false, []string{"free", "time_credits", "cesu_declaratif", "cesu_prefinance"}, "au moins 10,47 € (SMIC net 9,51 € + 10 % de congés payés)"},
		{"petits-travaux", "professional", false, []string{"professional"}, "pas déclaré services à la personne"},
		{"petits-travaux", "professional", true, []string{"professional", "cesu_prefinance"}, "CRCESU"},
	}
	for _, tc := range cases {
		r := &abi.PaymentModesRequest{Category: tc.cat, Modality: tc.modality, ProviderSAP: tc.sap}
		pm, err := p.PaymentModes(nov2026, r)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if err := pm.Check(r); err != nil {
			t.Errorf("%+v: the answer breaks the ABI's rules: %v", tc, err)
		}
		var got []string
		var notes strings.Builder
		for _, m := range pm.Modes {
			got = append(got, m.Mode)
			notes.WriteString(m.Note)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s %s sap=%v: modes %v, want %v", tc.cat, tc.modality, tc.sap, got, tc.want)
		}
		if !strings.Contains(notes.String(), tc.noteHas) {
			t.Errorf("%s %s: notes %q, want one mentioning %q", tc.cat, tc.modality, notes.String(), tc.noteHas)
		}
	}
	_, err := p.PaymentModes(nov2026, &abi.PaymentModesRequest{Category: "nope", Modality: "resident"})
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Code != CodeUnknownCategory {
		t.Errorf("unknown category: %v", err)
	}
	q := compileT(t, `{"categories":[{"id":"c","label":"C","icon":"c","modes":{"resident":["free"]}}]}`)
	_, err = q.PaymentModes(nov2026, &abi.PaymentModesRequest{Category: "c", Modality: "professional"})
	if !errors.As(err, &ref) || ref.Code != CodeModalityNotAllowed {
		t.Errorf("modality not offered: %v", err)
	}
}

func TestValidateListing(t *testing.T) {
	t.Parallel()
	p := compileT(t, "")
	listing := func(kind, cat, modality string, modes []string, priceKind string, price int64, title string) *abi.ValidateListingRequest {
		return &abi.ValidateListingRequest{Listing: abi.Listing{
			Kind: kind, Category: cat, Modality: modality, Title: title, Description: "",
			Modes: modes, PriceKind: priceKind, PriceCents: price, Commune: "60063",
		}}
	}
	cases := []struct {
		name     string
		req      *abi.ValidateListingRequest
		sap      bool
		code     string // a refusal, or "" for accepted
		warnings []string
	}{
		{"volunteer ride", listing("offer", "mobilite", "resident", []string{"free", "time_credits"}, "free", 0, "Trajets vers Beauvais"), false, "", nil},
		{"paid ride between residents", listing("offer", "mobilite", "resident", []string{"free"}, "hourly", 1500, "Taxi"), false, CodePriceNotAllowed, nil},
		{"CESU ride", listing("offer", "mobilite", "resident", []string{"cesu_declaratif"}, "hourly", 1500, "Chauffeur"), false, CodeCESUNotEligible, nil},
		{"CESU wage too low", listing("offer", "petits-travaux", "resident", []string{"cesu_declaratif"}, "hourly", 900, "Tonte"), false, CodeCESUWageBelowMinimum, nil},
		{"CESU wage fine", listing("offer", "petits-travaux", "resident", []string{"cesu_declaratif", "free"}, "hourly", 1200, "Tonte"), false, "", nil},
		{"CESU fixed price", listing("offer", "petits-travaux", "resident", []string{"cesu_declaratif"}, "fixed", 3000, "Haie"), false, "", []string{"cesu_hourly_wage"}},
		{"undeclared professional", listing("offer", "petits-travaux", "professional", []string{"professional"}, "on_quote", 0, "Menuisier"), false, "", []string{"not_sap_declared"}},
		{"declared professional with CESU titles", listing("offer", "petits-travaux", "professional", []string{"professional", "cesu_prefinance"}, "hourly", 3500, "Jardinier"), true, "", nil},
		{"undeclared professional with CESU titles", listing("offer", "petits-travaux", "professional", []string{"cesu_prefinance"}, "hourly", 3500, "Jardinier"), false, CodeCESUPrefinanceNoSAP, nil},
		{"need paid with CESU titles", listing("need", "petits-travaux", "professional", []string{"cesu_prefinance"}, "on_quote", 0, "Cherche jardinier"), false, "", nil},
		{"childcare between residents", listing("offer", "enfance", "resident", []string{"time_credits"}, "free", 0, "Garde après l'école"), false, "", []string{"childcare_under_3"}},
		{"heavy care between residents", listing("offer", "aines", "resident", []string{"free"}, "free", 0, "Aide à la TOILETTE le matin"), false, "", []string{"heavy_care_approved_only"}},
		{"shopping between residents", listing("offer", "aines", "resident", []string{"free"}, "free", 0, "Courses au marché"), false, "", nil},
		{"unknown category", listing("offer", "jardin", "resident", []string{"free"}, "free", 0, "x"), false, CodeUnknownCategory, nil},
		{"bad kind", listing("gift", "aines", "resident", []string{"free"}, "free", 0, "x"), false, CodeInvalidRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.req.Listing.ProviderSAP = tc.sap
			v, err := p.ValidateListing(nov2026, tc.req)
			if tc.code != "" {
				var r *Refusal
				if !errors.As(err, &r) || r.Code != tc.code {
					t.Fatalf("verdict %+v, err %v; want refusal %s", v, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Check(); err != nil {
				t.Errorf("the verdict breaks the ABI's rules: %v", err)
			}
			var got []string
			for _, w := range v.Warnings {
				got = append(got, w.Code)
			}
			if strings.Join(got, ",") != strings.Join(tc.warnings, ",") {
				t.Errorf("warnings %v, want %v", got, tc.warnings)
			}
		})
	}
}

func TestExtensionRunsBeforeTheTotals(t *testing.T) {
	t.Parallel()
	ext := func(d *Draft) {
		if d.Request().Mode == abi.ModeTimeCredits {
			if l, _, ok := d.MileageLine(); ok {
				d.AddTerritoryPaid(l)
			}
		}
		if d.Request().ProviderSAP {
			d.WaiveCommission()
		}
	}
	runQuoteCases(t, standardDefault(t), []quoteCase{{
		name:    "territory-paid mileage on a time-credit ride",
		req:     qreq("mobilite", "resident", "time_credits", 60, 1, dist(10000)),
		lines:   []abi.QuoteLine{line("time_credits", 60, "minute", 0), line("mileage", 20, "km", 640)},
		total:   640,
		subsidy: 640,
		minutes: 60,
	}, {
		name:  "commission waived",
		req:   qreq("aines", "professional", "professional", 60, 1, withSAP()),
		lines: []abi.QuoteLine{line("labour", 60, "minute", 2800)},
		total: 2800, taxElig: 2800,
	}}, ext)
}

// TestEveryQuoteKeepsTheABIRules prices a grid of requests under several
// configurations and checks each answer: a quote that passes (*abi.Quote).Check,
// or a refusal that passes (*abi.Refusal).Check.
func TestEveryQuoteKeepsTheABIRules(t *testing.T) {
	t.Parallel()
	configs := []string{
		"",
		`{"solidarity":{"percent_bp":5000,"max_cents":2000,"funded_by":"territory"},"subsidies":[{"fixed_cents":300,"percent_bp":2000}]}`,
		`{"solidarity":{"percent_bp":2000,"fixed_cents":100,"funded_by":"provider"},"commission":[{"modality":"resident","percent_bp":200,"fixed_cents":50},{"modality":"professional","fixed_cents":300}]}`,
	}
	for _, raw := range configs {
		p := compileT(t, raw)
		n := 0
		for _, c := range p.Categories().Categories {
			for _, modality := range []string{"resident", "professional"} {
				for _, mode := range abi.Modes {
					for _, minutes := range []int{1, 59, 135, 1440} {
						for _, occ := range []int{1, 7, 1000} {
							for _, d := range []int{0, 499, 87400, 1000000} {
								for _, h := range []int64{0, 1, 1047, 99999} {
									for flags := range 4 {
										r := qreq(c.ID, modality, mode, minutes, occ, dist(d), hourly(h))
										r.ProviderSAP = flags&1 != 0 && modality == "professional"
										r.Solidarity = flags&2 != 0
										q, err := p.Quote(nov2026, r)
										n++
										if err != nil {
											var ref *Refusal
											if !errors.As(err, &ref) {
												t.Fatalf("%+v: %v is not a refusal", r, err)
											}
											if err := (&abi.Refusal{Code: ref.Code, Message: ref.Message, MessageEN: ref.MessageEN}).Check(); err != nil {
												t.Fatalf("%+v: %v", r, err)
											}
											continue
										}
										if err := q.Check(r); err != nil {
											t.Fatalf("config %s, request %+v:\n%v", raw, r, err)
										}
									}
								}
							}
						}
					}
				}
			}
		}
		if n < 1000 {
			t.Fatalf("only %d requests", n)
		}
	}
}
