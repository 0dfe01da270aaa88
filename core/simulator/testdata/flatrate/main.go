// Command flatrate is a territory plugin for the simulator's tests: another
// module than the standard one, with a configuration of its own and no
// commission. The launch categories; between residents only time credits
// (preferred) or free; a professional at a flat hourly rate (configuration
// "hourly_cents", 30 € by default), no travel fee, no commission.
package main

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

var manifest = abi.Manifest{
	ID: "test.flatrate", Name: "Tarif unique (essai)", Version: "1.0.0", ABI: abi.Version,
	Operations: []string{"describe", "categories", "quote", "payment_modes", "validate_listing"},
}

// config is the plugin's configuration.
type config struct {
	HourlyCents int64 `json:"hourly_cents"`
}

func parseConfig(raw []byte) (any, error) {
	c := config{HourlyCents: 3000}
	if t := bytes.TrimSpace(raw); len(t) > 0 && !bytes.Equal(t, []byte("{}")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, errors.New("configuration invalide : " + err.Error())
		}
	}
	if c.HourlyCents <= 0 || c.HourlyCents > abi.MaxHourlyCents {
		return nil, errors.New("configuration invalide : hourly_cents va de 1 à 100000")
	}
	return &c, nil
}

var ids = []string{"mobilite", "petits-travaux", "enfance", "aines"}

var categories = func() *abi.Categories {
	out := &abi.Categories{}
	for _, id := range ids {
		out.Categories = append(out.Categories, abi.Category{ID: id, Label: "Catégorie " + id, Icon: "hand",
			Modalities: []string{abi.ModalityResident, abi.ModalityProfessional},
			Modes:      []string{abi.ModeTimeCredits, abi.ModeFree, abi.ModeProfessional}})
	}
	return out
}()

var (
	residentModes     = &abi.PaymentModes{Modes: []abi.ModeOption{{Mode: abi.ModeTimeCredits, Label: "Crédits temps"}, {Mode: abi.ModeFree, Label: "Gratuit"}}}
	professionalModes = &abi.PaymentModes{Modes: []abi.ModeOption{{Mode: abi.ModeProfessional, Label: "Professionnel"}}}
)

func check(category, modality, mode string) error {
	known := false
	for _, id := range ids {
		known = known || id == category
	}
	if !known {
		return plugin.Refuse("unknown_category", "Catégorie inconnue.", "Unknown category.")
	}
	ok := mode == "" ||
		(modality == abi.ModalityResident && (mode == abi.ModeFree || mode == abi.ModeTimeCredits)) ||
		(modality == abi.ModalityProfessional && mode == abi.ModeProfessional)
	if !ok {
		return plugin.Refuse("mode_not_allowed", "Mode de paiement refusé ici.", "Payment mode refused here.")
	}
	return nil
}

func quote(c *plugin.Ctx, r *abi.QuoteRequest) (*abi.Quote, error) {
	if err := check(r.Category, r.Modality, r.Mode); err != nil {
		return nil, err
	}
	minutes := int64(r.Minutes) * int64(r.Occurrences)
	q := &abi.Quote{Currency: abi.Currency, Mode: r.Mode}
	switch r.Mode {
	case abi.ModeFree:
		q.Lines = []abi.QuoteLine{{Code: "volunteer", Label: "Bénévole", Quantity: minutes, Unit: "minute"}}
	case abi.ModeTimeCredits:
		q.Lines = []abi.QuoteLine{{Code: "time_credits", Label: "Crédits temps", Quantity: minutes, Unit: "minute"}}
		q.TimeCreditMinutes = int(minutes)
	default:
		h := c.Config.(*config).HourlyCents
		amount := (h*int64(r.Minutes) + 30) / 60 * int64(r.Occurrences)
		q.Lines = []abi.QuoteLine{{Code: "labour", Label: "Main-d'œuvre", Quantity: minutes, Unit: "minute", AmountCents: amount}}
		q.TotalCents, q.PayableCents = amount, amount
	}
	return q, nil
}

func init() {
	plugin.Register(plugin.Handlers{
		Manifest:    manifest,
		ParseConfig: parseConfig,
		Categories:  func(*plugin.Ctx) (*abi.Categories, error) { return categories, nil },
		PaymentModes: func(_ *plugin.Ctx, r *abi.PaymentModesRequest) (*abi.PaymentModes, error) {
			if err := check(r.Category, r.Modality, ""); err != nil {
				return nil, err
			}
			if r.Modality == abi.ModalityProfessional {
				return professionalModes, nil
			}
			return residentModes, nil
		},
		Quote: quote,
		ValidateListing: func(_ *plugin.Ctx, r *abi.ValidateListingRequest) (*abi.ListingVerdict, error) {
			return &abi.ListingVerdict{}, check(r.Listing.Category, r.Listing.Modality, "")
		},
	})
}

func main() {}
