package cesu

// CostEstimate is what one service costs once the tax credit is counted:
// always a simulation.
type CostEstimate struct {
	// TotalCents is the net wage of a CESU intervention, or the total of a
	// professional's invoice.
	TotalCents int64
	// AidCents is the aid received for it (prefunded CESU paid by an
	// employer, APA, PCH…).
	AidCents int64
	// PaidCents is what the household pays: TotalCents − AidCents.
	PaidCents int64
	// TaxCreditCents is the estimated credit: the rate (50 %) of
	// PaidCents, rounded down to the cent.
	TaxCreditCents int64
	// RemainingCents is the cost left once the credit is received:
	// PaidCents − TaxCreditCents.
	RemainingCents int64
	// Simulation is always true: the figure is an estimate.
	Simulation bool
	// NoticeFR and NoticeEN say so, and what the estimate leaves out.
	NoticeFR, NoticeEN string
}

// Notices of the cost estimates.
const (
	costNoticeFR = " Le crédit d'impôt ne s'applique que dans la limite des plafonds annuels du foyer. Avec l'avance immédiate, il est déduit dès le paiement ; sinon il est remboursé l'année suivante, après la déclaration de revenus."
	costNoticeEN = " The tax credit applies only within the household's yearly caps. With the immediate advance it is deducted when paying; otherwise it is refunded the following year, after the income-tax return."
	cesuNoticeFR = " Calcul sur le salaire net seul : les cotisations sociales, calculées et prélevées par l'Urssaf, s'y ajoutent et ouvrent elles aussi droit au crédit d'impôt."
	cesuNoticeEN = " Computed on the net wage only: social contributions, computed and collected by the URSSAF, come on top and also give right to the tax credit."
)

// EstimateInterventionCost estimates the cost of one CESU intervention to
// its employer after the tax credit: the net wage (Intervention.NetCents),
// minus aidCents, minus the credit under law. Social contributions are not
// computed (the URSSAF does): the notice says so.
func EstimateInterventionCost(iv Intervention, aidCents int64, law TaxCreditLaw) (CostEstimate, error) {
	if err := iv.check(); err != nil {
		return CostEstimate{}, err
	}
	e, err := estimateCost(iv.NetCents(), aidCents, law)
	if err != nil {
		return CostEstimate{}, err
	}
	e.NoticeFR += cesuNoticeFR + costNoticeFR
	e.NoticeEN += cesuNoticeEN + costNoticeEN
	return e, nil
}

// EstimateInvoiceCost estimates the cost of a professional's invoice for
// services à la personne (the professional declared as such) after the
// tax credit: totalCents, minus aidCents, minus the credit under law.
func EstimateInvoiceCost(totalCents, aidCents int64, law TaxCreditLaw) (CostEstimate, error) {
	e, err := estimateCost(totalCents, aidCents, law)
	if err != nil {
		return CostEstimate{}, err
	}
	e.NoticeFR += costNoticeFR
	e.NoticeEN += costNoticeEN
	return e, nil
}

func estimateCost(totalCents, aidCents int64, law TaxCreditLaw) (CostEstimate, error) {
	if err := law.check(); err != nil {
		return CostEstimate{}, err
	}
	if err := checkAmounts(totalCents, aidCents); err != nil {
		return CostEstimate{}, err
	}
	e := CostEstimate{
		TotalCents: totalCents,
		AidCents:   aidCents,
		PaidCents:  totalCents - aidCents,
		Simulation: true,
		NoticeFR:   TaxCreditNoticeFR,
		NoticeEN:   TaxCreditNoticeEN,
	}
	e.TaxCreditCents = law.Credit(e.PaidCents)
	e.RemainingCents = e.PaidCents - e.TaxCreditCents
	return e, nil
}
