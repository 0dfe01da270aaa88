package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// demoCLI runs `campagnon demo ARGS` in this process (runDemo, the
// command's own function, through the same report as main) with a
// configuration pointing at tg, and returns its exit code and outputs as
// the binary would.
func demoCLI(t *testing.T, tg storetest.Target, dataDir string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sets := []string{"--set", "database.driver=" + tg.Driver, "--set", "database.sqlite_path=" + tg.SQLitePath,
		"--set", "database.postgres_dsn=" + tg.PostgresDSN, "--set", "data_dir=" + dataDir, "--set", "log.level=warn",
		"--set", "plugins.dir=" + moduleDir, "--set", "plugins.cache_dir=" + filepath.Join(moduleDir, "compiled"), "--set", "plugins.call_timeout=2s"}
	var out, errOut bytes.Buffer
	code := report(&errOut, runDemo(ctx, append(sets, args...), &out, &errOut))
	return code, out.String(), errOut.String()
}

// TestDemoCommand: `demo` installs a small demo on a new database, prints
// its counts, its logins and their password, and shows its progress; a
// second run is refused, --if-empty then does nothing and succeeds; the
// ledger check passes on what it installed; bad counts and production are
// refused.
func TestDemoCommand(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		data := t.TempDir()
		steps := []struct {
			args           []string
			code           int
			stdout, stderr []string
		}{
			{args: []string{"--members", "5"}, code: 2, stderr: []string{"Nombre de membres de la démo refusé"}},
			{args: []string{"--members", "60", "--seed", "3"}, stdout: []string{
				"Démo installée", "CC de la Picardie Verte (picardie-verte)", "CC des Portes de Sologne (portes-de-sologne)",
				"échanges", "évalués", "CESU préfinancé", "crédits temps", "grand livre vérifié : aucune différence",
				"mot de passe de chacun : campagnon-demo", "operateur@demo.campagnon.fr", "admin.picardie-verte@demo.campagnon.fr",
				"habitant.portes-de-sologne@demo.campagnon.fr", "pro.picardie-verte@demo.campagnon.fr", "campagnon serve"},
				stderr: []string{"démo : ", "actions (100 %)"}},
			{args: []string{"--members", "60"}, code: 2, stderr: []string{"la démo ne s'installe que sur une base neuve"}},
			{args: []string{"--if-empty"}, stdout: []string{"la démo n'est pas installée, rien n'a changé"}},
			{args: []string{"--set", "env=production", "--set", "security.session_secret=" + strings.Repeat("A", 43) + "="}, code: 2, stderr: []string{"refusée en production"}},
			{args: []string{"-h"}, stderr: []string{"Usage : campagnon demo", "--seed", "--members", "--if-empty"}},
		}
		for _, s := range steps {
			code, out, errOut := demoCLI(t, tg, data, s.args...)
			if code != s.code {
				t.Errorf("campagnon demo %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(s.args, " "), code, s.code, out, errOut)
			}
			for _, w := range s.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("campagnon demo %s: stdout lacks %q:\n%s", strings.Join(s.args, " "), w, out)
				}
			}
			for _, w := range s.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("campagnon demo %s: stderr lacks %q:\n%s", strings.Join(s.args, " "), w, errOut)
				}
			}
		}
		runSteps(t, tg, []step{
			{args: []string{"ledger", "check"}, stdout: []string{"Aucune différence"}},
			{args: []string{"territory", "list"}, stdout: []string{"picardie-verte", "portes-de-sologne"}},
		})
	})
}
