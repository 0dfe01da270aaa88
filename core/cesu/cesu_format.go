package cesu

import (
	"strconv"
	"time"
)

var frenchMonths = [12]string{"janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre"}

var frenchWeekdays = [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}

func itoa(n int) string { return strconv.Itoa(n) }

// number formats hundredths (cents, or hundredths of an hour) as digits
// with group between groups of three and dec before the two decimals; the
// sign is returned apart so that a unit can go between it and the digits.
func number(hundredths int64, group string, dec byte) (sign, digits string) {
	u := uint64(hundredths)
	if hundredths < 0 {
		sign, u = "-", -u // two's complement: right even for math.MinInt64
	}
	whole := strconv.FormatUint(u/100, 10)
	b := make([]byte, 0, len(whole)+len(whole)/3*len(group)+3)
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, group...)
		}
		b = append(b, whole[i])
	}
	frac := u % 100
	b = append(b, dec, byte('0'+frac/10), byte('0'+frac%10))
	return sign, string(b)
}

// eurosFR formats cents the French way: "1 234,50 €".
func eurosFR(cents int64) string {
	sign, n := number(cents, " ", ',')
	return sign + n + " €"
}

// eurosEN formats cents the English way: "€1,234.50".
func eurosEN(cents int64) string {
	sign, n := number(cents, ",", '.')
	return sign + "€" + n
}

// decimalFR formats a value held in hundredths as a number a French
// spreadsheet reads: "1234,50" (no group separator, no unit).
func decimalFR(hundredths int64) string {
	sign, n := number(hundredths, "", ',')
	return sign + n
}

// durationFR formats minutes in French: "2 h", "1 h 30", "45 min".
func durationFR(min int64) string {
	h, m := min/60, min%60
	switch {
	case h == 0:
		return strconv.FormatInt(m, 10) + " min"
	case m == 0:
		return strconv.FormatInt(h, 10) + " h"
	case m < 10:
		return strconv.FormatInt(h, 10) + " h 0" + strconv.FormatInt(m, 10)
	}
	return strconv.FormatInt(h, 10) + " h " + strconv.FormatInt(m, 10)
}

// durationEN formats minutes in English: "2 h", "1 h 30 min", "45 min".
func durationEN(min int64) string {
	if h, m := min/60, min%60; h > 0 && m > 0 {
		return strconv.FormatInt(h, 10) + " h " + strconv.FormatInt(m, 10) + " min"
	}
	return durationFR(min) // whole hours or minutes only: the same in both
}

// dateNumeric formats t's day in Paris as "05/04/2025".
func dateNumeric(t time.Time) string { return t.In(paris).Format("02/01/2006") }

// dateFR formats t's day in Paris as "samedi 5 avril 2025".
func dateFR(t time.Time) string {
	p := t.In(paris)
	d := itoa(p.Day())
	if p.Day() == 1 {
		d = "1er"
	}
	return frenchWeekdays[p.Weekday()] + " " + d + " " + frenchMonths[p.Month()-1] + " " + itoa(p.Year())
}

// dateEN formats t's day in Paris as "Saturday 5 April 2025".
func dateEN(t time.Time) string { return t.In(paris).Format("Monday 2 January 2006") }
