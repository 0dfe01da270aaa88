package cesu

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
)

// DeclarationDueDay is the day of the following month by which the
// employer declares a month's work on the URSSAF CESU site
// (www.cesu.urssaf.fr), once the month is over: "au plus tard le 5 du mois
// suivant". Sources, restating the URSSAF's calendar: Boursorama,
// "Services à la personne : rédiger un contrat de travail peut être
// nécessaire", 4 August 2025 ("au plus tard le 5e jour du mois suivant
// cette période d'activité"); trouvetonauxiliaire.com/declarer-salarie-cesu
// ("au plus tard le 5 du mois qui suit les heures travaillées"). Cesu+ (the URSSAF pays the employee and withdraws the
// salary from the employer) works from the same declaration. Older guides
// (CNCesu era) gave fifteen days after the month: not used. To check again
// against the calendar of www.cesu.urssaf.fr when it changes.
const DeclarationDueDay = 5

// SummaryLine is one line of a monthly summary: the work done at one net
// hourly wage. A month whose interventions were paid at different wages
// has one line per wage, ordered by wage.
type SummaryLine struct {
	// NetHourlyCents is the line's net hourly wage.
	NetHourlyCents int64
	// Minutes is the time worked at that wage in the month.
	Minutes int64
	// Interventions is how many interventions the line adds up.
	Interventions int
	// Activities are the distinct activities of those interventions, sorted.
	Activities []string
	// NetCents is the net wage of the line: Minutes × NetHourlyCents ÷ 60,
	// rounded once to the nearest cent, half a cent up.
	NetCents int64
}

// HoursHundredths returns the line's hours as the CESU site asks for them:
// a number of hours with two decimals, minutes converted to hundredths of
// an hour and rounded to the nearest (half up): 7 h 20 is 7,33.
func (l SummaryLine) HoursHundredths() int64 { return hundredths(l.Minutes) }

// HoursExact reports whether HoursHundredths is the time worked exactly,
// which is when the minutes are a multiple of 3 (0,05 h = 3 min). When it
// is not, hours × wage on the CESU site may differ from NetCents by a few
// cents: the employer then declares the net total (see docs/cesu.md).
func (l SummaryLine) HoursExact() bool { return l.Minutes%3 == 0 }

func hundredths(minutes int64) int64 { return (minutes*100 + 30) / 60 }

// MonthlySummary is what an employer enters on the URSSAF CESU site for
// one employee and one month: hours, net hourly wage, net total, activity.
type MonthlySummary struct {
	Pair
	// EmployerName and EmployeeName are shown instead of the account IDs
	// when the caller sets them.
	EmployerName, EmployeeName string
	// Month is the period of employment declared.
	Month Month
	// FirstDay and LastDay are the first and last days worked in the
	// month (midnight in Paris).
	FirstDay, LastDay time.Time
	// Lines hold the work by net hourly wage, lowest wage first.
	Lines []SummaryLine
	// Minutes is the month's time worked, every line included.
	Minutes int64
	// NetCents is the month's net wage: the sum of the lines' NetCents.
	NetCents int64
	// Declaration is when the month is to be declared.
	Declaration Declaration
}

// HoursHundredths returns the month's hours in hundredths of an hour, as
// for a line, rounded from the month's total minutes: it may differ by a
// hundredth from the sum of the lines' hours (10 min + 10 min is 0,17 +
// 0,17 but 0,33 in all), and it is the figure of a single declaration.
func (s MonthlySummary) HoursHundredths() int64 { return hundredths(s.Minutes) }

// HoursExact reports whether the month's hours in hundredths are exact.
func (s MonthlySummary) HoursExact() bool { return s.Minutes%3 == 0 }

// employerLabel returns the employer to show: the name when set, else the account ID.
func (s MonthlySummary) employerLabel() string { return orID(s.EmployerName, s.Employer) }

// employeeLabel returns the employee to show: the name when set, else the account ID.
func (s MonthlySummary) employeeLabel() string { return orID(s.EmployeeName, s.Employee) }

func orID(name, id string) string {
	if n := strings.TrimSpace(name); n != "" {
		return n
	}
	return id
}

// Summarize groups interventions into one summary per employer–employee
// pair and month (Europe/Paris), each with one line per distinct net
// hourly wage. Interventions are those both parties confirmed; each is
// checked again (parties, date, duration, wage, activity) and the first
// that fails is refused with its position. The result is ordered by
// employer, employee and month, and does not depend on the input's order.
//
// Rounding: a line's net total is its total minutes times its hourly wage
// divided by 60, rounded once to the nearest cent (half up); the month's
// total is the sum of its lines. Rounding each intervention and adding
// would drift by up to half a cent an intervention.
func Summarize(ivs []Intervention) ([]MonthlySummary, error) {
	type key struct {
		pair  Pair
		month Month
	}
	groups := map[key][]Intervention{}
	for i, iv := range ivs {
		if err := iv.check(); err != nil {
			return nil, atIndex(err, i)
		}
		iv.Activity = strings.TrimSpace(iv.Activity)
		k := key{iv.Pair(), MonthOf(iv.Date)}
		groups[k] = append(groups[k], iv)
	}
	out := make([]MonthlySummary, 0, len(groups))
	for k, g := range groups {
		out = append(out, summarizeMonth(k.pair, k.month, g))
	}
	slices.SortFunc(out, func(a, b MonthlySummary) int {
		return cmp.Or(cmp.Compare(a.Employer, b.Employer), cmp.Compare(a.Employee, b.Employee),
			cmp.Compare(a.Month.Year, b.Month.Year), cmp.Compare(a.Month.Month, b.Month.Month))
	})
	return out, nil
}

// summarizeMonth builds the summary of one pair's interventions in month m.
func summarizeMonth(p Pair, m Month, ivs []Intervention) MonthlySummary {
	s := MonthlySummary{Pair: p, Month: m, Declaration: DeclarationFor(m)}
	byWage := map[int64]*SummaryLine{}
	activities := map[int64]map[string]bool{}
	for _, iv := range ivs {
		d := day(iv.Date)
		if s.FirstDay.IsZero() || d.Before(s.FirstDay) {
			s.FirstDay = d
		}
		if d.After(s.LastDay) {
			s.LastDay = d
		}
		l := byWage[iv.NetHourlyCents]
		if l == nil {
			l = &SummaryLine{NetHourlyCents: iv.NetHourlyCents}
			byWage[iv.NetHourlyCents] = l
			activities[iv.NetHourlyCents] = map[string]bool{}
		}
		l.Minutes += int64(iv.Minutes)
		l.Interventions++
		activities[iv.NetHourlyCents][iv.Activity] = true
	}
	for wage, l := range byWage {
		for a := range activities[wage] {
			l.Activities = append(l.Activities, a)
		}
		slices.Sort(l.Activities)
		l.NetCents = netCents(l.Minutes, l.NetHourlyCents)
		s.Lines = append(s.Lines, *l)
		s.Minutes += l.Minutes
		s.NetCents += l.NetCents
	}
	slices.SortFunc(s.Lines, func(a, b SummaryLine) int { return cmp.Compare(a.NetHourlyCents, b.NetHourlyCents) })
	return s
}

// atIndex adds the position of a refused intervention to its message.
func atIndex(err error, i int) error {
	n := strconv.Itoa(i + 1)
	return prefixed(err, "Intervention n° "+n+". ", "Intervention #"+n+". ")
}

// prefixed returns a copy of err's public error with its messages
// prefixed, or err when it has none.
func prefixed(err error, fr, en string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	c := *ae
	c.Message = fr + c.Message
	c.MessageEN = en + c.MessageEN
	return &c
}

// DeclarationStatus says where a month stands with its CESU declaration.
type DeclarationStatus int

const (
	// DeclarationNotYet means the month is not over.
	DeclarationNotYet DeclarationStatus = iota
	// DeclarationOpen means the month is over and the due date not passed.
	DeclarationOpen
	// DeclarationLate means the due date has passed.
	DeclarationLate
)

// String returns the status's name as used in logs and JSON.
func (s DeclarationStatus) String() string {
	switch s {
	case DeclarationOpen:
		return "open"
	case DeclarationLate:
		return "late"
	default:
		return "not_yet"
	}
}

// Declaration is the calendar of one month's CESU declaration.
type Declaration struct {
	// Month is the period declared.
	Month Month
	// Opens is the end of the month (midnight of the next month's 1st in
	// Paris): the declaration is made once the month's work is done.
	Opens time.Time
	// DueDate is the last day to declare, DeclarationDueDay of the next
	// month (midnight in Paris).
	DueDate time.Time
	// Deadline is the first instant after DueDate's day.
	Deadline time.Time
}

// DeclarationFor returns the calendar of month m's declaration.
func DeclarationFor(m Month) Declaration {
	n := m.Next()
	due := time.Date(n.Year, n.Month, DeclarationDueDay, 0, 0, 0, 0, paris)
	return Declaration{
		Month:    m,
		Opens:    n.Start(),
		DueDate:  due,
		Deadline: time.Date(n.Year, n.Month, DeclarationDueDay+1, 0, 0, 0, 0, paris),
	}
}

// Status returns where the declaration stands at now.
func (d Declaration) Status(now time.Time) DeclarationStatus {
	switch {
	case now.Before(d.Opens):
		return DeclarationNotYet
	case now.Before(d.Deadline):
		return DeclarationOpen
	default:
		return DeclarationLate
	}
}

// ReminderDue reports whether the employer should be reminded, at now, to
// declare month m: from the end of the month until the end of the due day
// (Europe/Paris). The caller sends the reminder once and only for pairs
// with interventions in m; after the due day Status says DeclarationLate.
func ReminderDue(m Month, now time.Time) bool {
	return DeclarationFor(m).Status(now) == DeclarationOpen
}
