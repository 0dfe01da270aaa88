package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/pluginbuild"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
)

// moduleDir holds the real plugins, built once for the package.
var moduleDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "campagnon-app-plugins")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	err = pluginbuild.Install(ctx, "../../plugins", pluginbuild.TestCacheDir(), dir, "standard", "picardie-verte", "portes-de-sologne")
	cancel()
	if err != nil {
		_ = os.RemoveAll(dir)
		panic(err)
	}
	moduleDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// openApp returns a bootstrapped App on the target, closed when the test ends.
func openApp(t testing.TB, tg storetest.Target, sets ...string) *app.App {
	t.Helper()
	return openAppLog(t, tg, storetest.Logger(t), sets...)
}

// openAppLog is openApp with the process's logger.
func openAppLog(t testing.TB, tg storetest.Target, log *slog.Logger, sets ...string) *app.App {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// These tests are not about plugin deadlines (the host's are; the
	// hostile-plugin test sets its own): a generous one keeps a first call,
	// which starts a Go guest, from timing out while the suite loads both cores.
	sets = append([]string{"plugins.call_timeout=1s"}, sets...)
	sets = append(sets, "database.driver="+tg.Driver, "database.sqlite_path="+tg.SQLitePath,
		"database.postgres_dsn="+tg.PostgresDSN, "data_dir="+t.TempDir(),
		"plugins.dir="+moduleDir, "plugins.cache_dir="+filepath.Join(moduleDir, "compiled"))
	cfg, err := config.Load(config.Options{Sets: sets})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return a
}

func get(t *testing.T, a *app.App, path string) (int, string) {
	t.Helper()
	return do(t, a, "GET", path, "")
}

func do(t *testing.T, a *app.App, method, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.Server().App().Test(req, 10000)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAPIScenarios is the API as a table: path, status, what the body must
// and must not contain.
func TestAPIScenarios(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		tests := []struct {
			path    string
			status  int
			want    []string
			notWant []string
		}{
			{"/api/v1/territories", 200,
				[]string{`"count":2`, `"slug":"picardie-verte"`, `"population":32777`, `"commune_count":88`,
					`"slug":"portes-de-sologne"`, `"population":15994`, `"commune_count":7`},
				[]string{`"id"`}},
			{"/api/v1/territories/portes-de-sologne", 200,
				[]string{`"name":"La Ferté-Saint-Aubin"`, `"postal_codes":["45240"]`, `"centre":{"lat":47.`, `"attribution":"Centres de communes`},
				nil},
			{"/api/v1/territories/picardie-verte", 200, []string{`"name":"Songeons"`, `"commune_count":88`}, nil},
			{"/api/v1/territories/unknown-place", 404, []string{`"code":"territory_not_found"`}, nil},
			{"/api/v1/territories/..%2F..%2Fetc", 404, []string{`"error"`}, nil},
			{"/readyz", 200, []string{`"ready"`}, nil},
			{"/healthz", 200, []string{`"ok"`}, nil},
		}
		for _, tt := range tests {
			status, body := get(t, a, tt.path)
			if status != tt.status {
				t.Errorf("GET %s = %d, want %d: %s", tt.path, status, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s lacks %s", tt.path, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("GET %s contains %s", tt.path, w)
				}
			}
		}
		_, body := get(t, a, "/api/v1/territories/picardie-verte")
		var d struct {
			Population int `json:"population"`
			Communes   []struct {
				Population int `json:"population"`
			} `json:"communes"`
		}
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, c := range d.Communes {
			sum += c.Population
		}
		if len(d.Communes) != 88 || sum != d.Population {
			t.Errorf("picardie-verte: %d communes summing to %d, territory says %d", len(d.Communes), sum, d.Population)
		}
		_, metrics := get(t, a, "/metrics")
		for _, w := range []string{`route="/api/v1/territories/:slug",status="404"`, "campagnon_db_open_connections"} {
			if !strings.Contains(metrics, w) {
				t.Errorf("metrics lack %s", w)
			}
		}
	})
}

// TestRulesAPI is the territory rules API as a table: each pilot serves its
// own plugin's categories and quotes; bad input and refusals get clear answers.
func TestRulesAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		members := map[string]map[string]string{
			"picardie-verte":    member(t, a, "pv@example.fr", "Songeons"),
			"portes-de-sologne": member(t, a, "ps@example.fr", "45006"),
		}
		tests := []struct {
			method, path, body string
			status             int
			want               []string
		}{
			{"GET", "/api/v1/t/picardie-verte/rules", "", 200, []string{`"plugin_id":"cc.picardie-verte"`, `"module_hash":"`, `"default":false`}},
			{"GET", "/api/v1/t/portes-de-sologne/rules", "", 200, []string{`"plugin_id":"cc.portes-de-sologne"`}},
			{"GET", "/api/v1/t/portes-de-sologne/categories", "", 200, []string{`"id":"mobilite"`, `"label":"Mobilité et accompagnement"`, `"sap":{`}},
			{"GET", "/api/v1/t/picardie-verte/payment-modes?category=mobilite&modality=resident", "", 200, []string{`"mode":"time_credits"`}},
			{"GET", "/api/v1/t/picardie-verte/payment-modes?category=mobilite&provider_sap=peut-etre", "", 400, []string{`"code":"provider_sap_invalid"`}},
			{"POST", "/api/v1/t/picardie-verte/quotes",
				`{"category":"mobilite","modality":"resident","mode":"time_credits","minutes":45,"from_commune":"60623","to_commune":"60057"}`,
				201, []string{`"plugin_id":"cc.picardie-verte"`, `"time_credit_minutes":45`, `"module_hash":"`, `"config_hash":"`}},
			{"POST", "/api/v1/t/portes-de-sologne/quotes",
				`{"category":"mobilite","modality":"resident","mode":"time_credits","minutes":45}`,
				422, []string{`"error":{"code":"`}},
			{"POST", "/api/v1/t/portes-de-sologne/quotes", `{"category":"mobilite","territory":"picardie-verte"}`, 400, []string{`"code":"body_unknown_field"`, "territory"}},
			{"POST", "/api/v1/t/portes-de-sologne/quotes", `{"minutes":"une heure"}`, 400, []string{`"code":"body_wrong_type"`, "minutes"}},
			{"POST", "/api/v1/t/portes-de-sologne/quotes", `{"category":`, 400, []string{`"code":"body_not_json"`}},
			{"POST", "/api/v1/t/portes-de-sologne/quotes", ``, 400, []string{`"code":"body_empty"`}},
			{"POST", "/api/v1/t/portes-de-sologne/quotes", `{} {}`, 400, []string{`"code":"body_trailing_data"`}},
			{"POST", "/api/v1/t/nowhere/quotes", `{"category":"mobilite"}`, 401, []string{`"code":"sign_in_required"`}},
			{"POST", "/api/v1/t/portes-de-sologne/listing-checks",
				`{"kind":"offer","category":"petits-travaux","modality":"resident","title":"Tonte de pelouse","description":"Je tonds votre pelouse le samedi matin, tondeuse fournie.","modes":["free"],"price_kind":"free","commune":"45146"}`,
				200, []string{`{}`}}, // accepted, no warning
		}
		for _, tt := range tests {
			var headers map[string]string
			if parts := strings.Split(tt.path, "/"); len(parts) > 4 && parts[3] == "t" {
				headers = members[parts[4]] // a member of the route's territory
			}
			status, body, _ := call(t, a, tt.method, tt.path, tt.body, headers)
			if status != tt.status {
				t.Errorf("%s %s = %d, want %d: %s", tt.method, tt.path, status, tt.status, body)
				continue
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s %s lacks %s: %s", tt.method, tt.path, w, body)
				}
			}
		}
	})
}

// TestHostilePluginThroughTheAPI gives one territory a hostile module (the
// plugin host's test guest): its faults answer 503 with a message, nothing
// is stored, and the other territories keep serving.
func TestHostilePluginThroughTheAPI(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"), "plugins.call_timeout=100ms")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	hostile, err := pluginbuild.Cached(ctx, "../pluginhost/testdata/guests/hostile", pluginbuild.TestCacheDir(), pluginbuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(hostile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Territories.CreateFromEPCI(ctx, "200000933", territory.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"portes-de-sologne", "sauldre-et-sologne"} {
		if _, err := a.Rules.InstallAndAssign(ctx, slug, wasm, nil, nil, "test"); err != nil {
			t.Fatalf("assign the hostile module to %s: %v", slug, err)
		}
	}
	ps := member(t, a, "ps@example.fr", "45006")
	ss := member(t, a, "ss@example.fr", "Aubigny-sur-Nère")
	pv := member(t, a, "pv@example.fr", "Songeons")
	for _, category := range []string{"loop", "panic", "bad-total", "huge", "not-json"} {
		status, body, _ := call(t, a, "POST", "/api/v1/t/portes-de-sologne/quotes",
			`{"category":"`+category+`","modality":"resident","mode":"free","minutes":30}`, ps)
		if status != 503 || !strings.Contains(body, `"code":"plugin_`) {
			t.Errorf("hostile %s: %d %s, want 503 with a plugin error", category, status, body)
		}
	}
	n, err := a.Store.DB().NewSelect().TableExpr("quotes").Count(ctx)
	if err != nil || n != 0 {
		t.Errorf("%d quotes stored from a hostile plugin (%v)", n, err)
	}
	// Repeated faults cut this territory off, not the others on the same module.
	for i := 0; i < rules.TerritoryFaultLimit; i++ {
		call(t, a, "POST", "/api/v1/t/portes-de-sologne/quotes", `{"category":"panic","modality":"resident","mode":"free","minutes":30}`, ps)
	}
	status, body, _ := call(t, a, "POST", "/api/v1/t/portes-de-sologne/quotes", `{"category":"ok","modality":"resident","mode":"free","minutes":30}`, ps)
	if status != 503 || !strings.Contains(body, `"code":"territory_plugin_cut_off"`) {
		t.Errorf("after repeated faults: %d %s, want the territory cut off", status, body)
	}
	if status, body, _ := call(t, a, "POST", "/api/v1/t/sauldre-et-sologne/quotes", `{"category":"ok","modality":"resident","mode":"free","minutes":30}`, ss); status != 201 {
		t.Errorf("another territory on the same module: %d %s", status, body)
	}
	status, body, _ = call(t, a, "POST", "/api/v1/t/picardie-verte/quotes",
		`{"category":"mobilite","modality":"resident","mode":"time_credits","minutes":45}`, pv)
	if status != 201 {
		t.Errorf("another territory after the faults: %d %s", status, body)
	}
	if status, _ := get(t, a, "/readyz"); status != 200 {
		t.Errorf("readyz after the faults = %d", status)
	}
}

// TestNotReadyOnNewerSchema simulates a database migrated by a newer
// campagnon: /readyz answers 503 with what to do, and Bootstrap refuses.
func TestNotReadyOnNewerSchema(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		ctx := context.Background()
		err := a.Store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				9999, "from_the_future", time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			t.Fatalf("record a future migration: %v", err)
		}
		status, body := get(t, a, "/readyz")
		if status != 503 || !strings.Contains(body, "plus récent") {
			t.Errorf("readyz = %d %s", status, body)
		}
		if err := a.Bootstrap(ctx); err == nil || !strings.Contains(err.Error(), "plus récent") {
			t.Errorf("Bootstrap on a newer schema: %v", err)
		}
	})
}
