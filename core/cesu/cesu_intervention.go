package cesu

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of one intervention.
const (
	// MaxMinutes is the longest intervention: one day.
	MaxMinutes = 24 * 60
	// MaxNetHourlyCents bounds the net hourly wage (1 000 € an hour), far
	// above any real CESU wage; it catches typing errors and keeps every
	// sum far from overflowing.
	MaxNetHourlyCents = 100_000
	// MaxActivityRunes bounds the activity's code or label.
	MaxActivityRunes = 120
)

// Intervention is one piece of work paid with the CESU déclaratif, as both
// parties confirmed it. The employee's social-security number is never
// part of it: the employer gives it to the URSSAF directly.
type Intervention struct {
	// Employer is the particulier employeur's account ID.
	Employer string
	// Employee is the employee's account ID.
	Employee string
	// Date is when the intervention took place. Its calendar day in
	// Europe/Paris decides its week and month; an intervention that runs
	// past midnight counts on the day it started.
	Date time.Time
	// Minutes is the duration worked, 1 to MaxMinutes.
	Minutes int
	// NetHourlyCents is the net hourly wage, paid leave (10 %) included.
	NetHourlyCents int64
	// Activity is the service à la personne (article D7231-1 du code du
	// travail), as its code or label: "petits travaux de jardinage".
	Activity string
}

// Pair returns the intervention's employer–employee pair, IDs trimmed.
func (iv Intervention) Pair() Pair {
	return Pair{Employer: strings.TrimSpace(iv.Employer), Employee: strings.TrimSpace(iv.Employee)}
}

// NetCents returns the net wage of the intervention alone, rounded to the
// nearest cent (half a cent up). The monthly summary does not add these:
// it rounds once per line, on the line's total minutes (see Summarize).
func (iv Intervention) NetCents() int64 { return netCents(int64(iv.Minutes), iv.NetHourlyCents) }

// netCents is minutes × hourly ÷ 60 rounded to the nearest cent, half up.
// Inputs are non-negative and bounded, so the product cannot overflow.
func netCents(minutes, hourlyCents int64) int64 { return (minutes*hourlyCents + 30) / 60 }

// Validate checks an intervention before it is recorded: both parties
// named and distinct, a date, 1 minute to 24 hours, an activity, and a net
// hourly wage of at least minNetHourlyCents. That minimum is the caller's:
// the territory's plugin computes the legal one (net SMIC plus 10 % paid
// leave, rounded up to the cent) for the intervention's date. A refusal
// names the rule in French and in English.
func (iv Intervention) Validate(minNetHourlyCents int64) error {
	if minNetHourlyCents <= 0 || minNetHourlyCents > MaxNetHourlyCents {
		// The caller forgot the plugin's minimum: a fault of the platform,
		// not of the person (apperr.As turns it into an internal error).
		return fmt.Errorf("cesu: minimum net hourly wage %d cents is not a legal minimum", minNetHourlyCents)
	}
	if err := iv.check(); err != nil {
		return err
	}
	if iv.NetHourlyCents < minNetHourlyCents {
		return refused("cesu_wage_below_minimum",
			"Le salaire horaire net ("+eurosFR(iv.NetHourlyCents)+") est inférieur au minimum légal en CESU : "+
				eurosFR(minNetHourlyCents)+" (SMIC net + 10 % de congés payés). Relevez le salaire, ou choisissez un échange bénévole ou en crédits temps.",
			"The net hourly wage ("+eurosEN(iv.NetHourlyCents)+") is below the legal CESU minimum: "+
				eurosEN(minNetHourlyCents)+" (net minimum wage plus 10% paid leave). Raise the wage, or choose a volunteer or time-credit exchange.")
	}
	return nil
}

// check applies every rule of Validate but the legal minimum, which
// depends on the date and the territory: summaries and the contract rule
// use it to refuse input they cannot count.
func (iv Intervention) check() error {
	employer, employee := strings.TrimSpace(iv.Employer), strings.TrimSpace(iv.Employee)
	switch {
	case employer == "" || employee == "":
		return invalid("cesu_party_missing",
			"L'intervention doit nommer l'employeur et le salarié.",
			"The intervention must name the employer and the employee.")
	case employer == employee:
		return invalid("cesu_same_party",
			"L'employeur et le salarié doivent être deux personnes différentes.",
			"The employer and the employee must be two different people.")
	case iv.Date.IsZero():
		return invalid("cesu_date_missing",
			"Indiquez la date de l'intervention.",
			"Give the date of the intervention.")
	case iv.Minutes < 1 || iv.Minutes > MaxMinutes:
		return invalid("cesu_minutes_out_of_range",
			"La durée d'une intervention va de 1 minute à 24 heures ; "+strconv.Itoa(iv.Minutes)+" minutes indiquées. Corrigez la durée, ou saisissez une intervention par jour.",
			"An intervention lasts from 1 minute to 24 hours; "+strconv.Itoa(iv.Minutes)+" minutes given. Correct the duration, or enter one intervention a day.")
	case iv.NetHourlyCents <= 0:
		return invalid("cesu_wage_missing",
			"Indiquez le salaire horaire net de l'intervention.",
			"Give the net hourly wage of the intervention.")
	case iv.NetHourlyCents > MaxNetHourlyCents:
		return invalid("cesu_wage_too_high",
			"Le salaire horaire net ("+eurosFR(iv.NetHourlyCents)+") dépasse "+eurosFR(MaxNetHourlyCents)+" : vérifiez la saisie (en euros, pas en centimes).",
			"The net hourly wage ("+eurosEN(iv.NetHourlyCents)+") exceeds "+eurosEN(MaxNetHourlyCents)+": check the amount (in euros, not cents).")
	}
	activity := strings.TrimSpace(iv.Activity)
	switch {
	case activity == "":
		return invalid("cesu_activity_missing",
			"Indiquez l'activité de service à la personne (par exemple « petits travaux de jardinage ») : la déclaration CESU la demande.",
			"Give the personal-service activity (for example \"small gardening work\"): the CESU declaration asks for it.")
	case !utf8.ValidString(activity) || utf8.RuneCountInString(activity) > MaxActivityRunes:
		return invalid("cesu_activity_invalid",
			"L'activité « "+clip(activity)+" » doit être un texte de "+strconv.Itoa(MaxActivityRunes)+" caractères au plus.",
			"The activity \""+clip(activity)+"\" must be a text of at most "+strconv.Itoa(MaxActivityRunes)+" characters.")
	}
	return nil
}
