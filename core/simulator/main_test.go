package simulator_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/pluginbuild"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/simulator"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
)

// moduleDir holds the real plugins, built once for the package from
// plugins/ with the stock Go toolchain; flatRate is the test plugin of
// testdata/flatrate (another module, without commission).
var (
	moduleDir string
	flatRate  []byte
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "campagnon-simulator-plugins")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	err = pluginbuild.Install(ctx, "../../plugins", pluginbuild.TestCacheDir(), dir, "standard", "picardie-verte", "portes-de-sologne")
	var built string
	if err == nil {
		built, err = pluginbuild.Cached(ctx, "testdata/flatrate", pluginbuild.TestCacheDir(), pluginbuild.Options{})
	}
	if err == nil {
		flatRate, err = os.ReadFile(built)
	}
	cancel()
	if err != nil {
		_ = os.RemoveAll(dir)
		slog.Error("build the plugins for the tests", "error", err)
		os.Exit(1)
	}
	moduleDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var (
	refOnce sync.Once
	ref     *referential.Referential
)

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fixture is a migrated database with both pilots on their plugins, a
// resident, two professionals (one declared for services à la personne)
// and a listing for the exchanges' foreign keys.
type fixture struct {
	store *store.Store
	terr  *territory.Service
	host  *pluginhost.Host
	rules *rules.Service
	sim   *simulator.Service
	// communes of each pilot, by slug: two of its INSEE codes.
	communes map[string][2]string
	ids      map[string]string // territory ID by slug
	n        int
}

const (
	portes   = "portes-de-sologne"
	picardie = "picardie-verte"
	seeker   = "acc-seeker"
	provider = "acc-provider"
	pro      = "acc-pro"
	proSAP   = "acc-pro-sap"
	listing  = "lst-1"
)

func newFixture(t testing.TB, tg storetest.Target, o simulator.Options) *fixture {
	t.Helper()
	refOnce.Do(func() {
		var err error
		if ref, err = referential.Load(); err != nil {
			panic(err)
		}
	})
	ctx := ctxT(t)
	s := schematest.Open(t, tg)
	ts := territory.NewService(s, ref)
	f := &fixture{store: s, terr: ts, communes: map[string][2]string{}, ids: map[string]string{}}
	for slug, siren := range map[string]string{portes: "200005932", picardie: "246000848"} {
		tr, err := ts.CreateFromEPCI(ctx, siren, territory.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e, _ := ref.EPCI(siren)
		f.communes[slug] = [2]string{e.Members[0], e.Members[len(e.Members)-1]}
		f.ids[slug] = tr.ID
	}
	// One compilation cache for the package: each host compiles from it in
	// milliseconds. A generous call timeout: these tests are about the
	// simulator, not deadlines, and run while the other core is busy.
	host, err := pluginhost.New(ctx, pluginhost.Config{CacheDir: filepath.Join(moduleDir, "compiled"), CallTimeout: 2 * time.Second}, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Close(context.Background()) })
	rs := rules.NewService(s, host, ts, ref, rules.Options{ModuleDir: moduleDir, Default: "standard", Logger: storetest.Logger(t)})
	if err := rs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{portes, picardie} {
		if err := rs.EnsureModule(ctx, slug, slug, "test"); err != nil {
			t.Fatal(err)
		}
	}
	f.host, f.rules = host, rs
	f.sim = simulator.NewService(s, host, rs, ts, o)
	now := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	err = s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, a := range []struct {
			id  string
			pro bool
		}{{seeker, false}, {provider, false}, {pro, true}, {proSAP, true}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id, is_professional, created_at, updated_at)
			VALUES (?, ?, 'x', 'x', ?, ?, ?, ?, ?)`, a.id, a.id+"@example.fr", f.communes[portes][0], f.ids[portes], a.pro, now, now); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO listings (id, territory_id, owner_id, kind, category, modality, title, description, modes,
		price_kind, commune, availability, availability_note, status, created_at, updated_at)
		VALUES (?, ?, ?, 'offer', 'petits-travaux', 'resident', 'Essai', 'Essai', 'free', 'free', ?, '', '', 'published', ?, ?)`,
			listing, f.ids[portes], provider, f.communes[portes][0], now, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// deal is one exchange of the fixture.
type deal struct {
	territory, category, modality, mode string
	minutes, occurrences                int
	hourly                              int64
	provider                            string
	sap, far                            bool
	day                                 string // created, 2006-01-02 (10:00 Paris)
	state                               exchange.State
}

// add prices d with the territory's plugin, as acceptance does, and stores
// the quote and the exchange; it returns the exchange.
func (f *fixture) add(t testing.TB, d deal) *exchange.Exchange {
	t.Helper()
	ctx := ctxT(t)
	f.n++
	if d.occurrences == 0 {
		d.occurrences = 1
	}
	if d.provider == "" {
		d.provider = provider
	}
	if d.state == "" {
		d.state = exchange.Confirmed
	}
	from, to := f.communes[d.territory][0], f.communes[d.territory][0]
	if d.far {
		to = f.communes[d.territory][1]
	}
	in := rules.QuoteInput{Category: d.category, Modality: d.modality, Mode: d.mode, Minutes: d.minutes, Occurrences: d.occurrences,
		HourlyCents: d.hourly, ProviderSAP: d.sap, FromCommune: from, ToCommune: to}
	res, err := f.rules.ComputeQuote(ctx, d.territory, in)
	if err != nil {
		t.Fatalf("quote %+v: %v", d, err)
	}
	at := dayAt(t, d.day, 10)
	res.Record.CreatedAt = at.UTC()
	q := res.Quote
	x := &exchange.Exchange{ID: fmt.Sprintf("x-%04d", f.n), TerritoryID: f.ids[d.territory], ListingID: listing, SeekerID: seeker,
		ProviderID: d.provider, Initiator: exchange.Seeker, Category: d.category, Modality: d.modality, Mode: d.mode,
		Minutes: d.minutes, Occurrences: d.occurrences, HourlyCents: d.hourly, ProviderSAP: d.sap, FromCommune: from, ToCommune: to,
		State: d.state, QuoteID: &res.Record.ID, TotalCents: q.TotalCents, PayableCents: q.PayableCents, TimeCreditMinutes: q.TimeCreditMinutes,
		TaxCreditEligibleCents: q.TaxCreditEligibleCents, TaxCreditBucket: q.TaxCreditBucket, Version: 3, CreatedAt: at.UTC(), UpdatedAt: at.UTC()}
	f.write(t, res.Record, x)
	return x
}

// request is an exchange requested but never accepted: no quote.
func (f *fixture) request(t testing.TB, territory, day string) {
	t.Helper()
	f.n++
	at := dayAt(t, day, 0)
	x := &exchange.Exchange{ID: fmt.Sprintf("x-%04d", f.n), TerritoryID: f.ids[territory], ListingID: listing, SeekerID: seeker,
		ProviderID: provider, Initiator: exchange.Seeker, Category: "petits-travaux", Modality: "resident", Mode: "time_credits",
		Minutes: 60, Occurrences: 1, FromCommune: f.communes[territory][0], ToCommune: f.communes[territory][0],
		State: exchange.Requested, Version: 1, CreatedAt: at.Add(9 * time.Hour).UTC(), UpdatedAt: at.Add(9 * time.Hour).UTC()}
	f.write(t, x)
}

// write inserts rows in one write transaction.
func (f *fixture) write(t testing.TB, rows ...any) {
	t.Helper()
	err := f.store.WriteTx(ctxT(t), func(ctx context.Context, tx bun.Tx) error {
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

var paris, _ = time.LoadLocation("Europe/Paris")

// dayAt is hour o'clock on day (2006-01-02) in France.
func dayAt(t testing.TB, day string, hour int) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, paris)
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(time.Duration(hour) * time.Hour)
}
