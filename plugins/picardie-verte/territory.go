package main

import (
	"github.com/campagnon/campagnon/plugins/standard/rules"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Notes of the Picardie Verte's own rule, in French.
const (
	labelMileageCC = "Indemnité kilométrique du conducteur, remboursée par la communauté de communes"
	noteMileageCC  = "Trajet en crédits temps : la communauté de communes de la Picardie Verte rembourse au conducteur bénévole son indemnité kilométrique (plafonnée par trajet) ; le passager ne paie rien."
)

// picardieVerte is the rule of the CC de la Picardie Verte that the
// standard configuration cannot express: on its 88 communes rides are
// long, so a volunteer driver paid in time credits also gets the mileage
// allowance, paid by the communauté de communes (capped per trip as the
// configuration says). The standard rules keep money out of time-credit
// exchanges; here it is the territory, not the passenger, who pays.
func picardieVerte(d *rules.Draft) {
	if d.Request().Mode != abi.ModeTimeCredits || !d.Category().Transport() {
		return
	}
	l, _, ok := d.MileageLine()
	if !ok {
		return
	}
	l.Label = labelMileageCC
	d.AddTerritoryPaid(l)
	d.AddNote(noteMileageCC)
}
