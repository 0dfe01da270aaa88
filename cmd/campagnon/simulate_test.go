package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// demoDeal is one kind of exchange of the demo data.
type demoDeal struct {
	category, modality, mode string
	minutes, occurrences     int
	sap, far                 bool
}

// demoDeals are the kinds of exchange of each pilot, in the proportions
// of the demo data: rides, small jobs, childcare, help for older people,
// between residents and with professionals, in every payment mode the
// pilot allows.
var demoDeals = map[string][]demoDeal{
	"portes-de-sologne": {
		{"petits-travaux", "professional", "professional", 120, 1, false, true},
		{"petits-travaux", "professional", "professional", 90, 1, true, false},
		{"aines", "professional", "professional", 60, 1, false, false},
		{"petits-travaux", "resident", "cesu_declaratif", 120, 1, false, false},
		{"petits-travaux", "resident", "time_credits", 90, 1, false, false},
		{"mobilite", "resident", "free", 45, 1, false, true},
		{"enfance", "resident", "cesu_prefinance", 180, 1, false, false},
		{"aines", "professional", "cesu_prefinance", 60, 1, true, false},
		{"enfance", "professional", "professional", 60, 4, false, true},
	},
	"picardie-verte": {
		{"mobilite", "resident", "time_credits", 60, 1, false, true},
		{"mobilite", "resident", "free", 60, 1, false, true},
		{"petits-travaux", "professional", "professional", 120, 1, false, true},
		{"enfance", "professional", "professional", 90, 1, false, false},
		{"aines", "resident", "cesu_declaratif", 120, 1, false, false},
		{"petits-travaux", "resident", "time_credits", 60, 1, false, false},
		{"aines", "professional", "professional", 60, 1, true, true},
	},
}

// seedDemo builds the demo data on tg, as `serve` would start it (both
// pilots on their plugins): per pilot, perTerritory agreed exchanges over
// the autumn of 2026, the kinds of demoDeals in turn, each with the quote
// its plugin froze, spread over four professionals and six residents.
func seedDemo(t *testing.T, tg storetest.Target, perTerritory int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg, err := config.Load(config.Options{Sets: []string{"database.driver=" + tg.Driver, "database.sqlite_path=" + tg.SQLitePath,
		"database.postgres_dsn=" + tg.PostgresDSN, "data_dir=" + t.TempDir(), "plugins.dir=" + moduleDir,
		"plugins.cache_dir=" + filepath.Join(moduleDir, "compiled"), "plugins.call_timeout=2s"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	start := time.Date(2026, 9, 1, 8, 0, 0, 0, paris)
	step := time.Date(2026, 11, 30, 20, 0, 0, 0, paris).Sub(start) / time.Duration(perTerritory)
	for slug, deals := range demoDeals {
		tr, err := a.Territories.Lookup(ctx, slug, true)
		if err != nil {
			t.Fatal(err)
		}
		d, err := a.Territories.Get(ctx, slug, true)
		if err != nil {
			t.Fatal(err)
		}
		near, far := d.Communes[0].INSEE, d.Communes[len(d.Communes)-1].INSEE
		var rows []any
		person := func(kind string, i int) string { return fmt.Sprintf("%s-%s-%d", slug, kind, i) }
		err = a.Store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			for i := range 10 {
				kind, pro := "resident", false
				if i < 4 {
					kind, pro = "pro", true
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id, is_professional, created_at, updated_at)
					VALUES (?, ?, 'x', 'x', ?, ?, ?, ?, ?)`, person(kind, i), person(kind, i)+"@example.fr", near, tr.ID, pro, start, start); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO listings (id, territory_id, owner_id, kind, category, modality, title, description, modes,
				price_kind, commune, availability, availability_note, status, created_at, updated_at)
				VALUES (?, ?, ?, 'offer', 'petits-travaux', 'resident', 'Démo', 'Démo', 'free', 'free', ?, '', '', 'published', ?, ?)`,
				"lst-"+slug, tr.ID, person("resident", 4), near, start, start)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := range perTerritory {
			dd := deals[i%len(deals)]
			to := near
			if dd.far {
				to = far
			}
			res, err := a.Rules.ComputeQuote(ctx, slug, rules.QuoteInput{Category: dd.category, Modality: dd.modality, Mode: dd.mode,
				Minutes: dd.minutes, Occurrences: dd.occurrences, ProviderSAP: dd.sap, FromCommune: near, ToCommune: to})
			if err != nil {
				t.Fatalf("%s %+v: %v", slug, dd, err)
			}
			at := start.Add(time.Duration(i) * step).UTC()
			res.Record.CreatedAt = at
			prov := person("resident", 4+i%6)
			if dd.modality == "professional" {
				prov = person("pro", i%2)
				if dd.sap {
					prov = person("pro", 2+i%2)
				}
			}
			q := res.Quote
			rows = append(rows, res.Record, &exchange.Exchange{ID: fmt.Sprintf("%s-x-%04d", slug, i), TerritoryID: tr.ID, ListingID: "lst-" + slug,
				SeekerID: person("resident", 4+(i+1)%6), ProviderID: prov, Initiator: exchange.Seeker, Category: dd.category, Modality: dd.modality,
				Mode: dd.mode, Minutes: dd.minutes, Occurrences: dd.occurrences, ProviderSAP: dd.sap, FromCommune: near, ToCommune: to,
				State: exchange.Confirmed, QuoteID: &res.Record.ID, TotalCents: q.TotalCents, PayableCents: q.PayableCents,
				TimeCreditMinutes: q.TimeCreditMinutes, Version: 5, CreatedAt: at, UpdatedAt: at})
		}
		err = a.Store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
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
}

// simulateSteps runs the steps through the binary (runSteps) with a
// generous plugin deadline: these steps are not about plugin deadlines,
// and a first call, which starts a Go guest, may time out at the default
// 100 ms while the other core is busy.
func simulateSteps(t *testing.T, tg storetest.Target, steps []step) {
	t.Helper()
	for i := range steps {
		steps[i].args = append(steps[i].args, "--set", "plugins.call_timeout=2s")
	}
	runSteps(t, tg, steps)
}

func TestSimulateCommand(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		seedDemo(t, tg, 90)
		dir := t.TempDir()
		noTimeCredits := filepath.Join(dir, "sans-credits-temps.json")
		cfg, err := os.ReadFile("../../plugins/portes-de-sologne/config.default.json")
		if err != nil {
			t.Fatal(err)
		}
		// Small jobs between residents: no time credits any more.
		cfg = bytes.Replace(cfg, []byte(`"resident": ["free", "time_credits", "cesu_declaratif", "cesu_prefinance"],
        "professional": ["professional", "cesu_prefinance"]
      },
      "prices": {"professional_hourly_cents": 3800`), []byte(`"resident": ["free", "cesu_declaratif", "cesu_prefinance"],
        "professional": ["professional", "cesu_prefinance"]
      },
      "prices": {"professional_hourly_cents": 3800`), 1)
		if !bytes.Contains(cfg, []byte(`"resident": ["free", "cesu_declaratif", "cesu_prefinance"]`)) {
			t.Fatal("the Portes de Sologne's configuration changed: update the test's edit")
		}
		if err := os.WriteFile(noTimeCredits, cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		notObject := filepath.Join(dir, "liste.json")
		if err := os.WriteFile(notObject, []byte(`[1, 2]`), 0o644); err != nil {
			t.Fatal(err)
		}
		period := []string{"--from", "2026-09-01", "--to", "2026-11-30"}
		sim := func(extra ...string) []string {
			return append(append([]string{"simulate", "--territory", "portes-de-sologne"}, period...), extra...)
		}
		simulateSteps(t, tg, []step{
			// Done when: the demo data with a 5 % commission, read. The
			// Portes de Sologne already charge 5 % (capped at 25 €, never
			// reached here): nothing changes.
			{args: sim("--commission", "5"), stdout: []string{"Simulation du modèle économique — CC des Portes de Sologne", "Période du 01/09/2026 au 30/11/2026 : 90 échange(s)",
				"Enregistré", "Référence", "Scénario", "Écart", "Coût pour les habitants", "Recettes de la plateforme", "Aides de la communauté de communes",
				"commission 5\u00a0% (règle « commission » du plugin)", "Échanges qui changent : 0 de prix", "Notes :"},
				stderr: []string{"Période lue : 90 échange(s)", "Chiffrage (scénario) : 90 / 90"}},
			// The Picardie Verte charge 3 % (capped at 15 €): 5 % changes
			// the price of its 38 professional services.
			{args: []string{"simulate", "--territory", "picardie-verte", "--from", "2026-09-01", "--to", "2026-11-30", "--commission", "5"},
				stdout: []string{"CC de la Picardie Verte", "Échanges qui changent : 38 de prix, 0 de mode", "commission 5\u00a0%", "commission "}},
			{args: sim("--commission", "5", "--json"), stdout: []string{`"commission_applied": "plugin_config"`, `"exchanges": 90`, `"differences": [`}},
			{args: sim("--subsidy", "200", "--subscription", "1500"), stdout: []string{"aide de 2,00\u00a0€ par échange payant", "abonnement 15,00\u00a0€",
				"Abonnements des professionnels", "+180,00\u00a0€", "-160,00\u00a0€", "80 de prix"}},
			{args: sim("--plugin-config", noTimeCredits), stdout: []string{"configuration donnée", "de prix, 10 de mode de paiement", "time_credits 0,00\u00a0€", "mode time_credits refusé, free à la place"}},
			{args: sim("--module", "standard", "--differences", "0"), stdout: []string{"campagnon.standard", "autre module que celui du territoire"}, noStdout: []string{"plus grands écarts"}},
			{args: []string{"simulate", "--territory", "picardie-verte", "--from", "2026-09-01", "--to", "2026-11-30", "--commission", "2,5"},
				stdout: []string{"CC de la Picardie Verte", "commission 2,5\u00a0%"}},
			// Refusals, with what to do.
			{args: []string{"simulate", "--from", "2026-09-01", "--to", "2026-11-30"}, code: 2, stderr: []string{"indiquez le territoire et la période"}},
			{args: sim("--differences", "-1"), code: 2, stderr: []string{"--differences"}},
			{args: []string{"simulate", "--territory", "portes-de-sologne", "--from", "01/09/2026", "--to", "2026-11-30"}, code: 2, stderr: []string{"AAAA-MM-JJ"}},
			{args: []string{"simulate", "--territory", "portes-de-sologne", "--from", "2026-12-01", "--to", "2026-11-30"}, code: 2, stderr: []string{"avant de commencer"}},
			{args: []string{"simulate", "--territory", "nulle-part", "--from", "2026-09-01", "--to", "2026-11-30"}, code: 2, stderr: []string{"nulle-part"}},
			{args: sim("--commission", "cinq"), code: 2, stderr: []string{"pourcentage"}},
			{args: sim("--commission", "60"), code: 2, stderr: []string{"de 0 à 50"}},
			{args: sim("--subsidy", "-5"), code: 2, stderr: []string{"L'aide par échange va de 0"}},
			{args: sim("--plugin-config", filepath.Join(dir, "absent.json")), code: 2, stderr: []string{"Lecture de"}},
			{args: sim("--plugin-config", notObject), code: 2, stderr: []string{"objet JSON"}},
			{args: sim("--plugin", notObject), code: 2, stderr: []string{"WebAssembly"}},
			{args: sim("--plugin", notObject, "--module", "standard"), code: 2, stderr: []string{"s'excluent"}},
			{args: sim("--module", "inconnu"), code: 2, stderr: []string{"Lecture de"}},
		})
	})
}
