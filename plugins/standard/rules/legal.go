package rules

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// legal is the set of legal amounts in force during one period, resolved
// when the configuration is compiled so that a request only looks up its
// period (a handful of comparisons).
type legal struct {
	// start is the period's first instant, in Unix seconds.
	start int64
	// known is false before every required amount has a value.
	known bool
	// smic is the net hourly minimum wage, in cents.
	smic int64
	// paidLeaveBP is the CESU paid-leave supplement, in basis points.
	paidLeaveBP int64
	// cesuMin is the lowest CESU net hourly wage, paid leave included.
	cesuMin int64
	// mileageMax caps any mileage allowance, in cents per km.
	mileageMax int64
	// cesuMinText is cesuMin in euros, for messages ("10,47 €").
	cesuMinText string
	// smicText is smic in euros, for messages.
	smicText string
	// modes holds the payment_modes answers: [category][modality][provider SAP].
	modes [][2][2]*paymentModes
}

// cesuMinimum returns the lowest CESU net hourly wage: the SMIC plus the
// paid-leave supplement, rounded up to the cent (a wage must never be
// below it), and at least floor.
func cesuMinimum(smic, paidLeaveBP, floor int64) int64 {
	m := (smic*(10000+paidLeaveBP) + 9999) / 10000
	if floor > m {
		m = floor
	}
	return m
}

// series is one compiled legal amount: values by start instant.
type series struct {
	starts []int64
	values []int64
}

// at returns the value in force at t and whether there is one.
func (s series) at(t int64) (int64, bool) {
	for i := len(s.starts) - 1; i >= 0; i-- {
		if s.starts[i] <= t {
			return s.values[i], true
		}
	}
	return 0, false
}

// compileSeries checks one dated series and returns it; name is its
// configuration key, for messages.
func compileSeries(name string, in []Dated, required bool, lo, hi int64, p *problems) series {
	if len(in) == 0 {
		if required {
			p.addf("legal.%s : au moins une valeur datée est requise", name)
		}
		return series{}
	}
	s := series{starts: make([]int64, 0, len(in)), values: make([]int64, 0, len(in))}
	for i, d := range in {
		at, err := frenchMidnight(d.From)
		if err != nil {
			p.addf("legal.%s[%d].from : date « %s » invalide (format AAAA-MM-JJ)", name, i, d.From)
			continue
		}
		if n := len(s.starts); n > 0 && at <= s.starts[n-1] {
			p.addf("legal.%s[%d].from : les dates doivent être croissantes", name, i)
			continue
		}
		if d.Value < lo || d.Value > hi {
			p.addf("legal.%s[%d].value : %d hors des bornes [%d, %d]", name, i, d.Value, lo, hi)
			continue
		}
		s.starts = append(s.starts, at)
		s.values = append(s.values, d.Value)
	}
	return s
}

// compileLegal resolves the legal amounts into periods, one per date at
// which any amount changes, the first starting at the dawn of time with
// what is known then (usually nothing).
func compileLegal(l *LegalAmounts, p *problems) []legal {
	smic := compileSeries("smic_net_hourly_cents", l.SMICNetHourlyCents, true, 1, 100000, p)
	leave := compileSeries("cesu_paid_leave_bp", l.CESUPaidLeaveBP, true, 0, 10000, p)
	floor := compileSeries("cesu_floor_net_hourly_cents", l.CESUFloorNetHourlyCents, false, 0, 100000, p)
	mileage := compileSeries("mileage_max_cents_per_km", l.MileageMaxCentsPerKm, true, 1, 1000, p)

	starts := []int64{math.MinInt64}
	for _, s := range []series{smic, leave, floor, mileage} {
		starts = append(starts, s.starts...)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	periods := make([]legal, 0, len(starts))
	for i, t := range starts {
		if i > 0 && t == starts[i-1] {
			continue
		}
		var g legal
		g.start = t
		var ok1, ok2, ok3 bool
		g.smic, ok1 = smic.at(t)
		g.paidLeaveBP, ok2 = leave.at(t)
		g.mileageMax, ok3 = mileage.at(t)
		f, _ := floor.at(t)
		g.known = ok1 && ok2 && ok3
		if g.known {
			g.cesuMin = cesuMinimum(g.smic, g.paidLeaveBP, f)
			g.cesuMinText = euros(g.cesuMin)
			g.smicText = euros(g.smic)
		}
		periods = append(periods, g)
	}
	return periods
}

// frenchMidnight returns the Unix time of midnight, in metropolitan France,
// starting the day "YYYY-MM-DD". Legal amounts change at midnight French
// time; plugins get no time-zone database, so the offset follows the EU
// summer-time rule (UTC+2 from the last Sunday of March to the last Sunday
// of October, both switches happening after midnight, else UTC+1).
func frenchMidnight(day string) (int64, error) {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return 0, err
	}
	offset := int64(3600)
	if summerTime(t) {
		offset = 7200
	}
	return t.Unix() - offset, nil
}

// summerTime reports whether France is on summer time at midnight of the
// day t (a UTC midnight).
func summerTime(t time.Time) bool {
	y := t.Year()
	start := lastSunday(y, time.March)
	end := lastSunday(y, time.October)
	return t.After(start) && !t.After(end)
}

// lastSunday returns the last Sunday of month m of year y, at UTC midnight.
func lastSunday(y int, m time.Month) time.Time {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC)
	return last.AddDate(0, 0, -int(last.Weekday()))
}

// euros formats cents the French way: "1 234,50 €".
func euros(cents int64) string {
	var b []byte
	if cents < 0 {
		b = append(b, '-')
		cents = -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, ' ')
		}
		b = append(b, whole[i])
	}
	frac := cents % 100
	b = append(b, ',', byte('0'+frac/10), byte('0'+frac%10))
	b = append(b, " €"...)
	return string(b)
}

// eurosEN formats cents the English way: "€1,234.50".
func eurosEN(cents int64) string {
	b := []byte{}
	if cents < 0 {
		b = append(b, '-')
		cents = -cents
	}
	b = append(b, "€"...)
	whole := strconv.FormatInt(cents/100, 10)
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, whole[i])
	}
	frac := cents % 100
	b = append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
	return string(b)
}

// duration formats minutes in French: "2 h", "1 h 30", "45 min".
func duration(min int) string {
	h, m := min/60, min%60
	switch {
	case h == 0:
		return strconv.Itoa(m) + " min"
	case m == 0:
		return strconv.Itoa(h) + " h"
	}
	return strconv.Itoa(h) + " h " + strconv.Itoa(m)
}
