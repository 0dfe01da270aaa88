// Package golden runs a plugin's golden cases natively, in its own tests:
// each file of a folder (testdata/golden) is {"op": …, "input": …,
// "output": …}, the output being the expected envelope. The cases go
// through plugin.NewRunner, the same decode and encode path as in
// WebAssembly; every answer is checked as the host checks it (the
// envelope, and a quote against its request), then compared with the
// expected one as JSON values. `campagnon plugin test` runs the same files
// against the built module in the real host.
//
// Run the tests with -update to rewrite the expected outputs from what the
// plugin answers, then review the diff: every figure of a golden file must
// be checked by hand.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of the golden files")

// Case is one golden case.
type Case struct {
	// Op is the operation.
	Op abi.Op `json:"op"`
	// Input is the operation's input.
	Input json.RawMessage `json:"input"`
	// Output is the expected envelope.
	Output json.RawMessage `json:"output"`
}

// Run runs every golden case of dir through h, one subtest a file.
func Run(t *testing.T, h plugin.Handlers, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden case in %s (%v)", dir, err)
	}
	r := plugin.NewRunner(h)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			if err := check(r, f, *update); err != nil {
				t.Error(err)
			}
		})
	}
}

// check runs the case of file f through r; with rewrite, it rewrites the
// file's expected output instead of comparing.
func check(r *plugin.Runner, f string, rewrite bool) error {
	raw, err := os.ReadFile(f)
	if err != nil {
		return err
	}
	var g Case
	if err := json.Unmarshal(raw, &g); err != nil {
		return fmt.Errorf("%s: %w", f, err)
	}
	got, err := r.Call(g.Op, g.Input)
	if err != nil {
		return fmt.Errorf("%s: %s failed: %w", f, g.Op, err)
	}
	if err := checkEnvelope(g.Op, g.Input, got); err != nil {
		return fmt.Errorf("%s: %w", f, err)
	}
	if rewrite {
		g.Output = got
		return write(f, &g)
	}
	same, err := sameJSON(got, g.Output)
	if err != nil {
		return fmt.Errorf("%s: %w", f, err)
	}
	if !same {
		return fmt.Errorf("%s: %s answered\n%s\nwant\n%s", f, g.Op, indent(got), indent(g.Output))
	}
	return nil
}

// checkEnvelope checks an answer the way the host does: the envelope's
// shape, and for a quote the ABI's rules against its request.
func checkEnvelope(op abi.Op, input, out []byte) error {
	var env abi.Envelope
	if err := json.Unmarshal(out, &env); err != nil {
		return fmt.Errorf("output is not an envelope: %w\n%s", err, out)
	}
	if err := env.Check(); err != nil {
		return err
	}
	if op != abi.OpQuote || !env.OK {
		return nil
	}
	var req abi.QuoteRequest
	if err := json.Unmarshal(input, &req); err != nil {
		return err
	}
	var q abi.Quote
	if err := json.Unmarshal(env.Result, &q); err != nil {
		return err
	}
	return q.Check(&req)
}

func sameJSON(a, b []byte) (bool, error) {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false, fmt.Errorf("output is not JSON: %w\n%s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return false, fmt.Errorf("expected output is not JSON: %w", err)
	}
	return reflect.DeepEqual(x, y), nil
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
func write(f string, g *Case) error {
	var out bytes.Buffer
	if err := json.Indent(&out, g.Output, "  ", "  "); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("{\n  \"op\": \"" + string(g.Op) + "\",\n  \"input\": ")
	buf.Write(g.Input)
	buf.WriteString(",\n  \"output\": ")
	buf.Write(out.Bytes())
	buf.WriteString("\n}\n")
	return os.WriteFile(f, buf.Bytes(), 0o644)
}
