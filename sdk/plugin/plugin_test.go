package plugin_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/internal/echo"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// golden is a file of testdata/golden: calls on one fresh instance, in
// order, each with the envelope it must answer, the fault it must raise, or
// (invalid) a part of the message of the invalid_request refusal it must give.
type golden struct {
	Doc   string `json:"doc"`
	Steps []struct {
		Op      abi.Op          `json:"op"`
		Input   json.RawMessage `json:"input"`
		Want    json.RawMessage `json:"want"`
		Fault   string          `json:"fault"`
		Invalid string          `json:"invalid"`
	} `json:"steps"`
}

func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files (%v)", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var g golden
			if err := json.Unmarshal(b, &g); err != nil {
				t.Fatal(err)
			}
			r := plugin.NewRunner(echo.Handlers())
			for i, step := range g.Steps {
				input := []byte(step.Input)
				if s, err := strconvUnquote(step.Input); err == nil {
					input = []byte(s) // a JSON string input is sent as its text, to send non-JSON
				}
				out, err := r.Call(step.Op, input)
				if step.Fault != "" {
					if err == nil || !errors.Is(err, plugin.ErrFault) || !strings.Contains(err.Error(), step.Fault) {
						t.Fatalf("step %d (%s): got %s, %v; want a fault containing %q", i, step.Op, out, err, step.Fault)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d (%s): %v", i, step.Op, err)
				}
				if step.Invalid != "" {
					var env abi.Envelope
					if err := json.Unmarshal(out, &env); err != nil || env.OK || env.Refusal == nil ||
						env.Refusal.Code != abi.RefusalInvalidRequest || !strings.Contains(env.Refusal.Message, step.Invalid) {
						t.Fatalf("step %d (%s): got %s; want the refusal invalid_request mentioning %q", i, step.Op, out, step.Invalid)
					}
					continue
				}
				if !jsonEqual(t, out, step.Want) {
					t.Fatalf("step %d (%s):\ngot  %s\nwant %s", i, step.Op, out, step.Want)
				}
				checkEnvelope(t, step.Op, out)
			}
		})
	}
}

func strconvUnquote(raw json.RawMessage) (string, error) {
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("output is not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("expected output is not JSON: %v: %s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

// checkEnvelope runs the host's checks on an envelope.
func checkEnvelope(t *testing.T, op abi.Op, out []byte) {
	t.Helper()
	var env abi.Envelope
	if err := json.Unmarshal(out, &env); err != nil {
		t.Fatal(err)
	}
	if err := env.Check(); err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

// quoteInput is a quote input for the echo plugin, with its configuration
// when withConfig.
func quoteInput(t testing.TB, config string, withConfig bool) []byte {
	sum := sha256.Sum256([]byte(config))
	r := abi.QuoteRequest{
		Context: abi.Context{
			Now:        "2026-11-27T10:00:00Z",
			Territory:  abi.Territory{Slug: "picardie-verte", Name: "CC de la Picardie Verte", EPCI: "246000756"},
			ConfigHash: hex.EncodeToString(sum[:]),
		},
		Category: "essai", Modality: abi.ModalityResident, Mode: abi.ModeFree, Minutes: 60, Occurrences: 1, DistanceMeters: 5000,
	}
	if withConfig {
		r.Context.Config = json.RawMessage(config)
	}
	return abi.AppendQuoteRequest(nil, &r)
}

func refusalCode(t *testing.T, out []byte) string {
	t.Helper()
	var q abi.Quote
	ref, err := abi.DecodeQuoteEnvelope(out, &q)
	if err != nil {
		t.Fatal(err)
	}
	if ref == nil {
		return ""
	}
	return ref.Code
}

func TestConfigCacheIsBoundedLRU(t *testing.T) {
	t.Parallel()
	parsed := map[string]int{}
	h := echo.Handlers()
	h.ParseConfig = func(raw []byte) (any, error) {
		parsed[string(raw)]++
		return echo.ParseConfig(raw)
	}
	r := plugin.NewRunner(h)
	config := func(i int) string { return fmt.Sprintf(`{"hourly_cents":%d,"cents_per_km":30}`, 1000+i) }
	for i := range 65 {
		if out, err := r.Call(abi.OpQuote, quoteInput(t, config(i), true)); err != nil || refusalCode(t, out) != "" {
			t.Fatalf("config %d: %s %v", i, out, err)
		}
		if i == 10 { // keep config 0 recently used
			if _, err := r.Call(abi.OpQuote, quoteInput(t, config(0), false)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// 65 configurations in a cache of 64: config 1, the least recently
	// used, is gone; config 0 and 64 are there.
	for i, want := range map[int]string{0: "", 1: abi.RefusalConfigRequired, 2: "", 64: ""} {
		out, err := r.Call(abi.OpQuote, quoteInput(t, config(i), false))
		if err != nil {
			t.Fatal(err)
		}
		if got := refusalCode(t, out); got != want {
			t.Errorf("config %d: refusal %q, want %q", i, got, want)
		}
	}
	// Sending a cached configuration again does not parse it again.
	if _, err := r.Call(abi.OpQuote, quoteInput(t, config(2), true)); err != nil {
		t.Fatal(err)
	}
	if parsed[config(2)] != 1 || parsed[config(0)] != 1 {
		t.Errorf("parse counts %v", parsed)
	}
}

func TestRawConfigWithoutParseConfig(t *testing.T) {
	t.Parallel()
	var seen any
	r := plugin.NewRunner(plugin.Handlers{
		Manifest: abi.Manifest{ID: "raw", Name: "Raw", Version: "1.0.0"},
		Quote: func(c *plugin.Ctx, q *abi.QuoteRequest) (*abi.Quote, error) {
			seen = c.Config
			return &abi.Quote{Currency: abi.Currency, Mode: q.Mode}, nil
		},
	})
	const config = "{ \"spaced\" : [1, 2] }"
	if _, err := r.Call(abi.OpQuote, quoteInput(t, config, true)); err != nil {
		t.Fatal(err)
	}
	if raw, ok := seen.(json.RawMessage); !ok || string(raw) != config {
		t.Errorf("Ctx.Config = %#v, want the raw bytes as a json.RawMessage", seen)
	}
}

func TestNotImplemented(t *testing.T) {
	t.Parallel()
	r := plugin.NewRunner(plugin.Handlers{Manifest: abi.Manifest{ID: "only.describe", Name: "Rien", Version: "1.0.0"}})
	for _, op := range []abi.Op{abi.OpCategories, abi.OpQuote, abi.OpPaymentModes, abi.OpValidateListing} {
		out, err := r.Call(op, []byte(`{}`))
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		var env abi.Envelope
		if err := json.Unmarshal(out, &env); err != nil || env.OK || env.Refusal.Code != abi.RefusalNotImplemented {
			t.Errorf("%s: %s", op, out)
		}
		checkEnvelope(t, op, out)
	}
	if m := r.Manifest(); !reflect.DeepEqual(m.Operations, []string{"describe"}) || m.ABI != abi.Version {
		t.Errorf("manifest defaults: %+v", m)
	}
}

func TestNewRunnerRejectsInconsistentHandlers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		h    plugin.Handlers
		msg  string
	}{
		{"op without handler", plugin.Handlers{Manifest: abi.Manifest{ID: "a", Name: "A", Version: "1.0.0", Operations: []string{"describe", "quote"}}}, `lists the operation "quote"`},
		{"bad id", plugin.Handlers{Manifest: abi.Manifest{ID: "A B", Name: "A", Version: "1.0.0"}}, "not a plugin id"},
		{"bad version", plugin.Handlers{Manifest: abi.Manifest{ID: "a", Name: "A", Version: "1"}}, "semantic version"},
		{"other ABI", plugin.Handlers{Manifest: abi.Manifest{ID: "a", Name: "A", Version: "1.0.0", ABI: 2}}, "ABI 1"},
		{"unknown op", plugin.Handlers{Manifest: abi.Manifest{ID: "a", Name: "A", Version: "1.0.0", Operations: []string{"price"}}}, "not an operation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				v := recover()
				if v == nil || !strings.Contains(fmt.Sprint(v), c.msg) {
					t.Errorf("panic %v, want one containing %q", v, c.msg)
				}
			}()
			plugin.NewRunner(c.h)
		})
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	// Not parallel: Register sets package state.
	defer plugin.ResetRegistered()
	plugin.Register(echo.Handlers())
	defer func() {
		if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "twice") {
			t.Errorf("second Register: panic %v", v)
		}
	}()
	plugin.Register(echo.Handlers())
}

func TestRunnerQuoteChecksLikeTheHost(t *testing.T) {
	t.Parallel()
	const config = `{"hourly_cents":1800,"cents_per_km":32}`
	var req abi.QuoteRequest
	if err := abi.DecodeQuoteRequest(quoteInput(t, config, true), &req); err != nil {
		t.Fatal(err)
	}
	req.Context.Config = json.RawMessage(config)
	r := plugin.NewRunner(echo.Handlers())
	q, ref, err := r.Quote(&req)
	if err != nil || ref != nil || q.TotalCents != 160 {
		t.Fatalf("Quote = %+v, %+v, %v", q, ref, err)
	}
	req.Category = "refuse"
	if _, ref, err := r.Quote(&req); err != nil || ref == nil || ref.Code != "echo_refused" {
		t.Errorf("refusal: %+v, %v", ref, err)
	}
	// A plugin whose quote breaks the rules is at fault.
	bad := plugin.NewRunner(plugin.Handlers{
		Manifest: abi.Manifest{ID: "bad", Name: "Bad", Version: "1.0.0"},
		Quote: func(c *plugin.Ctx, q *abi.QuoteRequest) (*abi.Quote, error) {
			return &abi.Quote{Currency: abi.Currency, Mode: q.Mode, TotalCents: 100, PayableCents: 100}, nil
		},
	})
	req.Category = "essai"
	if _, _, err := bad.Quote(&req); !errors.Is(err, plugin.ErrFault) || !strings.Contains(err.Error(), "lines add up to 0") {
		t.Errorf("bad quote: %v", err)
	}
	// An input the host would not send is refused before the call.
	req.Minutes = 0
	if _, _, err := r.Quote(&req); err == nil || errors.Is(err, plugin.ErrFault) {
		t.Errorf("bad input: %v", err)
	}
}

func TestRefuse(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("context: %w", plugin.Refuse("cesu_not_eligible", "Non.", "No."))
	var re *plugin.RefusalError
	if !errors.As(err, &re) || re.Refusal != (abi.Refusal{Code: "cesu_not_eligible", Message: "Non.", MessageEN: "No."}) {
		t.Errorf("errors.As: %+v", re)
	}
	if !strings.Contains(err.Error(), "refused (cesu_not_eligible): Non.") {
		t.Errorf("message %q", err)
	}
}

func TestLogNative(t *testing.T) {
	t.Parallel()
	for _, level := range []int32{abi.LogDebug, abi.LogInfo, abi.LogWarn, abi.LogError, 42} {
		plugin.Log(level, "message")
	}
}

// staticQuote is the quote of the allocation test and the benchmark: the
// handler allocates nothing, so what is measured is the SDK's path.
var staticQuote = &abi.Quote{
	Currency: abi.Currency, Mode: abi.ModeFree,
	Lines:      []abi.QuoteLine{{Code: "mileage", Label: "Indemnité kilométrique", Quantity: 5, Unit: "km", AmountCents: 160}},
	TotalCents: 160, PayableCents: 160,
	Notes: []string{"Une note pour les deux parties."},
}

func staticRunner() *plugin.Runner {
	return plugin.NewRunner(plugin.Handlers{
		Manifest:    abi.Manifest{ID: "static", Name: "Static", Version: "1.0.0"},
		ParseConfig: echo.ParseConfig,
		Quote:       func(c *plugin.Ctx, q *abi.QuoteRequest) (*abi.Quote, error) { return staticQuote, nil },
	})
}

func TestQuotePathDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are checked in the long run")
	}
	const config = `{"hourly_cents":1800,"cents_per_km":32}`
	r := staticRunner()
	if _, err := r.Call(abi.OpQuote, quoteInput(t, config, true)); err != nil {
		t.Fatal(err)
	}
	in := quoteInput(t, config, false)
	if n := testing.AllocsPerRun(100, func() { _, _ = r.Call(abi.OpQuote, in) }); n != 0 {
		t.Errorf("a quote with a cached configuration: %v allocations, want 0", n)
	}
}

func BenchmarkRunnerQuote(b *testing.B) {
	const config = `{"hourly_cents":1800,"cents_per_km":32}`
	for _, c := range []struct {
		name string
		r    *plugin.Runner
	}{{"static_handler", staticRunner()}, {"echo_handler", plugin.NewRunner(echo.Handlers())}} {
		b.Run(c.name, func(b *testing.B) {
			if _, err := c.r.Call(abi.OpQuote, quoteInput(b, config, true)); err != nil {
				b.Fatal(err)
			}
			in := quoteInput(b, config, false)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.r.Call(abi.OpQuote, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
