package main

import (
	"strings"
	"testing"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/golden"
)

func config(t *testing.T, raw string) *Config {
	t.Helper()
	c, err := parseConfig([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Config)
}

func TestPrice(t *testing.T) {
	cases := []struct {
		name       string
		config     string
		minutes    int
		occ        int
		sap        bool
		labour     int64 // the labour line
		reduction  int64 // the sliding-scale line, 0 if none
		total, tax int64
	}{
		{"short job: one hour minimum", "", 50, 1, false, 3200, 0, 3200, 0},
		{"per started quarter hour: 70 min billed 75", "", 70, 1, false, 4000, 0, 4000, 0},
		{"4 visits: 90 % of the rate", "", 95, 4, true, 22400, -2240, 20160, 20160},
		{"12 visits: 80 % of the rate", "", 60, 12, true, 38400, -7680, 30720, 30720},
		{"3 visits: full rate", "{}", 60, 3, true, 9600, 0, 9600, 9600},
		{"the territory's own grid", `{"hourly_cents": 4000, "minimum_minutes": 30, "step_minutes": 30, "scale": []}`, 40, 5, false, 20000, 0, 20000, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &abi.QuoteRequest{Category: categoryID, Modality: abi.ModalityProfessional, Mode: abi.ModeProfessional,
				Minutes: tc.minutes, Occurrences: tc.occ, ProviderSAP: tc.sap}
			q, err := price(config(t, tc.config), r)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Check(r); err != nil {
				t.Fatal(err)
			}
			var reduction int64
			if len(q.Lines) > 1 {
				reduction = q.Lines[1].AmountCents
			}
			if q.Lines[0].AmountCents != tc.labour || reduction != tc.reduction || q.TotalCents != tc.total || q.TaxCreditEligibleCents != tc.tax {
				t.Errorf("labour %d reduction %d total %d tax %d, want %d %d %d %d",
					q.Lines[0].AmountCents, reduction, q.TotalCents, q.TaxCreditEligibleCents, tc.labour, tc.reduction, tc.total, tc.tax)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, raw := range []string{
		`{"hourly": 3000}`,
		`{"hourly_cents": 0}`,
		`{"hourly_cents": 3000, "step_minutes": 0}`,
		`{"hourly_cents": 3000, "step_minutes": 15, "scale": [{"from_occurrences": 10, "percent_bp": 8000}, {"from_occurrences": 4, "percent_bp": 9000}]}`,
	} {
		if _, err := parseConfig([]byte(raw)); err == nil || !strings.HasPrefix(err.Error(), "configuration invalide") {
			t.Errorf("%s: err = %v, want a French refusal", raw, err)
		}
	}
}

// TestGolden runs every case of testdata/golden ({"op", "input", "output"})
// natively, through the SDK's decode and encode path, checks each answer as
// the host would, and compares the envelopes as JSON values.
func TestGolden(t *testing.T) {
	golden.Run(t, handlers, "testdata/golden")
}
