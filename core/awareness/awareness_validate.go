package awareness

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/apperr"
)

// Bounds of an event's fields.
const (
	minTitle, maxTitle = 3, 120
	maxAddress         = 200
	maxDescription     = 2000
	// MaxDuration is the longest event (a fair over a long weekend).
	MaxDuration = 4 * 24 * time.Hour
	// MaxAhead is how far ahead an event may start.
	MaxAhead = 2 * 365 * 24 * time.Hour
)

// Input is what an admin writes about an event.
type Input struct {
	Kind, Title string
	// Commune is the INSEE code of one of the territory's communes.
	Commune, Address, Description string
	StartsAt, EndsAt              time.Time
}

// problems gathers every problem of an input, to report them at once.
type problems struct{ fr, en []string }

func (p *problems) add(fr, en string) { p.fr, p.en = append(p.fr, fr), append(p.en, en) }

func (p *problems) err() error {
	if len(p.fr) == 0 {
		return nil
	}
	return apperr.New(apperr.KindInvalid, "event_invalid",
		"Événement à corriger : "+strings.Join(p.fr, " ; ")+".",
		"Event to fix: "+strings.Join(p.en, "; ")+".")
}

// check normalises the input and reports every problem; creating is
// stricter than correcting (a new event may not have ended already).
func (in *Input) check(now time.Time, creating bool) error {
	var p problems
	in.Title, in.Address, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Address), strings.TrimSpace(in.Description)
	in.Commune = strings.TrimSpace(in.Commune)
	if !slices.Contains(Kinds, in.Kind) {
		p.add("choisissez le type d'événement (stand de marché, salon des artisans, réunion pour les entreprises ou autre)",
			"choose the kind of event (market stand, craftsmen's fair, meeting for businesses or other)")
	}
	if n := utf8.RuneCountInString(in.Title); n < minTitle || n > maxTitle || !line(in.Title) {
		p.add("le titre compte de 3 à 120 caractères, sur une ligne", "the title is 3 to 120 characters long, on one line")
	}
	if len(in.Commune) != 5 {
		p.add("choisissez la commune où il a lieu", "choose the commune where it takes place")
	}
	if utf8.RuneCountInString(in.Address) > maxAddress || !line(in.Address) {
		p.add("l'adresse compte 200 caractères au plus, sur une ligne", "the address is at most 200 characters long, on one line")
	}
	if utf8.RuneCountInString(in.Description) > maxDescription || !text(in.Description) {
		p.add("la description compte 2 000 caractères au plus", "the description is at most 2,000 characters long")
	}
	switch {
	case in.StartsAt.IsZero() || in.EndsAt.IsZero():
		p.add("indiquez la date et les heures de début et de fin", "give the date and the start and end times")
	case in.EndsAt.Before(in.StartsAt):
		p.add("la fin vient après le début", "the end comes after the start")
	case in.EndsAt.Sub(in.StartsAt) > MaxDuration:
		p.add("un événement dure 4 jours au plus : créez-en plusieurs", "an event lasts at most 4 days: create several")
	case in.StartsAt.After(now.Add(MaxAhead)):
		p.add("un événement commence dans les deux ans", "an event starts within two years")
	case creating && in.EndsAt.Before(now):
		p.add("cet événement est déjà terminé", "this event is already over")
	}
	return p.err()
}

// line reports valid UTF-8 without any control character.
func line(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// text reports valid UTF-8 without control characters other than line
// breaks and tabs.
func text(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
}
