package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/store/storetest"
)

const offerBody = `{"kind":"offer","category":"petits-travaux","modality":"resident","title":"Tonte de pelouse à Songeons",` +
	`"description":"Je tonds votre pelouse le samedi matin.","modes":["time_credits","free"],"price_kind":"free",` +
	`"commune":"60623","travel_km":10,"availability":[{"day":6,"from":"09:00","to":"12:00"}],"availability_note":"le samedi","publish":PUBLISH}`

func offer(publish bool) string {
	if publish {
		return strings.Replace(offerBody, "PUBLISH", "true", 1)
	}
	return strings.Replace(offerBody, "PUBLISH", "false", 1)
}

func idOf(t *testing.T, body string) string {
	t.Helper()
	var v struct{ ID string }
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.ID == "" {
		t.Fatalf("no id in %s (%v)", body, err)
	}
	return v.ID
}

// TestListingsJourney: a resident posts an offer checked by the plugin,
// others see it only once published, it moves through its statuses, a
// neighbour reports it and the territory admin hides it; nothing crosses
// territories.
func TestListingsJourney(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		op := operator(t, a)
		alice := member(t, a, "alice@example.fr", "Songeons")
		bob := member(t, a, "bob@example.fr", "Formerie")
		sologne := member(t, a, "sologne@example.fr", "45006")
		admin := member(t, a, "admin@example.fr", "Songeons")
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/roles", `{"account_id":"`+memberID(t, a, admin)+`","role":"territory_admin"}`, op, 200)
		const base = "/api/v1/t/picardie-verte/listings"

		for _, bad := range []struct {
			body, code string
			status     int
		}{
			{strings.Replace(offer(true), `"petits-travaux"`, `"astrologie"`, 1), "listing_category", 400},
			{strings.Replace(offer(true), `"60623"`, `"45006"`, 1), "listing_commune", 400},
			{strings.Replace(offer(true), `"modes":["time_credits","free"]`, `"modes":["bitcoin"]`, 1), "listing_invalid", 400},
			// The plugin's own rule: a professional payment between residents.
			{strings.Replace(offer(true), `"modes":["time_credits","free"]`, `"modes":["cesu_declaratif","professional"]`, 1), "mode_not_allowed", 422},
			{strings.Replace(offer(true), `"modality":"resident"`, `"modality":"professional"`, 1), "listing_invalid", 400},
			{strings.Replace(offer(true), `"kind"`, `"owner_id":"x","kind"`, 1), "body_unknown_field", 400},
		} {
			if status, b, _ := call(t, a, "POST", base, bad.body, alice); status != bad.status || codeOf(b) != bad.code {
				t.Errorf("bad listing: %d %s, want %s", status, b, bad.code)
			}
		}
		if status, _, _ := call(t, a, "POST", "/api/v1/t/portes-de-sologne/listings", offer(true), alice); status != 403 {
			t.Errorf("posting in another territory = %d", status)
		}

		draft := idOf(t, mustCall(t, a, "POST", base, offer(false), alice, 201))
		mustCall(t, a, "GET", base+"/"+draft, "", bob, 404)
		mustCall(t, a, "GET", base+"/"+draft, "", alice, 200)
		if b := mustCall(t, a, "GET", base, "", nil, 200); strings.Contains(b, draft) {
			t.Error("a draft is listed publicly")
		}
		b := mustCall(t, a, "POST", base+"/"+draft+"/pause", "", alice, 409)
		if codeOf(b) != "listing_transition" || !strings.Contains(b, "brouillon") {
			t.Errorf("pausing a draft: %s", b)
		}
		mustCall(t, a, "POST", base+"/"+draft+"/publish", "", bob, 404) // not his
		mustCall(t, a, "POST", base+"/"+draft+"/publish", "", alice, 200)
		mustCall(t, a, "POST", base+"/"+draft+"/publish", "", alice, 200) // again: no error
		if b := mustCall(t, a, "GET", base+"?kind=offer&mode=time_credits&commune=60623", "", nil, 200); !strings.Contains(b, draft) {
			t.Errorf("the published offer is not found with its filters: %s", b)
		}
		if b := mustCall(t, a, "GET", base+"?mode=cesu_declaratif", "", nil, 200); strings.Contains(b, draft) {
			t.Error("the mode filter lets another mode through")
		}
		mustCall(t, a, "GET", "/api/v1/t/portes-de-sologne/listings/"+draft, "", sologne, 404)
		mustCall(t, a, "PUT", base+"/"+draft, strings.Replace(offer(false), "Tonte de pelouse", "Tonte et taille de haie", 1), alice, 200)
		if b := mustCall(t, a, "GET", base+"/"+draft, "", nil, 200); !strings.Contains(b, "taille de haie") || !strings.Contains(b, `"status":"published"`) {
			t.Errorf("after update: %s", b)
		}

		mustCall(t, a, "POST", base+"/"+draft+"/report", `{"reason":"annonce en double"}`, alice, 400)
		mustCall(t, a, "POST", base+"/"+draft+"/report", `{"reason":"annonce en double"}`, bob, 202)
		mustCall(t, a, "POST", base+"/"+draft+"/report", `{"reason":"annonce en double"}`, bob, 409)
		if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/moderation/listings", "", admin, 200); !strings.Contains(b, draft) {
			t.Errorf("the report is not in the moderation queue: %s", b)
		}
		mustCall(t, a, "GET", "/api/v1/t/picardie-verte/moderation/listings", "", bob, 403)
		mustCall(t, a, "POST", base+"/"+draft+"/hide", `{}`, admin, 400)
		mustCall(t, a, "POST", base+"/"+draft+"/hide", `{"reason":"Doublon d'une autre annonce"}`, admin, 200)
		mustCall(t, a, "GET", base+"/"+draft, "", bob, 404)
		if b := mustCall(t, a, "GET", base+"/"+draft, "", alice, 200); !strings.Contains(b, "Doublon") {
			t.Errorf("the owner does not see why: %s", b)
		}
		mustCall(t, a, "POST", base+"/"+draft+"/unhide", "", admin, 200)
		mustCall(t, a, "GET", base+"/"+draft, "", bob, 200)
		mustCall(t, a, "POST", base+"/"+draft+"/close", "", alice, 200)
		b = mustCall(t, a, "POST", base+"/"+draft+"/publish", "", alice, 409)
		if !strings.Contains(b, "close") {
			t.Errorf("republishing a closed listing: %s", b)
		}
		if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/my/listings", "", alice, 200); !strings.Contains(b, `"status":"closed"`) {
			t.Errorf("my listings: %s", b)
		}
	})
}

// TestListingsExpireWithAReminder: a published listing is reminded once a
// week before it expires, through the outbox, then expires.
func TestListingsExpireWithAReminder(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	alice := member(t, a, "alice@example.fr", "Songeons")
	id := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", offer(true), alice, 201))
	now := time.Now()
	clock := func() time.Time { return now }
	svc := listing.NewService(a.Store, a.Rules, a.Territories, a.Referential, a.Accounts, "https://campagnon.example", clock)
	steps := []struct {
		after             time.Duration
		expired, reminded int
	}{
		{0, 0, 0},
		{listing.Lifetime - listing.RemindBefore + time.Hour, 0, 1},
		{time.Hour, 0, 0},
		{listing.RemindBefore, 1, 0},
		{time.Hour, 0, 0},
	}
	for i, st := range steps {
		now = now.Add(st.after)
		got, err := svc.Sweep(ctx)
		if err != nil || got.Expired != st.expired || got.Reminded != st.reminded {
			t.Fatalf("step %d: Sweep = %+v, %v; want %d expired, %d reminded", i, got, err, st.expired, st.reminded)
		}
	}
	msgs, err := a.Accounts.Outbox(ctx, "alice@example.fr", 10)
	if err != nil || len(msgs) == 0 || !strings.Contains(msgs[0].Body, "/t/picardie-verte/annonces/"+id) || !strings.Contains(msgs[0].Subject, "expire") {
		t.Fatalf("reminder = %+v, %v", msgs, err)
	}
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/my/listings", "", alice, 200); !strings.Contains(b, `"status":"expired"`) {
		t.Errorf("after expiry: %s", b)
	}
	// Republishing starts a new life.
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings/"+id+"/publish", "", alice, 200)
}
