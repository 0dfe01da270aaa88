package main

import (
	"github.com/campagnon/campagnon/plugins/standard/rules"
	"github.com/campagnon/campagnon/sdk/abi"
)

// noteCommissionWaived explains the Portes de Sologne's own rule, in French.
const noteCommissionWaived = "Professionnel déclaré services à la personne : la communauté de communes des Portes de Sologne lui offre la commission de la plateforme."

// portesDeSologne is the rule of the CC des Portes de Sologne that the
// standard configuration cannot express: to encourage declared work, the
// commission of professionals (5 % in its configuration) is waived for
// those declared for services à la personne. The standard commission rules
// depend on the modality and mode only; a condition on the provider's
// status is this territory's policy, not a rule every territory needs.
func portesDeSologne(d *rules.Draft) {
	r := d.Request()
	if r.Modality == abi.ModalityProfessional && r.ProviderSAP {
		d.WaiveCommission()
		d.AddNote(noteCommissionWaived)
	}
}
