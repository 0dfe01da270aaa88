package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// TestEveryModeInBothPilots is issue 5's "done when": in each pilot
// territory, once in each payment mode, a resident posts a need, another
// member answers, they agree, the service is done and confirmed and both
// review; the time-credit ledger balances and the month's CESU summary is
// right to the cent.
func TestEveryModeInBothPilots(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	when := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	month := time.Now().Format("2006-01")
	for _, terr := range []struct{ slug, seekerCommune, providerCommune string }{
		{"picardie-verte", "Songeons", "Formerie"},
		{"portes-de-sologne", "45006", "45146"},
	} {
		seeker := member(t, a, "seeker@"+terr.slug+".example.fr", terr.seekerCommune)
		provider := member(t, a, "provider@"+terr.slug+".example.fr", terr.providerCommune)
		proEmail := "pro@" + terr.slug + ".example.fr"
		mustCall(t, a, "POST", "/api/v1/auth/signup", `{"email":"`+proEmail+`","password":"bocage-verger-2026","display_name":"Pro","commune":"`+terr.providerCommune+`",`+
			`"professional":{"company_name":"Services du village","siret":"73282932000074","naf":"81.30Z","sap_number":"SAP732829320"}}`, nil, 202)
		msgs, err := a.Accounts.Outbox(ctx, proEmail, 5)
		if err != nil || len(msgs) == 0 {
			t.Fatalf("outbox: %v", err)
		}
		mustCall(t, a, "POST", "/api/v1/auth/verify", `{"token":"`+verifyToken.FindStringSubmatch(msgs[0].Body)[1]+`"}`, nil, 200)
		pro := login(t, a, proEmail)
		commune := map[string]string{"picardie-verte": "60623", "portes-de-sologne": "45006"}[terr.slug]
		base := "/api/v1/t/" + terr.slug

		for _, mode := range []string{"free", "time_credits", "cesu_declaratif", "cesu_prefinance", "professional"} {
			t.Run(terr.slug+"/"+mode, func(t *testing.T) {
				modality, answerer, hourly := "resident", provider, ""
				if mode == "professional" {
					modality, answerer = "professional", pro
				}
				if mode == "cesu_declaratif" {
					hourly = `,"hourly_cents":1250`
				}
				need := fmt.Sprintf(`{"kind":"need","category":"petits-travaux","modality":"%s","title":"Tailler la haie du jardin",`+
					`"description":"Une haie de 20 mètres.","modes":["%s"],"price_kind":"on_quote","commune":"%s","publish":true}`, modality, mode, commune)
				needID := idOf(t, mustCall(t, a, "POST", base+"/listings", need, seeker, 201))
				x := decodeExchange(t, mustCall(t, a, "POST", base+"/exchanges", `{"listing_id":"`+needID+`","mode":"`+mode+`","minutes":120`+hourly+`}`, answerer, 201))
				p := base + "/exchanges/" + x.ID
				mustCall(t, a, "POST", p+"/accept", "", seeker, 200)
				mustCall(t, a, "POST", p+"/schedule", `{"scheduled_at":"`+when+`"}`, seeker, 200)
				mustCall(t, a, "POST", p+"/complete", "", answerer, 200)
				mustCall(t, a, "POST", p+"/confirm", "", seeker, 200)
				mustCall(t, a, "POST", p+"/confirm", "", answerer, 200)
				mustCall(t, a, "POST", p+"/review", `{"rating":5,"comment":"Merci !"}`, seeker, 200)
				if x := decodeExchange(t, mustCall(t, a, "POST", p+"/review", `{"rating":5}`, answerer, 200)); x.State != "reviewed" {
					t.Fatalf("%s in %s ends %s", mode, terr.slug, x.State)
				}
			})
		}
		// Time credits: 2 h from the seeker to the provider, after each
		// received the territory's welcome credits (2 h here, 1 h there).
		welcome := map[string]int{"picardie-verte": 120, "portes-de-sologne": 60}[terr.slug]
		if b := mustCall(t, a, "GET", base+"/me/ledger", "", seeker, 200); !strings.Contains(b, fmt.Sprintf(`"balance_minutes":%d`, welcome-120)) {
			t.Errorf("%s: seeker's ledger: %s", terr.slug, b)
		}
		if b := mustCall(t, a, "GET", base+"/me/ledger", "", provider, 200); !strings.Contains(b, fmt.Sprintf(`"balance_minutes":%d`, welcome+120)) {
			t.Errorf("%s: provider's ledger: %s", terr.slug, b)
		}
		// CESU: 2 h at 12.50 € net = 25.00 €, to the cent.
		b := mustCall(t, a, "GET", base+"/me/cesu?month="+month, "", seeker, 200)
		var v struct {
			Summaries []struct {
				Minutes  int64 `json:"Minutes"`
				NetCents int64 `json:"NetCents"`
			} `json:"summaries"`
		}
		if err := json.Unmarshal([]byte(b), &v); err != nil || len(v.Summaries) != 1 || v.Summaries[0].Minutes != 120 || v.Summaries[0].NetCents != 2500 {
			t.Errorf("%s: CESU summary = %s (%v)", terr.slug, b, err)
		}
	}
	if rep, err := a.Ledger.Check(ctx, ""); err != nil || !rep.OK() {
		t.Errorf("ledger check: %+v, %v", rep, err)
	}
}
