// Package plugintest checks a built plugin module in the real plugin host:
// its golden cases (testdata/golden/*.json: an operation, its input and the
// expected envelope) and the adversarial checks every plugin must survive —
// deterministic answers, the configuration protocol, malformed and oversized
// inputs, concurrent callers — with the host still serving afterwards. The
// `campagnon plugin test` command and Go tests (of this repository or an
// integrator's) use it.
package plugintest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Case is one golden case, as stored in a testdata/golden/*.json file.
type Case struct {
	// Name is the file's base name.
	Name string `json:"-"`
	// Op is the operation called.
	Op abi.Op `json:"op"`
	// Input is the operation's input.
	Input json.RawMessage `json:"input"`
	// Output is the expected envelope.
	Output json.RawMessage `json:"output"`
}

// LoadCases reads every *.json golden case in dir, sorted by name.
func LoadCases(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list golden cases in %s: %w", dir, err)
	}
	sort.Strings(files)
	cases := make([]Case, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read golden case: %w", err)
		}
		var c Case
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("golden case %s: %w", f, err)
		}
		if c.Op == "" || len(c.Input) == 0 || len(c.Output) == 0 {
			return nil, fmt.Errorf("golden case %s: op, input and output are required", f)
		}
		c.Name = strings.TrimSuffix(filepath.Base(f), ".json")
		cases = append(cases, c)
	}
	return cases, nil
}

// Result is the outcome of one check.
type Result struct {
	// Name names the check ("golden/quote-cesu", "adversarial/determinism", …).
	Name string
	// Passed reports whether the check passed.
	Passed bool
	// Detail explains a failure or notes what was measured.
	Detail string
}

// Report is the outcome of a whole run.
type Report struct {
	// Plugin is the module's "id@version".
	Plugin string
	// Hash is the module's SHA-256.
	Hash string
	// Results are the checks, in the order they ran.
	Results []Result
	// QuoteP50, QuoteP99 are quote latencies measured on the golden quote
	// cases through the host (zero when there is none); a report, not a check.
	QuoteP50, QuoteP99 time.Duration
}

// Failed returns the failed checks.
func (r *Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if !res.Passed {
			out = append(out, res)
		}
	}
	return out
}

func (r *Report) add(name string, err error, note string) {
	if err != nil {
		r.Results = append(r.Results, Result{Name: name, Detail: err.Error()})
		return
	}
	r.Results = append(r.Results, Result{Name: name, Passed: true, Detail: note})
}

// Run runs the golden cases against m, then the adversarial checks.
func Run(ctx context.Context, m *pluginhost.Module, cases []Case) *Report {
	man := m.Manifest()
	r := &Report{Plugin: man.ID + "@" + man.Version, Hash: m.Hash()}
	for _, c := range cases {
		r.add("golden/"+c.Name, golden(ctx, m, c), "")
	}
	r.add("adversarial/determinism", determinism(ctx, m, cases), "")
	r.add("adversarial/config-protocol", configProtocol(ctx, m, cases), "")
	note, err := malformed(ctx, m, cases)
	r.add("adversarial/malformed-input", err, note)
	r.add("adversarial/oversized-input", oversized(ctx, m), "")
	r.add("adversarial/concurrency", concurrency(ctx, m, cases), "")
	r.QuoteP50, r.QuoteP99 = latency(ctx, m, cases)
	return r
}

// golden calls the case's operation, checks the answer as the host checks
// it in service (a quote whose lines do not add up fails even if its golden
// file says so), and compares envelopes as JSON values.
func golden(ctx context.Context, m *pluginhost.Module, c Case) error {
	out, err := m.Call(ctx, c.Op, c.Input)
	if err != nil {
		return fmt.Errorf("%s failed: %w", c.Op, err)
	}
	if err := CheckAnswer(c.Op, c.Input, out); err != nil {
		return err
	}
	return sameJSON(out, c.Output)
}

// CheckAnswer applies the ABI's checks to an operation's envelope, with
// the request it answers: the same checks the host applies to every answer
// it uses.
func CheckAnswer(op abi.Op, input, out []byte) error {
	var env abi.Envelope
	if err := json.Unmarshal(out, &env); err != nil {
		return fmt.Errorf("the answer is not an envelope: %w", err)
	}
	if err := env.Check(); err != nil {
		return fmt.Errorf("the envelope breaks the ABI: %w", err)
	}
	if !env.OK {
		return nil // a refusal: Envelope.Check checked it
	}
	var err error
	switch op {
	case abi.OpDescribe:
		var res abi.Manifest
		if err = json.Unmarshal(env.Result, &res); err == nil {
			err = res.Check()
		}
	case abi.OpCategories:
		var res abi.Categories
		if err = json.Unmarshal(env.Result, &res); err == nil {
			err = res.Check()
		}
	case abi.OpPaymentModes:
		var req abi.PaymentModesRequest
		var res abi.PaymentModes
		if err = json.Unmarshal(input, &req); err == nil {
			if err = json.Unmarshal(env.Result, &res); err == nil {
				err = res.Check(&req)
			}
		}
	case abi.OpQuote:
		var req abi.QuoteRequest
		var res abi.Quote
		if err = json.Unmarshal(input, &req); err == nil {
			if err = json.Unmarshal(env.Result, &res); err == nil {
				err = res.Check(&req)
			}
		}
	case abi.OpValidateListing:
		var res abi.ListingVerdict
		if err = json.Unmarshal(env.Result, &res); err == nil {
			err = res.Check()
		}
	}
	if err != nil {
		return fmt.Errorf("the %s answer breaks the ABI (the host would refuse it): %w", op, err)
	}
	return nil
}

// sameJSON compares two JSON documents as values.
func sameJSON(got, want []byte) error {
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		return fmt.Errorf("output is not JSON: %w", err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		return fmt.Errorf("expected output is not JSON: %w", err)
	}
	if !reflect.DeepEqual(g, w) {
		return fmt.Errorf("output differs:\n got: %s\nwant: %s", compact(got), compact(want))
	}
	return nil
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}

// determinism calls every case twice: a plugin is a pure function.
func determinism(ctx context.Context, m *pluginhost.Module, cases []Case) error {
	for _, c := range cases {
		a, errA := m.Call(ctx, c.Op, c.Input)
		b, errB := m.Call(ctx, c.Op, c.Input)
		if errA != nil || errB != nil {
			return fmt.Errorf("%s: %v / %v", c.Name, errA, errB)
		}
		if !bytes.Equal(a, b) {
			return fmt.Errorf("%s: two calls with the same input gave different outputs", c.Name)
		}
	}
	return nil
}

// configProtocol sends each case that carries a configuration with the
// configuration left out and a hash the plugin cannot hold: it must answer
// the refusal config_required (docs/plugin-abi.md §3).
func configProtocol(ctx context.Context, m *pluginhost.Module, cases []Case) error {
	tried := 0
	for _, c := range cases {
		var in map[string]json.RawMessage
		if err := json.Unmarshal(c.Input, &in); err != nil || in["context"] == nil {
			continue
		}
		var cx map[string]json.RawMessage
		if err := json.Unmarshal(in["context"], &cx); err != nil {
			continue
		}
		delete(cx, "config")
		cx["config_hash"] = json.RawMessage(`"` + strings.Repeat("0", 63) + `1"`)
		in["context"], _ = json.Marshal(cx)
		input, _ := json.Marshal(in)
		out, err := m.Call(ctx, c.Op, input)
		if err != nil {
			return fmt.Errorf("%s without its configuration: %w", c.Name, err)
		}
		var env abi.Envelope
		if err := json.Unmarshal(out, &env); err != nil || env.OK || env.Refusal == nil || env.Refusal.Code != abi.RefusalConfigRequired {
			return fmt.Errorf("%s without its configuration: got %s, want the refusal %s", c.Name, compact(out), abi.RefusalConfigRequired)
		}
		tried++
	}
	if tried == 0 {
		return errors.New("no golden case carries a context: add at least one (categories or quote)")
	}
	return nil
}

// malformedInputs are inputs no plugin should choke on.
var malformedInputs = [][]byte{
	[]byte(``), []byte(`not json`), []byte(`{`), []byte(`[]`), []byte(`null`), []byte(`{}`),
	[]byte(`{"context":{}}`), []byte(`{"context":"x","category":5}`),
	[]byte(`{"context":{"now":"yesterday","config_hash":"zz","config":[]}}`),
	[]byte(`{"category":"` + strings.Repeat("é", 4000) + `"}`),
	[]byte(`{"minutes":-1,"occurrences":99999999999999999999}`),
}

// malformed sends every operation malformed inputs. The plugin should
// answer a refusal; a fault is tolerated (the host discards the instance)
// but noted; what must hold is that the host keeps serving afterwards.
func malformed(ctx context.Context, m *pluginhost.Module, cases []Case) (string, error) {
	faults := 0
	for _, op := range abi.Ops {
		for _, in := range malformedInputs {
			if _, err := m.Call(ctx, op, in); err != nil {
				var pe *pluginhost.Error
				if errors.As(err, &pe) && pe.Kind == pluginhost.KindCutOff {
					return "", fmt.Errorf("the module was cut off by malformed inputs (%d faults): make it refuse them instead", faults)
				}
				faults++
			}
		}
	}
	for _, c := range cases {
		if err := golden(ctx, m, c); err != nil {
			return "", fmt.Errorf("after malformed inputs, %s: %w", c.Name, err)
		}
		break
	}
	if faults > 0 {
		return fmt.Sprintf("%d malformed inputs made the plugin fault instead of refusing", faults), nil
	}
	return "every malformed input refused", nil
}

// oversized checks that an input over the limit is refused before any guest code runs.
func oversized(ctx context.Context, m *pluginhost.Module) error {
	big := make([]byte, abi.MaxInputBytes+1)
	_, err := m.Call(ctx, abi.OpQuote, big)
	var pe *pluginhost.Error
	if !errors.As(err, &pe) || pe.Kind != pluginhost.KindTooLarge {
		return fmt.Errorf("an input of %d bytes gave %v, want a KindTooLarge refusal", len(big), err)
	}
	return nil
}

// concurrency runs the cases from several goroutines at once and checks
// every answer is the golden one.
func concurrency(ctx context.Context, m *pluginhost.Module, cases []Case) error {
	if len(cases) == 0 {
		return nil
	}
	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				c := cases[(w+i)%len(cases)]
				if err := golden(ctx, m, c); err != nil {
					errs <- fmt.Errorf("worker %d, %s: %w", w, c.Name, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// latency measures quote calls through the host on the golden quote cases.
func latency(ctx context.Context, m *pluginhost.Module, cases []Case) (p50, p99 time.Duration) {
	var quotes []Case
	for _, c := range cases {
		if c.Op == abi.OpQuote {
			quotes = append(quotes, c)
		}
	}
	if len(quotes) == 0 {
		return 0, 0
	}
	samples := make([]time.Duration, 0, 500)
	for i := 0; i < 500; i++ {
		c := quotes[i%len(quotes)]
		start := time.Now()
		if _, err := m.Call(ctx, c.Op, c.Input); err != nil {
			continue
		}
		samples = append(samples, time.Since(start))
	}
	if len(samples) == 0 {
		return 0, 0
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	return samples[len(samples)/2], samples[len(samples)*99/100]
}
