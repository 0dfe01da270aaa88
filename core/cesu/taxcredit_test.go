package cesu

import (
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/sdk/abi"
)

// euros returns cents.
func euros(e int64) int64 { return e * 100 }

func TestBucketsAreThePluginsNames(t *testing.T) {
	t.Parallel()
	if BucketGardening != abi.BucketGardening || BucketIT != abi.BucketIT || BucketDIY != abi.BucketDIY {
		t.Fatal("bucket names differ from sdk/abi")
	}
}

func TestHouseholdCap(t *testing.T) {
	t.Parallel()
	law := DefaultTaxCreditLaws()[0]
	tests := []struct {
		name string
		h    Household
		want int64
		fr   string
	}{
		{"alone", Household{}, euros(12_000), "12 000,00 € : 12 000,00 €"},
		{"one child", Household{DependentChildren: 1}, euros(13_500), "+ 1 × 1 500,00 €"},
		{"a child and a member over 65", Household{DependentChildren: 1, MembersOver65: 1}, euros(15_000), "au plus 15 000,00 €"},
		{"three children reach the ceiling", Household{DependentChildren: 3}, euros(15_000), ": 15 000,00 €"},
		{"first year", Household{FirstYearDirectEmployment: true}, euros(15_000), "première année d'emploi direct"},
		{"first year, one child", Household{FirstYearDirectEmployment: true, DependentChildren: 1}, euros(16_500), ": 16 500,00 €"},
		{"first year, three people", Household{FirstYearDirectEmployment: true, DependentChildren: 2, MembersOver65: 1}, euros(18_000), "au plus 18 000,00 €"},
		{"first year, many children", Household{FirstYearDirectEmployment: true, DependentChildren: 6}, euros(18_000), ""},
		{"disability", Household{Disability: true}, euros(20_000), "invalidité"},
		{"disability is not raised", Household{Disability: true, FirstYearDirectEmployment: true, DependentChildren: 4}, euros(20_000), ""},
	}
	for _, tt := range tests {
		got, fr, en := tt.h.Cap(law)
		if got != tt.want || !strings.Contains(fr, tt.fr) || en == "" {
			t.Errorf("%s: cap %d (%q), want %d containing %q", tt.name, got, fr, tt.want, tt.fr)
		}
	}
}

func TestMeterTaxCredit(t *testing.T) {
	t.Parallel()
	line := func(paid, aid int64, bucket string) SpendingLine {
		return SpendingLine{PaidCents: paid, AidCents: aid, Bucket: bucket}
	}
	type bucket struct{ counted, remaining int64 }
	tests := []struct {
		name                            string
		h                               Household
		lines                           []SpendingLine
		spent, eligible, remain, credit int64
		garden, it, diy                 bucket
	}{
		{"nothing yet", Household{}, nil, 0, 0, euros(12_000), 0,
			bucket{0, euros(5_000)}, bucket{0, euros(3_000)}, bucket{0, euros(500)}},
		{"cleaning, aid deducted", Household{}, []SpendingLine{line(euros(1_000), euros(400), "")},
			euros(600), euros(600), euros(11_400), euros(300),
			bucket{0, euros(5_000)}, bucket{0, euros(3_000)}, bucket{0, euros(500)}},
		{"prefunded CESU paid entirely by the employer", Household{}, []SpendingLine{line(euros(200), euros(200), BucketGardening)},
			0, 0, euros(12_000), 0,
			bucket{0, euros(5_000)}, bucket{0, euros(3_000)}, bucket{0, euros(500)}},
		{"sub-caps reached", Household{}, []SpendingLine{line(euros(6_000), 0, BucketGardening), line(euros(3_500), 0, BucketIT), line(euros(500), 0, BucketDIY), line(euros(20), 0, BucketDIY)},
			euros(10_020), euros(8_500), euros(3_500), euros(4_250),
			bucket{euros(5_000), 0}, bucket{euros(3_000), 0}, bucket{euros(500), 0}},
		{"a sub-cap's room is bounded by the general cap", Household{}, []SpendingLine{line(euros(11_000), 0, ""), line(euros(500), 0, BucketGardening)},
			euros(11_500), euros(11_500), euros(500), euros(5_750),
			bucket{euros(500), euros(500)}, bucket{0, euros(500)}, bucket{0, euros(500)}},
		{"general cap", Household{}, []SpendingLine{line(euros(10_000), 0, ""), line(euros(6_000), 0, BucketGardening)},
			euros(16_000), euros(12_000), 0, euros(6_000),
			bucket{euros(5_000), 0}, bucket{0, 0}, bucket{0, 0}},
		{"general cap with two dependants", Household{DependentChildren: 1, MembersOver65: 1}, []SpendingLine{line(euros(16_000), euros(500), "")},
			euros(15_500), euros(15_000), 0, euros(7_500),
			bucket{0, 0}, bucket{0, 0}, bucket{0, 0}},
		{"first year of direct employment", Household{FirstYearDirectEmployment: true, DependentChildren: 2}, []SpendingLine{line(euros(17_000), 0, "")},
			euros(17_000), euros(17_000), euros(1_000), euros(8_500),
			bucket{0, euros(1_000)}, bucket{0, euros(1_000)}, bucket{0, euros(500)}},
		{"odd cents round the credit down", Household{}, []SpendingLine{line(1001, 0, ""), line(2, 0, BucketIT)},
			1003, 1003, euros(12_000) - 1003, 501,
			bucket{0, euros(5_000)}, bucket{2, euros(3_000) - 2}, bucket{0, euros(500)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := MeterTaxCredit(2025, tt.h, tt.lines, DefaultTaxCreditLaws())
			if err != nil {
				t.Fatal(err)
			}
			if m.SpentCents != tt.spent || m.EligibleCents != tt.eligible || m.RemainingCents != tt.remain || m.TaxCreditCents != tt.credit {
				t.Errorf("spent %d eligible %d remaining %d credit %d, want %d %d %d %d",
					m.SpentCents, m.EligibleCents, m.RemainingCents, m.TaxCreditCents, tt.spent, tt.eligible, tt.remain, tt.credit)
			}
			if m.OverCapCents != m.SpentCents-m.EligibleCents || m.PaidCents-m.AidCents != m.SpentCents {
				t.Errorf("totals do not add up: %+v", m)
			}
			if !m.Simulation || !strings.HasPrefix(m.NoticeFR, "Estimation, non contractuelle") || m.NoticeEN == "" {
				t.Errorf("not labelled a simulation: %+v", m)
			}
			want := []bucket{tt.garden, tt.it, tt.diy}
			if len(m.Buckets) != 3 {
				t.Fatalf("%d buckets", len(m.Buckets))
			}
			for i, b := range m.Buckets {
				if b.Bucket != buckets[i] || b.LabelFR == "" || b.LabelEN == "" {
					t.Errorf("bucket %d: %+v", i, b)
				}
				if b.CountedCents != want[i].counted || b.RemainingCents != want[i].remaining {
					t.Errorf("bucket %s: counted %d remaining %d, want %d %d", b.Bucket, b.CountedCents, b.RemainingCents, want[i].counted, want[i].remaining)
				}
				if b.Reached != (b.SpentCents > 0 && b.SpentCents >= b.CapCents) {
					t.Errorf("bucket %s: reached %v", b.Bucket, b.Reached)
				}
			}
		})
	}
}

func TestMeterTaxCreditRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		year  int
		h     Household
		lines []SpendingLine
		code  string
	}{
		{"a year before the known law", 2016, Household{}, nil, "cesu_tax_law_unknown"},
		{"negative children", 2025, Household{DependentChildren: -1}, nil, "cesu_household_invalid"},
		{"too many people", 2025, Household{MembersOver65: maxPersons + 1}, nil, "cesu_household_invalid"},
		{"negative payment", 2025, Household{}, []SpendingLine{{PaidCents: -1}}, "cesu_spending_invalid"},
		{"absurd payment", 2025, Household{}, []SpendingLine{{PaidCents: MaxSpendingCents + 1}}, "cesu_spending_invalid"},
		{"aid above the payment", 2025, Household{}, []SpendingLine{{PaidCents: 100, AidCents: 101}}, "cesu_aid_invalid"},
		{"negative aid", 2025, Household{}, []SpendingLine{{PaidCents: 100, AidCents: -1}}, "cesu_aid_invalid"},
		{"unknown bucket", 2025, Household{}, []SpendingLine{{PaidCents: 100}, {PaidCents: 100, Bucket: "garden"}}, "cesu_bucket_unknown"},
	}
	for _, tt := range tests {
		_, err := MeterTaxCredit(tt.year, tt.h, tt.lines, DefaultTaxCreditLaws())
		ae := wantAppErr(t, err, apperr.KindInvalid, tt.code)
		if len(tt.lines) > 1 && !strings.HasPrefix(ae.Message, "Dépense n° 2. ") {
			t.Errorf("%s: %q does not name the line", tt.name, ae.Message)
		}
	}
}

func TestTaxCreditLawFor(t *testing.T) {
	t.Parallel()
	laws := append(DefaultTaxCreditLaws(), TaxCreditLaw{FromYear: 2030, RateBP: 4000, BaseCapCents: 1, MaxCapCents: 1, FirstYearBaseCapCents: 1, FirstYearMaxCapCents: 1})
	for _, tt := range []struct{ year, from int }{{2017, 2017}, {2029, 2017}, {2030, 2030}, {2040, 2030}} {
		l, err := TaxCreditLawFor(laws, tt.year)
		if err != nil || l.FromYear != tt.from {
			t.Errorf("law for %d: %+v, %v", tt.year, l, err)
		}
	}
	broken := DefaultTaxCreditLaws()
	broken[0].RateBP = 10_001
	if _, err := TaxCreditLawFor(broken, 2025); apperr.KindOf(err) != apperr.KindInternal {
		t.Errorf("a broken law: %v", err)
	}
	if _, err := MeterTaxCredit(2025, Household{}, nil, nil); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("no law: %v", err)
	}
}

func TestEstimateCost(t *testing.T) {
	t.Parallel()
	law := DefaultTaxCreditLaws()[0]
	iv := Intervention{Employer: "e", Employee: "s", Date: at(2025, time.May, 2, 9, 0), Minutes: 120, NetHourlyCents: 1200, Activity: "ménage"}
	tests := []struct {
		name                         string
		run                          func() (CostEstimate, error)
		total, paid, credit, remains int64
		mentions                     string
	}{
		{"CESU intervention", func() (CostEstimate, error) { return EstimateInterventionCost(iv, 0, law) }, 2400, 2400, 1200, 1200, "cotisations sociales"},
		{"CESU with prefunded titles", func() (CostEstimate, error) { return EstimateInterventionCost(iv, 400, law) }, 2400, 2000, 1000, 1000, "salaire net seul"},
		{"CESU at the minimum, odd cents", func() (CostEstimate, error) {
			v := iv
			v.Minutes, v.NetHourlyCents = 90, minimum
			return EstimateInterventionCost(v, 0, law)
		}, 1551, 1551, 775, 776, "plafonds annuels"},
		{"professional invoice", func() (CostEstimate, error) { return EstimateInvoiceCost(10_001, 0, law) }, 10_001, 10_001, 5_000, 5_001, "avance immédiate"},
		{"invoice with aid", func() (CostEstimate, error) { return EstimateInvoiceCost(euros(100), euros(30), law) }, euros(100), euros(70), euros(35), euros(35), "plafonds annuels"},
	}
	for _, tt := range tests {
		e, err := tt.run()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if e.TotalCents != tt.total || e.PaidCents != tt.paid || e.TaxCreditCents != tt.credit || e.RemainingCents != tt.remains {
			t.Errorf("%s: %+v, want total %d paid %d credit %d remaining %d", tt.name, e, tt.total, tt.paid, tt.credit, tt.remains)
		}
		if !e.Simulation || !strings.HasPrefix(e.NoticeFR, "Estimation, non contractuelle") || !strings.Contains(e.NoticeFR, tt.mentions) || e.NoticeEN == "" {
			t.Errorf("%s: notice %q", tt.name, e.NoticeFR)
		}
	}
	if _, err := EstimateInvoiceCost(100, 200, law); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("aid above the invoice: %v", err)
	}
	bad := iv
	bad.Activity = ""
	if _, err := EstimateInterventionCost(bad, 0, law); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("bad intervention: %v", err)
	}
	law.RateBP = -1
	if _, err := EstimateInvoiceCost(100, 0, law); apperr.KindOf(err) != apperr.KindInternal {
		t.Errorf("broken law: %v", err)
	}
}
