package listing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Bounds of a listing's fields.
const (
	minTitle, maxTitle = 5, 120
	maxDescription     = 4000
	maxNote            = 500
	maxSlots           = 21
	maxTravelKm        = 200
	maxPriceCents      = 1_000_000 // €10,000
)

// Input is what an author writes: the body of POST and PUT on listings.
type Input struct {
	Kind             string   `json:"kind"`
	Category         string   `json:"category"`
	Modality         string   `json:"modality"`
	Title            string   `json:"title"`
	Description      string   `json:"description"`
	Modes            []string `json:"modes"`
	PriceKind        string   `json:"price_kind"`
	PriceCents       int64    `json:"price_cents"`
	Commune          string   `json:"commune"`
	TravelKm         int      `json:"travel_km"`
	Availability     []Slot   `json:"availability"`
	AvailabilityNote string   `json:"availability_note"`
	// Publish publishes at once; otherwise the listing is a draft.
	Publish bool `json:"publish"`
}

// problems gathers every problem of an input, to report them at once.
type problems struct{ fr, en []string }

func (p *problems) add(fr, en string) { p.fr, p.en = append(p.fr, fr), append(p.en, en) }

func (p *problems) err() error {
	if len(p.fr) == 0 {
		return nil
	}
	return apperr.New(apperr.KindInvalid, "listing_invalid",
		"Annonce à corriger : "+strings.Join(p.fr, " ; ")+".",
		"Listing to fix: "+strings.Join(p.en, "; ")+".")
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// text reports whether s is valid UTF-8 without control characters other
// than line breaks and tabs.
func text(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// check validates the input's own fields (not the plugin's rules, not the
// commune's territory) and normalises it.
func (in *Input) check(owner Owner) error {
	var p problems
	in.Title, in.Description, in.AvailabilityNote = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.AvailabilityNote)
	if in.Kind != abi.ListingOffer && in.Kind != abi.ListingNeed {
		p.add("le type est « offer » (je propose) ou « need » (je cherche)", `kind is "offer" or "need"`)
	}
	if in.Modality != abi.ModalityResident && in.Modality != abi.ModalityProfessional {
		p.add("la modalité est « resident » (entre particuliers) ou « professional »", `modality is "resident" or "professional"`)
	} else if in.Kind == abi.ListingOffer && in.Modality == abi.ModalityProfessional && !owner.Professional {
		p.add("seul un compte professionnel (SIRET vérifié) peut publier une offre professionnelle", "only a professional account (checked SIRET) may post a professional offer")
	}
	if in.Category == "" || len(in.Category) > 64 {
		p.add("choisissez une catégorie du territoire", "choose one of the territory's categories")
	}
	if n := utf8.RuneCountInString(in.Title); n < minTitle || n > maxTitle || !text(in.Title) {
		p.add(fmt.Sprintf("le titre fait de %d à %d caractères", minTitle, maxTitle), fmt.Sprintf("the title has %d to %d characters", minTitle, maxTitle))
	}
	if utf8.RuneCountInString(in.Description) > maxDescription || !text(in.Description) {
		p.add(fmt.Sprintf("la description fait au plus %d caractères", maxDescription), fmt.Sprintf("the description has at most %d characters", maxDescription))
	}
	if len(in.Modes) == 0 || len(in.Modes) > len(abi.Modes) {
		p.add("indiquez au moins un mode de paiement accepté", "give at least one accepted payment mode")
	}
	for _, m := range in.Modes {
		if !slices.Contains(abi.Modes, m) {
			p.add(fmt.Sprintf("mode de paiement inconnu %q", m), fmt.Sprintf("unknown payment mode %q", m))
		}
	}
	slices.Sort(in.Modes)
	in.Modes = slices.Compact(in.Modes)
	switch in.PriceKind {
	case abi.PriceFree, abi.PriceOnQuote:
		if in.PriceCents != 0 {
			p.add("un prix gratuit ou sur devis n'a pas de montant", "a free or on-quote price has no amount")
		}
	case abi.PriceHourly, abi.PriceFixed:
		if in.PriceCents <= 0 || in.PriceCents > maxPriceCents {
			p.add("le prix va de 0,01 € à 10 000 €", "the price is €0.01 to €10,000")
		}
	default:
		p.add("le prix est « free », « hourly », « fixed » ou « on_quote »", `the price kind is "free", "hourly", "fixed" or "on_quote"`)
	}
	if len(in.Commune) != 5 {
		p.add("indiquez la commune par son code INSEE (5 caractères)", "give the commune's INSEE code (5 characters)")
	}
	if in.TravelKm < 0 || in.TravelKm > maxTravelKm {
		p.add(fmt.Sprintf("la distance de déplacement va de 0 à %d km", maxTravelKm), fmt.Sprintf("the travel distance is 0 to %d km", maxTravelKm))
	}
	if len(in.Availability) > maxSlots {
		p.add(fmt.Sprintf("au plus %d créneaux de disponibilité", maxSlots), fmt.Sprintf("at most %d availability slots", maxSlots))
	}
	for _, s := range in.Availability {
		if s.Day < 1 || s.Day > 7 || !hhmm.MatchString(s.From) || !hhmm.MatchString(s.To) || s.From >= s.To {
			p.add("chaque créneau a un jour de 1 (lundi) à 7 (dimanche) et des heures HH:MM, la fin après le début",
				"each slot has a day 1 (Monday) to 7 (Sunday) and HH:MM times, the end after the start")
			break
		}
	}
	if utf8.RuneCountInString(in.AvailabilityNote) > maxNote || !text(in.AvailabilityNote) {
		p.add(fmt.Sprintf("la note de disponibilité fait au plus %d caractères", maxNote), fmt.Sprintf("the availability note has at most %d characters", maxNote))
	}
	return p.err()
}

// checkCategory checks the input against the territory's categories.
func (in *Input) checkCategory(cats *abi.Categories) error {
	i := slices.IndexFunc(cats.Categories, func(c abi.Category) bool { return c.ID == in.Category })
	if i < 0 {
		ids := make([]string, len(cats.Categories))
		for j, c := range cats.Categories {
			ids[j] = c.ID
		}
		return apperr.New(apperr.KindInvalid, "listing_category",
			fmt.Sprintf("Catégorie %q inconnue sur ce territoire : choisissez parmi %s.", in.Category, strings.Join(ids, ", ")),
			fmt.Sprintf("Unknown category %q in this territory: choose among %s.", in.Category, strings.Join(ids, ", ")))
	}
	c := cats.Categories[i]
	var p problems
	if !slices.Contains(c.Modalities, in.Modality) {
		p.add(fmt.Sprintf("la catégorie « %s » n'accepte pas la modalité %q (possibles : %s)", c.Label, in.Modality, strings.Join(c.Modalities, ", ")),
			fmt.Sprintf("category %q does not accept modality %q (possible: %s)", c.ID, in.Modality, strings.Join(c.Modalities, ", ")))
	}
	for _, m := range in.Modes {
		if !slices.Contains(c.Modes, m) {
			p.add(fmt.Sprintf("la catégorie « %s » n'accepte pas le mode %q (possibles : %s)", c.Label, m, strings.Join(c.Modes, ", ")),
				fmt.Sprintf("category %q does not accept mode %q (possible: %s)", c.ID, m, strings.Join(c.Modes, ", ")))
		}
	}
	return p.err()
}

func splitModes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
