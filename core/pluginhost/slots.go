package pluginhost

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
)

// Slots binds names (territory slugs) to modules, for hot replacement. Many
// names may share one module: 1,255 territories on the standard plugin
// are 1,255 bindings to one *Module, hence one compiled module and one
// instance pool. Its methods are safe for concurrent use.
//
// A module bound at least once is closed when it is no longer bound
// anywhere and its last lease (from Get) is released: calls in flight
// finish on it, new calls go to its replacement, then it is drained and
// its instances closed.
type Slots struct {
	mu sync.RWMutex
	m  map[string]*Module
}

// NewSlots returns an empty set of bindings.
func NewSlots() *Slots { return &Slots{m: map[string]*Module{}} }

// Set binds name to m atomically and returns the module it replaces (nil
// if none). A nil m unbinds name. The replaced module keeps serving the
// calls already leased and is closed once none is left, unless still
// bound elsewhere. Binding a closed module fails with KindClosed.
func (s *Slots) Set(name string, m *Module) (*Module, error) {
	s.mu.Lock()
	old := s.m[name]
	if old == m {
		s.mu.Unlock()
		return old, nil
	}
	if m != nil {
		if !m.ref() {
			s.mu.Unlock()
			return nil, &Error{Kind: KindClosed, Plugin: m.label(), Err: fmt.Errorf("bind %q: module closed", name)}
		}
		s.m[name] = m
	} else {
		delete(s.m, name)
	}
	s.mu.Unlock()
	if old != nil {
		old.unref()
	}
	return old, nil
}

// Get returns the module bound to name and a release function that the
// caller must call when its calls are done (calling it again does
// nothing): until then the module is not closed, even if replaced. A name
// bound to nothing fails with ErrUnbound.
func (s *Slots) Get(name string) (*Module, func(), error) {
	s.mu.RLock()
	m := s.m[name]
	if m == nil {
		s.mu.RUnlock()
		return nil, nil, fmt.Errorf("pluginhost: %q: %w", name, ErrUnbound)
	}
	// The binding holds a reference, so ref cannot fail while s.mu is held.
	if !m.ref() {
		s.mu.RUnlock()
		return nil, nil, errors.New("pluginhost: bound module closed")
	}
	s.mu.RUnlock()
	var released atomic.Bool
	return m, func() {
		if released.CompareAndSwap(false, true) {
			m.unref()
		}
	}, nil
}

// Names returns the bound names, sorted.
func (s *Slots) Names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.m))
	for n := range s.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
