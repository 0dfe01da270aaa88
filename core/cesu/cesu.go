// Package cesu holds the rules of the CESU déclaratif and of the 50 % tax
// credit for services à la personne, as pure functions: no database, no
// HTTP, no clock of its own. The exchange service records interventions
// and calls it to check them, to build the monthly summary an employer
// enters on the URSSAF CESU site, to warn when a written employment
// contract becomes mandatory, and to estimate the household's tax credit.
//
// Amounts are euro cents (int64), durations minutes (int). Calendar rules
// (months, weeks Monday to Sunday, due dates) are read in Europe/Paris,
// whatever the zone of the times passed in; the zone database is embedded
// so that this holds on any machine.
//
// What the package never does: compute social contributions (the URSSAF
// does, from the declaration), handle a social-security number, or state
// a tax figure as anything but an estimate ("estimation, non
// contractuelle"). Legal amounts that change by law (tax-credit caps,
// contract thresholds) are dated values the caller may replace; the
// legal minimum wage is always the caller's (the territory's plugin
// computes it). The sources of each rule are in the comment of the code
// that applies it and in docs/cesu.md.
package cesu

import (
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zone database

	"github.com/campagnon/campagnon/core/apperr"
)

// paris is the zone of every calendar rule: French law counts weeks and
// months in metropolitan time.
var paris = mustLoadParis()

func mustLoadParis() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic("cesu: Europe/Paris is missing although time/tzdata is embedded: " + err.Error())
	}
	return loc
}

// Paris returns the Europe/Paris zone the package counts days, weeks and
// months in.
func Paris() *time.Location { return paris }

// Pair is one employer–employee relationship, by account ID: the unit of
// the CESU declaration and of the contract rule.
type Pair struct {
	// Employer is the particulier employeur's account ID.
	Employer string
	// Employee is the employee's account ID.
	Employee string
}

// Month is one calendar month, the period of a CESU declaration.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf returns the month that contains t in Europe/Paris: an
// intervention on 31 March at 23:30 in Paris belongs to March, even though
// it is already 1 April in some other zone, and the reverse.
func MonthOf(t time.Time) Month {
	p := t.In(paris)
	return Month{Year: p.Year(), Month: p.Month()}
}

// Start returns the month's first instant, midnight of the 1st in Paris.
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, paris) }

// End returns the first instant after the month (midnight of the next
// month's 1st in Paris).
func (m Month) End() time.Time { return m.Next().Start() }

// Next returns the following month.
func (m Month) Next() Month {
	if m.Month == time.December {
		return Month{Year: m.Year + 1, Month: time.January}
	}
	return Month{Year: m.Year, Month: m.Month + 1}
}

// Before reports whether m comes before o.
func (m Month) Before(o Month) bool {
	return m.Year < o.Year || (m.Year == o.Year && m.Month < o.Month)
}

// String returns the month as "2025-03".
func (m Month) String() string { return m.Start().Format("2006-01") }

// French returns the month as "mars 2025".
func (m Month) French() string { return frenchMonths[m.Month-1] + " " + itoa(m.Year) }

// English returns the month as "March 2025".
func (m Month) English() string { return m.Month.String() + " " + itoa(m.Year) }

// day returns midnight in Paris of the calendar day that contains t.
func day(t time.Time) time.Time {
	p := t.In(paris)
	return time.Date(p.Year(), p.Month(), p.Day(), 0, 0, 0, 0, paris)
}

// civilDays returns the number of days from 1970-01-01 to t's calendar day
// in Paris; differences of it count days whatever the summer time.
func civilDays(t time.Time) int64 {
	p := t.In(paris)
	return time.Date(p.Year(), p.Month(), p.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// ParisDate returns midnight in Paris of the given calendar day, the way
// legal texts date their entry into force.
func ParisDate(year int, month time.Month, d int) time.Time {
	return time.Date(year, month, d, 0, 0, 0, 0, paris)
}

// invalid returns an input error with its French and English message.
func invalid(code, fr, en string) *apperr.Error { return apperr.New(apperr.KindInvalid, code, fr, en) }

// refused returns a refusal by a legal rule, stating the rule.
func refused(code, fr, en string) *apperr.Error { return apperr.New(apperr.KindRefused, code, fr, en) }

// clip bounds text copied from the input into a message.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "")
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
