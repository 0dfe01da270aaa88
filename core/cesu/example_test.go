package cesu_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/cesu"
)

func ExampleIntervention_Validate() {
	iv := cesu.Intervention{
		Employer: "emp-1", Employee: "sal-1",
		Date:    time.Date(2025, time.March, 3, 9, 0, 0, 0, cesu.Paris()),
		Minutes: 120, NetHourlyCents: 950, Activity: "petits travaux de jardinage",
	}
	// 1034 is the minimum the territory's plugin computed for that date.
	err := iv.Validate(1034)
	fmt.Println(apperr.As(err).Message)
	// Output:
	// Le salaire horaire net (9,50 €) est inférieur au minimum légal en CESU : 10,34 € (SMIC net + 10 % de congés payés). Relevez le salaire, ou choisissez un échange bénévole ou en crédits temps.
}

func ExampleSummarize() {
	paris := cesu.Paris()
	s, _ := cesu.Summarize([]cesu.Intervention{
		{Employer: "emp-1", Employee: "sal-1", Date: time.Date(2025, time.March, 3, 9, 0, 0, 0, paris), Minutes: 120, NetHourlyCents: 1200, Activity: "jardinage"},
		{Employer: "emp-1", Employee: "sal-1", Date: time.Date(2025, time.March, 10, 9, 0, 0, 0, paris), Minutes: 140, NetHourlyCents: 1200, Activity: "jardinage"},
	})
	l := s[0].Lines[0]
	fmt.Println(s[0].Month.French(), l.HoursHundredths(), l.NetCents, s[0].Declaration.DueDate.Format("2006-01-02"))
	fmt.Println(cesu.ReminderDue(s[0].Month, time.Date(2025, time.April, 2, 8, 0, 0, 0, paris)))
	// Output:
	// mars 2025 433 5200 2025-04-05
	// true
}

func ExampleMeterTaxCredit() {
	m, _ := cesu.MeterTaxCredit(2025, cesu.Household{DependentChildren: 1}, []cesu.SpendingLine{
		{PaidCents: 600_000, Bucket: cesu.BucketGardening},
		{PaidCents: 250_000, AidCents: 50_000}, // 500 € of prefunded CESU paid by an employer
	}, cesu.DefaultTaxCreditLaws())
	fmt.Println(m.CapCents, m.EligibleCents, m.RemainingCents, m.TaxCreditCents)
	fmt.Println(m.Simulation, strings.SplitN(m.NoticeFR, " :", 2)[0])
	// Output:
	// 1350000 700000 650000 350000
	// true Estimation, non contractuelle
}
