package rules

import (
	"strings"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Warnings of listings, in French and English.
var (
	warnNotSAP = abi.Notice{
		Code:      "not_sap_declared",
		Message:   "Vous n'êtes pas déclaré services à la personne : vos clients n'auront pas de crédit d'impôt et vous ne pourrez pas accepter le CESU préfinancé. La déclaration se fait sur le site nova.entreprises.gouv.fr.",
		MessageEN: "You are not declared for services à la personne: your clients get no tax credit and you cannot accept prefunded CESU.",
	}
	warnCESUHourly = abi.Notice{
		Code:      "cesu_hourly_wage",
		Message:   "En CESU, le salaire se déclare à l'heure : le prix forfaitaire sera converti en salaire horaire net, jamais sous le minimum légal.",
		MessageEN: "With the CESU, wages are declared by the hour: the fixed price will be converted into a net hourly wage, never below the legal minimum.",
	}
)

// ValidateListing accepts a listing, with warnings for its author, or
// refuses it with the rule it breaks.
func (p *Policy) ValidateListing(now time.Time, r *abi.ValidateListingRequest) (*abi.ListingVerdict, error) {
	l := &r.Listing
	c := p.lookup(l.Category)
	if c == nil {
		return nil, unknownCategory(l.Category)
	}
	mi := modalityIndex(l.Modality)
	if mi < 0 {
		return nil, invalidModality(l.Modality)
	}
	if l.Kind != abi.ListingOffer && l.Kind != abi.ListingNeed {
		return nil, invalidRequest("une annonce est une offre (offer) ou une demande (need)", "a listing is an offer or a need")
	}
	if len(l.Modes) == 0 {
		return nil, invalidRequest("indiquez au moins un mode de paiement", "list at least one payment mode")
	}
	// A need may name modes that only some providers accept (prefunded CESU
	// titles for a declared professional): it is checked against what the
	// category allows, not against one provider.
	providerOK := l.ProviderSAP || l.Kind == abi.ListingNeed
	var modes modeMask
	for _, name := range l.Modes {
		md := modeIndex(name)
		if md < 0 {
			return nil, invalidMode(name)
		}
		if err := checkMode(c, mi, md, providerOK); err != nil {
			return nil, err
		}
		modes |= 1 << md
	}
	priced := l.PriceKind == abi.PriceHourly || l.PriceKind == abi.PriceFixed
	if priced && modes&maskPaid == 0 {
		fr := "Un échange bénévole ou en crédits temps n'a pas de prix : indiquez « gratuit », ou ajoutez un mode de paiement payant si la catégorie le permet."
		if c.cfg.Transport && mi == resident {
			fr = "Le transport entre habitants n'a pas de prix : il est bénévole (seule une indemnité kilométrique, calculée par la plateforme, peut être versée)"
			if c.allowed[resident].has(modeTimeCredits) {
				fr += " ou en crédits temps"
			}
			fr += "."
		}
		return nil, refuse(CodePriceNotAllowed, fr, "A volunteer or time-credit exchange has no price.")
	}
	if priced && l.PriceCents <= 0 {
		return nil, invalidRequest("un prix horaire ou forfaitaire doit être positif", "an hourly or fixed price must be positive")
	}
	g := p.at(now.Unix())
	cesu := mi == resident && modes&maskCESU != 0
	if cesu && l.PriceKind == abi.PriceHourly && g.known && l.PriceCents < g.cesuMin {
		return nil, wageBelowMinimum(g, l.PriceCents)
	}

	v := &abi.ListingVerdict{}
	if cesu && l.PriceKind == abi.PriceFixed {
		v.Warnings = append(v.Warnings, warnCESUHourly)
	}
	if mi == professional && l.Kind == abi.ListingOffer && c.cesuOK && !l.ProviderSAP {
		v.Warnings = append(v.Warnings, warnNotSAP)
	}
	if len(c.warnings) > 0 {
		text := strings.ToLower(l.Title + "\n" + l.Description)
		for i := range c.warnings {
			w := &c.warnings[i]
			if w.Modality != "" && w.Modality != l.Modality {
				continue
			}
			if len(w.Words) == 0 || containsAny(text, w.Words) {
				v.Warnings = append(v.Warnings, abi.Notice{Code: w.Code, Message: w.Message, MessageEN: w.MessageEN})
			}
		}
	}
	return v, nil
}

func containsAny(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}
