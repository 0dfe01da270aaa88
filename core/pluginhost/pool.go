package pluginhost

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// pool holds the instances of one module: at most MaxInstances, each
// serving one call at a time. sem holds a token per call in progress (or
// instance being created), so that busy+creating never exceeds the bound
// and waiting for a free instance is a channel send bounded by ctx.
type pool struct {
	m   *Module
	sem chan struct{}

	mu sync.Mutex
	// idle instances, least recently used first.
	idle []*instance
	// live counts open instances, idle or busy.
	live   int
	closed bool

	// warming is set while a replacement instance is being started in the
	// background.
	warming atomic.Bool
}

func newPool(m *Module, max int) *pool {
	return &pool{m: m, sem: make(chan struct{}, max)}
}

// acquire returns an instance for the caller's exclusive use, creating
// one if none is idle and the bound allows it; otherwise it waits until
// one is given back or ctx ends (KindBusy, or KindCanceled if ctx was
// canceled rather than timed out).
func (p *pool) acquire(ctx context.Context, op abi.Op) (*instance, error) {
	select {
	case p.sem <- struct{}{}:
	default:
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			kind := KindBusy
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				kind = KindCanceled
			}
			return nil, &Error{Kind: kind, Plugin: p.m.label(), Op: op, Err: ctx.Err()}
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.sem
		return nil, &Error{Kind: KindClosed, Plugin: p.m.label(), Op: op, Err: errors.New("module closed")}
	}
	if n := len(p.idle); n > 0 {
		in := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return in, nil
	}
	p.live++
	p.mu.Unlock()
	in, err := p.m.newInstance(ctx)
	if err != nil {
		p.mu.Lock()
		p.live--
		last := p.closed && p.live == 0
		p.mu.Unlock()
		<-p.sem
		if last {
			p.m.finalize()
		}
		return nil, err
	}
	return in, nil
}

// release gives an instance back. A discarded instance (after a fault) is
// closed; so is any instance of a closed pool.
func (p *pool) release(in *instance, discard bool) {
	if !discard {
		in.lastUsed = time.Now().UnixNano()
		p.mu.Lock()
		if !p.closed {
			p.idle = append(p.idle, in)
			p.mu.Unlock()
			<-p.sem
			return
		}
		p.mu.Unlock()
	}
	in.close()
	p.mu.Lock()
	p.live--
	last := p.closed && p.live == 0
	p.mu.Unlock()
	<-p.sem
	if last {
		p.m.finalize()
	}
}

// reap closes the instances idle since before cutoff, keeping keep.
func (p *pool) reap(cutoff int64, keep int) int {
	p.mu.Lock()
	n := 0
	for n < len(p.idle)-keep && p.idle[n].lastUsed < cutoff {
		n++
	}
	old := make([]*instance, n)
	copy(old, p.idle[:n])
	rest := copy(p.idle, p.idle[n:])
	clear(p.idle[rest:])
	p.idle = p.idle[:rest]
	p.live -= n
	p.mu.Unlock()
	for _, in := range old {
		in.close()
	}
	return n
}

// close closes the idle instances and marks the pool closed: busy ones
// are closed when given back. It reports whether no instance is left.
func (p *pool) close() bool {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return false
	}
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.live -= len(idle)
	empty := p.live == 0
	p.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
	return empty
}

// warm starts one instance in the background if the pool has none, so
// that the call after a fault does not pay for starting one. At most one
// warm-up runs at a time; it gives up if every slot is busy.
func (p *pool) warm() {
	p.mu.Lock()
	need := !p.closed && p.live == 0
	p.mu.Unlock()
	if !need || !p.warming.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer p.warming.Store(false)
		select {
		case p.sem <- struct{}{}:
		default:
			return
		}
		p.mu.Lock()
		if p.closed || p.live > 0 {
			p.mu.Unlock()
			<-p.sem
			return
		}
		p.live++
		p.mu.Unlock()
		in, err := p.m.newInstance(context.Background())
		if err != nil {
			p.mu.Lock()
			p.live--
			last := p.closed && p.live == 0
			p.mu.Unlock()
			<-p.sem
			if last {
				p.m.finalize()
			}
			var e *Error
			if errors.As(err, &e) && e.Kind.Fault() {
				p.m.fault(e, nil)
			}
			return
		}
		p.release(in, false)
	}()
}

// counts returns the open instances and the idle ones.
func (p *pool) counts() (live, idle int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live, len(p.idle)
}
