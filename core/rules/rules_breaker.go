package rules

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/pluginhost"
)

// Per-territory cut-off. The plugin host cuts a whole module off when it
// faults too often; a module is shared by every territory that runs it
// (1,255 territories on the standard plugin), so one territory's
// pathological inputs must not take the others down. The service counts
// faults per territory and cuts that territory off first; the host's
// module-wide limit (ModuleFaultLimit) is higher and only trips when the
// module fails everywhere.
const (
	// TerritoryFaultLimit faults of one territory within TerritoryFaultWindow
	// cut that territory's plugin calls off for TerritoryCooldown.
	TerritoryFaultLimit  = 10
	TerritoryFaultWindow = time.Minute
	TerritoryCooldown    = 5 * time.Minute
	// ModuleFaultLimit is the host's module-wide limit to configure with it.
	ModuleFaultLimit = 50
)

// breaker counts faults per territory.
type breaker struct {
	mu    sync.Mutex
	state map[string]*faultRecord
	now   func() time.Time
}

type faultRecord struct {
	times    []time.Time
	cutUntil time.Time
}

func newBreaker(now func() time.Time) *breaker {
	return &breaker{state: map[string]*faultRecord{}, now: now}
}

// admit refuses a territory that is cut off, with a message for its admins.
func (b *breaker) admit(slug string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.state[slug]
	if r == nil || !b.now().Before(r.cutUntil) {
		return nil
	}
	wait := r.cutUntil.Sub(b.now()).Round(time.Second)
	return apperr.New(apperr.KindUnavailable, "territory_plugin_cut_off",
		fmt.Sprintf("Le plugin de ce territoire a échoué à répétition : ses appels sont suspendus encore %s. Les administrateurs du territoire sont prévenus ; réessayez ensuite.", wait),
		fmt.Sprintf("This territory's plugin failed repeatedly: its calls are suspended for %s more.", wait))
}

// record counts err against the territory when it is a plugin fault, and
// reports whether this fault cut the territory off.
func (b *breaker) record(slug string, err error) bool {
	var pe *pluginhost.Error
	if !errors.As(err, &pe) || !pe.Kind.Fault() {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	r := b.state[slug]
	if r == nil {
		r = &faultRecord{}
		b.state[slug] = r
	}
	kept := r.times[:0]
	for _, t := range r.times {
		if now.Sub(t) < TerritoryFaultWindow {
			kept = append(kept, t)
		}
	}
	r.times = append(kept, now)
	if len(r.times) >= TerritoryFaultLimit {
		r.times = r.times[:0]
		r.cutUntil = now.Add(TerritoryCooldown)
		return true
	}
	return false
}
