package credential

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
)

// ErrBusy is returned by the ...Context functions when every argon2id slot
// stayed taken until the context ended; the error also wraps ctx.Err().
var ErrBusy = errors.New("credential: every argon2id slot stayed busy")

// derivations bounds the argon2id derivations running at once in the
// process: one fewer than GOMAXPROCS at start, at least one, so that a
// burst of logins or sign-ups leaves a core to the requests that only read
// (each derivation with OWASPParams holds a core for tens of milliseconds
// and allocates 19 MiB; twenty at once on two cores stalled every other
// request for hundreds of milliseconds). Derivations beyond the bound wait
// their turn, first come first served.
//
// It is process-wide on purpose: the cores are the process's, whichever
// caller hashes (login, the equal-time answer for unknown emails, sign-up,
// password reset, erasure's password check).
var derivations = newGate(max(1, runtime.GOMAXPROCS(0)-1))

// MaxConcurrentHashes returns how many argon2id derivations (Hash, Verify,
// DummyVerify and their Context forms) may run at once in this process.
func MaxConcurrentHashes() int { return cap(derivations.slots) }

// gate is a counting semaphore whose waiters are served in arrival order
// (a channel's send queue is FIFO).
type gate struct {
	slots   chan struct{}
	waiting atomic.Int64
}

func newGate(n int) *gate { return &gate{slots: make(chan struct{}, n)} }

// enter takes a slot, waiting for one until ctx ends; a free slot is taken
// even when ctx has ended, since the work it guards is bounded.
func (g *gate) enter(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
	}
}

// leave gives back a slot taken by enter.
func (g *gate) leave() { <-g.slots }
