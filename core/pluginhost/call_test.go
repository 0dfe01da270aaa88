package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/pluginhost/testdata/guestlogic"
	"github.com/campagnon/campagnon/sdk/abi"
)

func TestGoodGuestOperations(t *testing.T) {
	h, rec := newHost(t, Config{})
	m := load(t, h, "good")
	ctx := context.Background()

	man := m.Manifest()
	if man.ID != guestlogic.ID || man.Version != "1.0.0" || man.ABI != abi.Version {
		t.Errorf("manifest = %+v", man)
	}
	if m.Hash() != hashOf(guest(t, "good")) || m.Size() != len(guest(t, "good")) {
		t.Errorf("Hash/Size = %s/%d", m.Hash(), m.Size())
	}
	// The describe log line went to the host's log, tagged with the plugin.
	if lines := rec.find("describe test.good"); len(lines) == 0 {
		t.Errorf("the guest's log line is missing")
	} else if attr(lines[0], "hash") != m.Hash()[:12] {
		t.Errorf("log line not tagged with the hash: %v", lines[0])
	}
	if d, err := m.Describe(ctx); err != nil || !reflect.DeepEqual(*d, man) {
		t.Errorf("Describe = %+v, %v", d, err)
	}

	cats, err := m.Categories(ctx, &abi.CategoriesRequest{Context: testContext()})
	if err != nil || len(cats.Categories) != 3 || cats.Categories[0].ID != "jardinage" {
		t.Fatalf("Categories = %+v, %v", cats, err)
	}

	pm, err := m.PaymentModes(ctx, &abi.PaymentModesRequest{Context: testContext(), Category: "jardinage", Modality: abi.ModalityProfessional, ProviderSAP: true})
	if err != nil {
		t.Fatalf("PaymentModes: %v", err)
	}
	var modes []string
	for _, o := range pm.Modes {
		modes = append(modes, o.Mode)
	}
	if want := []string{abi.ModeCESUPrefinance, abi.ModeProfessional}; !reflect.DeepEqual(modes, want) {
		t.Errorf("payment modes = %v, want %v", modes, want)
	}

	v, err := m.ValidateListing(ctx, listingReq("Tonte de pelouse", 1000))
	if err != nil || len(v.Warnings) != 1 || v.Warnings[0].Code != "price_low" {
		t.Errorf("ValidateListing = %+v, %v", v, err)
	}
	_, err = m.ValidateListing(ctx, listingReq("Service interdit", 2000))
	var re *RefusalError
	if !errors.As(err, &re) || re.Refusal.Code != "forbidden_word" || !errors.Is(err, ErrRefused) {
		t.Errorf("ValidateListing of a forbidden title: %v", err)
	}
}

func listingReq(title string, price int64) *abi.ValidateListingRequest {
	return &abi.ValidateListingRequest{Context: testContext(), Listing: abi.Listing{
		Kind: abi.ListingOffer, Category: "jardinage", Modality: abi.ModalityResident, Title: title,
		Modes: []string{abi.ModeCESUDeclaratif}, PriceKind: abi.PriceHourly, PriceCents: price, Commune: "41269",
	}}
}

// TestQuoteMatchesNative checks the host's answers against the same logic
// called natively.
func TestQuoteMatchesNative(t *testing.T) {
	h, _ := newHost(t, Config{})
	m := load(t, h, "good")
	native := guestlogic.NewState()
	reqs := []*abi.QuoteRequest{
		quoteReq("jardinage", abi.ModalityResident, abi.ModeCESUDeclaratif),
		quoteReq("jardinage", abi.ModalityProfessional, abi.ModeProfessional),
		quoteReq("bricolage", abi.ModalityResident, abi.ModeTimeCredits),
		quoteReq("mobilite", abi.ModalityResident, abi.ModeFree),
	}
	reqs[1].ProviderSAP = true
	reqs[1].HourlyCents = 3500
	reqs[0].Solidarity = true
	for _, req := range reqs {
		got, err := m.Quote(context.Background(), req)
		if err != nil {
			t.Fatalf("Quote %s/%s: %v", req.Category, req.Mode, err)
		}
		want, ref := native.Quote(req)
		if ref != nil {
			t.Fatalf("native refusal: %+v", ref)
		}
		// The notes say where the configuration came from; compare the rest.
		got.Notes, want.Notes = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s/%s:\n got %+v\nwant %+v", req.Category, req.Mode, got, want)
		}
	}
	// A business refusal is not a fault.
	_, err := m.Quote(context.Background(), quoteReq("mobilite", abi.ModalityResident, abi.ModeCESUDeclaratif))
	var re *RefusalError
	if !errors.As(err, &re) || re.Refusal.Code != "cesu_not_eligible" {
		t.Fatalf("CESU on mobility: %v, want a refusal", err)
	}
	if fr, en := re.PublicMessage(); !strings.Contains(fr, "services à la personne") || en == "" {
		t.Errorf("refusal message = %q / %q", fr, en)
	}
	if s := m.Stats(); s.Faults != 0 || s.Refusals != 1 {
		t.Errorf("stats = %+v", s)
	}
}

// TestConfigProtocol checks that a configuration is sent once per
// instance, and again when the guest asks for it.
func TestConfigProtocol(t *testing.T) {
	h, _ := newHost(t, Config{MaxInstances: 1})
	m := load(t, h, "good")
	steps := []struct {
		category, note string
	}{
		{"jardinage", "config:inline"}, // first time on this instance
		{"jardinage", "config:cached"}, // the instance holds it
		{"evict", "config:inline"},     // the guest dropped it, asked, got it again
		{"jardinage", "config:cached"},
	}
	for i, s := range steps {
		q, err := m.Quote(context.Background(), quoteReq(s.category, abi.ModalityResident, abi.ModeFree))
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !hasNote(q, s.note) {
			t.Errorf("step %d (%s): notes %v, want %s", i, s.category, q.Notes, s.note)
		}
	}

	// A configuration whose hash is not its SHA-256 never reaches the guest.
	other := []byte(`{"hourly_cents":1}`)
	req := quoteReq("jardinage", abi.ModalityResident, abi.ModeFree)
	req.Context.Config = other
	req.Context.ConfigHash = hashOf(other)
	if _, err := m.Quote(context.Background(), req); err != nil {
		t.Fatalf("other configuration: %v", err)
	}
	req.Context.Config = []byte(`{"hourly_cents":2}`)
	if _, err := m.Quote(context.Background(), req); err != nil {
		// The instance already holds that hash: the config is not sent, so
		// not checked either; the hash names the configuration.
		t.Fatalf("known hash: %v", err)
	}
	req.Context.ConfigHash = hashOf([]byte(`{"x":3}`))
	if _, err := m.Quote(context.Background(), req); kindOf(err) != KindInvalidInput {
		t.Errorf("mismatched hash: %v, want KindInvalidInput", err)
	}
	// No configuration at all for a hash the guest does not hold.
	req.Context.Config = nil
	req.Context.ConfigHash = hashOf([]byte(`{"y":4}`))
	if _, err := m.Quote(context.Background(), req); kindOf(err) != KindInvalidInput {
		t.Errorf("missing configuration: %v, want KindInvalidInput", err)
	}
	if s := m.Stats(); s.Faults != 0 {
		t.Errorf("faults = %d, want 0", s.Faults)
	}
}

func TestInvalidAndOversizedInput(t *testing.T) {
	h, _ := newHost(t, Config{MaxInputBytes: 600})
	m := load(t, h, "good")
	req := quoteReq("jardinage", abi.ModalityResident, abi.ModeFree)
	req.Minutes = -3
	if _, err := m.Quote(context.Background(), req); kindOf(err) != KindInvalidInput {
		t.Errorf("negative minutes: %v, want KindInvalidInput", err)
	}
	big := []byte(`{"hourly_cents":2000,"pad":"` + strings.Repeat("x", 1000) + `"}`)
	req = quoteReq("jardinage", abi.ModalityResident, abi.ModeFree)
	req.Context.Config, req.Context.ConfigHash = big, hashOf(big)
	_, err := m.Quote(context.Background(), req)
	if kindOf(err) != KindTooLarge {
		t.Errorf("oversized input: %v, want KindTooLarge", err)
	}
	if _, err := m.Call(context.Background(), abi.OpQuote, make([]byte, 601)); kindOf(err) != KindTooLarge {
		t.Errorf("oversized raw input: %v, want KindTooLarge", err)
	}
	if s := m.Stats(); s.Faults != 0 {
		t.Errorf("faults = %d, want 0: a bad input is not the plugin's fault", s.Faults)
	}
	mustQuote(t, m, "jardinage")
}

func TestRawCall(t *testing.T) {
	h, _ := newHost(t, Config{})
	m := load(t, h, "good")
	out, err := m.Call(context.Background(), abi.OpDescribe, []byte(`{}`))
	if err != nil {
		t.Fatalf("Call describe: %v", err)
	}
	var env abi.Envelope
	if err := json.Unmarshal(out, &env); err != nil || !env.OK {
		t.Fatalf("describe envelope %s: %v", out, err)
	}
	in, _ := json.Marshal(quoteReq("mobilite", abi.ModalityResident, abi.ModeCESUDeclaratif))
	out, err = m.Call(context.Background(), abi.OpQuote, in)
	if err != nil || !strings.Contains(string(out), `"ok":false`) {
		t.Errorf("a refusal through Call: %s, %v", out, err)
	}
	if _, err := m.Call(context.Background(), abi.Op("steal"), nil); kindOf(err) != KindInvalidInput {
		t.Errorf("unknown op: %v", err)
	}
}

// TestHostileCalls runs each misbehaviour of the hostile guest: a typed
// error of the right kind, the instance discarded, and the host still
// serving both the hostile module and the good one.
func TestHostileCalls(t *testing.T) {
	h, _ := newHost(t, Config{CallTimeout: 500 * time.Millisecond, MaxMemoryPages: 128, FaultLimit: -1, MaxInstances: 2})
	good := load(t, h, "good")
	bad := load(t, h, "hostile")
	cases := []struct {
		category string
		kinds    []Kind
	}{
		{"loop", []Kind{KindTimeout}},
		{"recurse", []Kind{KindMemory}},
		{"grow", []Kind{KindMemory}},
		{"huge", []Kind{KindOutputTooLarge}},
		{"outside", []Kind{KindMalformedOutput}},
		{"not-json", []Kind{KindMalformedOutput}},
		{"not-envelope", []Kind{KindMalformedOutput}},
		{"bad-refusal", []Kind{KindMalformedOutput}},
		{"negative", []Kind{KindInvalidResult}},
		{"bad-total", []Kind{KindInvalidResult}},
		{"currency", []Kind{KindInvalidResult}},
		{"config-loop", []Kind{KindInvalidResult}},
		{"unreachable", []Kind{KindTrap}},
		{"panic", []Kind{KindTrap}},
		{"exit", []Kind{KindTrap}},
	}
	for _, c := range cases {
		t.Run(c.category, func(t *testing.T) {
			before := bad.Stats()
			start := time.Now()
			_, err := bad.Quote(context.Background(), quoteReq(c.category, abi.ModalityResident, abi.ModeFree))
			elapsed := time.Since(start)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			ok := false
			for _, k := range c.kinds {
				ok = ok || e.Kind == k
			}
			if !ok {
				t.Fatalf("kind = %v (%v), want %v", e.Kind, err, c.kinds)
			}
			if !errors.Is(err, &Error{Kind: e.Kind}) || e.Plugin != "test.hostile@0.6.6" || e.Op != abi.OpQuote {
				t.Errorf("error fields: %+v", e)
			}
			if fr, _ := e.PublicMessage(); !strings.Contains(fr, "module") {
				t.Errorf("public message %q", fr)
			}
			after := bad.Stats()
			if after.Faults != before.Faults+1 {
				t.Errorf("faults %d → %d, want one more", before.Faults, after.Faults)
			}
			t.Logf("%s: %v in %v", c.category, e.Kind, elapsed.Round(time.Millisecond))
			mustQuote(t, bad, "ok")
			mustQuote(t, good, "jardinage")
		})
	}
	if s := h.Stats(); s.Instances > 4 {
		t.Errorf("host has %d instances, want at most 2 per module", s.Instances)
	}
}

func TestLogIsBoundedAndRateLimited(t *testing.T) {
	h, rec := newHost(t, Config{LogRate: 5})
	m := load(t, h, "hostile")
	before := len(rec.find("spam"))
	mustQuote(t, m, "log-spam")
	got := rec.find("spam")
	if n := len(got) - before; n > 6 || n < 1 {
		t.Errorf("%d spam lines logged, want the burst of 5 (±1)", n)
	}
	if d := m.Stats().LogDropped; d < 990 {
		t.Errorf("LogDropped = %d, want ≥ 990", d)
	}
	for _, r := range got {
		if len(r.Message) > logLineMax {
			t.Errorf("a log line of %d bytes", len(r.Message))
		}
		if attr(r, "plugin") != "test.hostile" || attr(r, "version") != "0.6.6" {
			t.Errorf("log line without plugin tags: %v", r)
		}
	}
	if s := m.Stats(); s.Faults != 0 {
		t.Errorf("faults = %d: logging too much is not a fault", s.Faults)
	}
}

func TestBusyAndCanceled(t *testing.T) {
	h, _ := newHost(t, Config{MaxInstances: 1, CallTimeout: 5 * time.Second})
	m := load(t, h, "good")
	slow := quoteReq("slow", abi.ModalityResident, abi.ModeFree)
	slow.Minutes = 600 // long enough to be busy for a while
	var wg sync.WaitGroup
	wg.Add(1)
	started := make(chan struct{})
	go func() {
		defer wg.Done()
		close(started)
		if _, err := m.Quote(context.Background(), slow); err != nil {
			t.Errorf("slow quote: %v", err)
		}
	}()
	<-started
	waitFor(t, "the slow call to hold the instance", 2*time.Second, func() bool {
		s := m.Stats()
		return s.Instances == 1 && s.Idle == 0
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, err := m.Quote(ctx, quoteReq("jardinage", abi.ModalityResident, abi.ModeFree))
	cancel()
	if kindOf(err) != KindBusy {
		t.Errorf("with every instance busy: %v, want KindBusy", err)
	}
	wg.Wait()

	// A caller that gives up mid-call: not the plugin's fault.
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		waitFor(t, "the call to start", 2*time.Second, func() bool { return m.Stats().Idle == 0 })
		cancel()
	}()
	_, err = m.Quote(ctx, slow)
	if kindOf(err) != KindCanceled {
		t.Errorf("canceled call: %v, want KindCanceled", err)
	}
	if s := m.Stats(); s.Faults != 0 {
		t.Errorf("faults = %d, want 0", s.Faults)
	}
	mustQuote(t, m, "jardinage")
}

func TestIdleInstancesScaleDown(t *testing.T) {
	h, _ := newHost(t, Config{MaxInstances: 3, IdleTimeout: 150 * time.Millisecond, CallTimeout: 5 * time.Second})
	m := load(t, h, "good")
	slow := quoteReq("slow", abi.ModalityResident, abi.ModeFree)
	slow.Minutes = 60
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.Quote(context.Background(), slow); err != nil {
				t.Errorf("slow quote: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := m.Stats().Instances; n < 2 {
		t.Logf("only %d instances were needed", n)
	}
	waitFor(t, "idle instances to be closed", 3*time.Second, func() bool { return m.Stats().Instances == 1 })
	mustQuote(t, m, "jardinage")
}
