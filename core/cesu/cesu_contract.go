package cesu

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// ContractRule is the threshold above which the CESU no longer stands in
// for a written employment contract, for interventions from From on.
// Article L1271-5 du code du travail sets it; it changed in 2023, so the
// rules are dated and the caller may pass its own.
type ContractRule struct {
	// From is the first day the rule applies (midnight in Paris); the zero
	// time means since always.
	From time.Time
	// WindowWeeks and MaxWindowMinutes: over any WindowWeeks consecutive
	// calendar weeks (Monday to Sunday, Europe/Paris), more than
	// MaxWindowMinutes of work makes a written contract mandatory. One week
	// and 480 minutes is "more than 8 hours a week".
	WindowWeeks      int
	MaxWindowMinutes int
	// MaxConsecutiveWeeks: work in more consecutive calendar weeks than
	// this makes a written contract mandatory; 0 means no such limit.
	MaxConsecutiveWeeks int
	// SourceFR and SourceEN cite the text, for the messages.
	SourceFR, SourceEN string
}

// DefaultContractRules returns the rules of article L1271-5 du code du
// travail, in force order:
//
//   - until 10 March 2023: the CESU stood in for the written contract for
//     jobs "dont la durée de travail n'excède pas huit heures par semaine ou
//     ne dépasse pas quatre semaines consécutives dans l'année". Read as the
//     URSSAF and service-public.fr did: a written contract is mandatory as
//     soon as a week has more than 8 hours, or the work goes on for more
//     than 4 consecutive weeks (a fifth calendar week in a row with work);
//   - from 11 March 2023 (loi n° 2023-171 du 9 mars 2023, « DDADUE »,
//     transposing directive (UE) 2019/1152, which exempts work "equal to or
//     less than an average of three hours per week in a reference period of
//     four consecutive weeks"): the CESU stands in for the contract only up
//     to 3 hours a week over a reference period of 4 consecutive weeks, read
//     as on average, that is more than 12 hours in any 4 consecutive
//     calendar weeks makes it mandatory. Sources: service-public.fr F2912
//     (« Particulier employeur : à quoi sert le Cesu déclaratif », vérifié le
//     13 mars 2023: « Ces tâches ne doivent pas dépasser 3 heures par
//     semaine au cours d'une période de référence de 4 semaines »), Éditions
//     Tissot, « CESU : quand la rédaction d'un contrat de travail
//     s'impose-t-elle ? ».
//
// The 8-hours-or-4-weeks wording of older guides applies to work before
// 11 March 2023 only. Whatever the threshold, the national collective
// agreement of particuliers employeurs asks for a written contract: the
// messages say it is recommended below the threshold.
func DefaultContractRules() []ContractRule {
	return []ContractRule{
		{
			WindowWeeks: 1, MaxWindowMinutes: 8 * 60, MaxConsecutiveWeeks: 4,
			SourceFR: "article L1271-5 du code du travail, rédaction antérieure au 11 mars 2023",
			SourceEN: "article L1271-5 of the French labour code, as worded before 11 March 2023",
		},
		{
			From:        ParisDate(2023, time.March, 11),
			WindowWeeks: 4, MaxWindowMinutes: 4 * 3 * 60,
			SourceFR: "article L1271-5 du code du travail, modifié par la loi n° 2023-171 du 9 mars 2023",
			SourceEN: "article L1271-5 of the French labour code, as amended by Act no. 2023-171 of 9 March 2023",
		},
	}
}

// Rules that make a written contract mandatory, as ContractReason.Rule.
const (
	// RuleWeeklyHours is more than the limit in one calendar week.
	RuleWeeklyHours = "weekly_hours"
	// RuleAverageHours is more than the limit over several consecutive weeks.
	RuleAverageHours = "average_hours"
	// RuleConsecutiveWeeks is work in too many consecutive weeks.
	RuleConsecutiveWeeks = "consecutive_weeks"
)

// ContractReason is one rule that makes a written contract mandatory.
type ContractReason struct {
	// Rule is RuleWeeklyHours, RuleAverageHours or RuleConsecutiveWeeks.
	Rule string
	// From is the day the threshold was crossed: the day of the
	// intervention that crossed it (midnight in Paris).
	From time.Time
	// FR and EN explain the reason, citing the text.
	FR, EN string
}

// ContractCheck says whether a pair needs a written employment contract.
type ContractCheck struct {
	Pair
	// Required reports that a written contract is mandatory.
	Required bool
	// From is the first day it is mandatory (midnight in Paris); zero when
	// it is not.
	From time.Time
	// Reasons are the rules crossed, earliest first; each rule appears
	// once, at its first crossing.
	Reasons []ContractReason
	// FR and EN say what to do, in one sentence.
	FR, EN string
}

// CheckContract tells, from one employer–employee pair's interventions,
// whether a written employment contract is mandatory, from which day and
// why, under rules (DefaultContractRules unless the caller has newer ones).
// Each intervention is judged by the rule in force on its day; weeks run
// Monday to Sunday in Europe/Paris, so a week may span two months or two
// years. Interventions of several pairs are refused.
func CheckContract(ivs []Intervention, rules []ContractRule) (ContractCheck, error) {
	if err := checkContractRules(rules); err != nil {
		return ContractCheck{}, err
	}
	var c ContractCheck
	for i, iv := range ivs {
		if err := iv.check(); err != nil {
			return ContractCheck{}, atIndex(err, i)
		}
		if i == 0 {
			c.Pair = iv.Pair()
		} else if iv.Pair() != c.Pair {
			return ContractCheck{}, invalid("cesu_mixed_pairs",
				"Le contrat de travail se vérifie pour un seul employeur et un seul salarié : l'intervention n° "+strconv.Itoa(i+1)+" concerne une autre paire.",
				"The contract is checked for one employer and one employee: intervention #"+strconv.Itoa(i+1)+" belongs to another pair.")
		}
	}
	sorted := slices.Clone(ivs)
	slices.SortStableFunc(sorted, func(a, b Intervention) int { return a.Date.Compare(b.Date) })

	perWeek := map[int64]int64{}
	seen := map[string]bool{}
	var lastWeek, runStart int64
	for i, iv := range sorted {
		r := ruleAt(rules, iv.Date)
		d := day(iv.Date)
		w := weekIndex(iv.Date)
		perWeek[w] += int64(iv.Minutes)
		if i == 0 || w > lastWeek+1 {
			runStart = w
		}
		lastWeek = w

		var sum int64
		for k := w - int64(r.WindowWeeks) + 1; k <= w; k++ {
			sum += perWeek[k]
		}
		if sum > int64(r.MaxWindowMinutes) {
			rule := RuleAverageHours
			if r.WindowWeeks == 1 {
				rule = RuleWeeklyHours
			}
			if !seen[rule] {
				seen[rule] = true
				c.Reasons = append(c.Reasons, windowReason(r, rule, w, sum, d))
			}
		}
		if run := w - runStart + 1; r.MaxConsecutiveWeeks > 0 && run > int64(r.MaxConsecutiveWeeks) && !seen[RuleConsecutiveWeeks] {
			seen[RuleConsecutiveWeeks] = true
			c.Reasons = append(c.Reasons, consecutiveReason(r, runStart, run, d))
		}
	}
	if len(c.Reasons) == 0 {
		c.FR = "Aucun contrat de travail écrit n'est obligatoire pour ces interventions : le Cesu en tient lieu. Un contrat écrit reste recommandé."
		c.EN = "No written employment contract is mandatory for these interventions: the CESU stands in for it. A written contract is still recommended."
		return c, nil
	}
	c.Required = true
	c.From = c.Reasons[0].From
	c.FR = "Un contrat de travail écrit est obligatoire depuis le " + dateFR(c.From) + " : rédigez-le et signez-le avec le salarié (modèle sur le site Cesu de l'Urssaf). " + c.Reasons[0].FR
	c.EN = "A written employment contract is mandatory from " + dateEN(c.From) + ": draw it up and sign it with the employee (template on the URSSAF CESU site). " + c.Reasons[0].EN
	return c, nil
}

// windowReason explains a window of weeks with too many hours.
func windowReason(r ContractRule, rule string, w, sum int64, d time.Time) ContractReason {
	first, last := weekStart(w-int64(r.WindowWeeks)+1), weekStart(w).AddDate(0, 0, 6)
	limit := int64(r.MaxWindowMinutes)
	if rule == RuleWeeklyHours {
		return ContractReason{Rule: rule, From: d,
			FR: "La semaine du " + dateFR(first) + " au " + dateFR(last) + " compte " + durationFR(sum) +
				" de travail pour cet employeur, plus de " + durationFR(limit) + " (" + r.SourceFR + ").",
			EN: "The week of " + dateEN(first) + " to " + dateEN(last) + " has " + durationEN(sum) +
				" of work for this employer, more than " + durationEN(limit) + " (" + r.SourceEN + ").",
		}
	}
	weeks := strconv.Itoa(r.WindowWeeks)
	avg := limit / int64(r.WindowWeeks)
	return ContractReason{Rule: rule, From: d,
		FR: "Sur les " + weeks + " semaines du " + dateFR(first) + " au " + dateFR(last) + ", le salarié a travaillé " +
			durationFR(sum) + " pour cet employeur, plus de " + durationFR(limit) + ", soit plus de " + durationFR(avg) +
			" par semaine en moyenne (" + r.SourceFR + ").",
		EN: "Over the " + weeks + " weeks from " + dateEN(first) + " to " + dateEN(last) + ", the employee worked " +
			durationEN(sum) + " for this employer, more than " + durationEN(limit) + ", that is more than " + durationEN(avg) +
			" a week on average (" + r.SourceEN + ").",
	}
}

// consecutiveReason explains work in too many consecutive weeks.
func consecutiveReason(r ContractRule, runStart, run int64, d time.Time) ContractReason {
	n, limit := strconv.FormatInt(run, 10), strconv.Itoa(r.MaxConsecutiveWeeks)
	return ContractReason{Rule: RuleConsecutiveWeeks, From: d,
		FR: "Le salarié a travaillé pour cet employeur " + n + " semaines consécutives depuis la semaine du " +
			dateFR(weekStart(runStart)) + ", plus de " + limit + " semaines (" + r.SourceFR + ").",
		EN: "The employee has worked for this employer " + n + " consecutive weeks since the week of " +
			dateEN(weekStart(runStart)) + ", more than " + limit + " weeks (" + r.SourceEN + ").",
	}
}

// checkContractRules refuses rules the platform was misconfigured with: a
// fault of the platform, not of the person.
func checkContractRules(rules []ContractRule) error {
	if len(rules) == 0 {
		return errors.New("cesu: no contract rule given")
	}
	for i, r := range rules {
		if r.WindowWeeks < 1 || r.WindowWeeks > 52 || r.MaxWindowMinutes < 1 || r.MaxConsecutiveWeeks < 0 {
			return fmt.Errorf("cesu: contract rule %d is not a threshold: %+v", i, r)
		}
		if i > 0 && !r.From.After(rules[i-1].From) {
			return fmt.Errorf("cesu: contract rule %d does not start after rule %d", i, i-1)
		}
	}
	return nil
}

// ruleAt returns the rule in force on t's day; before the first rule's
// From, the first rule.
func ruleAt(rules []ContractRule, t time.Time) ContractRule {
	d := day(t)
	for i := len(rules) - 1; i > 0; i-- {
		if !rules[i].From.After(d) {
			return rules[i]
		}
	}
	return rules[0]
}

// weekIndex numbers the calendar week (Monday to Sunday, Europe/Paris)
// that contains t; consecutive weeks have consecutive numbers. 1 January
// 1970 was a Thursday: day 4 is the first Monday.
func weekIndex(t time.Time) int64 {
	d := civilDays(t) + 3
	if d < 0 {
		return (d - 6) / 7
	}
	return d / 7
}

// weekStart returns midnight in Paris of the Monday that starts week w.
func weekStart(w int64) time.Time {
	return time.Date(1970, time.January, 1+int(w*7-3), 0, 0, 0, 0, paris)
}
