package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/sdk/internal/echo"
	"github.com/campagnon/campagnon/sdk/plugin"
)

const describeOK = `{"ok": true, "result": {"id": "campagnon.echo", "name": "Plugin d'essai", "version": "0.1.0", "abi": 1,
  "description": "Répond des fonctions simples de la demande, pour tester le SDK.",
  "operations": ["describe", "categories", "quote", "payment_modes", "validate_listing"]}}`

func writeCase(t *testing.T, output string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "describe.json")
	if err := os.WriteFile(f, []byte(`{"op": "describe", "input": {}, "output": `+output+`}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCheck(t *testing.T) {
	t.Parallel()
	r := plugin.NewRunner(echo.Handlers())
	if err := check(r, writeCase(t, describeOK), false); err != nil {
		t.Errorf("a right case failed: %v", err)
	}
	wrong := strings.Replace(describeOK, `"0.1.0"`, `"9.9.9"`, 1)
	if err := check(r, writeCase(t, wrong), false); err == nil || !strings.Contains(err.Error(), "want") {
		t.Errorf("a wrong expected output passed: %v", err)
	}
	f := writeCase(t, wrong)
	if err := check(r, f, true); err != nil {
		t.Fatalf("rewrite: %v", err)
	}
	if err := check(r, f, false); err != nil {
		t.Errorf("the rewritten case does not pass: %v", err)
	}
}

func TestRunOnEcho(t *testing.T) {
	dir := filepath.Dir(writeCase(t, describeOK))
	Run(t, echo.Handlers(), dir)
}
