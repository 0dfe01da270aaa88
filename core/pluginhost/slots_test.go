package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// TestHotReplacement: slow calls in flight on v1 finish on v1 while Set
// swaps the binding to v2; new calls go to v2; v1 is closed once drained.
func TestHotReplacement(t *testing.T) {
	h, _ := newHost(t, Config{MaxInstances: 4, CallTimeout: 10 * time.Second})
	v1 := load(t, h, "good")
	v2 := load(t, h, "goodv2")
	slots := NewSlots()
	if old, err := slots.Set("portes-de-sologne", v1); err != nil || old != nil {
		t.Fatalf("Set: %v, %v", old, err)
	}

	const inFlight = 3
	slow := quoteReq("slow", abi.ModalityResident, abi.ModeFree)
	slow.Minutes = 1200
	results := make(chan *abi.Quote, inFlight)
	var wg sync.WaitGroup
	for i := 0; i < inFlight; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, release, err := slots.Get("portes-de-sologne")
			if err != nil {
				t.Errorf("Get: %v", err)
				return
			}
			defer release()
			q, err := m.Quote(context.Background(), slow)
			if err != nil {
				t.Errorf("slow quote on %s: %v", m, err)
				return
			}
			results <- q
		}()
	}
	waitFor(t, "the slow calls to be in flight", 5*time.Second, func() bool {
		s := v1.Stats()
		return s.Instances-s.Idle == inFlight
	})

	old, err := slots.Set("portes-de-sologne", v2)
	if err != nil || old != v1 {
		t.Fatalf("swap: %v, %v", old, err)
	}
	if s := v1.Stats(); s.Closed || s.Instances-s.Idle != inFlight {
		t.Fatalf("v1 right after the swap: %+v; its calls must still be running", s)
	}
	// New calls go to v2 while v1's calls are still running.
	m, release, err := slots.Get("portes-de-sologne")
	if err != nil || m != v2 {
		t.Fatalf("Get after the swap: %v, %v", m, err)
	}
	q, err := m.Quote(context.Background(), quoteReq("jardinage", abi.ModalityResident, abi.ModeFree))
	release()
	if err != nil || !hasNote(q, "Calculé par test.good 2.0.0.") {
		t.Fatalf("a new call: %+v, %v", q, err)
	}
	if s := v1.Stats(); s.Closed {
		t.Fatalf("v1 closed while its calls were in flight")
	}

	wg.Wait()
	close(results)
	n := 0
	for q := range results {
		n++
		if !hasNote(q, "Calculé par test.good 1.0.0.") {
			t.Errorf("an in-flight call finished on another version: %v", q.Notes)
		}
	}
	if n != inFlight {
		t.Fatalf("%d slow calls finished, want %d", n, inFlight)
	}
	waitFor(t, "v1 to be drained and closed", time.Second, func() bool {
		s := v1.Stats()
		return s.Closed && s.Instances == 0
	})
	if _, err := v1.Quote(context.Background(), quoteReq("jardinage", abi.ModalityResident, abi.ModeFree)); kindOf(err) != KindClosed {
		t.Errorf("a call on the closed v1: %v, want KindClosed", err)
	}
	if _, err := slots.Set("other", v1); kindOf(err) != KindClosed {
		t.Errorf("binding the closed v1: %v, want KindClosed", err)
	}
	// Loading v1's bytes again starts it afresh.
	again := load(t, h, "good")
	if again == v1 {
		t.Fatalf("Load returned the closed module")
	}
	mustQuote(t, again, "jardinage")
}

// TestSharedModule: 1,255 territories bound to one module share one
// compiled module and one pool.
func TestSharedModule(t *testing.T) {
	h, _ := newHost(t, Config{MaxInstances: 2})
	std := load(t, h, "good")
	slots := NewSlots()
	for i := 0; i < 1255; i++ {
		if _, err := slots.Set(fmt.Sprintf("territoire-%04d", i), std); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 1255; i += 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, release, err := slots.Get(fmt.Sprintf("territoire-%04d", i))
			if err != nil {
				t.Error(err)
				return
			}
			defer release()
			req := quoteReq("jardinage", abi.ModalityResident, abi.ModeCESUDeclaratif)
			req.Context.Territory.Slug = fmt.Sprintf("territoire-%04d", i)
			if _, err := m.Quote(context.Background(), req); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if s := h.Stats(); s.Modules != 1 || s.Instances > 2 {
		t.Errorf("host stats %+v: want one module with at most 2 instances", s)
	}
	if s := std.Stats(); s.Refs != 1255 {
		t.Errorf("refs = %d, want 1255 bindings and no lease left", s.Refs)
	}
	if len(slots.Names()) != 1255 {
		t.Errorf("%d names", len(slots.Names()))
	}

	// Moving every territory to v2 closes the standard module.
	v2 := load(t, h, "goodv2")
	for _, name := range slots.Names() {
		if _, err := slots.Set(name, v2); err != nil {
			t.Fatal(err)
		}
		if name == "territoire-0000" && std.Stats().Closed {
			t.Fatalf("closed while still bound")
		}
	}
	if s := std.Stats(); !s.Closed || s.Instances != 0 {
		t.Errorf("the replaced module: %+v, want closed", s)
	}
	// Unbinding.
	if old, _ := slots.Set("territoire-0000", nil); old != v2 {
		t.Errorf("unbind returned %v", old)
	}
	if _, _, err := slots.Get("territoire-0000"); !errors.Is(err, ErrUnbound) {
		t.Errorf("Get of an unbound name: %v", err)
	}
}
