package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// TestWebSimulator: a territory admin opens the economic-model simulator,
// sends the scenario's form (a 10 % commission, a subscription, a subsidy
// per exchange) and reads the side-by-side table, in French and in
// English; a bad form comes back with its problem and what was typed; a
// resident may not open it.
func TestWebSimulator(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App()
	admin, resident := newBrowser(t, srv), newBrowser(t, srv)
	signUpByForm(t, a, admin, "Agnès", "agnes@example.fr", "Marcilly-en-Villette")
	signUpByForm(t, a, resident, "Rémi", "remi@example.fr", "Sennely")
	nameRole(t, a, srv, "territory_admin", "portes-de-sologne", "agnes@example.fr")
	seedSimulation(t, a)

	const page = "/t/portes-de-sologne/simulateur"
	admin.expect("the empty form", admin.get(page), 200, "Simulateur du modèle économique", `name="du"`, `type="date"`, `name="commission"`,
		`name="abonnement"`, `name="aide"`, "Simuler", "lancez la simulation")
	q := url.Values{"du": {"2026-09-01"}, "au": {"2026-11-30"}, "commission": {"10"}, "abonnement": {"15"}, "aide": {"2,50"}}
	p := admin.expect("a simulation", admin.get(page+"?"+q.Encode()), 200, "Résultat", "6 échanges conclus",
		"<caption>Les montants de la période, côte à côte</caption>", `<th scope="col">Règles en vigueur</th>`, `<th scope="row">Coût pour les habitants</th>`,
		"commission 10\u00a0% (règle « commission » du plugin)", "abonnement de 15,00\u00a0€", "aide de 2,50\u00a0€ par échange payant",
		"Les règles en vigueur redonnent exactement les montants enregistrés", "Les échanges dont le coût pour l&#39;habitant change le plus",
		"Petits travaux maison et jardin", "Comment ces chiffres sont faits", `value="2,50"`)
	// Two professional services change (10 % instead of 5 %), and each of
	// the five paid exchanges gets 2.50 € from the territory: five changes;
	// one professional worked in one month: one subscription.
	if !strings.Contains(p.body, "<dt>De prix</dt><dd>5</dd>") || !strings.Contains(p.body, "<td>&#43;15,00\u00a0€</td>") ||
		!strings.Contains(p.body, "<td>&#43;12,50\u00a0€</td>") {
		t.Errorf("changes or subscriptions missing:\n%s", p.body)
	}
	admin.expect("in English", admin.get(page+"?"+q.Encode()+"&lang=en"), 200, "Economic model simulator", "Cost to residents",
		"The exchanges whose cost to the resident changes most", "commission 10\u00a0% (the plugin&#39;s &#34;commission&#34; rule)")
	admin.get(page + "?lang=fr")

	bad := url.Values{"du": {"2026-09-01"}, "au": {"2026-11-30"}, "commission": {"dix"}}
	admin.expect("a bad commission", admin.get(page+"?"+bad.Encode()), 422, "valeur illisible", `value="dix"`)
	bad = url.Values{"du": {"2026-12-01"}, "au": {"2026-11-30"}}
	admin.expect("a reversed period", admin.get(page+"?"+bad.Encode()), 422, "avant de commencer")
	bad = url.Values{"du": {"2026-09-01"}, "au": {"2026-11-30"}, "commission": {"75"}}
	admin.expect("too high a commission", admin.get(page+"?"+bad.Encode()), 422, "de 0 à 50")
	resident.expect("a resident", resident.get(page), 403, "réservée")
	newBrowser(t, srv).expect("anonymous", newBrowser(t, srv).get(page), 303)
}

// seedSimulation gives Portes de Sologne six agreed exchanges in the
// autumn of 2026, each with the quote its plugin froze: two professional
// jobs, the older people's subsidy, CESU, time credits and a ride.
func seedSimulation(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	tr, err := a.Territories.Lookup(ctx, "portes-de-sologne", true)
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Territories.Get(ctx, "portes-de-sologne", true)
	if err != nil {
		t.Fatal(err)
	}
	near, far := d.Communes[0].INSEE, d.Communes[len(d.Communes)-1].INSEE
	start := time.Date(2026, 9, 2, 8, 0, 0, 0, time.UTC)
	deals := []rules.QuoteInput{
		{Category: "petits-travaux", Modality: "professional", Mode: "professional", Minutes: 120, FromCommune: near, ToCommune: far},
		{Category: "aines", Modality: "professional", Mode: "professional", Minutes: 60, FromCommune: near, ToCommune: near},
		{Category: "petits-travaux", Modality: "resident", Mode: "cesu_declaratif", Minutes: 120, FromCommune: near, ToCommune: near},
		{Category: "petits-travaux", Modality: "resident", Mode: "time_credits", Minutes: 90, FromCommune: near, ToCommune: near},
		{Category: "mobilite", Modality: "resident", Mode: "free", Minutes: 45, FromCommune: near, ToCommune: far},
		{Category: "enfance", Modality: "resident", Mode: "cesu_prefinance", Minutes: 180, FromCommune: near, ToCommune: near},
	}
	var rows []any
	for i, in := range deals {
		res, err := a.Rules.ComputeQuote(ctx, "portes-de-sologne", in)
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		at := start.Add(time.Duration(i) * 13 * 24 * time.Hour)
		res.Record.CreatedAt = at
		q := res.Quote
		rows = append(rows, res.Record, &exchange.Exchange{ID: fmt.Sprintf("sim-%d", i), TerritoryID: tr.ID, ListingID: "sim-listing",
			SeekerID: "sim-seeker", ProviderID: "sim-provider", Initiator: exchange.Seeker, Category: in.Category, Modality: in.Modality,
			Mode: in.Mode, Minutes: in.Minutes, Occurrences: 1, FromCommune: in.FromCommune, ToCommune: in.ToCommune, State: exchange.Confirmed,
			QuoteID: &res.Record.ID, TotalCents: q.TotalCents, PayableCents: q.PayableCents, TimeCreditMinutes: q.TimeCreditMinutes,
			Version: 5, CreatedAt: at, UpdatedAt: at})
	}
	err = a.Store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, id := range []string{"sim-seeker", "sim-provider"} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id, is_professional, created_at, updated_at)
				VALUES (?, ?, 'x', 'x', ?, ?, ?, ?, ?)`, id, id+"@example.fr", near, tr.ID, id == "sim-provider", start, start); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO listings (id, territory_id, owner_id, kind, category, modality, title, description, modes,
			price_kind, commune, availability, availability_note, status, created_at, updated_at)
			VALUES ('sim-listing', ?, 'sim-provider', 'offer', 'petits-travaux', 'resident', 'Essai', 'Essai', 'free', 'free', ?, '', '', 'closed', ?, ?)`,
			tr.ID, near, start, start); err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
