package pluginhost

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestErrorKinds(t *testing.T) {
	sentinels := map[Kind]error{
		KindTrap: ErrTrap, KindTimeout: ErrTimeout, KindMemory: ErrMemory, KindOutputTooLarge: ErrOutputTooLarge,
		KindMalformedOutput: ErrMalformedOutput, KindInvalidResult: ErrInvalidResult, KindNotWasm: ErrNotWasm,
		KindABIMismatch: ErrABIMismatch, KindMissingExport: ErrMissingExport, KindForbiddenImport: ErrForbiddenImport,
		KindBadSignature: ErrBadSignature, KindCutOff: ErrCutOff, KindTooLarge: ErrTooLarge, KindBusy: ErrBusy,
		KindCanceled: ErrCanceled, KindClosed: ErrClosed, KindInvalidInput: ErrInvalidInput,
	}
	seen := map[string]bool{}
	_, fallback := (&Error{Kind: Kind(999)}).PublicMessage()
	for k, sentinel := range sentinels {
		e := &Error{Kind: k, Plugin: "test.x@1.0.0", Detail: "d", Err: errors.New("cause"), RetryAfter: 90 * time.Second}
		wrapped := fmt.Errorf("rules: %w", e)
		for k2, s2 := range sentinels {
			if got := errors.Is(wrapped, s2); got != (k == k2) {
				t.Errorf("errors.Is(%v, sentinel %v) = %v", k, k2, got)
			}
		}
		if errors.Is(wrapped, ErrRefused) {
			t.Errorf("%v matches ErrRefused", k)
		}
		name := k.String()
		if strings.HasPrefix(name, "kind(") || seen[name] {
			t.Errorf("kind %d has name %q", k, name)
		}
		seen[name] = true
		fr, en := e.PublicMessage()
		if fr == "" || en == "" || fr == en || en == fallback {
			t.Errorf("%v: public message %q / %q", k, fr, en)
		}
		if strings.Contains(fr, "cause") {
			t.Errorf("%v: the cause leaks into the public message: %q", k, fr)
		}
		if !strings.Contains(e.Error(), "cause") || !strings.Contains(e.Error(), "test.x@1.0.0") {
			t.Errorf("%v: Error() = %q", k, e.Error())
		}
		if sentinel.(*Error).Kind != k {
			t.Errorf("sentinel of %v has kind %v", k, sentinel.(*Error).Kind)
		}
	}
	for _, k := range []Kind{KindTrap, KindTimeout, KindMemory, KindOutputTooLarge, KindMalformedOutput, KindInvalidResult} {
		if !k.Fault() {
			t.Errorf("%v is not a fault", k)
		}
	}
	for _, k := range []Kind{KindCutOff, KindBusy, KindCanceled, KindClosed, KindInvalidInput, KindTooLarge, KindNotWasm} {
		if k.Fault() {
			t.Errorf("%v is a fault", k)
		}
	}
	fr, _ := (&Error{Kind: KindCutOff, Plugin: "p@1", RetryAfter: 90 * time.Second}).PublicMessage()
	if !strings.Contains(fr, "2 min") {
		t.Errorf("cut-off message does not say how long: %q", fr)
	}
}

func TestLimiter(t *testing.T) {
	var l limiter
	l.init(3)
	now := time.Unix(0, 0)
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow(now); !ok {
			t.Fatalf("burst refused at %d", i)
		}
	}
	for i := 0; i < 5; i++ {
		if ok, _ := l.allow(now); ok {
			t.Fatalf("allowed past the burst")
		}
	}
	ok, dropped := l.allow(now.Add(400 * time.Millisecond)) // 1.2 tokens back
	if !ok || dropped != 5 {
		t.Errorf("after refill: %v, dropped %d, want true, 5", ok, dropped)
	}
}

func TestTailWriterAndCleanMessage(t *testing.T) {
	var w tailWriter
	w.Write([]byte("début "))
	w.Write([]byte(strings.Repeat("x", 600)))
	w.Write([]byte("fin"))
	s := w.take()
	if len(s) != tailMax || !strings.HasSuffix(s, "xfin") {
		t.Errorf("tail = %d bytes ending %q", len(s), s[len(s)-5:])
	}
	if w.take() != "" {
		t.Errorf("take did not forget")
	}
	if got := cleanMessage([]byte("a\nb\x00c\xffd")); got != "a b c?d" {
		t.Errorf("cleanMessage = %q", got)
	}
	if got := sanitize(strings.Repeat("é", 100) + "\x01"); !strings.HasSuffix(got, "…") || strings.Contains(got, "\x01") {
		t.Errorf("sanitize = %q", got)
	}
}

func TestLinearMemoryCap(t *testing.T) {
	lm := &linearMemory{limit: 4 * pageSize}
	m := lm.Allocate(0, 65536*pageSize)
	b := m.Reallocate(pageSize)
	if len(b) != pageSize {
		t.Fatalf("len %d", len(b))
	}
	b[10] = 7
	b = m.Reallocate(3 * pageSize)
	if len(b) != 3*pageSize || b[10] != 7 || b[2*pageSize] != 0 {
		t.Fatalf("growth lost or dirtied bytes")
	}
	if m.Reallocate(5*pageSize) != nil || !lm.refused {
		t.Fatalf("growth past the cap was not refused and recorded")
	}
	if b := m.Reallocate(4 * pageSize); len(b) != 4*pageSize || cap(b) > 4*pageSize {
		t.Fatalf("growth up to the cap: len %d cap %d", len(b), cap(b))
	}
}
