package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// TestHandlerReusesNothingVisible runs a shuffled sequence of quotes, some
// refused, through one runner (the plugin's path: the instance's reused
// quote buffer, its memory of the last names, the SDK's reused strings and
// encoder) and checks every envelope byte for byte against Policy.Quote on
// a fresh buffer, encoded by encoding/json.
func TestHandlerReusesNothingVisible(t *testing.T) {
	t.Parallel()
	const config = `{"solidarity":{"percent_bp":1000,"funded_by":"provider"},"subsidies":[{"modality":"professional","categories":["aines"],"percent_bp":2000,"max_cents":1000}]}`
	ext := func(d *Draft) {
		if d.Request().Mode == abi.ModeTimeCredits {
			if l, _, ok := d.MileageLine(); ok {
				d.AddTerritoryPaid(l)
			}
		}
	}
	for _, ext := range []Extension{nil, ext} {
		o := Options{Default: standardDefault(t), Extension: ext}
		p, err := Compile([]byte(config), o)
		if err != nil {
			t.Fatal(err)
		}
		r := plugin.NewRunner(Handlers(abi.Manifest{ID: "campagnon.test", Name: "Test", Version: "1.0.0"}, o))
		var reqs []*abi.QuoteRequest
		for _, cat := range []string{"mobilite", "petits-travaux", "enfance", "aines", "inconnue"} {
			for _, modality := range []string{abi.ModalityResident, abi.ModalityProfessional} {
				for _, mode := range []string{abi.ModeFree, abi.ModeTimeCredits, abi.ModeCESUDeclaratif, abi.ModeCESUPrefinance, abi.ModeProfessional} {
					for _, minutes := range []int{10, 90, 200} {
						reqs = append(reqs,
							qreq(cat, modality, mode, minutes, 1, dist(12400), withSAP()),
							qreq(cat, modality, mode, minutes, 3, withSolidarity()),
							qreq(cat, modality, mode, minutes, 1, dist(3000), hourly(3000), withSAP(), withSolidarity()))
					}
				}
			}
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for round := 0; round < 2; round++ {
			rng.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
			for _, req := range reqs {
				req.Context = abi.Context{Now: "2026-11-27T10:00:00Z", Territory: abi.Territory{Slug: "test", Name: "Test"},
					ConfigHash: hashHex(config), Config: json.RawMessage(config)}
				got, err := r.Call(abi.OpQuote, abi.AppendQuoteRequest(nil, req))
				if err != nil {
					t.Fatal(err)
				}
				want := policyEnvelope(t, p, req)
				if !bytes.Equal(got, want) {
					t.Fatalf("%s %s %s %d min:\ngot  %s\nwant %s", req.Category, req.Modality, req.Mode, req.Minutes, got, want)
				}
			}
		}
	}
}

// policyEnvelope is the envelope of Policy.Quote, by encoding/json.
func policyEnvelope(t *testing.T, p *Policy, req *abi.QuoteRequest) []byte {
	t.Helper()
	var env abi.Envelope
	q, err := p.Quote(nov2026, req)
	if err != nil {
		ref, ok := err.(*Refusal)
		if !ok {
			t.Fatal(err)
		}
		env.Refusal = &abi.Refusal{Code: ref.Code, Message: ref.Message, MessageEN: ref.MessageEN}
	} else {
		env.OK = true
		if env.Result, err = json.Marshal(q); err != nil {
			t.Fatal(err)
		}
	}
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hashHex(config string) string {
	sum := sha256.Sum256([]byte(config))
	return hex.EncodeToString(sum[:])
}

// TestQuoteHandlerDoesNotAllocate: once the instance holds the
// configuration, a quote through the plugin's path allocates nothing. Inside
// WebAssembly an allocation is slow, and every few calls it takes a new
// span: what made the slowest calls of a warm instance.
func TestQuoteHandlerDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are checked in the long run")
	}
	r := plugin.NewRunner(Handlers(abi.Manifest{ID: "campagnon.test", Name: "Test", Version: "1.0.0"}, Options{Default: standardDefault(t)}))
	req := qreq("petits-travaux", abi.ModalityProfessional, abi.ModeProfessional, 90, 1, dist(12400), withSAP())
	req.Context = abi.Context{Now: "2026-11-27T10:00:00Z", Territory: abi.Territory{Slug: "test", Name: "Test"}, ConfigHash: hashHex("{}"), Config: json.RawMessage("{}")}
	if _, err := r.Call(abi.OpQuote, abi.AppendQuoteRequest(nil, req)); err != nil {
		t.Fatal(err)
	}
	req.Context.Config = nil
	in := abi.AppendQuoteRequest(nil, req)
	if n := testing.AllocsPerRun(100, func() { _, _ = r.Call(abi.OpQuote, in) }); n != 0 {
		t.Errorf("a quote with a cached configuration: %v allocations, want 0", n)
	}
}
