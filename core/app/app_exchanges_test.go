package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

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
		// Time credits moved from the seeker to the provider, once.
		for who, want := range map[string]string{"bob": `"balance_minutes":-90`, "alice": `"balance_minutes":90`} {
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
	// 6 h then 6 h: the second would take Bob to -12 h, past the -10 h floor.
	var paths []string
	for range 2 {
		x := decodeExchange(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges", `{"listing_id":"`+offerID+`","mode":"time_credits","minutes":360}`, bob, 201))
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
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/me/ledger", "", bob, 200); !strings.Contains(b, `"balance_minutes":-360`) {
		t.Errorf("bob's balance: %s", b)
	}
}
