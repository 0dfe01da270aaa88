package rules

import (
	"fmt"
	"strings"

	"github.com/campagnon/campagnon/sdk/plugin"
)

// Refusal is a business "no" of the rules: a decision shown to the person,
// in French and English, distinct from a fault. The plugin's glue turns it
// into the ABI's refusal envelope.
type Refusal struct {
	// Code is a stable machine code, such as "cesu_not_eligible".
	Code string
	// Message says in French which rule refused and what to do instead.
	Message string
	// MessageEN is the same in English.
	MessageEN string
	// sdk is the same refusal made by plugin.Refuse, built with it: most
	// refusals are built once, when the configuration is compiled, so that
	// refusing costs no allocation on the hot path.
	sdk error
}

// Error implements error.
func (r *Refusal) Error() string { return r.Code + ": " + r.Message }

// refuse builds a Refusal.
func refuse(code, fr, en string) *Refusal {
	return &Refusal{Code: code, Message: fr, MessageEN: en, sdk: plugin.Refuse(code, fr, en)}
}

// Refusals that depend on nothing, built once.
var (
	refMinutes     = invalidRequest("la durée d'une intervention va de 1 minute à 24 heures", "a service lasts from 1 minute to 24 hours")
	refOccurrences = invalidRequest("le nombre d'interventions va de 1 à 1000", "occurrences range from 1 to 1000")
	refDistance    = invalidRequest("la distance va de 0 à 1000 km", "the distance ranges from 0 to 1000 km")
	refHourly      = invalidRequest("le tarif horaire va de 0 à 1000 €", "the hourly rate ranges from €0 to €1,000")
	refTooLarge    = invalidRequest("le devis dépasse 100 000 € ou 1000 km : découpez l'échange",
		"the quote exceeds €100,000 or 1,000 km: split the exchange")
	refLegalUnknown = refuse(CodeLegalAmountsUnknown,
		"Aucun montant légal (SMIC, barème kilométrique) n'est configuré pour cette date.",
		"No legal amount (minimum wage, mileage scale) is configured for this date.")
	refPrefinanceNoSAP = refuse(CodeCESUPrefinanceNoSAP,
		"Le CESU préfinancé ne peut payer qu'un professionnel déclaré services à la personne et affilié au CRCESU. Choisissez un autre mode de paiement ou un professionnel déclaré.",
		"Prefunded CESU can only pay a professional declared for services à la personne and affiliated to the CRCESU. Choose another payment mode or a declared professional.")
)

// categoryRefusals are a category's refusals, built when the configuration
// is compiled.
type categoryRefusals struct {
	modality [2]*Refusal
	cesu     *Refusal
	mode     [2][modeCount]*Refusal
	price    [2]*Refusal // [resident]: no wage; [professional]: no rate
}

func (c *Category) buildRefusals() {
	r := &c.refusals
	for mi := range 2 {
		r.modality[mi] = modalityNotAllowed(c, mi)
		r.price[mi] = priceRequired(c, mi == resident)
		for md := range modeCount {
			r.mode[mi][md] = modeNotAllowed(c, mi, md)
		}
	}
	r.cesu = cesuNotEligible(c)
}

// Refusal codes of the standard rules.
const (
	CodeInvalidRequest       = "invalid_request"
	CodeUnknownCategory      = "unknown_category"
	CodeModalityNotAllowed   = "modality_not_allowed"
	CodeModeNotAllowed       = "mode_not_allowed"
	CodeCESUNotEligible      = "cesu_not_eligible"
	CodeCESUPrefinanceNoSAP  = "cesu_prefinance_requires_sap"
	CodeCESUWageBelowMinimum = "cesu_wage_below_minimum"
	CodePriceRequired        = "price_required"
	CodePriceNotAllowed      = "price_not_allowed"
	CodeTimeCreditsLimit     = "time_credits_limit"
	CodeLegalAmountsUnknown  = "legal_amounts_unknown"
)

// ConfigError is a configuration the rules cannot accept; its message, in
// French, lists every problem found so that an administrator fixes them in
// one pass.
type ConfigError struct {
	// Problems are the problems found, each naming its key.
	Problems []string
}

// Error lists the problems; the SDK prefixes it with "La configuration du
// territoire est invalide pour ce plugin : " in the refusal it answers.
func (e *ConfigError) Error() string {
	return strings.Join(e.Problems, " ; ")
}

// problems collects configuration problems; it stops growing after
// maxProblems so that a hostile configuration cannot make a huge message.
type problems struct{ list []string }

const maxProblems = 20

func (p *problems) addf(format string, args ...any) {
	if len(p.list) < maxProblems {
		p.list = append(p.list, fmt.Sprintf(format, args...))
	}
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ConfigError{Problems: p.list}
}

func unknownCategory(id string) *Refusal {
	return refuse(CodeUnknownCategory,
		"Catégorie « "+clip(id)+" » inconnue sur ce territoire.",
		"Unknown category \""+clip(id)+"\" in this territory.")
}

func invalidModality(s string) *Refusal {
	return invalidRequest("modalité « "+clip(s)+" » inconnue (resident ou professional)",
		"unknown modality \""+clip(s)+"\" (resident or professional)")
}

func invalidMode(s string) *Refusal {
	return invalidRequest("mode de paiement « "+clip(s)+" » inconnu",
		"unknown payment mode \""+clip(s)+"\"")
}

func invalidRequest(fr, en string) *Refusal {
	return refuse(CodeInvalidRequest, "Demande invalide : "+fr+".", "Invalid request: "+en+".")
}

func modalityNotAllowed(c *Category, mi int) *Refusal {
	return refuse(CodeModalityNotAllowed,
		"La catégorie "+c.tagText+" n'est pas proposée "+modalityLabels[mi]+" sur ce territoire.",
		"Category \""+c.cfg.ID+"\" is not offered "+modalityLabelsEN[mi]+" in this territory.")
}

func modeNotAllowed(c *Category, mi, md int) *Refusal {
	return refuse(CodeModeNotAllowed,
		"Le mode « "+modeLabels[md]+" » n'est pas accepté pour "+c.tagText+" "+modalityLabels[mi]+" ; modes acceptés : "+c.accepted[mi]+".",
		"Payment mode \""+modeNames[md]+"\" is not accepted for \""+c.cfg.ID+"\" "+modalityLabelsEN[mi]+"; accepted: "+c.acceptedEN[mi]+".")
}

func cesuNotEligible(c *Category) *Refusal {
	if c.cfg.SAP.Eligible {
		return refuse(CodeCESUNotEligible,
			"Le CESU n'est pas possible pour "+c.tagText+" : cette activité de services à la personne exige un organisme agréé ou autorisé (article D7231-1 du code du travail). Entre habitants, choisissez un échange bénévole ou en crédits temps.",
			"CESU is not possible for \""+c.cfg.ID+"\": this activity needs an approved organisation (article D7231-1 of the French labour code). Between residents, choose a volunteer or time-credit exchange.")
	}
	return refuse(CodeCESUNotEligible,
		"Le CESU n'est possible que pour les services à la personne (article D7231-1 du code du travail), ce que "+c.tagText+" n'est pas.",
		"CESU is only possible for services à la personne (article D7231-1 of the French labour code), which \""+c.cfg.ID+"\" is not.")
}

func priceRequired(c *Category, wage bool) *Refusal {
	if wage {
		return refuse(CodePriceRequired,
			"Indiquez le salaire horaire net proposé : la grille de "+c.tagText+" n'en prévoit pas.",
			"State the proposed net hourly wage: the grid of \""+c.cfg.ID+"\" has none.")
	}
	return refuse(CodePriceRequired,
		"Indiquez le tarif horaire du professionnel : la grille de "+c.tagText+" n'en prévoit pas.",
		"State the professional's hourly rate: the grid of \""+c.cfg.ID+"\" has none.")
}

func wageBelowMinimum(g *legal, h int64) *Refusal {
	return refuse(CodeCESUWageBelowMinimum,
		"En CESU, le salaire horaire net doit être d'au moins "+g.cesuMinText+" (SMIC net "+g.smicText+" + "+percent(g.paidLeaveBP)+
			" de congés payés) ; "+euros(h)+" proposé. Relevez le salaire ou choisissez un échange bénévole ou en crédits temps.",
		"With the CESU, the net hourly wage must be at least "+eurosEN(g.cesuMin)+" (net minimum wage "+eurosEN(g.smic)+
			" plus paid leave); "+eurosEN(h)+" proposed. Raise the wage or choose a volunteer or time-credit exchange.")
}

// clip bounds text copied from a request into a message.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.ToValidUTF8(s, "")
}
