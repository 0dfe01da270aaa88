package rules

import (
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// paymentModes is the answer of payment_modes, precomputed.
type paymentModes = abi.PaymentModes

// Categories returns the territory's categories. The result is shared by
// every call: callers must not modify it.
func (p *Policy) Categories() *abi.Categories { return p.catsOut }

func (p *Policy) buildCategories() *abi.Categories {
	out := &abi.Categories{Categories: make([]abi.Category, 0, len(p.categories)), TimeCredits: p.timePolicy}
	for _, c := range p.categories {
		cc := &c.cfg
		a := abi.Category{
			ID: cc.ID, Label: cc.Label, LabelEN: cc.LabelEN, Icon: cc.Icon, Description: cc.Description,
			Modalities: []string{},
			Modes:      []string{},
			SAP: abi.SAP{
				Eligible: cc.SAP.Eligible, Activity: cc.SAP.Activity, ApprovalRequired: cc.SAP.ApprovalRequired,
				TaxCreditBucket: cc.SAP.TaxCreditBucket, MaxMinutesPerJob: cc.SAP.MaxMinutesPerJob,
			},
		}
		var seen modeMask
		for mi, names := range [2][]string{cc.Modes.Resident, cc.Modes.Professional} {
			if len(names) == 0 {
				continue
			}
			a.Modalities = append(a.Modalities, modalityNames[mi])
			for _, n := range names {
				if i := modeIndex(n); !seen.has(i) {
					seen |= 1 << i
					a.Modes = append(a.Modes, n)
				}
			}
		}
		out.Categories = append(out.Categories, a)
	}
	return out
}

// PaymentModes returns the modes an exchange of the request's category and
// modality may use, preferred first, each with its rule in French. The
// result is shared by every call: callers must not modify it.
func (p *Policy) PaymentModes(now time.Time, r *abi.PaymentModesRequest) (*abi.PaymentModes, error) {
	c := p.lookup(r.Category)
	if c == nil {
		return nil, unknownCategory(r.Category)
	}
	mi := modalityIndex(r.Modality)
	if mi < 0 {
		return nil, invalidModality(r.Modality)
	}
	g := p.at(now.Unix())
	sap := 0
	if r.ProviderSAP {
		sap = 1
	}
	out := g.modes[c.index][mi][sap]
	if out == nil {
		return nil, c.refusals.modality[mi]
	}
	return out, nil
}

// buildPaymentModes precomputes the payment_modes answers of one legal period.
func (p *Policy) buildPaymentModes(g *legal) [][2][2]*paymentModes {
	all := make([][2][2]*paymentModes, len(p.categories))
	for _, c := range p.categories {
		for mi, names := range [2][]string{c.cfg.Modes.Resident, c.cfg.Modes.Professional} {
			if len(names) == 0 {
				continue
			}
			for sap := range 2 {
				pm := &paymentModes{Modes: make([]abi.ModeOption, 0, len(names))}
				for _, n := range names {
					md := modeIndex(n)
					if mi == professional && md == modeCESUPrefinance && sap == 0 {
						continue
					}
					pm.Modes = append(pm.Modes, abi.ModeOption{Mode: n, Label: modeLabels[md], Note: modeNote(c, g, mi, md, sap == 1)})
				}
				all[c.index][mi][sap] = pm
			}
		}
	}
	return all
}

// modeNote explains one mode's rule for a category, in French.
func modeNote(c *Category, g *legal, mi, md int, sap bool) string {
	switch md {
	case modeFree:
		if m := c.cfg.Mileage; m != nil {
			s := "Bénévole : seule une indemnité kilométrique peut être versée (" + euros(mileageRate(m, g)) + " par km"
			if m.MaxCentsPerTrip > 0 {
				s += ", au plus " + euros(m.MaxCentsPerTrip) + " par trajet"
			}
			return s + ") ; elle rembourse des frais, ce n'est jamais un revenu."
		}
		if c.cfg.Transport {
			return "Bénévole : aucun paiement."
		}
		return "Service rendu gratuitement, entre voisins."
	case modeTimeCredits:
		return "Une heure donnée = une heure reçue, quel que soit le service."
	case modeCESUDeclaratif:
		s := "Vous devenez particulier employeur"
		if g.known {
			s += " : salaire horaire net d'au moins " + g.cesuMinText + " (SMIC net " + g.smicText + " + " + percent(g.paidLeaveBP) + " de congés payés)"
		}
		return s + ", déclaré chaque mois sur le site du CESU (Urssaf). Contrat de travail écrit obligatoire dès 8 heures par semaine ou 4 semaines consécutives."
	case modeCESUPrefinance:
		if mi == professional {
			return "Accepté par ce professionnel, déclaré services à la personne et affilié au CRCESU : notez le nombre de titres, leur valeur et leurs références."
		}
		return "Titres CESU préfinancés (employeur, CAF, département…) remis à l'habitant que vous employez : notez le nombre de titres, leur valeur et leurs références."
	}
	s := c.cfg.SAP
	switch {
	case s.Eligible && s.ApprovalRequired:
		return "Devis puis facture. Activité réservée aux organismes agréés ou autorisés : vérifiez l'agrément du professionnel."
	case s.Eligible && sap:
		return "Devis puis facture. Professionnel déclaré services à la personne : crédit d'impôt de 50 % (estimation) et avance immédiate possible par son logiciel."
	case s.Eligible:
		return "Devis puis facture. Ce professionnel n'est pas déclaré services à la personne : ni crédit d'impôt ni CESU."
	}
	return "Devis puis facture (carte, virement ou chèque)."
}

// mileageRate is the allowance per km in force: the configured rate, never
// above the legal scale.
func mileageRate(m *MileageConfig, g *legal) int64 {
	if g.known && g.mileageMax < m.CentsPerKm {
		return g.mileageMax
	}
	return m.CentsPerKm
}

// percent formats basis points as a French percentage: 1000 → "10 %".
func percent(bp int64) string {
	s := itoa64(bp / 100)
	if r := bp % 100; r != 0 {
		s += "," + string(rune('0'+r/10))
		if r%10 != 0 {
			s += string(rune('0' + r%10))
		}
	}
	return s + " %"
}
