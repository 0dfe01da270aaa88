package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/sdk/abi"
)

// TestApplyAndReimport: a clean export becomes closed listings of the
// territory's import account, published at the answers' dates; the
// contacts are kept for those who agreed only; importing the same answers
// again — the same file, or the same file saved in Windows-1252 — creates
// nothing.
func TestApplyAndReimport(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		m := mustMapping(t, KindListings)
		rep := f.validate(t, "besoins-propre.csv", nil, m)
		var phases []string
		done, err := f.svc.Apply(ctx, f.terr, rep, CommandActor, func(phase string, done, total int64) {
			phases = append(phases, fmt.Sprintf("%s %d/%d", phase, done, total))
		})
		if err != nil {
			t.Fatal(err)
		}
		if done.Created != 6 || done.Skipped != 0 || len(phases) == 0 || phases[len(phases)-1] != "write 6/6" {
			t.Fatalf("applied %+v, progress %v", done, phases)
		}
		var ls []listing.Listing
		if err := f.store.DB().NewSelect().Model(&ls).Where("territory_id = ?", f.terr.ID).OrderExpr("published_at").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		owner := new(account.Account)
		if err := f.store.DB().NewSelect().Model(owner).Where("id = ?", ls[0].OwnerID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if !owner.Verified() || owner.Resident || !strings.HasSuffix(owner.Email, ".invalid") || owner.DisplayName != "Formulaires — CC des Portes de Sologne" {
			t.Errorf("import account: %+v", owner)
		}
		want := []struct {
			kind, category, commune, modes, price string
			cents                                 int64
			at                                    string
		}{
			{abi.ListingNeed, "aines", "45309", "free,time_credits", abi.PriceFree, 0, "2026-03-02 09:12:44"},
			{abi.ListingOffer, "petits-travaux", "45146", "cesu_declaratif", abi.PriceHourly, 1250, "2026-03-03 18:02:10"},
			{abi.ListingNeed, "mobilite", "45006", "free", abi.PriceFree, 0, "2026-03-05 11:40:00"},
			{abi.ListingNeed, "enfance", "45193", "time_credits", abi.PriceFree, 0, "2026-03-09 20:15:03"},
			{abi.ListingNeed, "petits-travaux", "45175", "free", abi.PriceFree, 0, "2026-03-14 08:05:51"},
			{abi.ListingOffer, "enfance", "45182", "cesu_declaratif", abi.PriceHourly, 1300, "2026-03-21 16:47:29"},
		}
		if len(ls) != len(want) {
			t.Fatalf("%d listings, want %d", len(ls), len(want))
		}
		for i, w := range want {
			l := ls[i]
			at := l.PublishedAt.In(paris).Format("2006-01-02 15:04:05")
			if l.Kind != w.kind || l.Category != w.category || l.Commune != w.commune || l.Modes != w.modes || l.PriceKind != w.price ||
				l.PriceCents != w.cents || at != w.at || l.Status != listing.StatusClosed || l.OwnerID != owner.ID || l.Modality != abi.ModalityResident {
				t.Errorf("listing %d: %s %s %s %s %s %d %s %s, want %+v", i, l.Kind, l.Category, l.Commune, l.Modes, l.PriceKind, l.PriceCents, at, l.Status, w)
			}
		}
		if !strings.Contains(ls[3].Description, "Deux soirs par semaine,\nplutôt") {
			t.Errorf("multi-line description: %q", ls[3].Description)
		}
		var contacts []rowRecord
		if err := f.store.DB().NewSelect().Model(&contacts).Where("contact_name IS NOT NULL").OrderExpr("line").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(contacts) != 3 || *contacts[0].ContactName != "Jeanne Martin" || *contacts[0].ContactEmail != "jeanne.martin@example.fr" ||
			*contacts[2].ContactName != "Marie Leroy" {
			t.Errorf("contacts kept: %+v", contacts)
		}

		for _, again := range []string{"besoins-propre.csv", "besoins-windows1252.csv", "besoins-doublons-lignes-vides.csv"} {
			rep := f.validate(t, again, nil, m)
			if !rep.OK() || rep.Ready != 0 || rep.Already == 0 {
				t.Fatalf("%s again: ok %v, ready %d, already %d", again, rep.OK(), rep.Ready, rep.Already)
			}
			done, err := f.svc.Apply(ctx, f.terr, rep, CommandActor, nil)
			if err != nil || done.Created != 0 {
				t.Fatalf("%s again: %+v, %v", again, done, err)
			}
		}
		if n := f.count(t, "listings"); n != 6 {
			t.Errorf("%d listings after re-imports, want 6", n)
		}
		imps, err := f.svc.Imports(ctx, f.terr.ID, 10)
		if err != nil || len(imps) != 1 || imps[0].CreatedCount != 6 || imps[0].LineCount != 6 || imps[0].CreatedBy != CommandActor {
			t.Errorf("imports: %+v, %v", imps, err)
		}
	})
}

// TestAllOrNothing: a file with problems cannot be applied; a failure in
// the middle of the writing (here the context ends after the first batch)
// leaves nothing behind, not even the import account.
func TestAllOrNothing(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		m := mustMapping(t, KindListings)
		rep := f.validate(t, "besoins-erreurs.csv", nil, m)
		if rep.OK() || rep.ProblemCount != 3 {
			t.Fatalf("report: %d problems", rep.ProblemCount)
		}
		if _, err := f.svc.Apply(ctx, f.terr, rep, CommandActor, nil); apperr.As(err).Code != "import_not_clean" {
			t.Fatalf("apply a report with problems: %v", err)
		}
		data := generate(3*writeBatch+7, 0)
		rep = f.validate(t, "gros.csv", data, m)
		if !rep.OK() || rep.Ready != 3*writeBatch+7 {
			t.Fatalf("generated file: ok %v, ready %d, %+v", rep.OK(), rep.Ready, rep.Problems)
		}
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		_, err := f.svc.Apply(cctx, f.terr, rep, CommandActor, func(phase string, done, total int64) {
			if phase == PhaseWrite && done >= writeBatch {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("apply cancelled mid-way: %v", err)
		}
		for _, table := range []string{"listings", "imports", "import_rows", "accounts"} {
			if n := f.count(t, table); n != 0 {
				t.Errorf("%s: %d rows after a failed import", table, n)
			}
		}
		done, err := f.svc.Apply(ctx, f.terr, rep, CommandActor, nil)
		if err != nil || done.Created != 3*writeBatch+7 {
			t.Fatalf("apply again: %+v, %v", done, err)
		}
	})
}

// TestApplyHammer: P admins apply the same report at once; its rows are
// created once, the others create nothing or are told to validate again.
func TestApplyHammer(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg)
		rep := f.validate(t, "gros.csv", generate(50, 0), mustMapping(t, KindListings))
		const p = 4
		var wg sync.WaitGroup
		start := make(chan struct{})
		created := make([]int, p)
		errs := make([]error, p)
		for i := range p {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				done, err := f.svc.Apply(context.Background(), f.terr, rep, CommandActor, nil)
				if done != nil {
					created[i] = done.Created
				}
				errs[i] = err
			}()
		}
		close(start)
		wg.Wait()
		total := 0
		for i := range p {
			if errs[i] != nil && apperr.As(errs[i]).Code != "import_concurrent" {
				t.Errorf("apply %d: %v", i, errs[i])
			}
			total += created[i]
		}
		if total != 50 || f.count(t, "listings") != 50 {
			t.Errorf("created %v (%d listings), want 50 once", created, f.count(t, "listings"))
		}
	})
}

// TestCensus: a clean census becomes census records with their contact;
// re-importing creates nothing; the CSV export neutralises formulas.
func TestCensus(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		csv := "Raison sociale;SIRET;Code NAF;N° SAP;Commune;Services proposés;Contact;Courriel;Téléphone\n" +
			"Jardins de Sologne;200 005 932 00013;81.30Z;SAP200005932;Ardon;Entretien de jardins;Sophie Lenoir;contact@jardins-sologne.fr;+33 2 38 45 67 89\n" +
			"=HYPERLINK(\"http://x\");81234567600017;43.32A;;La Ferté-Saint-Aubin;@SUM(1);;;\n"
		m := mustMapping(t, KindBusinesses)
		rep := f.validate(t, "recensement.csv", []byte(csv), m)
		if !rep.OK() || rep.Ready != 2 {
			t.Fatalf("census: %+v", rep.Problems)
		}
		if _, err := f.svc.Apply(ctx, f.terr, rep, "admin-1", nil); err != nil {
			t.Fatal(err)
		}
		rep = f.validate(t, "recensement.csv", []byte(csv), m)
		if rep.Ready != 0 || rep.Already != 2 {
			t.Fatalf("census again: ready %d, already %d", rep.Ready, rep.Already)
		}
		bs, err := f.svc.Businesses(ctx, f.terr.ID)
		if err != nil || len(bs) != 2 {
			t.Fatalf("businesses: %v, %v", bs, err)
		}
		var buf bytes.Buffer
		if err := WriteBusinessesCSV(&buf, bs, testRef(t)); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, w := range []string{"\ufeffRaison sociale;", "\"'=HYPERLINK(\"\"http://x\"\")\"", "'@SUM(1)", "Jardins de Sologne;20000593200013;81.30Z;SAP200005932;Ardon;45006;",
			"Sophie Lenoir;contact@jardins-sologne.fr;02 38 45 67 89;"} {
			if !strings.Contains(out, w) {
				t.Errorf("census CSV lacks %q:\n%s", w, out)
			}
		}
		if f.count(t, "listings") != 0 || f.count(t, "accounts") != 0 {
			t.Error("a census creates listings or accounts")
		}
	})
}

// TestHoldPurge: the web page's two steps — a held file is applied once,
// then is gone; held files and old contacts are purged on time.
func TestHoldPurge(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	data := []byte(strings.Join([]string{"Date;Nom;Accord;Courriel;Commune;Type;Catégorie;Quoi;Mode de paiement",
		"02/03/2026;Jeanne Martin;oui;jeanne@example.fr;Sennely;Besoin;Courses;Livraison des courses;Gratuit", ""}, "\n"))
	m := mustMapping(t, KindListings)
	rep := f.validate(t, "court.csv", data, m)
	if _, err := f.svc.Hold(ctx, f.terr, f.validate(t, "erreurs.csv", []byte("Date;Commune\nx;y\n"), m), data, "admin"); apperr.As(err).Code != "import_not_clean" {
		t.Fatalf("hold a file with problems: %v", err)
	}
	id, err := f.svc.Hold(ctx, f.terr, rep, data, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if imps, _ := f.svc.Imports(ctx, f.terr.ID, 10); len(imps) != 0 {
		t.Errorf("a held file is listed as imported: %+v", imps)
	}
	rep2, done, err := f.svc.ApplyHeld(ctx, f.terr, id, "admin", nil)
	if err != nil || done == nil || done.Created != 1 || !rep2.OK() || done.ImportID != id {
		t.Fatalf("apply held: %+v %+v %v", rep2, done, err)
	}
	if _, _, err := f.svc.ApplyHeld(ctx, f.terr, id, "admin", nil); apperr.As(err).Code != "import_held_gone" {
		t.Fatalf("apply held twice: %v", err)
	}
	var content *string
	if err := f.store.DB().NewSelect().Model((*Import)(nil)).Column("content").Where("id = ?", id).Scan(ctx, &content); err != nil || content != nil {
		t.Errorf("the applied file is kept: %v %v", content, err)
	}
	old, err := f.svc.Hold(ctx, f.terr, rep, data, "admin")
	if err != nil {
		t.Fatal(err)
	}
	later := *f.svc
	later.now = func() time.Time { return testNow.Add(HeldRetention + time.Minute) }
	p, err := later.Purge(ctx)
	if err != nil || p.Held != 1 || p.Contacts != 0 {
		t.Fatalf("purge after a day: %+v %v", p, err)
	}
	if _, _, err := later.ApplyHeld(ctx, f.terr, old, "admin", nil); apperr.As(err).Code != "import_held_gone" {
		t.Errorf("apply a purged file: %v", err)
	}
	later.now = func() time.Time { return testNow.Add(ContactRetention + time.Hour) }
	if p, err := later.Purge(ctx); err != nil || p.Contacts != 1 {
		t.Fatalf("purge after three years: %+v %v", p, err)
	}
	if n, _ := f.store.DB().NewSelect().Model((*rowRecord)(nil)).Where("contact_name IS NOT NULL OR contact_email IS NOT NULL").Count(ctx); n != 0 {
		t.Errorf("%d contacts left after their retention", n)
	}
}

// generate returns a CSV export of n answers (needs and offers across the
// territory's communes and categories), numbered from first, as a French
// spreadsheet writes it.
func generate(n, first int) []byte {
	communes := []string{"Ardon", "La Ferté-Saint-Aubin", "Jouy-le-Potier", "Ligny-le-Ribault", "Marcilly-en-Villette", "Ménestreau-en-Villette", "Sennely"}
	cats := []struct{ answer, what, modes, price string }{
		{"Courses", "Livraison des courses", "Gratuit, crédits temps", ""},
		{"Jardinage", "Tonte de pelouse", "CESU", "12,50"},
		{"Transport", "Trajet vers l'hôpital", "Bénévole", ""},
		{"Aide aux devoirs", "Aide aux devoirs de français", "Crédits temps", ""},
		{"Bricolage", "Monter une étagère", "CESU", "13,00"},
	}
	var b bytes.Buffer
	b.WriteString("\ufeffN° de réponse;Date;Nom;Commune;Type;Catégorie;Quoi;Précisions;Mode de paiement;Prix de l'heure\r\n")
	day := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := first; i < first+n; i++ {
		c := cats[i%len(cats)]
		kind := "Besoin"
		if c.price != "" {
			kind = "Offre"
		}
		fmt.Fprintf(&b, "%d;%s;Personne %d;%s;%s;%s;%s n°%d;Réponse du formulaire, merci de me recontacter;%s;%s\r\n",
			i+1, day.AddDate(0, 0, i%300).Format("02/01/2006"), i, communes[i%len(communes)], kind, c.answer, c.what, i, c.modes, c.price)
	}
	return b.Bytes()
}

// TestPluginVerdicts: the plugin is asked once per combination it accepts
// (500 answers over 35 combinations of category and commune), line by line
// for a combination it refuses; a plugin that does not answer stops the
// validation after a second try.
func TestPluginVerdicts(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	m := mustMapping(t, KindListings)
	if rep := f.validate(t, "gros.csv", generate(500, 0), m); !rep.OK() || f.rules.calls != 35 {
		t.Errorf("500 answers: ok %v, %d plugin calls, want 35", rep.OK(), f.rules.calls)
	}
	f.rules.calls = 0
	refused := strings.Repeat("03/03/2026;Léa;;;;Ardon;Offre;Jardinage;Ménage et repassage;CESU;9,50\n", 3)
	rep := f.validate(t, "refus.csv", []byte("Date;Nom;Courriel;Téléphone;Accord;Commune;Type;Catégorie;Quoi;Mode de paiement;Prix\n"+refused), m)
	if rep.ProblemCount != 3 || f.rules.calls != 3 {
		t.Errorf("a refused combination: %d problems, %d calls; want each line asked and refused", rep.ProblemCount, f.rules.calls)
	}
	f.rules.calls = 0
	f.rules.fail = &apperr.Error{Kind: apperr.KindUnavailable, Code: "plugin_timeout", Message: "Le module n'a pas répondu à temps.", MessageEN: "The plugin did not answer in time."}
	_, err := f.svc.Validate(context.Background(), f.terr, File{Name: "x.csv", Data: bytes.NewReader(generate(10, 0)), Size: -1}, m, nil)
	if e := apperr.As(err); e.Code != "import_rules_unavailable" || !strings.Contains(e.Message, "ligne 2") || f.rules.calls != 2 {
		t.Errorf("plugin unavailable: %v after %d calls", err, f.rules.calls)
	}
}
