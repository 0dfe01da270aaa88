package credential

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGateHammer: P goroutines × N entries released together never have
// more than the gate's slots inside at once, and every one gets in.
func TestGateHammer(t *testing.T) {
	t.Parallel()
	const slots, P, N = 2, 8, 200
	g := newGate(slots)
	var inside, peak, done atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range P {
		wg.Go(func() {
			<-start
			for range N {
				if err := g.enter(context.Background()); err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				runtime.Gosched()
				inside.Add(-1)
				g.leave()
				done.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if peak.Load() > slots || done.Load() != P*N {
		t.Errorf("peak %d inside a gate of %d; %d of %d entries", peak.Load(), slots, done.Load(), P*N)
	}
}

// TestGateContext: a waiter gives up when its context ends, with ErrBusy
// and the context's error; a free slot is taken even then.
func TestGateContext(t *testing.T) {
	t.Parallel()
	g := newGate(1)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.enter(cancelled); err != nil {
		t.Fatalf("free slot refused: %v", err)
	}
	err := g.enter(cancelled)
	if !errors.Is(err, ErrBusy) || !errors.Is(err, context.Canceled) {
		t.Errorf("enter on a full gate = %v, want ErrBusy and context.Canceled", err)
	}
	g.leave()
	if err := g.enter(context.Background()); err != nil {
		t.Errorf("slot not given back: %v", err)
	}
}

// TestMaxConcurrentHashes: one core is left to the rest of the process.
func TestMaxConcurrentHashes(t *testing.T) {
	t.Parallel()
	if got, want := MaxConcurrentHashes(), max(1, runtime.GOMAXPROCS(0)-1); got != want {
		t.Errorf("MaxConcurrentHashes() = %d, want %d", got, want)
	}
}

// TestEveryDerivationGoesThroughTheGate: with every slot of the process
// taken, Hash, Verify and DummyVerify (the equal-time answer for unknown
// emails) wait, and their Context forms give up with ErrBusy. Not parallel:
// it holds the process-wide slots.
func TestEveryDerivationGoesThroughTheGate(t *testing.T) {
	p := Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
	h, err := Hash("mot de passe", p)
	if err != nil {
		t.Fatal(err)
	}
	for range MaxConcurrentHashes() {
		derivations.slots <- struct{}{}
	}
	held := MaxConcurrentHashes()
	defer func() {
		for range held {
			derivations.leave()
		}
	}()

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	withContext := map[string]func() error{
		"HashContext":        func() error { _, err := HashContext(cancelled, "mot de passe", p); return err },
		"VerifyContext":      func() error { _, _, err := VerifyContext(cancelled, "mot de passe", h, p); return err },
		"DummyVerifyContext": func() error { return DummyVerifyContext(cancelled) },
	}
	for name, f := range withContext {
		if err := f(); !errors.Is(err, ErrBusy) {
			t.Errorf("%s with every slot taken = %v, want ErrBusy", name, err)
		}
	}

	waiting := map[string]func(){
		"Hash":        func() { _, _ = Hash("mot de passe", p) },
		"Verify":      func() { _, _, _ = Verify("mot de passe", h, p) },
		"DummyVerify": DummyVerify,
	}
	for name, f := range waiting {
		done := make(chan struct{})
		go func() { defer close(done); f() }()
		for derivations.waiting.Load() != 1 {
			select {
			case <-done:
				t.Fatalf("%s ran with every slot taken", name)
			default:
				time.Sleep(time.Millisecond)
			}
		}
		derivations.leave() // let it through, then take the slot back
		<-done
		derivations.slots <- struct{}{}
	}
}
