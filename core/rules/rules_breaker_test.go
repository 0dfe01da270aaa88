package rules

import (
	"errors"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/pluginhost"
)

func TestBreakerCutsOffOneTerritory(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	b := newBreaker(func() time.Time { return now })
	fault := &pluginhost.Error{Kind: pluginhost.KindTrap, Err: errors.New("boom")}
	refusal := &pluginhost.RefusalError{}

	// Refusals and non-fault errors never count.
	for i := 0; i < 3*TerritoryFaultLimit; i++ {
		b.record("a", refusal)
		b.record("a", errors.New("database down"))
	}
	if err := b.admit("a"); err != nil {
		t.Fatalf("cut off by refusals: %v", err)
	}
	// Faults spread wider than the window never add up.
	for i := 0; i < 2*TerritoryFaultLimit; i++ {
		if b.record("a", fault) {
			t.Fatalf("cut off by faults %v apart", TerritoryFaultWindow/2)
		}
		now = now.Add(TerritoryFaultWindow / 2)
	}
	// TerritoryFaultLimit faults within the window cut "a" off, and only "a".
	cut := false
	for i := 0; i < TerritoryFaultLimit; i++ {
		cut = b.record("a", fault) || cut
	}
	if !cut {
		t.Fatal("not cut off after the limit")
	}
	if e := apperr.As(b.admit("a")); e.Code != "territory_plugin_cut_off" || e.Kind != apperr.KindUnavailable {
		t.Errorf("admit during the cooldown = %+v", e)
	}
	if err := b.admit("b"); err != nil {
		t.Errorf("another territory was cut off: %v", err)
	}
	now = now.Add(TerritoryCooldown)
	if err := b.admit("a"); err != nil {
		t.Errorf("still cut off after the cooldown: %v", err)
	}
}
