// Command minimal is the smallest useful Campagnon territory plugin: one
// category, "Coup de main entre voisins", between residents, free only. It
// needs no configuration.
//
// Build it to WebAssembly with the stock Go toolchain:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o minimal.wasm .
//
// The plugin registers its handlers from init(); main() stays empty because
// the host calls the exported operations, never main. The same handlers run
// natively in the tests, through plugin.NewRunner.
package main

import (
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// categoryID is the plugin's only category.
const categoryID = "coup-de-main"

// noteFree explains the only payment mode.
const noteFree = "Service rendu gratuitement, entre voisins : aucun paiement."

var manifest = abi.Manifest{
	ID:          "example.minimal",
	Name:        "Exemple minimal",
	Version:     "1.0.0",
	ABI:         abi.Version,
	Description: "Une catégorie, des services gratuits entre voisins : le plus petit plugin utile.",
	Author:      "Campagnon",
	Operations:  []string{"describe", "categories", "quote", "payment_modes", "validate_listing"},
}

// categories is the answer of every categories call: built once.
var categories = &abi.Categories{Categories: []abi.Category{{
	ID:          categoryID,
	Label:       "Coup de main entre voisins",
	LabelEN:     "A helping hand between neighbours",
	Icon:        "hand",
	Description: "Petits services rendus gratuitement entre voisins : récupérer un colis, prêter un outil, donner un coup de main.",
	Modalities:  []string{abi.ModalityResident},
	Modes:       []string{abi.ModeFree},
	SAP:         abi.SAP{Eligible: false},
}}}

var paymentModes = &abi.PaymentModes{Modes: []abi.ModeOption{{Mode: abi.ModeFree, Label: "Gratuit (bénévole)", Note: noteFree}}}

// handlers are the plugin's operations. With no ParseConfig, the plugin
// takes no configuration.
var handlers = plugin.Handlers{
	Manifest:        manifest,
	Categories:      func(*plugin.Ctx) (*abi.Categories, error) { return categories, nil },
	PaymentModes:    answerPaymentModes,
	Quote:           quote,
	ValidateListing: validateListing,
}

func init() { plugin.Register(handlers) }

func main() {}

// check refuses what this territory does not offer: another category, a
// professional, a paid mode.
func check(category, modality string) error {
	if category != categoryID {
		return plugin.Refuse("unknown_category", "Catégorie inconnue sur ce territoire.", "Unknown category in this territory.")
	}
	if modality != abi.ModalityResident {
		return plugin.Refuse("modality_not_allowed",
			"Sur ce territoire, les services se rendent entre particuliers uniquement.",
			"In this territory, services are exchanged between residents only.")
	}
	return nil
}

var errNotFree = plugin.Refuse("mode_not_allowed",
	"Sur ce territoire, les services sont gratuits : choisissez le mode « Gratuit (bénévole) ».",
	"In this territory, services are free: choose the free mode.")

func answerPaymentModes(_ *plugin.Ctx, r *abi.PaymentModesRequest) (*abi.PaymentModes, error) {
	if err := check(r.Category, r.Modality); err != nil {
		return nil, err
	}
	return paymentModes, nil
}

func quote(_ *plugin.Ctx, r *abi.QuoteRequest) (*abi.Quote, error) {
	if err := check(r.Category, r.Modality); err != nil {
		return nil, err
	}
	if r.Mode != abi.ModeFree {
		return nil, errNotFree
	}
	if r.Minutes < 1 || r.Minutes > abi.MaxMinutes || r.Occurrences < 1 || r.Occurrences > abi.MaxOccurrences {
		return nil, plugin.Refuse("invalid_request",
			"Demande invalide : une intervention dure de 1 minute à 24 heures, et se répète de 1 à 1000 fois.",
			"Invalid request: a service lasts from 1 minute to 24 hours and happens 1 to 1000 times.")
	}
	return &abi.Quote{
		Currency: abi.Currency,
		Mode:     abi.ModeFree,
		Lines: []abi.QuoteLine{{
			Code: "volunteer", Label: "Service bénévole",
			Quantity: int64(r.Minutes * r.Occurrences), Unit: "minute",
		}},
		Notes: []string{noteFree},
	}, nil
}

func validateListing(_ *plugin.Ctx, r *abi.ValidateListingRequest) (*abi.ListingVerdict, error) {
	l := &r.Listing
	if err := check(l.Category, l.Modality); err != nil {
		return nil, err
	}
	for _, m := range l.Modes {
		if m != abi.ModeFree {
			return nil, errNotFree
		}
	}
	if l.PriceKind != abi.PriceFree {
		return nil, plugin.Refuse("price_not_allowed", "Un service gratuit n'a pas de prix : indiquez « gratuit ».",
			"A free service has no price: choose free.")
	}
	return &abi.ListingVerdict{}, nil
}
