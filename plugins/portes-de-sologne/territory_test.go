package main

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/campagnon/campagnon/plugins/standard/rules"
	"github.com/campagnon/campagnon/plugins/standard/rules/rulestest"
	"github.com/campagnon/campagnon/sdk/abi"
)

var now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func TestManifest(t *testing.T) {
	t.Parallel()
	rulestest.CheckManifest(t, manifest, "cc.portes-de-sologne", "200005932")
}

func TestLaunchCategories(t *testing.T) {
	t.Parallel()
	cs := rulestest.CheckLaunchCategories(t, handlers)
	if m := cs[0].Modes; !slices.Equal(m, []string{"free", "professional"}) {
		t.Errorf("mobility modes %v: resident rides are free, mileage only", m)
	}
}

// TestTimeCreditPolicy: the pilot's balance policy, from its configuration:
// a member may owe 5 hours, hold 30, and starts with 1 (pilot values).
func TestTimeCreditPolicy(t *testing.T) {
	t.Parallel()
	rulestest.CheckTimeCreditPolicy(t, handlers, abi.TimeCreditPolicy{FloorMinutes: -5 * 60, CeilingMinutes: 30 * 60, WelcomeMinutes: 1 * 60})
}

// TestPortesDeSologneRules checks what sets this territory apart: rides
// between residents free with an uncapped mileage allowance and no time
// credits, a 5 % commission for professionals waived for those declared
// SAP (code), a subsidy of 20 % up to 10 € for professional services to
// older people, no solidarity reduction, its own price grid
// (configuration).
func TestPortesDeSologneRules(t *testing.T) {
	t.Parallel()
	p := rulestest.Policy(t, handlers)
	cases := []struct {
		name                              string
		req                               abi.QuoteRequest
		refusal                           string
		total, subsidy, commission, taxEl int64
	}{
		{"no time credits for rides",
			abi.QuoteRequest{Category: "mobilite", Modality: "resident", Mode: "time_credits", Minutes: 60, Occurrences: 1, DistanceMeters: 12000},
			rules.CodeModeNotAllowed, 0, 0, 0, 0},
		{"volunteer ride: mileage at 0,30 €, no cap per trip",
			abi.QuoteRequest{Category: "mobilite", Modality: "resident", Mode: "free", Minutes: 120, Occurrences: 1, DistanceMeters: 40000},
			"", 2400, 0, 0, 0},
		{"professional commission 5 %",
			abi.QuoteRequest{Category: "petits-travaux", Modality: "professional", Mode: "professional", Minutes: 60, Occurrences: 1, DistanceMeters: 4000},
			"", 4410, 0, 210, 0},
		{"commission waived for a declared professional",
			abi.QuoteRequest{Category: "petits-travaux", Modality: "professional", Mode: "professional", Minutes: 60, Occurrences: 1, DistanceMeters: 4000, ProviderSAP: true},
			"", 4200, 0, 0, 4200},
		{"CC subsidy for older people: 20 %, up to 10 €",
			abi.QuoteRequest{Category: "aines", Modality: "professional", Mode: "professional", Minutes: 90, Occurrences: 1, DistanceMeters: 5000, ProviderSAP: true},
			"", 5000, 1000, 0, 4000},
		{"CC subsidy below its cap",
			abi.QuoteRequest{Category: "aines", Modality: "professional", Mode: "professional", Minutes: 60, Occurrences: 1},
			"", 3150, 630, 150, 0},
		{"no solidarity reduction",
			abi.QuoteRequest{Category: "enfance", Modality: "resident", Mode: "cesu_declaratif", Minutes: 60, Occurrences: 1, Solidarity: true},
			"", 1150, 0, 0, 1150},
		{"time credits: at least 30 minutes",
			abi.QuoteRequest{Category: "aines", Modality: "resident", Mode: "time_credits", Minutes: 20, Occurrences: 1},
			rules.CodeTimeCreditsLimit, 0, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := p.Quote(now, &tc.req)
			if tc.refusal != "" {
				var r *rules.Refusal
				if !errors.As(err, &r) || r.Code != tc.refusal {
					t.Fatalf("quote %+v, err %v; want refusal %s", q, err, tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Check(&tc.req); err != nil {
				t.Fatal(err)
			}
			if q.TotalCents != tc.total || q.SubsidyCents != tc.subsidy || q.CommissionCents != tc.commission || q.TaxCreditEligibleCents != tc.taxEl {
				t.Errorf("total %d subsidy %d commission %d tax %d, want %d %d %d %d",
					q.TotalCents, q.SubsidyCents, q.CommissionCents, q.TaxCreditEligibleCents, tc.total, tc.subsidy, tc.commission, tc.taxEl)
			}
		})
	}
}
