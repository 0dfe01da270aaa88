package plugintest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/pluginbuild"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// loadMinimal builds the minimal example plugin and loads it in a host.
func loadMinimal(t *testing.T) *pluginhost.Module {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	wasmPath, err := pluginbuild.Cached(ctx, "../../examples/minimal", pluginbuild.TestCacheDir(), pluginbuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		t.Fatal(err)
	}
	host, err := pluginhost.New(ctx, pluginhost.Config{CacheDir: filepath.Join(pluginbuild.TestCacheDir(), "compiled")}, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Close(context.Background()) })
	m, err := host.Load(ctx, wasm, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRunPassesOnAGoodPlugin(t *testing.T) {
	t.Parallel()
	m := loadMinimal(t)
	cases, err := LoadCases("../../examples/minimal/testdata/golden")
	if err != nil || len(cases) == 0 {
		t.Fatalf("LoadCases: %d cases, %v", len(cases), err)
	}
	rep := Run(context.Background(), m, cases)
	if failed := rep.Failed(); len(failed) > 0 {
		t.Fatalf("checks failed on the minimal example: %+v", failed)
	}
	names := map[string]bool{}
	for _, r := range rep.Results {
		names[r.Name] = true
	}
	for _, want := range []string{"adversarial/determinism", "adversarial/config-protocol", "adversarial/malformed-input", "adversarial/oversized-input", "adversarial/concurrency"} {
		if !names[want] {
			t.Errorf("report lacks %s", want)
		}
	}
	if rep.QuoteP50 <= 0 || rep.QuoteP99 < rep.QuoteP50 {
		t.Errorf("latency not measured: p50 %v p99 %v", rep.QuoteP50, rep.QuoteP99)
	}
}

// TestRunReportsAWrongGoldenCase: a golden case whose expected output is
// wrong fails, naming the case and showing both outputs.
func TestRunReportsAWrongGoldenCase(t *testing.T) {
	t.Parallel()
	m := loadMinimal(t)
	cases, err := LoadCases("../../examples/minimal/testdata/golden")
	if err != nil {
		t.Fatal(err)
	}
	wrong := cases[0]
	wrong.Name = "tampered"
	wrong.Output = []byte(`{"ok":false,"refusal":{"code":"nope","message":"Non."}}`)
	rep := Run(context.Background(), m, []Case{wrong})
	failed := rep.Failed()
	if len(failed) == 0 || failed[0].Name != "golden/tampered" || !strings.Contains(failed[0].Detail, "output differs") {
		t.Errorf("a wrong golden case was not reported: %+v", rep.Results)
	}
}

func TestLoadCasesRefusesBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"missing-op.json":    `{"input":{},"output":{}}`,
		"unknown-field.json": `{"op":"quote","input":{},"output":{},"extra":1}`,
	} {
		sub := filepath.Join(dir, strings.TrimSuffix(name, ".json"))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCases(sub); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("LoadCases(%s) = %v, want an error naming the file", name, err)
		}
	}
}

// TestCheckAnswerCatchesContractBreaks: a quote whose lines do not add up
// is reported even when a golden file expects it.
func TestCheckAnswerCatchesContractBreaks(t *testing.T) {
	t.Parallel()
	input := []byte(`{"context":{"now":"2026-11-27T10:00:00Z","territory":{"slug":"x","name":"X"},"config_hash":"` + strings.Repeat("a", 64) + `"},` +
		`"category":"c","modality":"resident","mode":"free","minutes":30,"occurrences":1}`)
	tests := []struct {
		name, out string
		ok        bool
	}{
		{"consistent free quote", `{"ok":true,"result":{"currency":"EUR","mode":"free","lines":[],"total_cents":0,"subsidy_cents":0,"payable_cents":0,"commission_cents":0,"tax_credit_eligible_cents":0}}`, true},
		{"total that does not add up", `{"ok":true,"result":{"currency":"EUR","mode":"free","lines":[],"total_cents":1,"subsidy_cents":0,"payable_cents":1,"commission_cents":0,"tax_credit_eligible_cents":0}}`, false},
		{"wrong currency", `{"ok":true,"result":{"currency":"USD","mode":"free","lines":[],"total_cents":0,"subsidy_cents":0,"payable_cents":0,"commission_cents":0,"tax_credit_eligible_cents":0}}`, false},
		{"refusal", `{"ok":false,"refusal":{"code":"no_way","message":"Non."}}`, true},
		{"malformed refusal", `{"ok":false,"refusal":{"code":"No Way","message":""}}`, false},
		{"not an envelope", `[1]`, false},
	}
	for _, tt := range tests {
		err := CheckAnswer("quote", input, []byte(tt.out))
		if (err == nil) != tt.ok {
			t.Errorf("%s: CheckAnswer = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
