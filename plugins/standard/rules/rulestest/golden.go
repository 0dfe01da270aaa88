// Package rulestest helps test the plugins built on the standard rules. It
// runs a plugin's golden cases natively: each
// file of testdata/golden is {"op": …, "input": …, "output": …}, the output
// being the expected envelope. The cases go through plugin.NewRunner, the
// same decode and encode path as in WebAssembly, and the outputs are
// compared as JSON values. `campagnon plugin test` runs the same files
// against the built module in the real host.
//
// Run the tests with -update to rewrite the expected outputs from what the
// plugin answers, then review the diff: every figure of a golden file must
// be checked by hand.
package rulestest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/plugins/standard/rules"
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of the golden files")

// Golden is one golden case.
type Golden struct {
	// Op is the operation.
	Op abi.Op `json:"op"`
	// Input is the operation's input.
	Input json.RawMessage `json:"input"`
	// Output is the expected envelope.
	Output json.RawMessage `json:"output"`
}

// RunGolden runs every golden case of dir through h, one subtest a file.
func RunGolden(t *testing.T, h plugin.Handlers, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden case in %s (%v)", dir, err)
	}
	r := plugin.NewRunner(h)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var g Golden
			if err := json.Unmarshal(raw, &g); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			got, err := r.Call(g.Op, g.Input)
			if err != nil {
				t.Fatalf("%s: %s failed: %v", f, g.Op, err)
			}
			checkEnvelope(t, g.Op, g.Input, got)
			if *update {
				g.Output = got
				write(t, f, &g)
				return
			}
			if !sameJSON(t, got, g.Output) {
				t.Errorf("%s: %s answered\n%s\nwant\n%s", f, g.Op, indent(got), indent(g.Output))
			}
		})
	}
}

// checkEnvelope checks an answer the way the host does: the envelope's
// shape, and for a quote the ABI's rules against its request.
func checkEnvelope(t *testing.T, op abi.Op, input, out []byte) {
	t.Helper()
	var env abi.Envelope
	if err := json.Unmarshal(out, &env); err != nil {
		t.Fatalf("output is not an envelope: %v\n%s", err, out)
	}
	if err := env.Check(); err != nil {
		t.Fatal(err)
	}
	if op != abi.OpQuote || !env.OK {
		return
	}
	var req abi.QuoteRequest
	if err := json.Unmarshal(input, &req); err != nil {
		t.Fatal(err)
	}
	var q abi.Quote
	if err := json.Unmarshal(env.Result, &q); err != nil {
		t.Fatal(err)
	}
	if err := q.Check(&req); err != nil {
		t.Fatal(err)
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("expected output is not JSON: %v", err)
	}
	return reflect.DeepEqual(x, y)
}

func indent(b []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return string(b)
	}
	return buf.String()
}

// write rewrites a golden file with a new output, keeping the input's
// bytes as they are: the configuration's hash is over its exact bytes.
func write(t *testing.T, f string, g *Golden) {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, g.Output, "  ", "  "); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("{\n  \"op\": \"" + string(g.Op) + "\",\n  \"input\": ")
	buf.Write(g.Input)
	buf.WriteString(",\n  \"output\": ")
	buf.Write(out.Bytes())
	buf.WriteString("\n}\n")
	if err := os.WriteFile(f, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// LaunchCategories are the ids of the four launch categories, in display order.
var LaunchCategories = []string{"mobilite", "petits-travaux", "enfance", "aines"}

// Policy compiles a plugin's default configuration (the empty one) with
// its ParseConfig.
func Policy(t testing.TB, h plugin.Handlers) *rules.Policy {
	t.Helper()
	p, err := h.ParseConfig([]byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	return p.(*rules.Policy)
}

// CheckManifest checks a plugin's manifest against the ABI, its id and the
// EPCI it is written for.
func CheckManifest(t testing.TB, m abi.Manifest, id string, territories ...string) {
	t.Helper()
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	if m.ID != id || !slices.Equal(m.Territories, territories) {
		t.Errorf("manifest %s for %v, want %s for %v", m.ID, m.Territories, id, territories)
	}
}

// CheckLaunchCategories checks that a plugin's default configuration
// offers the four launch categories, valid for the ABI, and returns them.
func CheckLaunchCategories(t testing.TB, h plugin.Handlers) []abi.Category {
	t.Helper()
	cs := Policy(t, h).Categories()
	if err := cs.Check(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs.Categories {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, LaunchCategories) {
		t.Errorf("categories %v, want the four launch categories %v", ids, LaunchCategories)
	}
	return cs.Categories
}
