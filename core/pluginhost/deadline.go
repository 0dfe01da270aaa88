package pluginhost

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// callDeadline is the reusable deadline context of one instance's calls.
// Every guest call runs under it; when the deadline passes (or the
// caller's context ends) its Done channel closes and wazero, configured
// with WithCloseOnContextDone, closes the instance mid-flight.
//
// context.WithTimeout would cost a timer, a context and a channel per call;
// this reuses one timer (Reset per call) and one channel for as long as no
// deadline fires. An instance serves one call at a time, so start and end
// are never concurrent; only fire (the timer's goroutine) and wazero's
// watcher goroutine (Done, Err) run beside them.
type callDeadline struct {
	// parent and deadline are set by start and read on the calling
	// goroutine only (Value, Deadline).
	parent   context.Context
	deadline time.Time

	mu    sync.Mutex
	armed bool
	timer *time.Timer
	// stopParent unregisters the propagation of the parent's end; nil when
	// the parent can never end.
	stopParent func() bool
	// onParentEnd is fireParent as a func value, made once.
	onParentEnd func()

	done atomic.Pointer[chan struct{}]
	err  atomic.Pointer[error]
}

var (
	errDeadline error = context.DeadlineExceeded
	errCanceled error = context.Canceled
)

// start arms the deadline for a call that must end within timeout, or
// earlier with ctx, and returns the call's context.
func (d *callDeadline) start(ctx context.Context, timeout time.Duration) context.Context {
	if d.err.Load() != nil || d.done.Load() == nil {
		// First call, or the previous deadline fired: a fresh channel.
		ch := make(chan struct{})
		d.done.Store(&ch)
		d.err.Store(nil)
	}
	now := time.Now()
	d.parent = ctx
	d.deadline = now.Add(timeout)
	if pd, ok := ctx.Deadline(); ok && pd.Before(d.deadline) {
		d.deadline = pd
	}
	wait := d.deadline.Sub(now)
	d.mu.Lock()
	d.armed = true
	if d.timer == nil {
		d.timer = time.AfterFunc(wait, d.fireDeadline)
	} else {
		d.timer.Reset(wait)
	}
	d.mu.Unlock()
	if ctx.Done() != nil {
		if d.onParentEnd == nil {
			d.onParentEnd = d.fireParent
		}
		d.stopParent = context.AfterFunc(ctx, d.onParentEnd)
	}
	return d
}

// end disarms the deadline once the guest call returned.
func (d *callDeadline) end() {
	d.mu.Lock()
	d.armed = false
	if d.timer != nil {
		d.timer.Stop()
	}
	d.mu.Unlock()
	if d.stopParent != nil {
		d.stopParent()
		d.stopParent = nil
	}
	d.parent = nil
}

// stop releases the timer for good, when the instance is closed.
func (d *callDeadline) stop() {
	d.end()
}

func (d *callDeadline) fireDeadline() { d.fire(errDeadline) }

// fireParent ends the call when the caller's context ends. The caller
// reads its own context's error; wazero only needs to know it ended.
func (d *callDeadline) fireParent() { d.fire(errCanceled) }

// fire ends the armed call's context with err; a late fire, after end, does
// nothing.
func (d *callDeadline) fire(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.armed {
		return
	}
	d.armed = false
	d.err.Store(&err)
	close(*d.done.Load())
}

// Deadline implements context.Context.
func (d *callDeadline) Deadline() (time.Time, bool) { return d.deadline, true }

// Done implements context.Context.
func (d *callDeadline) Done() <-chan struct{} { return *d.done.Load() }

// Err implements context.Context.
func (d *callDeadline) Err() error {
	if e := d.err.Load(); e != nil {
		return *e
	}
	return nil
}

// Value implements context.Context: the caller's values.
func (d *callDeadline) Value(key any) any {
	if p := d.parent; p != nil {
		return p.Value(key)
	}
	return nil
}
