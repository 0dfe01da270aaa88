package abi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Each Check is tested from a valid example of testdata/examples, broken
// one rule at a time: the error must name the field and say what is wrong.

// example decodes testdata/examples/name into a new T.
func example[T any](t *testing.T, name string) *T {
	t.Helper()
	var v T
	if err := json.Unmarshal(readExamples(t, "examples/"+name)[name], &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &v
}

// wantProblem checks that err is a ValidationError with a problem on
// field whose message contains msg.
func wantProblem(t *testing.T, err error, field, msg string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a ValidationError on %s", err, field)
	}
	for _, p := range ve.Problems {
		if p.Field == field && strings.Contains(p.Message, msg) {
			return
		}
	}
	t.Errorf("got %v\nwant a problem on %q containing %q", err, field, msg)
}

type checkCase[T any] struct {
	name   string
	mutate func(*T)
	field  string
	msg    string
}

func runChecks[T any](t *testing.T, file string, check func(*T) error, cases []checkCase[T]) {
	t.Helper()
	if err := check(example[T](t, file)); err != nil {
		t.Fatalf("the example %s does not pass: %v", file, err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := example[T](t, file)
			c.mutate(v)
			wantProblem(t, check(v), c.field, c.msg)
		})
	}
}

func TestManifestCheck(t *testing.T) {
	t.Parallel()
	runChecks(t, "manifest.json", (*Manifest).Check, []checkCase[Manifest]{
		{"empty id", func(m *Manifest) { m.ID = "" }, "id", "not a plugin id"},
		{"upper-case id", func(m *Manifest) { m.ID = "Campagnon.Standard" }, "id", "not a plugin id"},
		{"id ends with a dot", func(m *Manifest) { m.ID = "campagnon." }, "id", "not a plugin id"},
		{"id with two dots", func(m *Manifest) { m.ID = "campagnon..standard" }, "id", "not a plugin id"},
		{"id too long", func(m *Manifest) { m.ID = strings.Repeat("a", 65) }, "id", "not a plugin id"},
		{"no name", func(m *Manifest) { m.Name = " " }, "name", "blank"},
		{"name with a newline", func(m *Manifest) { m.Name = "a\nb" }, "name", "control character"},
		{"name not UTF-8", func(m *Manifest) { m.Name = "\xff" }, "name", "UTF-8"},
		{"two-part version", func(m *Manifest) { m.Version = "1.0" }, "version", "semantic version"},
		{"v prefix", func(m *Manifest) { m.Version = "v1.0.0" }, "version", "semantic version"},
		{"leading zero", func(m *Manifest) { m.Version = "1.02.0" }, "version", "semantic version"},
		{"empty pre-release", func(m *Manifest) { m.Version = "1.0.0-" }, "version", "semantic version"},
		{"pre-release leading zero", func(m *Manifest) { m.Version = "1.0.0-01" }, "version", "semantic version"},
		{"bad build", func(m *Manifest) { m.Version = "1.0.0+a..b" }, "version", "semantic version"},
		{"wrong ABI", func(m *Manifest) { m.ABI = 2 }, "abi", "this host speaks ABI 1"},
		{"missing ABI", func(m *Manifest) { m.ABI = 0 }, "abi", "is 0"},
		{"no operations", func(m *Manifest) { m.Operations = nil }, "operations", "is empty"},
		{"unknown operation", func(m *Manifest) { m.Operations[1] = "price" }, "operations[1]", "not an operation"},
		{"operation twice", func(m *Manifest) { m.Operations[2] = "describe" }, "operations[2]", "listed twice"},
		{"bad territory", func(m *Manifest) { m.Territories = []string{"12345"} }, "territories[0]", "SIREN"},
		{"territory twice", func(m *Manifest) { m.Territories = []string{"200005932", "200005932"} }, "territories[1]", "twice"},
		{"long description", func(m *Manifest) { m.Description = strings.Repeat("é", 3000) }, "description", "at most 5000"},
	})
	m := example[Manifest](t, "manifest.json")
	for _, v := range []string{"0.0.1", "1.2.3-alpha.1", "1.2.3-rc.0+build.5", "10.20.30-x-y.0a"} {
		m.Version = v
		if err := m.Check(); err != nil {
			t.Errorf("version %q: %v", v, err)
		}
	}
}

func TestCategoriesCheck(t *testing.T) {
	t.Parallel()
	runChecks(t, "categories.json", (*Categories).Check, []checkCase[Categories]{
		{"none", func(c *Categories) { c.Categories = nil }, "categories", "at least one"},
		{"duplicate id", func(c *Categories) { c.Categories[2].ID = c.Categories[0].ID }, "categories[2].id", "already the id of categories[0]"},
		{"bad id", func(c *Categories) { c.Categories[0].ID = "Petits_travaux" }, "categories[0].id", "not an identifier"},
		{"id with double hyphen", func(c *Categories) { c.Categories[0].ID = "a--b" }, "categories[0].id", "not an identifier"},
		{"no label", func(c *Categories) { c.Categories[1].Label = "" }, "categories[1].label", "empty"},
		{"long label", func(c *Categories) { c.Categories[1].Label = strings.Repeat("x", 201) }, "categories[1].label", "at most 200"},
		{"no icon", func(c *Categories) { c.Categories[1].Icon = "" }, "categories[1].icon", "not an icon"},
		{"no modality", func(c *Categories) { c.Categories[0].Modalities = nil }, "categories[0].modalities", "empty"},
		{"unknown modality", func(c *Categories) { c.Categories[0].Modalities = []string{"company"} }, "categories[0].modalities[0]", "not one of"},
		{"modality twice", func(c *Categories) { c.Categories[1].Modalities[1] = "resident" }, "categories[1].modalities[1]", "twice"},
		{"no mode", func(c *Categories) { c.Categories[0].Modes = []string{} }, "categories[0].modes", "empty"},
		{"unknown mode", func(c *Categories) { c.Categories[0].Modes[0] = "cash" }, "categories[0].modes[0]", "not one of"},
		{"mode twice", func(c *Categories) { c.Categories[0].Modes[1] = "free" }, "categories[0].modes[1]", "twice"},
		{"CESU not eligible", func(c *Categories) { c.Categories[0].Modes = append(c.Categories[0].Modes, ModeCESUDeclaratif) }, "categories[0].modes[2]", "only for services à la personne"},
		{"prefunded CESU not eligible", func(c *Categories) { c.Categories[0].Modes[0] = ModeCESUPrefinance }, "categories[0].modes[0]", "D7231-1"},
		{"CESU déclaratif with approval", func(c *Categories) { c.Categories[3].Modes = append(c.Categories[3].Modes, ModeCESUDeclaratif) }, "categories[3].modes[2]", "approved organisations"},
		{"bucket not eligible", func(c *Categories) { c.Categories[0].SAP.TaxCreditBucket = BucketDIY }, "categories[0].sap", "only to an eligible"},
		{"eligible without activity", func(c *Categories) { c.Categories[1].SAP.Activity = "" }, "categories[1].sap.activity", "empty"},
		{"unknown bucket", func(c *Categories) { c.Categories[1].SAP.TaxCreditBucket = "garden" }, "categories[1].sap.tax_credit_bucket", "not one of"},
		{"DIY over two hours", func(c *Categories) { c.Categories[2].SAP.MaxMinutesPerJob = 180 }, "categories[2].sap.max_minutes_per_job", "up to 120 minutes"},
		{"DIY without a limit", func(c *Categories) { c.Categories[2].SAP.MaxMinutesPerJob = 0 }, "categories[2].sap.max_minutes_per_job", "up to 120 minutes"},
		{"negative job length", func(c *Categories) { c.Categories[1].SAP.MaxMinutesPerJob = -1 }, "categories[1].sap.max_minutes_per_job", "between 0 and 1440"},
		{"positive floor", func(c *Categories) { c.TimeCredits.FloorMinutes = 60 }, "time_credits.floor_minutes", "is 60; the floor is how far below zero"},
		{"floor beyond 1,000 hours", func(c *Categories) { c.TimeCredits.FloorMinutes = -60001 }, "time_credits.floor_minutes", "down to -60000 minutes"},
		{"negative ceiling", func(c *Categories) { c.TimeCredits.CeilingMinutes = -1 }, "time_credits.ceiling_minutes", "is -1; the ceiling is the most"},
		{"ceiling beyond 1,000 hours", func(c *Categories) { c.TimeCredits.CeilingMinutes = 60001 }, "time_credits.ceiling_minutes", "from 0 to 60000 minutes"},
		{"negative welcome", func(c *Categories) { c.TimeCredits.WelcomeMinutes = -30 }, "time_credits.welcome_minutes", "is -30; the welcome credit is from 0"},
		{"welcome beyond 100 hours", func(c *Categories) { c.TimeCredits.WelcomeMinutes = 6001 }, "time_credits.welcome_minutes", "to 6000 minutes"},
		{"welcome above the ceiling", func(c *Categories) { c.TimeCredits.WelcomeMinutes = 2401 }, "time_credits.welcome_minutes", "above ceiling_minutes (2400)"},
		{"no room to move", func(c *Categories) { *c.TimeCredits = TimeCreditPolicy{} }, "time_credits", "both 0"},
		{"policy checked beside too many categories", func(c *Categories) {
			c.Categories = make([]Category, MaxCategories+1)
			c.TimeCredits.CeilingMinutes = -5
		}, "time_credits.ceiling_minutes", "is -5"},
	})
	c := example[Categories](t, "categories.json")
	for _, p := range []TimeCreditPolicy{
		{FloorMinutes: 0, CeilingMinutes: 1},
		{FloorMinutes: -1, CeilingMinutes: 0},
		{FloorMinutes: -MaxBalanceMinutes, CeilingMinutes: MaxBalanceMinutes, WelcomeMinutes: MaxWelcomeMinutes},
		{FloorMinutes: -300, CeilingMinutes: 60, WelcomeMinutes: 60},
	} {
		c.TimeCredits = &p
		if err := c.Check(); err != nil {
			t.Errorf("policy %+v: %v", p, err)
		}
	}
	c.TimeCredits = nil
	if err := c.Check(); err != nil {
		t.Errorf("no policy: %v", err)
	}
	// Every bad value is named, not only the first.
	c.TimeCredits = &TimeCreditPolicy{FloorMinutes: 1, CeilingMinutes: -1, WelcomeMinutes: -1}
	err := c.Check()
	for _, field := range []string{"time_credits.floor_minutes", "time_credits.ceiling_minutes", "time_credits.welcome_minutes"} {
		wantProblem(t, err, field, "is ")
	}
}

func TestPaymentModesCheck(t *testing.T) {
	t.Parallel()
	req := example[PaymentModesRequest](t, "payment_modes_request.json")
	check := func(p *PaymentModes) error { return p.Check(req) }
	runChecks(t, "payment_modes.json", check, []checkCase[PaymentModes]{
		{"none", func(p *PaymentModes) { p.Modes = nil }, "modes", "answer a refusal"},
		{"unknown", func(p *PaymentModes) { p.Modes[0].Mode = "bitcoin" }, "modes[0].mode", "not one of"},
		{"twice", func(p *PaymentModes) { p.Modes[1].Mode = p.Modes[0].Mode }, "modes[1].mode", "twice"},
		{"no label", func(p *PaymentModes) { p.Modes[0].Label = "" }, "modes[0].label", "empty"},
		{"long note", func(p *PaymentModes) { p.Modes[0].Note = strings.Repeat("n", 1001) }, "modes[0].note", "at most 1000"},
		{"CESU déclaratif to a professional", func(p *PaymentModes) { p.Modes[1].Mode = ModeCESUDeclaratif }, "modes[1].mode", "not for a professional"},
	})
	notSAP := *req
	notSAP.ProviderSAP = false
	wantProblem(t, example[PaymentModes](t, "payment_modes.json").Check(&notSAP), "modes[1].mode", "provider_sap")
	resident := *req
	resident.Modality, resident.ProviderSAP = ModalityResident, false
	wantProblem(t, example[PaymentModes](t, "payment_modes.json").Check(&resident), "modes[0].mode", "between residents")
	if err := example[PaymentModes](t, "payment_modes.json").Check(nil); err != nil {
		t.Errorf("without a request: %v", err)
	}
}

func TestQuoteCheck(t *testing.T) {
	t.Parallel()
	req := exampleRequest(t)
	check := func(q *Quote) error { return q.Check(req) }
	runChecks(t, "quote.json", check, []checkCase[Quote]{
		{"dollars", func(q *Quote) { q.Currency = "USD" }, "currency", `is not "EUR"`},
		{"no currency", func(q *Quote) { q.Currency = "" }, "currency", `is not "EUR"`},
		{"other mode", func(q *Quote) { q.Mode = ModeCESUPrefinance }, "mode", "not the requested mode"},
		{"unknown mode", func(q *Quote) { q.Mode = "cash" }, "mode", "not one of"},
		{"negative labour", func(q *Quote) { q.Lines[0].AmountCents = -5600; q.TotalCents = -5120 }, "lines[0].amount_cents", `only a "reduction" line may be negative`},
		{"positive reduction", func(q *Quote) { q.Lines[1].Code = "reduction" }, "lines[1].amount_cents", "negative or zero"},
		{"lines do not add up", func(q *Quote) { q.Lines[1].AmountCents = 500 }, "total_cents", "the lines add up to 6100"},
		{"negative total", func(q *Quote) {
			q.Lines = []QuoteLine{{Code: "reduction", Label: "Réduction", Unit: "unit", AmountCents: -1}}
			q.TotalCents, q.PayableCents, q.CommissionCents, q.TaxCreditEligibleCents = -1, -1, 0, 0
		}, "total_cents", "between 0 and 10000000"},
		{"total too large", func(q *Quote) {
			q.Lines[0].AmountCents = 10_000_001 - 480
			q.TotalCents, q.PayableCents = 10_000_001, 10_000_001
		}, "total_cents", "between 0 and 10000000"},
		{"line too large", func(q *Quote) { q.Lines[0].AmountCents = 1 << 62 }, "lines[0].amount_cents", "at most 10000000 cents"},
		{"subsidy over total", func(q *Quote) { q.SubsidyCents, q.PayableCents = 7000, -920 }, "subsidy_cents", "between 0 and 6080"},
		{"negative subsidy", func(q *Quote) { q.SubsidyCents, q.PayableCents = -1, 6081 }, "subsidy_cents", "between 0 and 6080"},
		{"payable wrong", func(q *Quote) { q.SubsidyCents = 1000 }, "payable_cents", "expected total_cents − subsidy_cents = 5080"},
		{"commission over total", func(q *Quote) { q.CommissionCents = 6081 }, "commission_cents", "between 0 and 6080"},
		{"negative commission", func(q *Quote) { q.CommissionCents = -1 }, "commission_cents", "between 0 and 6080"},
		{"tax credit over payable", func(q *Quote) { q.TaxCreditEligibleCents = 6081 }, "tax_credit_eligible_cents", "between 0 and 6080"},
		{"unknown bucket", func(q *Quote) { q.TaxCreditBucket = "garden" }, "tax_credit_bucket", "not one of"},
		{"time credits in professional mode", func(q *Quote) { q.TimeCreditMinutes = 60 }, "time_credit_minutes", "only in the \"time_credits\" mode"},
		{"negative time credits", func(q *Quote) { q.TimeCreditMinutes = -60 }, "time_credit_minutes", "between 0"},
		{"bad line code", func(q *Quote) { q.Lines[0].Code = "Labour" }, "lines[0].code", "not a code"},
		{"one-letter line code", func(q *Quote) { q.Lines[0].Code = "l" }, "lines[0].code", "not a code"},
		{"no line label", func(q *Quote) { q.Lines[0].Label = "" }, "lines[0].label", "empty"},
		{"unknown unit", func(q *Quote) { q.Lines[0].Unit = "hour" }, "lines[0].unit", "not one of"},
		{"negative quantity", func(q *Quote) { q.Lines[0].Quantity = -1 }, "lines[0].quantity", "between 0"},
		{"too many lines", func(q *Quote) { q.Lines = make([]QuoteLine, 101) }, "lines", "at most 100"},
		{"too many notes", func(q *Quote) { q.Notes = make([]string, 21) }, "notes", "at most 20"},
		{"empty note", func(q *Quote) { q.Notes[0] = "" }, "notes[0]", "empty"},
		{"long note", func(q *Quote) { q.Notes[0] = strings.Repeat("a", 1001) }, "notes[0]", "at most 1000"},
		{"note with a NUL", func(q *Quote) { q.Notes[0] = "a\x00b" }, "notes[0]", "control character"},
	})
	// The case whose mutation is on the request.
	noSAP := *req
	noSAP.ProviderSAP = false
	wantProblem(t, example[Quote](t, "quote.json").Check(&noSAP), "tax_credit_eligible_cents", "declared for services à la personne")
	if err := example[Quote](t, "quote.json").Check(nil); err != nil {
		t.Errorf("without a request: %v", err)
	}
}

func TestQuoteCheckModes(t *testing.T) {
	t.Parallel()
	free := func() *Quote {
		return &Quote{Currency: Currency, Mode: ModeFree, Lines: []QuoteLine{
			{Code: "mileage", Label: "Indemnité kilométrique", Quantity: 8, Unit: "km", AmountCents: 256},
			{Code: "reduction", Label: "Réduction solidaire", Quantity: 1, Unit: "unit", AmountCents: -56},
		}, TotalCents: 200, PayableCents: 200}
	}
	if err := free().Check(&QuoteRequest{Mode: ModeFree}); err != nil {
		t.Fatalf("a free quote with mileage: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(*Quote)
		field  string
		msg    string
	}{
		{"labour in a free exchange", func(q *Quote) { q.Lines[0].Code = "labour" }, "lines[0].amount_cents", "at most a mileage allowance"},
		{"commission on a free exchange", func(q *Quote) { q.CommissionCents = 10 }, "commission_cents", "no commission"},
		{"tax credit on a free exchange", func(q *Quote) { q.TaxCreditEligibleCents = 100 }, "tax_credit_eligible_cents", "not the \"free\" mode"},
		{"time credits in a free exchange", func(q *Quote) { q.TimeCreditMinutes = 30 }, "time_credit_minutes", "only in"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := free()
			c.mutate(q)
			wantProblem(t, q.Check(&QuoteRequest{Mode: ModeFree}), c.field, c.msg)
		})
	}
	tc := free()
	tc.Mode, tc.TimeCreditMinutes = ModeTimeCredits, 90
	tc.Lines[0].Code = "labour"
	if err := tc.Check(&QuoteRequest{Mode: ModeTimeCredits}); err != nil {
		t.Errorf("a time-credit quote: %v", err)
	}
}

func TestQuoteCheckListsEveryProblem(t *testing.T) {
	t.Parallel()
	q := &Quote{Currency: "USD", Mode: "cash", TotalCents: 5, PayableCents: 7, CommissionCents: -1}
	err := q.Check(nil)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) < 4 {
		t.Fatalf("got %v, want at least 4 problems", err)
	}
	if !strings.HasPrefix(err.Error(), "invalid quote: currency: ") {
		t.Errorf("message %q", err)
	}
}

func TestRefusalCheck(t *testing.T) {
	t.Parallel()
	runChecks(t, "refusal.json", (*Refusal).Check, []checkCase[Refusal]{
		{"no code", func(r *Refusal) { r.Code = "" }, "code", "not a code"},
		{"code with a hyphen", func(r *Refusal) { r.Code = "cesu-not-eligible" }, "code", "not a code"},
		{"code starting with a digit", func(r *Refusal) { r.Code = "1cesu" }, "code", "not a code"},
		{"code too long", func(r *Refusal) { r.Code = strings.Repeat("a", 65) }, "code", "not a code"},
		{"no message", func(r *Refusal) { r.Message = "" }, "message", "empty"},
		{"blank message", func(r *Refusal) { r.Message = " \n " }, "message", "blank"},
		{"message too long", func(r *Refusal) { r.Message = strings.Repeat("é", 501) }, "message", "1002 bytes long; at most 1000"},
		{"English too long", func(r *Refusal) { r.MessageEN = strings.Repeat("e", 1001) }, "message_en", "at most 1000"},
		{"message not UTF-8", func(r *Refusal) { r.Message = "Non \xc3" }, "message", "UTF-8"},
		{"message with an escape", func(r *Refusal) { r.Message = "Non \x1b[31m" }, "message", "control character"},
	})
}

func TestListingVerdictCheck(t *testing.T) {
	t.Parallel()
	runChecks(t, "listing_verdict.json", (*ListingVerdict).Check, []checkCase[ListingVerdict]{
		{"bad code", func(v *ListingVerdict) { v.Warnings[0].Code = "Wage" }, "warnings[0].code", "not a code"},
		{"no message", func(v *ListingVerdict) { v.Warnings[0].Message = "" }, "warnings[0].message", "empty"},
		{"too many", func(v *ListingVerdict) {
			v.Warnings = make([]Notice, 21)
		}, "warnings", "at most 20"},
	})
	if err := (&ListingVerdict{}).Check(); err != nil {
		t.Errorf("no warnings: %v", err)
	}
}

func TestEnvelopeCheck(t *testing.T) {
	t.Parallel()
	ok := func() *Envelope { return &Envelope{OK: true, Result: json.RawMessage(`{}`)} }
	no := func() *Envelope { return &Envelope{Refusal: &Refusal{Code: "no", Message: "Non."}} }
	cases := []struct {
		name  string
		env   *Envelope
		field string
		msg   string
	}{
		{"ok without result", &Envelope{OK: true}, "result", "missing"},
		{"ok with null result", &Envelope{OK: true, Result: json.RawMessage("null")}, "result", "missing"},
		{"ok with refusal", func() *Envelope { e := ok(); e.Refusal = no().Refusal; return e }(), "refusal", "present"},
		{"refusal without refusal", &Envelope{}, "refusal", "missing"},
		{"refusal with result", func() *Envelope { e := no(); e.Result = json.RawMessage(`{}`); return e }(), "result", "present"},
		{"bad refusal", &Envelope{Refusal: &Refusal{Code: "X"}}, "refusal.code", "not a code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantProblem(t, c.env.Check(), c.field, c.msg) })
	}
	for _, e := range []*Envelope{ok(), no()} {
		if err := e.Check(); err != nil {
			t.Errorf("%+v: %v", e, err)
		}
	}
}

func TestQuoteRequestCheck(t *testing.T) {
	t.Parallel()
	runChecks(t, "quote_request.json", (*QuoteRequest).Check, []checkCase[QuoteRequest]{
		{"no time", func(r *QuoteRequest) { r.Context.Now = "" }, "context.now", "RFC 3339"},
		{"time without zone", func(r *QuoteRequest) { r.Context.Now = "2026-11-27T10:00:00" }, "context.now", "RFC 3339"},
		{"time not in UTC", func(r *QuoteRequest) { r.Context.Now = "2026-11-27T10:00:00+01:00" }, "context.now", "UTC"},
		{"February 30th", func(r *QuoteRequest) { r.Context.Now = "2026-02-30T10:00:00Z" }, "context.now", "RFC 3339"},
		{"bad slug", func(r *QuoteRequest) { r.Context.Territory.Slug = "Portes de Sologne" }, "context.territory.slug", "not an identifier"},
		{"no territory name", func(r *QuoteRequest) { r.Context.Territory.Name = "" }, "context.territory.name", "empty"},
		{"bad EPCI", func(r *QuoteRequest) { r.Context.Territory.EPCI = "20000593" }, "context.territory.epci", "SIREN"},
		{"upper-case hash", func(r *QuoteRequest) { r.Context.ConfigHash = strings.ToUpper(r.Context.ConfigHash) }, "context.config_hash", "lowercase hex"},
		{"hash of other bytes", func(r *QuoteRequest) { r.Context.Config = json.RawMessage(`{"a":1}`) }, "context.config_hash", "not the SHA-256 of config"},
		{"config not JSON", func(r *QuoteRequest) { r.Context.Config = json.RawMessage(`{"a":}`) }, "context.config", "not JSON"},
		{"config an array", func(r *QuoteRequest) { r.Context.Config = json.RawMessage(`[1]`) }, "context.config", "not a JSON object"},
		{"bad category", func(r *QuoteRequest) { r.Category = "" }, "category", "not an identifier"},
		{"unknown modality", func(r *QuoteRequest) { r.Modality = "company" }, "modality", "not one of"},
		{"SAP resident", func(r *QuoteRequest) { r.Modality = ModalityResident }, "modality/provider_sap", "describes a professional"},
		{"unknown mode", func(r *QuoteRequest) { r.Mode = "cheque" }, "mode", "not one of"},
		{"no minutes", func(r *QuoteRequest) { r.Minutes = 0 }, "minutes", "between 1 and 1440"},
		{"two days", func(r *QuoteRequest) { r.Minutes = 2881 }, "minutes", "between 1 and 1440"},
		{"negative distance", func(r *QuoteRequest) { r.DistanceMeters = -1 }, "distance_m", "between 0"},
		{"no occurrence", func(r *QuoteRequest) { r.Occurrences = 0 }, "occurrences", "between 1 and 1000"},
		{"negative rate", func(r *QuoteRequest) { r.HourlyCents = -1 }, "hourly_cents", "between 0 and 100000"},
		{"absurd rate", func(r *QuoteRequest) { r.HourlyCents = 1 << 40 }, "hourly_cents", "between 0 and 100000"},
	})
	// Without the configuration, any well-formed hash is fine.
	r := exampleRequest(t)
	r.Context.Config = nil
	r.Context.ConfigHash = hex.EncodeToString(make([]byte, sha256.Size))
	if err := r.Check(); err != nil {
		t.Errorf("without config: %v", err)
	}
}

func TestOtherRequestChecks(t *testing.T) {
	t.Parallel()
	runChecks(t, "categories_request.json", (*CategoriesRequest).Check, []checkCase[CategoriesRequest]{
		{"no context", func(r *CategoriesRequest) { r.Context = Context{} }, "context.config_hash", "lowercase hex"},
	})
	runChecks(t, "payment_modes_request.json", (*PaymentModesRequest).Check, []checkCase[PaymentModesRequest]{
		{"bad category", func(r *PaymentModesRequest) { r.Category = "a b" }, "category", "not an identifier"},
		{"no modality", func(r *PaymentModesRequest) { r.Modality = "" }, "modality", "not one of"},
	})
	runChecks(t, "validate_listing_request.json", (*ValidateListingRequest).Check, []checkCase[ValidateListingRequest]{
		{"unknown kind", func(r *ValidateListingRequest) { r.Listing.Kind = "sale" }, "listing.kind", "not one of"},
		{"no title", func(r *ValidateListingRequest) { r.Listing.Title = "" }, "listing.title", "empty"},
		{"no mode", func(r *ValidateListingRequest) { r.Listing.Modes = nil }, "listing.modes", "at least one"},
		{"mode twice", func(r *ValidateListingRequest) { r.Listing.Modes[1] = r.Listing.Modes[0] }, "listing.modes[1]", "twice"},
		{"unknown price kind", func(r *ValidateListingRequest) { r.Listing.PriceKind = "barter" }, "listing.price_kind", "not one of"},
		{"hourly without price", func(r *ValidateListingRequest) { r.Listing.PriceCents = 0 }, "listing.price_cents", "between 1"},
		{"free with a price", func(r *ValidateListingRequest) { r.Listing.PriceKind = PriceFree }, "listing.price_cents", "only an hourly or fixed price"},
		{"bad commune", func(r *ValidateListingRequest) { r.Listing.Commune = "2C004" }, "listing.commune", "INSEE"},
		{"far travel", func(r *ValidateListingRequest) { r.Listing.TravelKm = 5000 }, "listing.travel_km", "between 0 and 1000"},
		{"description with a NUL", func(r *ValidateListingRequest) { r.Listing.Description = "\x00" }, "listing.description", "control character"},
	})
	corsica := example[ValidateListingRequest](t, "validate_listing_request.json")
	corsica.Listing.Commune = "2A004"
	if err := corsica.Check(); err != nil {
		t.Errorf("Corsican commune: %v", err)
	}
	if err := (&DescribeRequest{}).Check(); err != nil {
		t.Errorf("describe: %v", err)
	}
}

func TestValidationErrorBoundsItsLength(t *testing.T) {
	t.Parallel()
	q := &Quote{Currency: Currency, Mode: ModeFree, Notes: make([]string, MaxNotes)}
	q.Lines = make([]QuoteLine, MaxQuoteLines)
	err := q.Check(nil)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	if n := len(ve.Problems); n != maxProblems+1 || !strings.Contains(ve.Problems[n-1].Message, "more problems") {
		t.Errorf("%d problems, last %q", n, ve.Problems[len(ve.Problems)-1].Message)
	}
}
