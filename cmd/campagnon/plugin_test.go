package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// TestPluginCommands runs the integrator's commands on the minimal example
// (its own Go module, as an integrator outside this repository has it).
func TestPluginCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tg := storetest.Target{Driver: "sqlite", SQLitePath: filepath.Join(dir, "c.db")}
	example, _ := filepath.Abs("../../examples/minimal")
	wasm := filepath.Join(dir, "minimal.wasm")
	request := filepath.Join(dir, "request.json")
	if err := os.WriteFile(request, []byte(`{"category":"coup-de-main","modality":"resident","mode":"free","minutes":30}`), 0o644); err != nil {
		t.Fatal(err)
	}
	keyPrefix := filepath.Join(dir, "equipe")
	runSteps(t, tg, []step{
		{args: []string{"plugin", "build", example, "-o", wasm}, stdout: []string{"sha256", "plugin test"}},
		{args: []string{"plugin", "inspect", wasm}, stdout: []string{"example.minimal", "campagnon_abi_v1", "campagnon_quote", "accepté", "v1"}},
		{args: []string{"plugin", "inspect", wasm, "--json"}, stdout: []string{`"sha256": "`, `"id": "example.minimal"`}},
		{args: []string{"plugin", "test", example}, stdout: []string{"golden/", "adversarial/determinism", "adversarial/config-protocol", " 0 failed"}},
		{args: []string{"plugin", "quote", wasm, "--input", request}, stdout: []string{`"currency": "EUR"`, `"mode": "free"`}},
		{args: []string{"plugin", "quote", wasm, "--input", filepath.Join(dir, "absent.json")}, code: 2, stderr: []string{"Lecture de", "absent.json", "impossible"}},
		{args: []string{"plugin", "inspect", request}, code: 2, stderr: []string{"n'est pas un module WebAssembly"}},
		{args: []string{"plugin", "keygen", "--out", keyPrefix}, stdout: []string{"equipe.key", "plugins.trusted_keys"}},
		{args: []string{"plugin", "keygen", "--out", keyPrefix}, code: 2, stderr: []string{"existe déjà"}},
		{args: []string{"plugin", "sign", wasm, "--key", keyPrefix + ".key"}, stdout: []string{"minimal.wasm.sig"}},
		{args: []string{"plugin", "inspect", wasm, "--json"}, stdout: []string{`"signature": "présente, non vérifiée`, "accepté"}},
		{args: []string{"plugin", "quote", wasm, "--input", request}, stdout: []string{`"mode": "free"`}},
		{args: []string{"plugin", "frobnicate"}, code: 2, stderr: []string{"sous-commande inconnue"}},
	})
}

// TestSignaturesRequired: with signatures required, an unsigned module is
// refused at installation, a signed one by a trusted key is accepted, and a
// module changed after signing is refused.
func TestSignaturesRequired(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tg := storetest.Target{Driver: "sqlite", SQLitePath: filepath.Join(dir, "c.db")}
	keyPrefix := filepath.Join(dir, "equipe")
	runSteps(t, tg, []step{{args: []string{"plugin", "keygen", "--out", keyPrefix}}})
	pub, err := os.ReadFile(keyPrefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	std, err := os.ReadFile(filepath.Join(moduleDir, "standard.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	unsigned := filepath.Join(dir, "unsigned.wasm")
	signed := filepath.Join(dir, "signed.wasm")
	tampered := filepath.Join(dir, "tampered.wasm")
	for _, p := range []string{unsigned, signed, tampered} {
		if err := os.WriteFile(p, std, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runSteps(t, tg, []step{
		{args: []string{"plugin", "sign", signed, "--key", keyPrefix + ".key"}},
		{args: []string{"plugin", "sign", tampered, "--key", keyPrefix + ".key"}},
	})
	// Append a custom section: still a valid module, but not the bytes signed.
	f, err := os.OpenFile(tampered, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte{0x00, 0x04, 0x01, 'x', 'y', 'z'})
	_ = f.Close()
	key := strings.TrimSpace(string(pub))
	require := []string{"--set", "plugins.require_signatures=true", "--set", "plugins.trusted_keys=" + key}
	runSteps(t, tg, []step{
		{args: []string{"plugin", "inspect", signed, "--json", "--trusted-key", key}, stdout: []string{`"signature": "valide"`, "accepté"}},
		{args: []string{"plugin", "inspect", tampered, "--json", "--trusted-key", key}, stdout: []string{`"signature": "invalide"`, "refusé"}},
		{args: []string{"plugin", "inspect", unsigned, "--json", "--trusted-key", key}, stdout: []string{`"signature": "absente"`}},
	})
	runSteps(t, tg, []step{
		{args: []string{"migrate", "up"}},
		{args: []string{"territory", "create", "--epci", "200000933"}},
		{args: append([]string{"territory", "set-plugin", "sauldre-et-sologne", "--file", unsigned}, require...), code: 2, stderr: []string{"signature"}},
		{args: append([]string{"territory", "set-plugin", "sauldre-et-sologne", "--file", tampered}, require...), code: 2, stderr: []string{"signature"}},
		{args: append([]string{"territory", "set-plugin", "sauldre-et-sologne", "--file", signed}, require...), stdout: []string{"campagnon.standard"}},
	})
}

// TestIntegratorJourney is docs/integrator-guide.md end to end: a plugin
// written outside the platform (the custom-pricing example, its own module)
// is built, tested, given to a new territory, and quotes come from the
// running server.
func TestIntegratorJourney(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	example, _ := filepath.Abs("../../examples/custom-pricing")
	wasm := filepath.Join(dir, "mon-plugin.wasm")
	config := filepath.Join(dir, "config.json")
	if err := os.WriteFile(config, []byte(`{"hourly_cents": 3000, "minimum_minutes": 60, "step_minutes": 15, "scale": [{"from_occurrences": 4, "percent_bp": 9000}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := storetest.Target{Driver: "sqlite", SQLitePath: filepath.Join(dir, "data", "campagnon.db")}
	runSteps(t, tg, []step{
		{args: []string{"plugin", "build", example, "-o", wasm}},
		{args: []string{"plugin", "test", example}, stdout: []string{" 0 failed"}},
		{args: []string{"migrate", "up"}},
		{args: []string{"territory", "create", "--epci", "200000933"}, stdout: []string{"sauldre-et-sologne"}},
		{args: []string{"territory", "set-plugin", "sauldre-et-sologne", "--file", wasm, "--plugin-config", config}, stdout: []string{"example.custom-pricing"}},
	})
	cmd, url, _, logs := startServe(t, dir)
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	resp, err := http.Get(url + "/api/v1/t/sauldre-et-sologne/rules")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"plugin_id":"example.custom-pricing"`) {
		t.Fatalf("rules = %s", body)
	}
	cats, err := http.Get(url + "/api/v1/t/sauldre-et-sologne/categories")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Categories []struct {
			ID string `json:"id"`
		} `json:"categories"`
	}
	_ = json.NewDecoder(cats.Body).Decode(&c)
	cats.Body.Close()
	if len(c.Categories) == 0 {
		t.Fatal("no category")
	}
	// Quotes are for the territory's members: sign up (Aubigny-sur-Nère),
	// read the verification link in the development log, verify, sign in.
	headers := signInThroughServer(t, url, logs, "integratrice@example.fr", "18015")
	q := `{"category":"` + c.Categories[0].ID + `","modality":"professional","mode":"professional","minutes":95,"occurrences":4,"provider_sap":true}`
	req, _ := http.NewRequest("POST", url+"/api/v1/t/sauldre-et-sologne/quotes", strings.NewReader(q))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"plugin_id":"example.custom-pricing"`) || !strings.Contains(string(body), `"total_cents":`) {
		t.Errorf("quote = %d %s", resp.StatusCode, body)
	}
	// The first national operator is named from the server's shell.
	runSteps(t, tg, []step{
		{args: []string{"operator", "add", "Integratrice@example.fr"}, stdout: []string{"est opérateur national"}},
		{args: []string{"operator", "add", "inconnue@example.fr"}, code: 2, stderr: []string{"Aucun compte vérifié"}},
		{args: []string{"operator", "add"}, code: 2, stderr: []string{"indiquez l'adresse"}},
	})
}

// TestAssemblyScriptPlugin builds the AssemblyScript example with the npm
// compiler and runs its golden cases and the adversarial checks in the real
// host: the ABI does not depend on Go.
func TestAssemblyScriptPlugin(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("npm"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("npm is required in CI to build the AssemblyScript example")
		}
		t.Skip("npm is not installed: the AssemblyScript example is not built here (CI builds it)")
	}
	src, _ := filepath.Abs("../../examples/assemblyscript")
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "assembly"} {
		if err := exec.Command("cp", "-r", filepath.Join(src, f), dir).Run(); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, args := range [][]string{{"ci", "--no-audit", "--no-fund"}, {"run", "build"}} {
		cmd := exec.CommandContext(ctx, "npm", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm %v: %v\n%s", args, err, out)
		}
	}
	tg := storetest.Target{Driver: "sqlite", SQLitePath: filepath.Join(dir, "c.db")}
	runSteps(t, tg, []step{
		{args: []string{"plugin", "inspect", filepath.Join(dir, "build", "plugin.wasm")}, stdout: []string{"accepté", "campagnon.log"}},
		{args: []string{"plugin", "test", filepath.Join(dir, "build", "plugin.wasm"), "--golden", filepath.Join(src, "testdata", "golden")},
			stdout: []string{"golden/quote-free", " 0 failed"}},
	})
}

var verifyLink = regexp.MustCompile(`jeton=(cmp_verify_[A-Za-z0-9_-]+)`)

// signInThroughServer signs a resident up on a running server, finds the
// verification link in its development log, verifies and signs in, and
// returns the headers of their requests (session cookie, CSRF token).
func signInThroughServer(t *testing.T, url string, logs *syncBuffer, email, commune string) map[string]string {
	t.Helper()
	post := func(path, body string) (*http.Response, string) {
		resp, err := http.Post(url+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, b := post("/api/v1/auth/signup", `{"email":"`+email+`","password":"bocage-verger-2026","display_name":"Intégratrice","commune":"`+commune+`"}`); resp.StatusCode != 202 {
		t.Fatalf("signup: %d %s", resp.StatusCode, b)
	}
	var token string
	for deadline := time.Now().Add(20 * time.Second); token == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if m := verifyLink.FindStringSubmatch(logs.String()); m != nil {
			token = m[1]
		}
	}
	if token == "" {
		t.Fatalf("no verification email in the development log:\n%s", logs.String())
	}
	if resp, b := post("/api/v1/auth/verify", `{"token":"`+token+`"}`); resp.StatusCode != 200 {
		t.Fatalf("verify: %d %s", resp.StatusCode, b)
	}
	resp, b := post("/api/v1/auth/login", `{"email":"`+email+`","password":"bocage-verger-2026"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	_ = json.Unmarshal([]byte(b), &me)
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-campagnon_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	return map[string]string{"Cookie": cookie, "X-CSRF-Token": me.CSRFToken}
}
