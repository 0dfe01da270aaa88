package rules_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/pluginbuild"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// moduleDir holds the real plugins, built once for the package from
// plugins/ with the stock Go toolchain.
var moduleDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "campagnon-rules-plugins")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	err = pluginbuild.Install(ctx, "../../plugins", pluginbuild.TestCacheDir(), dir, "standard", "picardie-verte", "portes-de-sologne")
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

type fixture struct {
	store *store.Store
	terr  *territory.Service
	host  *pluginhost.Host
	rules *rules.Service
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newFixture opens a migrated database with the two pilots and CC Sauldre
// et Sologne, a plugin host and a started rules service.
func newFixture(t *testing.T, tg storetest.Target) *fixture {
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
	for _, siren := range []string{"246000848", "200005932", "200000933"} {
		if _, err := ts.CreateFromEPCI(ctx, siren, territory.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{store: s, terr: ts}
}

// start gives the fixture its own plugin host and rules service (a replica).
func (f *fixture) start(t *testing.T) *rules.Service {
	t.Helper()
	// One compilation cache for the package: each replica compiles from it
	// in milliseconds. These tests are about rules, not deadlines (the host's
	// own tests are): a generous call timeout keeps a first call, which
	// starts a Go guest, from timing out while `go test ./...` loads both
	// cores.
	host, err := pluginhost.New(ctxT(t), pluginhost.Config{CacheDir: filepath.Join(moduleDir, "compiled"),
		CallTimeout: 2 * time.Second}, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Close(context.Background()) })
	svc := rules.NewService(f.store, host, f.terr, ref, rules.Options{ModuleDir: moduleDir, Default: "standard", Logger: storetest.Logger(t)})
	if err := svc.Start(ctxT(t)); err != nil {
		t.Fatalf("Start: %v", err)
	}
	f.host, f.rules = host, svc
	return svc
}

func TestDefaultAndPilotRules(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg)
		svc := f.start(t)
		ctx := ctxT(t)
		for slug, name := range map[string]string{"picardie-verte": "picardie-verte", "portes-de-sologne": "portes-de-sologne"} {
			if err := svc.EnsureModule(ctx, slug, name, "test"); err != nil {
				t.Fatalf("EnsureModule %s: %v", slug, err)
			}
		}
		tests := []struct {
			slug, plugin string
			isDefault    bool
		}{
			{"sauldre-et-sologne", "campagnon.standard", true},
			{"picardie-verte", "cc.picardie-verte", false},
			{"portes-de-sologne", "cc.portes-de-sologne", false},
		}
		for _, tt := range tests {
			info, err := svc.Info(ctx, tt.slug)
			if err != nil {
				t.Fatalf("Info %s: %v", tt.slug, err)
			}
			if info.PluginID != tt.plugin || info.Default != tt.isDefault || len(info.ModuleHash) != 64 || len(info.ConfigHash) != 64 {
				t.Errorf("Info %s = %+v", tt.slug, info)
			}
			cats, err := svc.Categories(ctx, tt.slug)
			if err != nil {
				t.Fatalf("Categories %s: %v", tt.slug, err)
			}
			if len(cats.Categories) < 4 {
				t.Errorf("%s has %d categories, want the four launch categories", tt.slug, len(cats.Categories))
			}
		}
		// The pilots differ: time credits for resident rides in Picardie Verte, not in Portes de Sologne.
		ride := rules.QuoteInput{Category: "mobilite", Modality: abi.ModalityResident, Mode: abi.ModeTimeCredits,
			Minutes: 45, FromCommune: "60623", ToCommune: "60057"}
		res, err := svc.Quote(ctx, "picardie-verte", ride)
		if err != nil {
			t.Fatalf("Picardie Verte time-credit ride: %v", err)
		}
		if res.Quote.TimeCreditMinutes != 45 || res.Record.PluginID != "cc.picardie-verte" {
			t.Errorf("Picardie Verte ride = %+v / %+v", res.Quote, res.Record)
		}
		ride.FromCommune, ride.ToCommune = "45146", "45193"
		_, err = svc.Quote(ctx, "portes-de-sologne", ride)
		if e := apperr.As(err); e.Kind != apperr.KindRefused || e.Message == "" {
			t.Errorf("Portes de Sologne time-credit ride: %v, want a refusal with its rule", err)
		}
	})
}

func TestQuoteIsStoredWithPluginAndConfig(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg)
		svc := f.start(t)
		ctx := ctxT(t)
		res, err := svc.Quote(ctx, "sauldre-et-sologne", rules.QuoteInput{Category: "petits-travaux", Modality: abi.ModalityProfessional,
			Mode: abi.ModeProfessional, Minutes: 90, FromCommune: "18127", ToCommune: "41012", ProviderSAP: true})
		if err != nil {
			t.Fatalf("Quote: %v", err)
		}
		if res.Quote.TotalCents <= 0 || res.Record.TotalCents != res.Quote.TotalCents {
			t.Errorf("quote %+v, record %+v", res.Quote, res.Record)
		}
		var stored rules.QuoteRecord
		if err := f.store.DB().NewSelect().Model(&stored).Where("id = ?", res.Record.ID).Scan(ctx); err != nil {
			t.Fatalf("stored quote: %v", err)
		}
		info, _ := svc.Info(ctx, "sauldre-et-sologne")
		if stored.PluginID != "campagnon.standard" || stored.PluginVersion == "" || stored.ModuleHash != info.ModuleHash ||
			stored.ConfigHash != info.ConfigHash || !strings.Contains(stored.Request, `"distance_m"`) || strings.Contains(stored.Request, `"config"`) {
			t.Errorf("stored quote lacks its provenance: %+v", stored)
		}
	})
}

func TestRefusalsAndBadInput(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	svc := f.start(t)
	ctx := ctxT(t)
	tests := []struct {
		name string
		slug string
		in   rules.QuoteInput
		kind apperr.Kind
		want string
	}{
		{"CESU wage below the minimum is the plugin's refusal", "sauldre-et-sologne",
			rules.QuoteInput{Category: "petits-travaux", Modality: abi.ModalityResident, Mode: abi.ModeCESUDeclaratif, Minutes: 60, HourlyCents: 500},
			apperr.KindRefused, "SMIC"},
		{"unknown commune", "sauldre-et-sologne",
			rules.QuoteInput{Category: "petits-travaux", Modality: abi.ModalityResident, Mode: abi.ModeFree, Minutes: 60, FromCommune: "99999", ToCommune: "18127"},
			apperr.KindInvalid, "99999"},
		{"unknown mode refused before the plugin", "sauldre-et-sologne",
			rules.QuoteInput{Category: "petits-travaux", Modality: abi.ModalityResident, Mode: "bitcoin", Minutes: 60},
			apperr.KindInvalid, "Demande invalide"},
		{"unknown territory", "nowhere",
			rules.QuoteInput{Category: "petits-travaux", Modality: abi.ModalityResident, Mode: abi.ModeFree, Minutes: 60},
			apperr.KindNotFound, "introuvable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Quote(ctx, tt.slug, tt.in)
			e := apperr.As(err)
			if err == nil || e.Kind != tt.kind || !strings.Contains(e.Message, tt.want) {
				t.Errorf("Quote = %v (%s), want kind %s mentioning %q", err, e.Kind, tt.kind, tt.want)
			}
		})
	}
	n, err := f.store.DB().NewSelect().TableExpr("quotes").Count(ctx)
	if err != nil || n != 0 {
		t.Errorf("%d quotes stored after refusals (%v), want none", n, err)
	}
}

func TestAssignChecksModuleAndConfig(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	svc := f.start(t)
	ctx := ctxT(t)
	if _, err := svc.Install(ctx, []byte("not a module"), nil); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("Install of garbage = %v, want an invalid-module error", err)
	}
	info, err := svc.InstallFile(ctx, "standard")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := svc.Info(ctx, "sauldre-et-sologne")
	for _, tc := range []struct{ config, want string }{
		{`[1,2]`, "objet JSON"},
		{`{"categories": "nope"}`, "Configuration refusée par le plugin campagnon.standard"},
	} {
		_, err := svc.Assign(ctx, "sauldre-et-sologne", info.Hash, []byte(tc.config), "test")
		if e := apperr.As(err); e.Kind != apperr.KindInvalid || !strings.Contains(e.Message, tc.want) {
			t.Errorf("Assign %s = %v, want %q", tc.config, err, tc.want)
		}
	}
	after, _ := svc.Info(ctx, "sauldre-et-sologne")
	if after.ConfigHash != before.ConfigHash || !after.Default {
		t.Errorf("a refused configuration went into force: %+v", after)
	}
	if _, err := svc.Assign(ctx, "sauldre-et-sologne", strings.Repeat("0", 64), nil, "test"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("Assign of an unknown module = %v", err)
	}
	if _, err := svc.Assign(ctx, "sauldre-et-sologne", info.Hash, []byte(`{ }`), "test"); err != nil {
		t.Errorf("Assign of the empty configuration: %v", err)
	}
}

// TestHotReplacementWhileServing swaps a territory's plugin while quotes
// are running: every call succeeds, on one version or the other.
func TestHotReplacementWhileServing(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	svc := f.start(t)
	ctx := ctxT(t)
	if err := svc.EnsureModule(ctx, "picardie-verte", "picardie-verte", "test"); err != nil {
		t.Fatal(err)
	}
	std, err := svc.InstallFile(ctx, "standard")
	if err != nil {
		t.Fatal(err)
	}
	pv, err := svc.InstallFile(ctx, "picardie-verte")
	if err != nil {
		t.Fatal(err)
	}
	in := rules.QuoteInput{Category: "petits-travaux", Modality: abi.ModalityProfessional, Mode: abi.ModeProfessional, Minutes: 60}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 4)
	seen := sync.Map{}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := svc.Quote(ctx, "picardie-verte", in)
				if err != nil {
					errs <- err
					return
				}
				seen.Store(res.Record.PluginID, true)
			}
		}()
	}
	for i := 0; i < 6; i++ {
		hash := std.Hash
		if i%2 == 1 {
			hash = pv.Hash
		}
		if _, err := svc.Assign(ctx, "picardie-verte", hash, nil, "test"); err != nil {
			t.Fatalf("Assign #%d: %v", i, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a quote failed during replacement: %v", err)
	}
	for _, id := range []string{"campagnon.standard", "cc.picardie-verte"} {
		if _, ok := seen.Load(id); !ok {
			t.Errorf("no quote was served by %s during the swaps", id)
		}
	}
}

// TestReplicaPicksUpAssignment: an assignment made through one process
// reaches another (its own plugin host) on Refresh.
func TestReplicaPicksUpAssignment(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg)
		first := f.start(t)
		second := (&fixture{store: f.store, terr: f.terr}).start(t)
		ctx := ctxT(t)
		if err := first.EnsureModule(ctx, "portes-de-sologne", "portes-de-sologne", "test"); err != nil {
			t.Fatal(err)
		}
		if info, _ := second.Info(ctx, "portes-de-sologne"); info.PluginID != "campagnon.standard" {
			t.Fatalf("the replica knew before refreshing: %+v", info)
		}
		if err := second.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if info, _ := second.Info(ctx, "portes-de-sologne"); info.PluginID != "cc.portes-de-sologne" {
			t.Errorf("after Refresh the replica runs %+v", info)
		}
	})
}

func TestDisabledTerritoryHasNoRules(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	svc := f.start(t)
	ctx := ctxT(t)
	if _, err := f.terr.SetStatus(ctx, "sauldre-et-sologne", territory.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Categories(ctx, "sauldre-et-sologne"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("Categories of a disabled territory = %v", err)
	}
}

// TestFailsClosedWhenTheTerritoryModuleCannotLoad: a territory whose
// stored module cannot be loaded answers 503 with a message, never the
// default plugin's rules; other territories keep working.
func TestFailsClosedWhenTheTerritoryModuleCannotLoad(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := newFixture(t, tg)
		ctx := ctxT(t)
		tr, err := f.terr.Lookup(ctx, "portes-de-sologne", false)
		if err != nil {
			t.Fatal(err)
		}
		bad := strings.Repeat("b", 64)
		err = f.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO plugin_modules (hash, plugin_id, version, abi, size, wasm, manifest, created_at) VALUES (?, 'cc.casse', '1.0.0', 1, 4, ?, '{}', ?)",
				bad, []byte("junk"), time.Now().UTC()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO territory_rules (territory_id, module_hash, config, config_hash, updated_at, updated_by) VALUES (?, ?, '{}', ?, ?, 'test')",
				tr.ID, bad, rules.HashConfig(rules.EmptyConfig), time.Now().UTC())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		svc := f.start(t)
		_, err = svc.Categories(ctx, "portes-de-sologne")
		if e := apperr.As(err); e.Kind != apperr.KindUnavailable || e.Code != "territory_plugin_unavailable" || !strings.Contains(e.Message, "cc.casse") {
			t.Errorf("Categories of a broken territory = %v (%s), want unavailable naming the module", err, e.Code)
		}
		if _, err := svc.Quote(ctx, "portes-de-sologne", rules.QuoteInput{Category: "petits-travaux", Modality: abi.ModalityResident, Mode: abi.ModeFree, Minutes: 30}); apperr.KindOf(err) != apperr.KindUnavailable {
			t.Errorf("Quote of a broken territory = %v", err)
		}
		if _, err := svc.Categories(ctx, "sauldre-et-sologne"); err != nil {
			t.Errorf("another territory stopped working: %v", err)
		}
		// The bootstrap never overwrites an operator's (even broken) assignment.
		if err := svc.EnsureModule(ctx, "portes-de-sologne", "portes-de-sologne", "bootstrap"); err != nil {
			t.Fatal(err)
		}
		var hash string
		if err := f.store.DB().NewSelect().TableExpr("territory_rules").Column("module_hash").Where("territory_id = ?", tr.ID).Scan(ctx, &hash); err != nil || hash != bad {
			t.Errorf("the bootstrap replaced the assignment: %s, %v", hash, err)
		}
	})
}

// TestConfigurationChangesAreTraceable: a configuration-only change reaches
// a replica on Refresh, and every configuration ever in force stays
// readable by the hash its quotes carry.
func TestConfigurationChangesAreTraceable(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	first := f.start(t)
	second := (&fixture{store: f.store, terr: f.terr}).start(t)
	ctx := ctxT(t)
	std, err := first.InstallFile(ctx, "standard")
	if err != nil {
		t.Fatal(err)
	}
	in := rules.QuoteInput{Category: "petits-travaux", Modality: abi.ModalityResident, Mode: abi.ModeTimeCredits, Minutes: 60}
	var hashes []string
	for _, cfg := range []string{`{"time_credits":{"min_minutes":15,"max_minutes_per_exchange":6000}}`, `{"time_credits":{"min_minutes":30,"max_minutes_per_exchange":6000}}`} {
		if _, err := first.Assign(ctx, "sauldre-et-sologne", std.Hash, []byte(cfg), "test"); err != nil {
			t.Fatalf("Assign %s: %v", cfg, err)
		}
		if err := second.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := second.Quote(ctx, "sauldre-et-sologne", in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Record.ConfigHash != rules.HashConfig([]byte(cfg)) {
			t.Errorf("the replica quoted with config %s, want the new one", res.Record.ConfigHash[:12])
		}
		hashes = append(hashes, res.Record.ConfigHash)
	}
	for _, h := range hashes {
		var cfg string
		if err := f.store.DB().NewSelect().TableExpr("plugin_configs").Column("config").Where("hash = ?", h).Scan(ctx, &cfg); err != nil || rules.HashConfig([]byte(cfg)) != h {
			t.Errorf("configuration %s not kept: %q, %v", h[:12], cfg, err)
		}
	}
}

// TestInstallAndAssignWritesNothingOnBadInput: a bad territory or
// configuration leaves no module row behind.
func TestInstallAndAssignWritesNothingOnBadInput(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	svc := f.start(t)
	ctx := ctxT(t)
	wasm, err := os.ReadFile(filepath.Join(moduleDir, "portes-de-sologne.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := f.store.DB().NewSelect().TableExpr("plugin_modules").Count(ctx)
	for _, tc := range []struct{ slug, config string }{
		{"nowhere", `{}`},
		{"sauldre-et-sologne", `[`},
		{"sauldre-et-sologne", `null`},
		{"sauldre-et-sologne", `{"categories":"nope"}`},
	} {
		if _, err := svc.InstallAndAssign(ctx, tc.slug, wasm, nil, []byte(tc.config), "test"); err == nil {
			t.Errorf("InstallAndAssign(%s, %s) succeeded", tc.slug, tc.config)
		}
	}
	after, _ := f.store.DB().NewSelect().TableExpr("plugin_modules").Count(ctx)
	if after != before {
		t.Errorf("refused assignments stored %d module rows", after-before)
	}
}
