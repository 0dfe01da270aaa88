package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/pluginbuild"
	"github.com/campagnon/campagnon/core/schema"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// binary is the campagnon binary built once for these tests: they run it as
// an operator would, with its exit code and output.
var binary string

// moduleDir holds the real plugins, built once, given to every command as
// plugins.dir.
var moduleDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "campagnon-cli")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "campagnon")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build campagnon:", err)
		os.Exit(1)
	}
	moduleDir = filepath.Join(dir, "plugins")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	err = pluginbuild.Install(ctx, "../../plugins", pluginbuild.TestCacheDir(), moduleDir, "standard", "picardie-verte", "portes-de-sologne")
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "build the plugins:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// pluginEnv points a command at the built plugins and a shared compiled-module cache.
func pluginEnv() []string {
	cache := os.Getenv("CAMPAGNON_PLUGINS_CACHE_DIR") // a benchmark's own choice
	if cache == "" {
		cache = filepath.Join(moduleDir, "compiled")
	}
	// These tests are not about plugin deadlines (core/pluginhost's are):
	// a generous one keeps a first call, which starts a Go guest, from
	// timing out on a loaded machine.
	return []string{"CAMPAGNON_PLUGINS_DIR=" + moduleDir, "CAMPAGNON_PLUGINS_CACHE_DIR=" + cache, "CAMPAGNON_PLUGINS_CALL_TIMEOUT=2s"}
}

// cli runs the binary with a configuration pointing at tg and returns its
// exit code, standard output and standard error.
func cli(t *testing.T, tg storetest.Target, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = t.TempDir() // no configs/campagnon.yaml there: defaults + environment
	cmd.Env = append(os.Environ(),
		"CAMPAGNON_DATABASE_DRIVER="+tg.Driver,
		"CAMPAGNON_DATABASE_SQLITE_PATH="+tg.SQLitePath,
		"CAMPAGNON_DATABASE_POSTGRES_DSN="+tg.PostgresDSN,
		"CAMPAGNON_LOG_LEVEL=warn",
	)
	cmd.Env = append(cmd.Env, pluginEnv()...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

type step struct {
	args     []string
	code     int
	stdout   []string
	stderr   []string
	noStdout []string
}

func runSteps(t *testing.T, tg storetest.Target, steps []step) {
	t.Helper()
	for _, s := range steps {
		code, out, errOut := cli(t, tg, s.args...)
		if code != s.code {
			t.Errorf("campagnon %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(s.args, " "), code, s.code, out, errOut)
		}
		for _, w := range s.stdout {
			if !strings.Contains(out, w) {
				t.Errorf("campagnon %s: stdout lacks %q:\n%s", strings.Join(s.args, " "), w, out)
			}
		}
		for _, w := range s.noStdout {
			if strings.Contains(out, w) {
				t.Errorf("campagnon %s: stdout has %q:\n%s", strings.Join(s.args, " "), w, out)
			}
		}
		for _, w := range s.stderr {
			if !strings.Contains(errOut, w) {
				t.Errorf("campagnon %s: stderr lacks %q:\n%s", strings.Join(s.args, " "), w, errOut)
			}
		}
	}
}

func TestTerritoryCommands(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		runSteps(t, tg, []step{
			{args: []string{"territory", "list"}, code: 3, stderr: []string{"migrate up"}},
			{args: []string{"migrate", "status"}, stdout: []string{"0001", "en attente", "migrate up"}},
			{args: []string{"migrate", "up"}, stdout: []string{"[1/", "appliquée"}},
			{args: []string{"migrate", "up"}, stdout: []string{"déjà à jour"}},
			{args: []string{"territory", "create", "--epci", "200005932"}, stdout: []string{"portes-de-sologne", "7 communes", "15994 habitants"}},
			{args: []string{"territory", "create", "--epci", "200000933"}, stdout: []string{"sauldre-et-sologne", "14 communes"}},
			{args: []string{"territory", "create", "--epci", "200005932"}, code: 2, stderr: []string{"a déjà son territoire"}},
			{args: []string{"territory", "create", "--epci", "999999999"}, code: 2, stderr: []string{"inconnu du référentiel", "territory epci"}},
			{args: []string{"territory", "create", "--name", "Essai", "--communes", "18279,99999"}, code: 2, stderr: []string{"99999"}},
			{args: []string{"territory", "create", "--name", "Essai", "--communes", "18279,45146"}, code: 2, stderr: []string{"La Ferté-Saint-Aubin", "portes-de-sologne"}},
			{args: []string{"territory", "create", "--name", "Vierzon (essai)", "--communes", "18279", "--slug", "vierzon-essai"}, stdout: []string{"vierzon-essai", "1 communes"}},
			{args: []string{"territory", "create"}, code: 2, stderr: []string{"--epci"}},
			{args: []string{"territory", "list"}, stdout: []string{"portes-de-sologne", "sauldre-et-sologne", "vierzon-essai", "15994"}},
			{args: []string{"territory", "show", "portes-de-sologne"}, stdout: []string{"La Ferté-Saint-Aubin", "45240", "Marcilly-en-Villette"}},
			{args: []string{"territory", "show", "portes-de-sologne", "--json"}, stdout: []string{`"population": 15994`, `"insee": "45146"`}},
			{args: []string{"territory", "disable", "vierzon-essai"}, stdout: []string{"désactivé"}},
			{args: []string{"territory", "list"}, noStdout: []string{"vierzon-essai"}},
			{args: []string{"territory", "list", "--all"}, stdout: []string{"vierzon-essai", "désactivé"}},
			{args: []string{"territory", "enable", "vierzon-essai"}, stdout: []string{"actif"}},
			{args: []string{"territory", "show", "nowhere"}, code: 2, stderr: []string{"introuvable"}},
			{args: []string{"territory", "frobnicate"}, code: 2, stderr: []string{"sous-commande inconnue"}},
			{args: []string{"migrate", "down"}, stdout: []string{latestMigration(t), "annulée"}},
			{args: []string{"migrate", "status"}, stdout: []string{"en attente"}},
		})
	})
}

// latestMigration is the version "migrate down" rolls back, as it prints it.
func latestMigration(t *testing.T) string {
	t.Helper()
	ms, err := store.LoadMigrations(schema.Migrations())
	if err != nil || len(ms) == 0 {
		t.Fatalf("load migrations: %v", err)
	}
	return fmt.Sprintf("%04d", ms[len(ms)-1].Version)
}

func TestCommandsWithoutDatabase(t *testing.T) {
	t.Parallel()
	tg := storetest.New(t, "sqlite")
	runSteps(t, tg, []step{
		{args: []string{"version"}, stdout: []string{"campagnon"}},
		{args: []string{"help"}, stdout: []string{"serve", "territory", "migrate"}},
		{args: []string{}, code: 2, stdout: []string{"Usage"}},
		{args: []string{"frobnicate"}, code: 2, stderr: []string{"commande inconnue"}},
		{args: []string{"territory", "epci", "picardie verte"}, stdout: []string{"246000848", "88", "32777"}},
		{args: []string{"commune", "45240"}, stdout: []string{"La Ferté-Saint-Aubin", "Marcilly-en-Villette", "Outarville", "Source", "IGN"}},
		{args: []string{"commune", "ferte st aubin"}, stdout: []string{"45146"}},
		{args: []string{"commune", "songeons", "--near", "5"}, stdout: []string{"Songeons", "km"}},
		{args: []string{"config", "--keys"}, stdout: []string{"CAMPAGNON_SERVER_ADDR", "database.synchronous"}},
		{args: []string{"config", "--set", "database.postgres_dsn=postgres://u:topsecret@h/db"}, stdout: []string{"Configuration valide", "u:xxxxx@h"}, noStdout: []string{"topsecret"}},
		{args: []string{"config", "--set", "server.body_limit=12"}, code: 2, stderr: []string{"server.body_limit", "\"12\"", "un entier de 1024"}},
		{args: []string{"config", "--config", "/nonexistent.yaml"}, code: 2, stderr: []string{"/nonexistent.yaml"}},
		{args: []string{"serve", "-h"}, code: 0, stderr: []string{"Usage", "--addr"}},
		{args: []string{"territory", "list", "extra"}, code: 2, stderr: []string{"en trop : extra"}},
		{args: []string{"territory", "create", "--all"}, code: 2, stderr: []string{"option inconnue -all"}},
		{args: []string{"commune", "2a004"}, stdout: []string{"Ajaccio"}},
	})
}

func TestBadDatabaseConfigurationExitsTwo(t *testing.T) {
	t.Parallel()
	tg := storetest.Target{Driver: "postgres", PostgresDSN: "postgres://u:p@host:notaport/db"}
	code, _, errOut := cli(t, tg, "territory", "list")
	if code != 2 || !strings.Contains(errOut, "Configuration de la base de données refusée") {
		t.Errorf("exit %d, stderr %q: want 2 and the French message", code, errOut)
	}
}

func TestBootstrapErrorNamesTheSetting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tg := storetest.Target{Driver: "sqlite", SQLitePath: filepath.Join(dir, "c.db")}
	code, _, errOut := cli(t, tg, "serve", "--addr", "127.0.0.1:0", "--set", "territories.bootstrap=999999999")
	if code != 2 || !strings.Contains(errOut, "territories.bootstrap, EPCI 999999999") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestUnreachablePostgres(t *testing.T) {
	t.Parallel()
	tg := storetest.Target{Driver: "postgres", PostgresDSN: "postgres://campagnon:hunter2@127.0.0.1:1/none?sslmode=disable"}
	code, _, errOut := cli(t, tg, "territory", "list")
	if code != 3 || !strings.Contains(errOut, "127.0.0.1:1") || strings.Contains(errOut, "hunter2") {
		t.Errorf("exit %d, stderr %q: want 3, the address, no password", code, errOut)
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// startServe runs `campagnon serve` on a fresh SQLite database and waits
// for /readyz; it returns the process, the base URL and the time to ready.
// env adds settings (CAMPAGNON_KEY=value) to the process's environment.
func startServe(t testing.TB, dataDir string, env ...string) (*exec.Cmd, string, time.Duration, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary, "serve", "--addr", addr)
	cmd.Dir = dataDir
	cmd.Env = append(os.Environ(), "CAMPAGNON_DATA_DIR="+filepath.Join(dataDir, "data"), "CAMPAGNON_DATABASE_DRIVER=sqlite")
	cmd.Env = append(cmd.Env, pluginEnv()...)
	cmd.Env = append(cmd.Env, env...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr
	client := &http.Client{Timeout: time.Second}
	// Generous: the first start compiles the plugins, and CI machines are
	// shared (30 s was once not enough under load).
	for deadline := start.Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		resp, err := client.Get(url + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, url, time.Since(start), logs
			}
		}
	}
	_ = cmd.Process.Kill()
	t.Fatalf("serve never became ready:\n%s", logs.String())
	return nil, "", 0, nil
}

// syncBuffer is a bytes.Buffer a process writes to while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeAndStop(t *testing.T) {
	t.Parallel()
	cmd, url, ready, logs := startServe(t, t.TempDir())
	t.Logf("ready after %s", ready)
	resp, err := http.Get(url + "/api/v1/territories")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, w := range []string{`"portes-de-sologne"`, `"population":15994`, `"picardie-verte"`, `"population":32777`} {
		if !strings.Contains(string(body), w) {
			t.Errorf("territories lack %s: %s", w, body)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM:\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("serve did not stop after SIGTERM")
	}
	if !strings.Contains(logs.String(), "server stopped") {
		t.Errorf("no clean stop in the log:\n%s", logs.String())
	}
}

func TestServeRefusesBusyPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	tg := storetest.Target{Driver: "sqlite", SQLitePath: filepath.Join(dir, "c.db")}
	code, _, errOut := cli(t, tg, "serve", "--addr", ln.Addr().String())
	if code == 0 || !strings.Contains(errOut, "port déjà pris") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// BenchmarkServeReady measures the time from starting `campagnon serve` on
// a fresh SQLite database (create, migrate, both pilots with their plugins)
// to its first 200 on /readyz, with the compiled-plugin cache warm (every
// restart) and cold (the very first start, which compiles the three plugin
// modules). The baseline is the same binary's `version` command, the cost
// of starting a process at all, measured in the same run. Target: ≤ 1 s.
func BenchmarkServeReady(b *testing.B) {
	b.Run("baseline=process-start", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := exec.Command(binary, "version").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serve-to-ready/warm-plugin-cache", func(b *testing.B) {
		benchServe(b, func(*testing.B) string { return filepath.Join(moduleDir, "compiled") })
	})
	b.Run("serve-to-ready/cold-plugin-cache", func(b *testing.B) {
		benchServe(b, func(b *testing.B) string { return b.TempDir() })
	})
}

func benchServe(b *testing.B, cacheDir func(*testing.B) string) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.Setenv("CAMPAGNON_PLUGINS_CACHE_DIR", cacheDir(b))
		cmd, _, ready, _ := startServe(b, b.TempDir())
		total += ready
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-ready")
}
