// Package rulestest helps test the plugins built on the standard rules:
// their default policy, manifest and launch categories. Their golden cases
// run with the SDK's golden package (github.com/campagnon/campagnon/sdk/golden).
package rulestest

import (
	"slices"
	"testing"

	"github.com/campagnon/campagnon/plugins/standard/rules"
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// LaunchCategories are the ids of the four launch categories, in display order.
var LaunchCategories = []string{"mobilite", "petits-travaux", "enfance", "aines"}

// Policy compiles a plugin's default configuration (the empty one) with
// its ParseConfig.
func Policy(t testing.TB, h plugin.Handlers) *rules.Policy {
	t.Helper()
	p, err := h.ParseConfig([]byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	return p.(*rules.Policy)
}

// CheckManifest checks a plugin's manifest against the ABI, its id and the
// EPCI it is written for.
func CheckManifest(t testing.TB, m abi.Manifest, id string, territories ...string) {
	t.Helper()
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	if m.ID != id || !slices.Equal(m.Territories, territories) {
		t.Errorf("manifest %s for %v, want %s for %v", m.ID, m.Territories, id, territories)
	}
}

// CheckLaunchCategories checks that a plugin's default configuration
// offers the four launch categories, valid for the ABI, and returns them.
func CheckLaunchCategories(t testing.TB, h plugin.Handlers) []abi.Category {
	t.Helper()
	cs := Policy(t, h).Categories()
	if err := cs.Check(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs.Categories {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, LaunchCategories) {
		t.Errorf("categories %v, want the four launch categories %v", ids, LaunchCategories)
	}
	return cs.Categories
}

// CheckTimeCreditPolicy checks that a plugin's default configuration
// states the time-credit policy want, returned by categories.
func CheckTimeCreditPolicy(t testing.TB, h plugin.Handlers, want abi.TimeCreditPolicy) {
	t.Helper()
	got := Policy(t, h).Categories().TimeCredits
	if got == nil || *got != want {
		t.Errorf("time-credit policy %+v, want %+v", got, want)
	}
}
