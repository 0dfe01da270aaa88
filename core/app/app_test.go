package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// openApp returns a bootstrapped App on the target, closed when the test ends.
func openApp(t *testing.T, tg storetest.Target, sets ...string) *app.App {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sets = append(sets, "database.driver="+tg.Driver, "database.sqlite_path="+tg.SQLitePath,
		"database.postgres_dsn="+tg.PostgresDSN, "data_dir="+t.TempDir())
	cfg, err := config.Load(config.Options{Sets: sets})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	a, err := app.Open(ctx, cfg, storetest.Logger(t))
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
	resp, err := a.Server().App().Test(httptest.NewRequest("GET", path, nil), 5000)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
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
