package main

import (
	"slices"
	"testing"
	"time"

	"github.com/campagnon/campagnon/plugins/standard/rules/rulestest"
	"github.com/campagnon/campagnon/sdk/abi"
)

var now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func TestManifest(t *testing.T) {
	t.Parallel()
	rulestest.CheckManifest(t, manifest, "cc.picardie-verte", "246000848")
}

func TestLaunchCategories(t *testing.T) {
	t.Parallel()
	cs := rulestest.CheckLaunchCategories(t, handlers)
	if m := cs[0].Modes; !slices.Equal(m, []string{"time_credits", "free", "professional"}) {
		t.Errorf("mobility modes %v: resident rides are in time credits first, or free", m)
	}
}

// TestTimeCreditPolicy: the pilot's balance policy, from its configuration:
// a member may owe 10 hours, hold 40, and starts with 2 (pilot values).
func TestTimeCreditPolicy(t *testing.T) {
	t.Parallel()
	rulestest.CheckTimeCreditPolicy(t, handlers, abi.TimeCreditPolicy{FloorMinutes: -10 * 60, CeilingMinutes: 40 * 60, WelcomeMinutes: 2 * 60})
}

// TestPicardieVerteRules checks what sets this territory apart: rides in
// time credits with the driver's mileage paid by the communauté de
// communes (code), a mileage allowance capped at 25 € a trip, and a
// solidarity reduction of 30 % up to 15 € paid by the communauté de
// communes (configuration).
func TestPicardieVerteRules(t *testing.T) {
	t.Parallel()
	p := rulestest.Policy(t, handlers)
	cases := []struct {
		name                              string
		req                               abi.QuoteRequest
		total, subsidy, commission, taxEl int64
		minutes                           int
		mileage                           int64 // the mileage line, 0 if none
	}{
		{"time-credit ride: the CC pays the mileage, capped per trip",
			abi.QuoteRequest{Category: "mobilite", Modality: "resident", Mode: "time_credits", Minutes: 150, Occurrences: 1, DistanceMeters: 45200},
			2500, 2500, 0, 0, 150, 2500},
		{"short time-credit rides: 12 km a trip at 0,35 €",
			abi.QuoteRequest{Category: "mobilite", Modality: "resident", Mode: "time_credits", Minutes: 45, Occurrences: 2, DistanceMeters: 6400},
			840, 840, 0, 0, 90, 840},
		{"time-credit ride in the same commune: nothing to pay",
			abi.QuoteRequest{Category: "mobilite", Modality: "resident", Mode: "time_credits", Minutes: 30, Occurrences: 1},
			0, 0, 0, 0, 30, 0},
		{"time credits outside mobility: no mileage",
			abi.QuoteRequest{Category: "aines", Modality: "resident", Mode: "time_credits", Minutes: 60, Occurrences: 1, DistanceMeters: 20000},
			0, 0, 0, 0, 60, 0},
		{"volunteer ride: the passenger pays the capped allowance",
			abi.QuoteRequest{Category: "mobilite", Modality: "resident", Mode: "free", Minutes: 120, Occurrences: 1, DistanceMeters: 38000},
			2500, 0, 0, 0, 0, 2500},
		{"solidarity reduction: 30 % paid by the CC, up to 15 €",
			abi.QuoteRequest{Category: "petits-travaux", Modality: "professional", Mode: "professional", Minutes: 120, Occurrences: 1, DistanceMeters: 8200, ProviderSAP: true, Solidarity: true},
			7334, 1500, 214, 5620, 0, 0},
		{"solidarity reduction below its cap",
			abi.QuoteRequest{Category: "aines", Modality: "resident", Mode: "cesu_declaratif", Minutes: 60, Occurrences: 1, Solidarity: true},
			1100, 330, 0, 770, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := p.Quote(now, &tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Check(&tc.req); err != nil {
				t.Fatal(err)
			}
			var mileage int64
			for _, l := range q.Lines {
				if l.Code == "mileage" {
					mileage = l.AmountCents
				}
			}
			if q.TotalCents != tc.total || q.SubsidyCents != tc.subsidy || q.CommissionCents != tc.commission ||
				q.TaxCreditEligibleCents != tc.taxEl || q.TimeCreditMinutes != tc.minutes || mileage != tc.mileage {
				t.Errorf("total %d subsidy %d commission %d tax %d minutes %d mileage %d\nwant %d %d %d %d %d %d",
					q.TotalCents, q.SubsidyCents, q.CommissionCents, q.TaxCreditEligibleCents, q.TimeCreditMinutes, mileage,
					tc.total, tc.subsidy, tc.commission, tc.taxEl, tc.minutes, tc.mileage)
			}
		})
	}
}
