package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// exchangeOf decodes an exchange answer.
type exchangeOf struct {
	ID                string
	State             string
	Version           int
	TimeCreditMinutes int    `json:"time_credit_minutes"`
	QuoteID           string `json:"quote_id"`
}

func decodeExchange(t *testing.T, b string) exchangeOf {
	t.Helper()
	var x exchangeOf
	if err := json.Unmarshal([]byte(b), &x); err != nil || x.ID == "" {
		t.Fatalf("not an exchange: %s (%v)", b, err)
	}
	return x
}

// TestExchangeJourney: a resident asks for a neighbour's offer in time
// credits; the provider accepts (the plugin's quote is frozen), they
// schedule, the provider completes, both confirm and both review; wrong
// actors and wrong states get French answers naming who may act; a retried
// request with its Idempotency-Key acts once.
func TestExchangeJourney(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		alice := member(t, a, "alice@example.fr", "Songeons")
		bob := member(t, a, "bob@example.fr", "Formerie")
		const base = "/api/v1/t/picardie-verte/exchanges"
		offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", offer(true), alice, 201))

		req := `{"listing_id":"` + offerID + `","mode":"time_credits","minutes":90}`
		mustCall(t, a, "POST", base, req, alice, 400) // her own listing
		mustCall(t, a, "POST", base, strings.Replace(req, "time_credits", "cesu_declaratif", 1), bob, 400)
		key := with(bob, "Idempotency-Key", "demande-tonte-1")
		first := mustCall(t, a, "POST", base, req, key, 201)
		again := mustCall(t, a, "POST", base, req, key, 201)
		if first != again {
			t.Errorf("a retried request answered differently:\n%s\n%s", first, again)
		}
		if b := mustCall(t, a, "POST", base, strings.Replace(req, "90", "60", 1), key, 422); codeOf(b) != "idempotency_key_reused" {
			t.Errorf("same key, other body: %s", b)
		}
		if b := mustCall(t, a, "GET", base, "", bob, 200); strings.Count(b, `"listing_id"`) != 1 {
			t.Fatalf("the retried request created more than one exchange: %s", b)
		}
		x := decodeExchange(t, first)
		if x.State != "requested" {
			t.Fatalf("new exchange: %s", first)
		}
		path := base + "/" + x.ID

		b := mustCall(t, a, "POST", path+"/accept", "", bob, 403)
		if codeOf(b) != "exchange_actor" || !strings.Contains(b, "prestataire") {
			t.Errorf("the seeker accepting his own request: %s", b)
		}
		b = mustCall(t, a, "POST", path+"/complete", "", alice, 409)
		if codeOf(b) != "exchange_state" || !strings.Contains(b, "demandé") {
			t.Errorf("completing a request: %s", b)
		}
		// Two accepts at once: exactly one wins.
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _, _ = call(t, a, "POST", path+"/accept", "", alice)
			}()
		}
		wg.Wait()
		if !(statuses[0] == 200 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 200) {
			t.Fatalf("two concurrent accepts: %v, want one 200 and one 409", statuses)
		}
		b = mustCall(t, a, "GET", path, "", bob, 200)
		if x := decodeExchange(t, b); x.State != "accepted" || x.TimeCreditMinutes != 90 || x.QuoteID == "" {
			t.Fatalf("accepted exchange: %s", b)
		}
		mustCall(t, a, "POST", path+"/schedule", `{}`, bob, 400)
		mustCall(t, a, "POST", path+"/schedule", `{"scheduled_at":"2026-12-05T09:00:00Z"}`, bob, 200)
		mustCall(t, a, "POST", path+"/complete", "", bob, 403)
		mustCall(t, a, "POST", path+"/complete", "", alice, 200)
		mustCall(t, a, "POST", path+"/confirm", "", bob, 200)
		mustCall(t, a, "POST", path+"/confirm", "", bob, 409)
		if x := decodeExchange(t, mustCall(t, a, "POST", path+"/confirm", "", alice, 200)); x.State != "confirmed" {
			t.Fatalf("after both confirmations: %+v", x)
		}
		// Time credits moved from the seeker to the provider, once (each
		// began with Picardie Verte's 2 h of welcome credits).
		for who, want := range map[string]string{"bob": `"balance_minutes":30`, "alice": `"balance_minutes":210`} {
			h := map[string]map[string]string{"bob": bob, "alice": alice}[who]
			if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/ledger", "", h, 200); !strings.Contains(b, want) {
				t.Errorf("%s's ledger after confirmation: %s", who, b)
			}
		}
		if rep, err := a.Ledger.Check(context.Background(), ""); err != nil || !rep.OK() {
			t.Errorf("ledger check: %+v, %v", rep, err)
		}
		mustCall(t, a, "POST", path+"/review", `{"rating":7}`, bob, 400)
		mustCall(t, a, "POST", path+"/review", `{"rating":5,"comment":"Pelouse impeccable, merci !"}`, bob, 200)
		aliceID := memberID(t, a, alice)
		if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/members/"+aliceID+"/reviews", "", nil, 200); !strings.Contains(b, `"count":0`) {
			t.Errorf("a review was published before the other party's: %s", b)
		}
		if x := decodeExchange(t, mustCall(t, a, "POST", path+"/review", `{"rating":4}`, alice, 200)); x.State != "reviewed" {
			t.Fatalf("after both reviews: %+v", x)
		}
		if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/members/"+aliceID+"/reviews", "", nil, 200); !strings.Contains(b, `"count":1`) || !strings.Contains(b, "impeccable") {
			t.Errorf("published reviews: %s", b)
		}
		// The history names every step and its actor.
		b = mustCall(t, a, "GET", path, "", alice, 200)
		for _, ev := range []string{"request", "accept", "schedule", "complete", "confirm", "review"} {
			if !strings.Contains(b, `"event":"`+ev+`"`) {
				t.Errorf("history lacks %s: %s", ev, b)
			}
		}
		// Nobody else sees it; nothing crosses territories.
		carol := member(t, a, "carol@example.fr", "Songeons")
		mustCall(t, a, "GET", path, "", carol, 404)
		mustCall(t, a, "GET", "/api/v1/t/portes-de-sologne/exchanges/"+x.ID, "", member(t, a, "ps@example.fr", "45006"), 404)
	})
}

// TestExchangeFromANeed: a provider answers a resident's need; the resident
// accepts or declines.
func TestExchangeFromANeed(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	seeker := member(t, a, "seeker@example.fr", "Songeons")
	provider := member(t, a, "provider@example.fr", "Formerie")
	need := strings.Replace(offer(true), `"kind":"offer"`, `"kind":"need"`, 1)
	needID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", need, seeker, 201))
	x := decodeExchange(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", `{"listing_id":"`+needID+`","mode":"free","minutes":60}`, provider, 201))
	path := "/api/v1/t/picardie-verte/exchanges/" + x.ID
	mustCall(t, a, "POST", path+"/accept", "", provider, 403)
	if x := decodeExchange(t, mustCall(t, a, "POST", path+"/decline", "", seeker, 200)); x.State != "declined" {
		t.Fatalf("declined: %+v", x)
	}
	mustCall(t, a, "POST", path+"/accept", "", seeker, 409)
}

// TestExchangeTimers: unanswered requests expire, unconfirmed services are
// confirmed, reviews close and are published, each once.
func TestExchangeTimers(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	alice := member(t, a, "alice@example.fr", "Songeons")
	bob := member(t, a, "bob@example.fr", "Formerie")
	offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", offer(true), alice, 201))
	req := `{"listing_id":"` + offerID + `","mode":"free","minutes":60}`
	const base = "/api/v1/t/picardie-verte/exchanges/"
	idle := decodeExchange(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", req, bob, 201))
	done := decodeExchange(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", req, bob, 201))
	mustCall(t, a, "POST", base+done.ID+"/accept", "", alice, 200)
	mustCall(t, a, "POST", base+done.ID+"/schedule", `{"scheduled_at":"2026-12-05T09:00:00Z"}`, alice, 200)
	mustCall(t, a, "POST", base+done.ID+"/complete", "", alice, 200)
	mustCall(t, a, "POST", base+done.ID+"/confirm", "", alice, 200)

	now := time.Now()
	svc := exchange.NewService(a.Store, a.Rules, nil, func() time.Time { return now })
	steps := []struct {
		after                        time.Duration
		expired, confirmed, reviewed int
	}{
		{0, 0, 0, 0},
		{exchange.RequestTTL + time.Hour, 1, 1, 0},
		{time.Hour, 0, 0, 0},
		{exchange.ReviewWindow, 0, 0, 1},
		{time.Hour, 0, 0, 0},
	}
	for i, st := range steps {
		now = now.Add(st.after)
		got, err := svc.Sweep(ctx)
		if err != nil || got.Expired != st.expired || got.AutoConfirmed != st.confirmed || got.ReviewsClosed != st.reviewed {
			t.Fatalf("step %d: Sweep = %+v, %v; want %d %d %d", i, got, err, st.expired, st.confirmed, st.reviewed)
		}
	}
	for id, want := range map[string]string{idle.ID: "expired", done.ID: "reviewed"} {
		b := mustCall(t, a, "GET", base+id, "", bob, 200)
		if x := decodeExchange(t, b); x.State != want || !strings.Contains(b, `"actor_role":"system"`) {
			t.Errorf("exchange %s after the timers: %s", id, b)
		}
	}
}

// TestCESUJourney: a resident employs a neighbour with the CESU déclaratif:
// a wage under the legal minimum is refused with the rule; the month's
// summary is right to the cent, as JSON, CSV and a printable page.
func TestCESUJourney(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	alice := member(t, a, "alice@example.fr", "Songeons")
	bob := member(t, a, "bob@example.fr", "Formerie")
	cesuOffer := strings.Replace(offer(true), `"modes":["time_credits","free"]`, `"modes":["cesu_declaratif"]`, 1)
	offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", cesuOffer, alice, 201))
	const base = "/api/v1/t/picardie-verte/exchanges"
	req := `{"listing_id":"` + offerID + `","mode":"cesu_declaratif","minutes":100,"occurrences":1,"hourly_cents":HOURLY}`
	b := mustCall(t, a, "POST", base, strings.Replace(req, "HOURLY", "800", 1), bob, 422)
	if !strings.Contains(b, "SMIC") {
		t.Errorf("a wage under the minimum: %s", b)
	}
	x := decodeExchange(t, mustCall(t, a, "POST", base, strings.Replace(req, "HOURLY", "1237", 1), bob, 201))
	path := base + "/" + x.ID
	mustCall(t, a, "POST", path+"/accept", "", alice, 200)
	mustCall(t, a, "POST", path+"/schedule", `{"scheduled_at":"2026-11-10T09:00:00Z"}`, bob, 200)
	mustCall(t, a, "POST", path+"/complete", "", alice, 200)
	mustCall(t, a, "POST", path+"/confirm", "", alice, 200)
	mustCall(t, a, "POST", path+"/confirm", "", bob, 200)

	// 100 minutes at 12.37 €/h = 20.6166… € → 20.62 € net.
	b = mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/cesu?month=2026-11", "", bob, 200)
	var v struct {
		Summaries []struct {
			Minutes  int64 `json:"Minutes"`
			NetCents int64 `json:"NetCents"`
		} `json:"summaries"`
		Contracts []struct {
			Required bool `json:"Required"`
		} `json:"contracts"`
	}
	if err := json.Unmarshal([]byte(b), &v); err != nil || len(v.Summaries) != 1 || v.Summaries[0].Minutes != 100 || v.Summaries[0].NetCents != 2062 {
		t.Fatalf("CESU summary = %s (%v)", b, err)
	}
	if len(v.Contracts) != 1 || v.Contracts[0].Required {
		t.Errorf("one intervention of 1 h 40 does not need a written contract: %s", b)
	}
	// The employer sees the month's cost after the tax credit, as a simulation.
	var costs struct {
		Costs []struct {
			TaxCreditCents, RemainingCents int64
			Simulation                     bool
		} `json:"costs"`
	}
	if err := json.Unmarshal([]byte(b), &costs); err != nil || len(costs.Costs) != 1 || costs.Costs[0].TaxCreditCents != 1031 ||
		costs.Costs[0].RemainingCents != 1031 || !costs.Costs[0].Simulation {
		t.Errorf("cost after the tax credit: %s (%v)", b, err)
	}
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/cesu?month=2026-11", "", alice, 200); !strings.Contains(b, `"costs":[]`) {
		t.Errorf("the employee sees an employer's cost: %s", b)
	}
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/cesu?month=2026-11&format=csv", "", bob, 200); !strings.Contains(b, "20,62") {
		t.Errorf("CSV lacks the net total: %s", b)
	}
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/cesu?month=2026-11&format=html", "", bob, 200); !strings.Contains(b, "20,62") || strings.Contains(b, "<script") {
		t.Errorf("printable page: %s", b)
	}
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/cesu?month=2026-10", "", bob, 200); !strings.Contains(b, `"summaries":[]`) {
		t.Errorf("another month: %s", b)
	}
	mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/cesu?month=novembre", "", bob, 400)
}

// TestTimeCreditFloor: an exchange whose confirmation would take the
// seeker below the territory's floor is refused at confirmation, with the
// balance and the floor; nothing moves.
func TestTimeCreditFloor(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	alice := member(t, a, "alice@example.fr", "Songeons")
	bob := member(t, a, "bob@example.fr", "Formerie")
	offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", offer(true), alice, 201))
	const base = "/api/v1/t/picardie-verte/exchanges/"
	// Bob starts with Picardie Verte's 2 h of welcome credits, given once.
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/ledger", "", bob, 200); !strings.Contains(b, `"balance_minutes":120`) ||
		!strings.Contains(b, `"floor_minutes":-600`) || !strings.Contains(b, `"ceiling_minutes":2400`) {
		t.Fatalf("a new member's ledger: %s", b)
	}
	// 7 h then 7 h: the second would take Bob from -5 h to -12 h, past the
	// -10 h floor of Picardie Verte's plugin.
	var paths []string
	for range 2 {
		x := decodeExchange(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", `{"listing_id":"`+offerID+`","mode":"time_credits","minutes":420}`, bob, 201))
		p := base + x.ID
		paths = append(paths, p)
		mustCall(t, a, "POST", p+"/accept", "", alice, 200)
		mustCall(t, a, "POST", p+"/schedule", `{"scheduled_at":"2026-12-05T09:00:00Z"}`, bob, 200)
		mustCall(t, a, "POST", p+"/complete", "", alice, 200)
		mustCall(t, a, "POST", p+"/confirm", "", alice, 200)
	}
	mustCall(t, a, "POST", paths[0]+"/confirm", "", bob, 200)
	b := mustCall(t, a, "POST", paths[1]+"/confirm", "", bob, 422)
	if !strings.Contains(b, "plancher") {
		t.Errorf("a confirmation past the floor: %s", b)
	}
	if x := decodeExchange(t, mustCall(t, a, "GET", paths[1], "", bob, 200)); x.State != "done" {
		t.Errorf("the refused confirmation changed the exchange: %+v", x)
	}
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/ledger", "", bob, 200); !strings.Contains(b, `"balance_minutes":-300`) {
		t.Errorf("bob's balance: %s", b)
	}
}

// TestProfessionalAndPrefinancedJourneys: a resident hires a professional
// declared for services à la personne, paid directly (quote, invoice and
// payment recorded, the tax-credit meter counts it) and with CESU
// préfinancé titles; the records refuse the wrong mode or actor.
func TestProfessionalAndPrefinancedJourneys(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	pro := sapProfessional(t, a)
	resident := member(t, a, "habitante@example.fr", "Formerie")
	proOffer := strings.NewReplacer(`"modality":"resident"`, `"modality":"professional"`,
		`"modes":["time_credits","free"]`, `"modes":["professional","cesu_prefinance"]`,
		`"price_kind":"free"`, `"price_kind":"hourly","price_cents":3200`).Replace(offer(true))
	offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", proOffer, pro, 201))
	const base = "/api/v1/t/picardie-verte/exchanges"

	run := func(mode string) string {
		x := decodeExchange(t, mustCall(t, a, "POST", base, `{"listing_id":"`+offerID+`","mode":"`+mode+`","minutes":120}`, resident, 201))
		p := base + "/" + x.ID
		mustCall(t, a, "POST", p+"/accept", "", pro, 200)
		mustCall(t, a, "POST", p+"/schedule", `{"scheduled_at":"2026-11-20T09:00:00Z"}`, resident, 200)
		mustCall(t, a, "POST", p+"/complete", "", pro, 200)
		return p
	}
	direct := run("professional")
	mustCall(t, a, "POST", direct+"/payments", `{"kind":"quote","amount_cents":6400,"reference":"D-2026-118"}`, resident, 422)
	mustCall(t, a, "POST", direct+"/payments", `{"kind":"quote","amount_cents":6400,"reference":"D-2026-118"}`, pro, 201)
	mustCall(t, a, "POST", direct+"/payments", `{"kind":"invoice","amount_cents":6400,"reference":"F-2026-311"}`, pro, 201)
	mustCall(t, a, "POST", direct+"/payments", `{"kind":"settlement","amount_cents":6400,"method":"bitcoin"}`, resident, 400)
	mustCall(t, a, "POST", direct+"/payments", `{"kind":"settlement","amount_cents":6400,"method":"cheque"}`, resident, 201)
	mustCall(t, a, "POST", direct+"/payments", `{"kind":"cesu_titles","titles_count":3,"face_value_cents":1500}`, resident, 422)
	mustCall(t, a, "POST", direct+"/confirm", "", resident, 200)
	mustCall(t, a, "POST", direct+"/confirm", "", pro, 200)
	if b := mustCall(t, a, "GET", direct, "", resident, 200); strings.Count(b, `"kind":`) != 3 || !strings.Contains(b, "F-2026-311") {
		t.Errorf("payment records: %s", b)
	}

	titles := run("cesu_prefinance")
	mustCall(t, a, "POST", titles+"/payments", `{"kind":"cesu_titles","titles_count":0,"face_value_cents":1500}`, resident, 400)
	b := mustCall(t, a, "POST", titles+"/payments", `{"kind":"cesu_titles","titles_count":4,"face_value_cents":1500,"reference":"n° 1201 à 1204"}`, resident, 201)
	if !strings.Contains(b, `"amount_cents":6000`) {
		t.Errorf("titles record: %s", b)
	}
	mustCall(t, a, "POST", titles+"/payments", `{"kind":"invoice","amount_cents":6000,"reference":"F-1"}`, pro, 422)

	// The meter counts the confirmed professional service, as a simulation.
	b = mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/tax-credit?year=2026&children=1", "", resident, 200)
	var m struct {
		EligibleCents  int64 `json:"EligibleCents"`
		TaxCreditCents int64 `json:"TaxCreditCents"`
		Simulation     bool  `json:"Simulation"`
	}
	if err := json.Unmarshal([]byte(b), &m); err != nil || m.EligibleCents <= 0 || m.TaxCreditCents != m.EligibleCents/2 || !m.Simulation {
		t.Errorf("tax-credit meter: %s (%v)", b, err)
	}
	mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/tax-credit?children=-1", "", resident, 400)
}

// TestCESUReminder: the employer of a CESU month is reminded once, from
// the 1st of the next month.
func TestCESUReminder(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	alice := member(t, a, "alice@example.fr", "Songeons")
	bob := member(t, a, "bob@example.fr", "Formerie")
	cesuOffer := strings.Replace(offer(true), `"modes":["time_credits","free"]`, `"modes":["cesu_declaratif"]`, 1)
	offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", cesuOffer, alice, 201))
	x := decodeExchange(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", `{"listing_id":"`+offerID+`","mode":"cesu_declaratif","minutes":60,"hourly_cents":1250}`, bob, 201))
	p := "/api/v1/t/picardie-verte/exchanges/" + x.ID
	mustCall(t, a, "POST", p+"/accept", "", alice, 200)
	mustCall(t, a, "POST", p+"/schedule", `{"scheduled_at":"2026-11-10T09:00:00Z"}`, bob, 200)
	mustCall(t, a, "POST", p+"/complete", "", alice, 200)
	mustCall(t, a, "POST", p+"/confirm", "", alice, 200)
	mustCall(t, a, "POST", p+"/confirm", "", bob, 200)
	steps := []struct {
		at   time.Time
		sent int
	}{
		{time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), 0}, // the month is not over
		{time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC), 1},
		{time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC), 0}, // once
	}
	for i, st := range steps {
		svc := exchange.NewService(a.Store, a.Rules, nil, func() time.Time { return st.at })
		n, err := svc.CESUReminders(ctx, a.Accounts, "https://campagnon.example")
		if err != nil || n != st.sent {
			t.Fatalf("step %d: CESUReminders = %d, %v; want %d", i, n, err, st.sent)
		}
	}
	msgs, err := a.Accounts.Outbox(ctx, "bob@example.fr", 10)
	if err != nil || len(msgs) == 0 || !strings.Contains(msgs[0].Subject, "novembre 2026") || !strings.Contains(msgs[0].Body, "05/12/2026") {
		t.Errorf("reminder = %+v, %v", msgs, err)
	}
}

// TestReviewModeration: a member reports a published review once; the
// territory admin hides it and it no longer counts.
func TestReviewModeration(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	op := operator(t, a)
	admin := member(t, a, "admin@example.fr", "Songeons")
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/roles", `{"account_id":"`+memberID(t, a, admin)+`","role":"territory_admin"}`, op, 200)
	alice := member(t, a, "alice@example.fr", "Songeons")
	bob := member(t, a, "bob@example.fr", "Formerie")
	carol := member(t, a, "carol@example.fr", "Songeons")
	offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", offer(true), alice, 201))
	x := decodeExchange(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", `{"listing_id":"`+offerID+`","mode":"free","minutes":60}`, bob, 201))
	p := "/api/v1/t/picardie-verte/exchanges/" + x.ID
	for _, step := range []struct {
		path string
		who  map[string]string
		body string
	}{
		{"/accept", alice, ""}, {"/schedule", bob, `{"scheduled_at":"2026-12-05T09:00:00Z"}`}, {"/complete", alice, ""},
		{"/confirm", alice, ""}, {"/confirm", bob, ""}, {"/review", bob, `{"rating":1,"comment":"Propos injurieux"}`}, {"/review", alice, `{"rating":5}`},
	} {
		mustCall(t, a, "POST", p+step.path, step.body, step.who, 200)
	}
	bobID, aliceID := memberID(t, a, bob), memberID(t, a, alice)
	report := p + "/reviews/" + bobID + "/report"
	mustCall(t, a, "POST", report, `{"reason":"insulte"}`, bob, 400)
	mustCall(t, a, "POST", report, `{"reason":"insulte"}`, carol, 202)
	mustCall(t, a, "POST", report, `{"reason":"insulte"}`, carol, 409)
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/moderation/reviews", "", admin, 200); !strings.Contains(b, "injurieux") {
		t.Errorf("moderation queue: %s", b)
	}
	mustCall(t, a, "POST", p+"/reviews/"+bobID+"/hide", "", carol, 403)
	mustCall(t, a, "POST", p+"/reviews/"+bobID+"/hide", "", admin, 204)
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/members/"+aliceID+"/reviews", "", nil, 200); !strings.Contains(b, `"count":0`) {
		t.Errorf("a hidden review still counts: %s", b)
	}
}

// TestRecurringAgreement: a weekly cleaning is one agreement; each month
// the provider records the sessions, both confirm, and that month alone is
// settled (time credits at the frozen rate per session; CESU work spread
// over the month's weeks, which may make a written contract mandatory).
func TestRecurringAgreement(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	alice := member(t, a, "alice@example.fr", "Songeons")
	bob := member(t, a, "bob@example.fr", "Formerie")
	modes := `"modes":["time_credits","free","cesu_declaratif"]`
	offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", strings.Replace(offer(true), `"modes":["time_credits","free"]`, modes, 1), alice, 201))
	const base = "/api/v1/t/picardie-verte/exchanges"
	now := time.Now()
	month, next := now.Format("2006-01"), now.AddDate(0, 1, 0).Format("2006-01")
	start := `{"scheduled_at":"` + time.Date(now.Year(), now.Month(), 1, 9, 0, 0, 0, time.UTC).Format(time.RFC3339) + `"}`
	agreement := func(body string) string {
		x := decodeExchange(t, mustCall(t, a, "POST", base, body, bob, 201))
		p := base + "/" + x.ID
		mustCall(t, a, "POST", p+"/accept", "", alice, 200)
		mustCall(t, a, "POST", p+"/schedule", start, bob, 200)
		return p
	}
	mustCall(t, a, "POST", base, `{"listing_id":"`+offerID+`","mode":"time_credits","minutes":60,"occurrences":40,"recurrence":"weekly"}`, bob, 400)
	mustCall(t, a, "POST", base, `{"listing_id":"`+offerID+`","mode":"time_credits","minutes":60,"recurrence":"daily"}`, bob, 400)
	p := agreement(`{"listing_id":"` + offerID + `","mode":"time_credits","minutes":60,"occurrences":4,"recurrence":"weekly"}`)
	mustCall(t, a, "POST", p+"/months", `{"month":"`+month+`","sessions":3}`, bob, 403) // the seeker
	mustCall(t, a, "POST", p+"/months", `{"month":"`+next+`","sessions":3}`, alice, 400)
	mustCall(t, a, "POST", p+"/months", `{"month":"`+month+`","sessions":3}`, alice, 201)
	mustCall(t, a, "POST", p+"/months", `{"month":"`+month+`","sessions":4}`, alice, 409)
	mustCall(t, a, "POST", p+"/months/"+month+"/confirm", "", bob, 200)
	mustCall(t, a, "POST", p+"/months/"+month+"/confirm", "", bob, 409)
	mustCall(t, a, "POST", p+"/months/"+month+"/confirm", "", alice, 200)
	// 3 sessions of 1 h: 3 h move, on top of the 2 h of welcome credits.
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/ledger", "", bob, 200); !strings.Contains(b, `"balance_minutes":-60`) {
		t.Errorf("the seeker's ledger after the month: %s", b)
	}
	// Ending the agreement settles nothing more.
	mustCall(t, a, "POST", p+"/complete", "", alice, 200)
	mustCall(t, a, "POST", p+"/confirm", "", alice, 200)
	mustCall(t, a, "POST", p+"/confirm", "", bob, 200)
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/ledger", "", bob, 200); !strings.Contains(b, `"balance_minutes":-60`) {
		t.Errorf("the seeker's ledger after the agreement ended: %s", b)
	}
	if rep, err := a.Ledger.Check(context.Background(), ""); err != nil || !rep.OK() {
		t.Errorf("ledger check: %+v, %v", rep, err)
	}
	// A one-off exchange has no months.
	one := agreement(`{"listing_id":"` + offerID + `","mode":"free","minutes":60}`)
	mustCall(t, a, "POST", one+"/months", `{"month":"`+month+`","sessions":1}`, alice, 409)

	// CESU: 4 sessions of 5 h a month, a week apart: the month's summary,
	// and a written contract becomes mandatory (more than 12 h in 4
	// consecutive weeks, since the loi du 9 mars 2023; see docs/cesu.md).
	c := agreement(`{"listing_id":"` + offerID + `","mode":"cesu_declaratif","minutes":300,"occurrences":4,"recurrence":"weekly","hourly_cents":1250}`)
	mustCall(t, a, "POST", c+"/months", `{"month":"`+month+`","sessions":4}`, alice, 201)
	mustCall(t, a, "POST", c+"/months/"+month+"/confirm", "", alice, 200)
	mustCall(t, a, "POST", c+"/months/"+month+"/confirm", "", bob, 200)
	b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/cesu?month="+month, "", bob, 200)
	var v struct {
		Summaries []struct {
			Minutes  int64 `json:"Minutes"`
			NetCents int64 `json:"NetCents"`
		} `json:"summaries"`
		Contracts []struct {
			Required bool `json:"Required"`
		} `json:"contracts"`
	}
	if err := json.Unmarshal([]byte(b), &v); err != nil || len(v.Summaries) != 1 || v.Summaries[0].Minutes != 1200 || v.Summaries[0].NetCents != 25000 {
		t.Fatalf("CESU month of the agreement: %s (%v)", b, err)
	}
	if len(v.Contracts) != 1 || !v.Contracts[0].Required {
		t.Errorf("20 h a month, a session a week, needs a written contract: %s", b)
	}
}

// TestPrefinancedNeedsADeclaredProfessional: CESU préfinancé titles pay a
// professional only when declared for services à la personne: a
// professional without that declaration is refused with the rule.
func TestPrefinancedNeedsADeclaredProfessional(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	const signup = `{"email":"artisan@example.fr","password":"bocage-verger-2026","display_name":"Luc","commune":"Songeons",` +
		`"professional":{"company_name":"Artisan du Bray","siret":"73282932000074","naf":"43.32A"}}`
	mustCall(t, a, "POST", "/api/v1/auth/signup", signup, nil, 202)
	msgs, err := a.Accounts.Outbox(ctx, "artisan@example.fr", 10)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("outbox: %v", err)
	}
	mustCall(t, a, "POST", "/api/v1/auth/verify", `{"token":"`+verifyToken.FindStringSubmatch(msgs[0].Body)[1]+`"}`, nil, 200)
	pro := login(t, a, "artisan@example.fr")
	resident := member(t, a, "habitante@example.fr", "Formerie")
	proOffer := strings.NewReplacer(`"modality":"resident"`, `"modality":"professional"`,
		`"modes":["time_credits","free"]`, `"modes":["professional","cesu_prefinance"]`,
		`"price_kind":"free"`, `"price_kind":"hourly","price_cents":3200`).Replace(offer(true))
	status, b, _ := call(t, a, "POST", "/api/v1/t/picardie-verte/listings", proOffer, pro)
	if status == 201 {
		// The listing may stand; the exchange in that mode may not.
		b = mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", `{"listing_id":"`+idOf(t, b)+`","mode":"cesu_prefinance","minutes":60}`, resident, 422)
	} else if status != 422 {
		t.Fatalf("listing = %d %s", status, b)
	}
	if !strings.Contains(strings.ToLower(b), "services à la personne") {
		t.Errorf("the refusal does not give the rule: %s", b)
	}
}

// TestSAPProfessionalHelpsAsAResident: a professional declared for
// services à la personne may also help as a resident — post a resident
// offer, answer a resident's need with time credits — and the plugin is
// not told "provider_sap" for such a resident exchange (it refused them).
func TestSAPProfessionalHelpsAsAResident(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	pro := sapProfessional(t, a)
	resident := member(t, a, "habitante@example.fr", "Formerie")
	// A resident offer by the professional, asked for by a resident.
	offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", offer(true), pro, 201))
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", `{"listing_id":"`+offerID+`","mode":"time_credits","minutes":60}`, resident, 201)
	// A resident's need, answered by the professional as a neighbour.
	need := strings.Replace(offer(true), `"kind":"offer"`, `"kind":"need"`, 1)
	needID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", need, resident, 201))
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", `{"listing_id":"`+needID+`","mode":"time_credits","minutes":60}`, pro, 201)
}

// sapProfessional signs up, verifies and logs in Jardins du Bray, a
// professional of Songeons declared for services à la personne, and
// returns their headers.
func sapProfessional(t *testing.T, a *app.App) map[string]string {
	t.Helper()
	const signup = `{"email":"jardins@example.fr","password":"bocage-verger-2026","display_name":"Paul","commune":"Songeons",` +
		`"professional":{"company_name":"Jardins du Bray","siret":"73282932000074","naf":"81.30Z","sap_number":"SAP732829320"}}`
	mustCall(t, a, "POST", "/api/v1/auth/signup", signup, nil, 202)
	msgs, err := a.Accounts.Outbox(context.Background(), "jardins@example.fr", 10)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("outbox: %v", err)
	}
	mustCall(t, a, "POST", "/api/v1/auth/verify", `{"token":"`+verifyToken.FindStringSubmatch(msgs[0].Body)[1]+`"}`, nil, 200)
	return login(t, a, "jardins@example.fr")
}
