package cesu

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
)

// at returns a time in Paris.
func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, paris) }

// utc returns a time in UTC.
func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// wantAppErr checks that err is a public error of the given kind and code.
func wantAppErr(t *testing.T, err error, kind apperr.Kind, code string) *apperr.Error {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *apperr.Error", err)
	}
	if ae.Kind != kind || ae.Code != code {
		t.Fatalf("error %s/%s (%s), want %s/%s", ae.Kind, ae.Code, ae.Message, kind, code)
	}
	if ae.Message == "" || ae.MessageEN == "" {
		t.Fatalf("error %s lacks its French or English message", code)
	}
	return ae
}

func TestMonthOfIsParisMonth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		t    time.Time
		want Month
	}{
		{"winter evening in UTC is still the same day", utc(2025, time.February, 28, 22, 59), Month{2025, time.February}},
		{"winter UTC late evening is next day in Paris", utc(2025, time.February, 28, 23, 30), Month{2025, time.March}},
		{"after the spring change, 22:30 UTC is 00:30 in Paris", utc(2025, time.March, 31, 22, 30), Month{2025, time.April}},
		{"after the spring change, 21:59 UTC is 23:59 in Paris", utc(2025, time.March, 31, 21, 59), Month{2025, time.March}},
		{"after the autumn change Paris is UTC+1 again", utc(2025, time.October, 31, 22, 30), Month{2025, time.October}},
		{"after the autumn change, 23:30 UTC is November", utc(2025, time.October, 31, 23, 30), Month{2025, time.November}},
		{"in another zone", time.Date(2025, time.May, 31, 20, 0, 0, 0, time.FixedZone("Réunion", 4*3600)), Month{2025, time.May}},
		{"new year's eve", utc(2025, time.December, 31, 23, 0), Month{2026, time.January}},
	}
	for _, tt := range tests {
		if got := MonthOf(tt.t); got != tt.want {
			t.Errorf("%s: MonthOf(%s) = %v, want %v", tt.name, tt.t, got, tt.want)
		}
	}
}

func TestMonthCalendar(t *testing.T) {
	t.Parallel()
	m := Month{2025, time.March}
	if got := m.End().Sub(m.Start()); got != 31*24*time.Hour-time.Hour {
		t.Errorf("March 2025 lasts %v in Paris, want 743h (one hour lost to summer time)", got)
	}
	if o := (Month{2025, time.October}); o.End().Sub(o.Start()) != 31*24*time.Hour+time.Hour {
		t.Errorf("October 2025 lasts %v in Paris, want 745h", o.End().Sub(o.Start()))
	}
	if got := (Month{2025, time.December}).Next(); got != (Month{2026, time.January}) {
		t.Errorf("Next of December = %v", got)
	}
	if m.String() != "2025-03" || m.French() != "mars 2025" || m.English() != "March 2025" {
		t.Errorf("names: %q %q %q", m.String(), m.French(), m.English())
	}
	if !m.Before(Month{2025, time.April}) || m.Before(m) || (Month{2026, time.January}).Before(m) {
		t.Error("Before is wrong")
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	tests := []struct{ got, want string }{
		{eurosFR(0), "0,00 €"},
		{eurosFR(5), "0,05 €"},
		{eurosFR(1034), "10,34 €"},
		{eurosFR(123456789), "1 234 567,89 €"},
		{eurosFR(-150), "-1,50 €"},
		{eurosEN(123456789), "€1,234,567.89"},
		{eurosEN(950), "€9.50"},
		{decimalFR(123456), "1234,56"},
		{decimalFR(7), "0,07"},
		{decimalFR(-7), "-0,07"},
		{eurosFR(math.MinInt64), "-92 233 720 368 547 758,08 €"},
		{durationFR(45), "45 min"},
		{durationFR(120), "2 h"},
		{durationFR(65), "1 h 05"},
		{durationFR(440), "7 h 20"},
		{durationEN(440), "7 h 20 min"},
		{dateNumeric(utc(2025, time.April, 4, 22, 30)), "05/04/2025"},
		{dateFR(at(2025, time.April, 5, 0, 0)), "samedi 5 avril 2025"},
		{dateFR(at(2025, time.June, 1, 12, 0)), "dimanche 1er juin 2025"},
		{dateEN(at(2025, time.April, 5, 0, 0)), "Saturday 5 April 2025"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestWeekIndexIsMondayToSundayInParis(t *testing.T) {
	t.Parallel()
	// Summer time starts on Sunday 30 March 2025 at 02:00.
	sun := weekIndex(at(2025, time.March, 30, 23, 30))
	mon := weekIndex(at(2025, time.March, 31, 0, 30))
	if mon != sun+1 {
		t.Errorf("Sunday 30 March 23:30 is week %d and Monday 31 March 00:30 week %d: want consecutive", sun, mon)
	}
	if weekIndex(at(2025, time.March, 24, 0, 0)) != sun {
		t.Error("Monday 24 March is not in Sunday 30 March's week")
	}
	// The same instant in UTC: Monday 00:30 in Paris is Sunday 22:30 UTC.
	if weekIndex(utc(2025, time.March, 30, 22, 30)) != mon {
		t.Error("the week is not read in Paris")
	}
	if got := weekStart(mon); !got.Equal(at(2025, time.March, 31, 0, 0)) {
		t.Errorf("weekStart = %v, want Monday 31 March 2025 00:00 Paris", got)
	}
	// A week across two years, and far in the past.
	if weekIndex(at(2024, time.December, 30, 9, 0)) != weekIndex(at(2025, time.January, 5, 20, 0)) {
		t.Error("30 December 2024 and 5 January 2025 are one week")
	}
	if w := weekIndex(at(1969, time.December, 28, 12, 0)); !weekStart(w).Equal(at(1969, time.December, 22, 0, 0)) {
		t.Errorf("weekStart of a 1969 week = %v", weekStart(w))
	}
}

func TestParisIsEmbedded(t *testing.T) {
	t.Parallel()
	if Paris().String() != "Europe/Paris" {
		t.Errorf("zone %q", Paris())
	}
	if _, off := at(2025, time.July, 1, 12, 0).Zone(); off != 7200 {
		t.Errorf("summer offset %d, want 7200", off)
	}
	if !strings.HasPrefix(ParisDate(2023, time.March, 11).String(), "2023-03-11 00:00:00 +0100") {
		t.Errorf("ParisDate = %s", ParisDate(2023, time.March, 11))
	}
}
