package importer

import (
	"bytes"
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// testNow is the clock of the tests: the forms' answers are of spring
// 2026.
var testNow = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

var loadRef = sync.OnceValues(referential.Load)

func testRef(t testing.TB) *referential.Referential {
	t.Helper()
	ref, err := loadRef()
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// fakeRules answers like the standard plugin for the four launch
// categories: modes per modality, no price without a paid mode, a CESU
// wage of at least 12 € an hour.
type fakeRules struct {
	mu    sync.Mutex
	calls int
	// fail, when set, is every call's answer.
	fail error
}

var fakeModes = map[string]map[string][]string{
	"mobilite":       {abi.ModalityResident: {"free", "time_credits"}, abi.ModalityProfessional: {"professional"}},
	"petits-travaux": {abi.ModalityResident: {"free", "time_credits", "cesu_declaratif", "cesu_prefinance"}, abi.ModalityProfessional: {"professional", "cesu_prefinance"}},
	"enfance":        {abi.ModalityResident: {"free", "time_credits", "cesu_declaratif", "cesu_prefinance"}, abi.ModalityProfessional: {"professional", "cesu_prefinance"}},
	"aines":          {abi.ModalityResident: {"free", "time_credits", "cesu_declaratif", "cesu_prefinance"}, abi.ModalityProfessional: {"professional", "cesu_prefinance"}},
}

func (f *fakeRules) Categories(context.Context, string) (*abi.Categories, error) {
	cat := func(id, label, en, desc string) abi.Category {
		var modes []string
		for _, ms := range fakeModes[id] {
			for _, m := range ms {
				if !slices.Contains(modes, m) {
					modes = append(modes, m)
				}
			}
		}
		slices.Sort(modes)
		return abi.Category{ID: id, Label: label, LabelEN: en, Description: desc, Modalities: []string{abi.ModalityResident, abi.ModalityProfessional}, Modes: modes}
	}
	return &abi.Categories{Categories: []abi.Category{
		cat("mobilite", "Mobilité et accompagnement", "Rides and accompaniment", "Trajets vers un rendez-vous médical, le marché ou les courses."),
		cat("petits-travaux", "Petits travaux maison et jardin", "Small home and garden jobs", "Petit bricolage, jardinage, ménage, surveillance de la maison."),
		cat("enfance", "Enfance : garde et aide aux devoirs", "Children: childcare and homework help", "Garde d'enfants de 3 ans et plus, aide aux devoirs."),
		cat("aines", "Aide aux aînés, courses et démarches", "Help for older people, shopping and paperwork", "Livraison de courses, aide aux démarches."),
	}}, nil
}

func (f *fakeRules) ValidateListing(_ context.Context, _ string, l abi.Listing) (*abi.ListingVerdict, error) {
	f.mu.Lock()
	f.calls++
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	allowed := fakeModes[l.Category][l.Modality]
	for _, m := range l.Modes {
		if !slices.Contains(allowed, m) {
			return nil, &apperr.Error{Kind: apperr.KindRefused, Code: "mode_not_allowed", Message: "Mode « " + m + " » non permis pour cette catégorie.", MessageEN: "Mode " + m + " not allowed."}
		}
	}
	priced := l.PriceKind == abi.PriceHourly || l.PriceKind == abi.PriceFixed
	if priced && !slices.ContainsFunc(l.Modes, paid) {
		return nil, &apperr.Error{Kind: apperr.KindRefused, Code: "price_not_allowed",
			Message: "Un échange bénévole ou en crédits temps n'a pas de prix : indiquez « gratuit », ou ajoutez un mode de paiement payant si la catégorie le permet.", MessageEN: "A volunteer or time-credit exchange has no price."}
	}
	if slices.Contains(l.Modes, abi.ModeCESUDeclaratif) && l.PriceKind == abi.PriceHourly && l.PriceCents < 1200 {
		return nil, &apperr.Error{Kind: apperr.KindRefused, Code: "wage_below_minimum",
			Message: "Salaire horaire net sous le minimum légal (12,00 € avec les congés payés).", MessageEN: "Net hourly wage below the legal minimum."}
	}
	return &abi.ListingVerdict{}, nil
}

// fixture is a migrated database with the territory of the CC des Portes
// de Sologne, and a Service on it.
type fixture struct {
	svc   *Service
	store *store.Store
	terr  *territory.Territory
	rules *fakeRules
}

func newFixture(t testing.TB, tg storetest.Target) *fixture {
	t.Helper()
	s := schematest.Open(t, tg)
	ref := testRef(t)
	ts := territory.NewService(s, ref)
	d, err := ts.CreateFromEPCI(context.Background(), "200005932", territory.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rules := &fakeRules{}
	return &fixture{svc: NewService(s, rules, ts, ref, func() time.Time { return testNow }), store: s, terr: &d.Territory, rules: rules}
}

// validate validates a testdata file (or data) with m.
func (f *fixture) validate(t testing.TB, name string, data []byte, m *Mapping) *Report {
	t.Helper()
	if data == nil {
		var err error
		if data, err = os.ReadFile("testdata/" + name); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := f.svc.Validate(context.Background(), f.terr, File{Name: name, Data: bytes.NewReader(data), Size: int64(len(data))}, m, nil)
	if err != nil {
		t.Fatalf("validate %s: %v", name, err)
	}
	return rep
}

func mustMapping(t testing.TB, kind string) *Mapping {
	t.Helper()
	m, err := DefaultMapping(kind)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// count returns the number of rows of a table for the territory.
func (f *fixture) count(t testing.TB, table string) int {
	t.Helper()
	n, err := f.store.DB().NewSelect().TableExpr(table).Where("territory_id = ?", f.terr.ID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func storetestSQLite(t testing.TB) storetest.Target { return storetest.New(t, "sqlite") }
