// Command custom-pricing is a Campagnon territory plugin with a pricing
// rule of its own, for professional gardeners: billing per started quarter
// hour with a one-hour minimum, and a sliding scale that lowers the rate of
// recurring work (90 % from 4 visits, 80 % from 10), all set by the
// territory's configuration (see Config).
//
// Build it to WebAssembly with the stock Go toolchain:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o custom-pricing.wasm .
package main

import (
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

const categoryID = "jardinage"

var manifest = abi.Manifest{
	ID:          "example.custom-pricing",
	Name:        "Exemple de tarification sur mesure",
	Version:     "1.0.0",
	ABI:         abi.Version,
	Description: "Jardinage par des professionnels : facturation au quart d'heure entamé, une heure minimum, tarif dégressif pour les interventions régulières.",
	Author:      "Campagnon",
	Operations:  []string{"describe", "categories", "quote", "payment_modes", "validate_listing"},
}

var categories = &abi.Categories{Categories: []abi.Category{{
	ID:          categoryID,
	Label:       "Jardinage",
	LabelEN:     "Gardening",
	Icon:        "leaf",
	Description: "Tonte, taille de haies, désherbage par un jardinier professionnel.",
	Modalities:  []string{abi.ModalityProfessional},
	Modes:       []string{abi.ModeProfessional},
	SAP:         abi.SAP{Eligible: true, Activity: "Petits travaux de jardinage", TaxCreditBucket: abi.BucketGardening},
}}}

var paymentModes = &abi.PaymentModes{Modes: []abi.ModeOption{{
	Mode: abi.ModeProfessional, Label: "Paiement au professionnel (devis et facture)",
	Note: "Devis puis facture ; facturation au quart d'heure entamé, une heure minimum.",
}}}

// handlers are the plugin's operations; ParseConfig reads the territory's
// configuration once per configuration hash.
var handlers = plugin.Handlers{
	Manifest:    manifest,
	ParseConfig: parseConfig,
	Categories:  func(*plugin.Ctx) (*abi.Categories, error) { return categories, nil },
	PaymentModes: func(_ *plugin.Ctx, r *abi.PaymentModesRequest) (*abi.PaymentModes, error) {
		if err := check(r.Category, r.Modality, abi.ModeProfessional); err != nil {
			return nil, err
		}
		return paymentModes, nil
	},
	Quote: func(c *plugin.Ctx, r *abi.QuoteRequest) (*abi.Quote, error) {
		if err := check(r.Category, r.Modality, r.Mode); err != nil {
			return nil, err
		}
		return price(c.Config.(*Config), r)
	},
	ValidateListing: func(_ *plugin.Ctx, r *abi.ValidateListingRequest) (*abi.ListingVerdict, error) {
		for _, m := range r.Listing.Modes {
			if err := check(r.Listing.Category, r.Listing.Modality, m); err != nil {
				return nil, err
			}
		}
		return &abi.ListingVerdict{}, nil
	},
}

func init() { plugin.Register(handlers) }

func main() {}

// check refuses anything but a professional gardener paid directly.
func check(category, modality, mode string) error {
	switch {
	case category != categoryID:
		return plugin.Refuse("unknown_category", "Catégorie inconnue sur ce territoire.", "Unknown category in this territory.")
	case modality != abi.ModalityProfessional:
		return plugin.Refuse("modality_not_allowed", "Ce territoire ne propose ici que des jardiniers professionnels.",
			"This territory only offers professional gardeners here.")
	case mode != abi.ModeProfessional:
		return plugin.Refuse("mode_not_allowed", "Le jardinier professionnel se paie sur devis et facture.",
			"The professional gardener is paid on quote and invoice.")
	}
	return nil
}
