package territory_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
)

const (
	portesDeSologne = "200005932"
	picardieVerte   = "246000848"
)

var (
	refOnce sync.Once
	ref     *referential.Referential
	refErr  error
)

func loadRef(t testing.TB) *referential.Referential {
	t.Helper()
	refOnce.Do(func() { ref, refErr = referential.Load() })
	if refErr != nil {
		t.Fatalf("load referential: %v", refErr)
	}
	return ref
}

// newService opens a migrated, empty database on the target and returns a
// territory service over it.
func newService(t *testing.T, tg storetest.Target) (*territory.Service, *store.Store) {
	t.Helper()
	s := schematest.Open(t, tg)
	return territory.NewService(s, loadRef(t)), s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestCreatePilotsFromEPCI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := newService(t, tg)
		tests := []struct {
			siren, slug   string
			communes, pop int
			someCommune   string
		}{
			{portesDeSologne, "portes-de-sologne", 7, 15994, "La Ferté-Saint-Aubin"},
			{picardieVerte, "picardie-verte", 88, 32777, "Songeons"},
		}
		for _, tt := range tests {
			d, err := svc.CreateFromEPCI(ctx(t), tt.siren, territory.CreateOptions{})
			if err != nil {
				t.Fatalf("create %s: %v", tt.siren, err)
			}
			if d.Slug != tt.slug || d.CommuneCount != tt.communes || d.Population != tt.pop || len(d.Communes) != tt.communes {
				t.Errorf("created %s: slug=%s communes=%d/%d population=%d", tt.siren, d.Slug, d.CommuneCount, len(d.Communes), d.Population)
			}
			got, err := svc.Get(ctx(t), tt.slug, false)
			if err != nil {
				t.Fatalf("get %s: %v", tt.slug, err)
			}
			if got.Population != tt.pop || len(got.Communes) != tt.communes || got.EPCISIREN == nil || *got.EPCISIREN != tt.siren {
				t.Errorf("stored %s: %+v", tt.slug, got.Territory)
			}
			found := false
			sum := 0
			for _, c := range got.Communes {
				sum += c.Population
				if c.Name == tt.someCommune {
					found = c.Centre != nil && len(c.PostalCodes) > 0
				}
			}
			if !found {
				t.Errorf("%s lacks %s with a centre and postal codes", tt.slug, tt.someCommune)
			}
			if sum != tt.pop {
				t.Errorf("%s: communes sum to %d, territory says %d", tt.slug, sum, tt.pop)
			}
		}
		list, err := svc.List(ctx(t), territory.ListOptions{})
		if err != nil || len(list) != 2 {
			t.Fatalf("list = %v, %v", list, err)
		}
	})
}

func TestCreateCustom(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := newService(t, tg)
		r := loadRef(t)
		a, b := mustCommune(t, r, "vierzon"), mustCommune(t, r, "mehun sur yevre")
		d, err := svc.CreateCustom(ctx(t), "Pays de Vierzon (essai)", []string{a.INSEE, " " + b.INSEE + " "}, territory.CreateOptions{Slug: "vierzon-essai"})
		if err != nil {
			t.Fatalf("create custom: %v", err)
		}
		if d.Kind != territory.KindCustom || d.CommuneCount != 2 || d.Population != a.Population+b.Population || d.EPCISIREN != nil {
			t.Errorf("custom territory = %+v", d.Territory)
		}
		got, err := svc.Get(ctx(t), "vierzon-essai", false)
		if err != nil || len(got.Communes) != 2 {
			t.Fatalf("get custom: %v %v", got, err)
		}
	})
}

func mustCommune(t *testing.T, r *referential.Referential, name string) *referential.Commune {
	t.Helper()
	cs := r.SearchName(name, 1)
	if len(cs) == 0 {
		t.Fatalf("no commune %q in the referential", name)
	}
	return cs[0]
}

// TestCreateRefusals checks every refusal: a clear kind and message, and
// nothing written.
func TestCreateRefusals(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := newService(t, tg)
		if _, err := svc.CreateFromEPCI(ctx(t), portesDeSologne, territory.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		ferte := mustCommune(t, loadRef(t), "ferte st aubin")
		other := mustCommune(t, loadRef(t), "vierzon")
		tests := []struct {
			name     string
			create   func() error
			kind     apperr.Kind
			contains string
		}{
			{"unknown EPCI", func() error {
				_, err := svc.CreateFromEPCI(ctx(t), "123456789", territory.CreateOptions{})
				return err
			}, apperr.KindNotFound, "inconnu du référentiel"},
			{"EPCI already has a territory", func() error {
				_, err := svc.CreateFromEPCI(ctx(t), portesDeSologne, territory.CreateOptions{Slug: "autre-nom"})
				return err
			}, apperr.KindConflict, "a déjà son territoire"},
			{"duplicate slug", func() error {
				_, err := svc.CreateCustom(ctx(t), "Portes de Sologne bis", []string{other.INSEE}, territory.CreateOptions{Slug: "portes-de-sologne"})
				return err
			}, apperr.KindConflict, "existe déjà"},
			{"unknown INSEE codes, all listed", func() error {
				_, err := svc.CreateCustom(ctx(t), "Inconnues", []string{other.INSEE, "99999", "00000"}, territory.CreateOptions{})
				return err
			}, apperr.KindInvalid, "99999, 00000"},
			{"duplicate INSEE code", func() error {
				_, err := svc.CreateCustom(ctx(t), "Doublons", []string{other.INSEE, other.INSEE}, territory.CreateOptions{})
				return err
			}, apperr.KindInvalid, "en double"},
			{"commune already in a territory", func() error {
				_, err := svc.CreateCustom(ctx(t), "Chevauchement", []string{other.INSEE, ferte.INSEE}, territory.CreateOptions{})
				return err
			}, apperr.KindConflict, "La Ferté-Saint-Aubin"},
			{"no commune", func() error {
				_, err := svc.CreateCustom(ctx(t), "Vide", nil, territory.CreateOptions{})
				return err
			}, apperr.KindInvalid, "de 1 à"},
			{"empty name", func() error {
				_, err := svc.CreateCustom(ctx(t), "  ", []string{other.INSEE}, territory.CreateOptions{})
				return err
			}, apperr.KindInvalid, "nom du territoire"},
			{"bad slug", func() error {
				_, err := svc.CreateCustom(ctx(t), "Essai", []string{other.INSEE}, territory.CreateOptions{Slug: "Pas Un Slug"})
				return err
			}, apperr.KindInvalid, "Identifiant d'URL"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.create()
				if err == nil {
					t.Fatal("accepted")
				}
				e := apperr.As(err)
				if e.Kind != tt.kind || !strings.Contains(e.Message, tt.contains) || e.MessageEN == "" {
					t.Errorf("got %v (%s), want kind %v containing %q", e.Message, e.Kind, tt.kind, tt.contains)
				}
			})
		}
		list, err := svc.List(ctx(t), territory.ListOptions{IncludeDisabled: true})
		if err != nil || len(list) != 1 {
			t.Fatalf("after refusals: %d territories (%v), want only the first", len(list), err)
		}
		if _, err := svc.CreateCustom(ctx(t), "Vierzon seul", []string{other.INSEE}, territory.CreateOptions{}); err != nil {
			t.Errorf("a refused creation left a commune attached: %v", err)
		}
	})
}

func TestDisableHidesFromPublicLookups(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := newService(t, tg)
		if _, err := svc.CreateFromEPCI(ctx(t), portesDeSologne, territory.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetStatus(ctx(t), "portes-de-sologne", territory.StatusDisabled); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(ctx(t), "portes-de-sologne", false); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("disabled territory visible: %v", err)
		}
		if d, err := svc.Get(ctx(t), "portes-de-sologne", true); err != nil || d.Status != territory.StatusDisabled {
			t.Errorf("operator lookup: %v %v", d, err)
		}
		if l, _ := svc.List(ctx(t), territory.ListOptions{}); len(l) != 0 {
			t.Errorf("public list shows %d territories", len(l))
		}
		if _, err := svc.SetStatus(ctx(t), "portes-de-sologne", "paused"); apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("bad status accepted: %v", err)
		}
		if _, err := svc.SetStatus(ctx(t), "nowhere", territory.StatusActive); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("unknown slug: %v", err)
		}
	})
}

func TestEnsureIsIdempotent(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := newService(t, tg)
		for i, want := range []bool{true, false, false} {
			created, err := svc.Ensure(ctx(t), picardieVerte)
			if err != nil || created != want {
				t.Errorf("Ensure #%d = %v, %v; want %v", i, created, err, want)
			}
		}
	})
}

func TestSlugFromName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"CC des Portes de Sologne", "portes-de-sologne"},
		{"CC de la Picardie Verte", "picardie-verte"},
		{"CA du Pays de Saint-Omer", "pays-de-saint-omer"},
		{"Métropole d'Aix-Marseille-Provence", "aix-marseille-provence"},
		{"CC de l'Île d'Oléron", "ile-d-oleron"},
		{"Communauté de communes du Val d'Amboise", "val-d-amboise"},
	}
	for _, tt := range tests {
		if got := territory.SlugFromName(tt.in); got != tt.want {
			t.Errorf("SlugFromName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !territory.ValidSlug(territory.SlugFromName(tt.in)) {
			t.Errorf("slug of %q is invalid", tt.in)
		}
	}
}

// TestEveryEPCIGetsAValidSlug keeps territory creation working for any of
// France's EPCI: every candidate slug is valid, and the candidates leave
// every EPCI a slug of its own even when names collide.
func TestEveryEPCIGetsAValidSlug(t *testing.T) {
	t.Parallel()
	svc := territory.NewService(nil, loadRef(t))
	first := map[string]int{}
	all := loadRef(t).EPCIs()
	for _, e := range all {
		cands := svc.EPCISlugs(e)
		for _, s := range cands {
			if !territory.ValidSlug(s) {
				t.Errorf("EPCI %s %q gives invalid slug %q", e.SIREN, e.Name, s)
			}
		}
		first[cands[0]]++
	}
	taken := map[string]string{}
	collisions := 0
	for _, e := range all {
		cands := svc.EPCISlugs(e)
		if first[cands[0]] > 1 {
			collisions++
		}
		placed := false
		for _, s := range cands {
			if _, dup := taken[s]; !dup {
				taken[s] = e.SIREN
				placed = true
				break
			}
		}
		if !placed {
			t.Errorf("EPCI %s %q has no free slug among %v", e.SIREN, e.Name, cands)
		}
	}
	if collisions == 0 {
		t.Log("no EPCI names collide in this referential; the département suffix is unused")
	}
}

func TestEPCISlugCollisionTakesDepartement(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := newService(t, tg)
		var slugs []string
		for _, siren := range []string{"247000623", "247400666"} { // two "CC des Quatre Rivières"
			d, err := svc.CreateFromEPCI(ctx(t), siren, territory.CreateOptions{})
			if err != nil {
				t.Fatalf("create %s: %v", siren, err)
			}
			slugs = append(slugs, d.Slug)
		}
		if slugs[0] != "quatre-rivieres" || slugs[1] != "quatre-rivieres-74" {
			t.Errorf("slugs = %v, want quatre-rivieres then quatre-rivieres-74", slugs)
		}
	})
}

// TestEnsureConcurrent is the replicas-starting-together case: several
// Ensure calls race for one EPCI; exactly one creates it, none fails.
func TestEnsureConcurrent(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := newService(t, tg)
		for round := 0; round < 5; round++ {
			siren := []string{portesDeSologne, picardieVerte, "200000933", "200000800", "200090561"}[round]
			var wg sync.WaitGroup
			created := make(chan bool, 4)
			errs := make(chan error, 4)
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := svc.Ensure(ctx(t), siren)
					if err != nil {
						errs <- err
					}
					created <- c
				}()
			}
			wg.Wait()
			close(created)
			close(errs)
			for err := range errs {
				t.Errorf("round %d: Ensure failed: %v", round, err)
			}
			n := 0
			for c := range created {
				if c {
					n++
				}
			}
			if n != 1 {
				t.Errorf("round %d: %d callers created the territory, want 1", round, n)
			}
		}
	})
}

// TestEnsureReportsAnotherTerritorysCommune: a pilot whose commune belongs
// to another territory is an error, not silently skipped.
func TestEnsureReportsAnotherTerritorysCommune(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := newService(t, tg)
		ardon := mustCommune(t, loadRef(t), "ardon")
		if ardon.EPCI != portesDeSologne {
			t.Fatalf("Ardon found is %s in EPCI %s", ardon.INSEE, ardon.EPCI)
		}
		if _, err := svc.CreateCustom(ctx(t), "Ardon seul", []string{ardon.INSEE}, territory.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		created, err := svc.Ensure(ctx(t), portesDeSologne)
		if err == nil || created || apperr.As(err).Code != "commune_taken" {
			t.Errorf("Ensure = %v, %v; want the commune_taken error", created, err)
		}
	})
}
