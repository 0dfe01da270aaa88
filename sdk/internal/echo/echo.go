// Package echo is a small plugin used to test the SDK: natively through
// plugin.Runner, and built to WebAssembly from plugin/testdata/echo. Its
// answers are simple functions of the input, and some categories trigger
// each kind of outcome: "refuse" a refusal, "fail" a plain error (a fault),
// "panic" a panic, "nil" a nil quote.
package echo

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// Config is the echo plugin's configuration.
type Config struct {
	// HourlyCents is the hourly rate of every service.
	HourlyCents int64 `json:"hourly_cents"`
	// CentsPerKm is the mileage allowance.
	CentsPerKm int64 `json:"cents_per_km"`
}

// ParseConfig decodes and checks a Config.
func ParseConfig(raw []byte) (any, error) {
	var c Config
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("decode the configuration: %w", err)
	}
	if c.HourlyCents <= 0 {
		return nil, errors.New("hourly_cents must be positive")
	}
	return &c, nil
}

// Handlers returns the echo plugin's handlers.
func Handlers() plugin.Handlers {
	return plugin.Handlers{
		Manifest: abi.Manifest{
			ID: "campagnon.echo", Name: "Plugin d'essai", Version: "0.1.0",
			Description: "Répond des fonctions simples de la demande, pour tester le SDK.",
		},
		ParseConfig:     ParseConfig,
		Categories:      categories,
		Quote:           quote,
		PaymentModes:    paymentModes,
		ValidateListing: validateListing,
	}
}

func categories(c *plugin.Ctx) (*abi.Categories, error) {
	return &abi.Categories{Categories: []abi.Category{{
		ID: "essai", Label: "Essai à " + c.Territory.Name, Icon: "star",
		Modalities: []string{abi.ModalityResident}, Modes: []string{abi.ModeFree, abi.ModeTimeCredits},
	}}}, nil
}

func quote(c *plugin.Ctx, r *abi.QuoteRequest) (*abi.Quote, error) {
	switch r.Category {
	case "refuse":
		return nil, fmt.Errorf("wrapped: %w", plugin.Refuse("echo_refused", "Refusé à "+c.Now.Format("15:04")+".", "Refused."))
	case "fail":
		return nil, errors.New("echo failed")
	case "panic":
		panic("echo panicked")
	case "nil":
		return nil, nil
	}
	cfg := c.Config.(*Config)
	minutes := int64(r.Minutes) * int64(r.Occurrences)
	km := int64(r.DistanceMeters+500) / 1000
	labour := minutes * cfg.HourlyCents / 60
	q := &abi.Quote{
		Currency: abi.Currency, Mode: r.Mode,
		Lines: []abi.QuoteLine{
			{Code: "labour", Label: "Main-d'œuvre", Quantity: minutes, Unit: "minute", AmountCents: labour},
			{Code: "mileage", Label: "Indemnité kilométrique", Quantity: km, Unit: "km", AmountCents: km * cfg.CentsPerKm},
		},
	}
	if r.Mode == abi.ModeFree || r.Mode == abi.ModeTimeCredits {
		q.Lines = q.Lines[1:]
	}
	if r.Mode == abi.ModeTimeCredits {
		q.TimeCreditMinutes = int(minutes)
	}
	for _, l := range q.Lines {
		q.TotalCents += l.AmountCents
	}
	if r.Solidarity {
		q.SubsidyCents = q.TotalCents / 2
		q.Notes = []string{"Réduction solidaire : la moitié est prise en charge par le territoire."}
	}
	q.PayableCents = q.TotalCents - q.SubsidyCents
	return q, nil
}

func paymentModes(c *plugin.Ctx, r *abi.PaymentModesRequest) (*abi.PaymentModes, error) {
	if r.Modality == abi.ModalityProfessional {
		return nil, plugin.Refuse("no_professionals", "Pas de professionnels ici.", "No professionals here.")
	}
	return &abi.PaymentModes{Modes: []abi.ModeOption{{Mode: abi.ModeFree, Label: "Gratuit"}}}, nil
}

func validateListing(c *plugin.Ctx, r *abi.ValidateListingRequest) (*abi.ListingVerdict, error) {
	plugin.Log(abi.LogInfo, "validate "+r.Listing.Title)
	if r.Listing.Title == "" {
		return nil, plugin.Refuse("title_required", "Donnez un titre à l'annonce.", "")
	}
	return &abi.ListingVerdict{}, nil
}
