package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// Config is the territory's configuration of this plugin (its
// Context.Config): a professional gardener's rate, billed per started
// step of minutes with a minimum, and a sliding scale for recurring work.
type Config struct {
	// HourlyCents is the rate of one hour.
	HourlyCents int64 `json:"hourly_cents"`
	// MinimumMinutes is the least billed per visit.
	MinimumMinutes int `json:"minimum_minutes"`
	// StepMinutes bills per started step (15: per started quarter hour).
	StepMinutes int `json:"step_minutes"`
	// Scale lowers the rate of recurring work: the tier with the highest
	// FromOccurrences not above the request's occurrences applies.
	Scale []Tier `json:"scale"`
}

// Tier is one step of the sliding scale.
type Tier struct {
	// FromOccurrences is the least number of visits of the tier.
	FromOccurrences int `json:"from_occurrences"`
	// PercentBP is the share of the rate paid, in basis points (9000 = 90 %).
	PercentBP int64 `json:"percent_bp"`
}

// defaultConfig is what an empty configuration means.
var defaultConfig = Config{
	HourlyCents:    3200,
	MinimumMinutes: 60,
	StepMinutes:    15,
	Scale:          []Tier{{FromOccurrences: 4, PercentBP: 9000}, {FromOccurrences: 10, PercentBP: 8000}},
}

// parseConfig reads and checks a configuration, once per configuration
// hash; its result is what every handler finds in Ctx.Config.
func parseConfig(raw []byte) (any, error) {
	c := defaultConfig
	if t := bytes.TrimSpace(raw); len(t) > 0 && !bytes.Equal(t, []byte("{}")) {
		c = Config{}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, errors.New("configuration invalide : " + err.Error())
		}
	}
	switch {
	case c.HourlyCents <= 0 || c.HourlyCents > abi.MaxHourlyCents:
		return nil, errors.New("configuration invalide : hourly_cents va de 1 à 100000")
	case c.StepMinutes < 1 || c.StepMinutes > 60:
		return nil, errors.New("configuration invalide : step_minutes va de 1 à 60")
	case c.MinimumMinutes < 0 || c.MinimumMinutes > 240:
		return nil, errors.New("configuration invalide : minimum_minutes va de 0 à 240")
	}
	for i, t := range c.Scale {
		if t.FromOccurrences < 2 || t.PercentBP < 1 || t.PercentBP > 10000 ||
			i > 0 && t.FromOccurrences <= c.Scale[i-1].FromOccurrences {
			return nil, errors.New("configuration invalide : scale[" + strconv.Itoa(i) + "] : from_occurrences croissant à partir de 2, percent_bp de 1 à 10000")
		}
	}
	return &c, nil
}

// Line labels and notes, in French.
const (
	labelLabour   = "Main-d'œuvre (facturée par quart d'heure entamé, 1 h minimum)"
	labelScale    = "Tarif dégressif (interventions régulières)"
	noteTaxCredit = "Crédit d'impôt de 50 % : estimation, sous réserve de votre situation et du plafond de 5 000 € pour le jardinage."
	noteNoTax     = "Ce professionnel n'est pas déclaré services à la personne : pas de crédit d'impôt."
	noteScale     = "Tarif dégressif appliqué à partir de plusieurs interventions."
)

// price computes the quote of a gardening job: billed minutes (rounded up
// to the step, at least the minimum), the labour at the full rate, then the
// sliding-scale reduction as a negative "reduction" line.
func price(c *Config, r *abi.QuoteRequest) (*abi.Quote, error) {
	if r.Minutes < 1 || r.Minutes > abi.MaxMinutes || r.Occurrences < 1 || r.Occurrences > abi.MaxOccurrences ||
		r.HourlyCents < 0 || r.HourlyCents > abi.MaxHourlyCents {
		return nil, errInvalid
	}
	billed := (r.Minutes + c.StepMinutes - 1) / c.StepMinutes * c.StepMinutes
	if billed < c.MinimumMinutes {
		billed = c.MinimumMinutes
	}
	occ := int64(r.Occurrences)
	rate := c.HourlyCents
	if r.HourlyCents > 0 {
		rate = r.HourlyCents
	}
	perVisit := (rate*int64(billed) + 30) / 60
	labour := perVisit * occ
	q := &abi.Quote{
		Currency: abi.Currency,
		Mode:     r.Mode,
		Lines:    []abi.QuoteLine{{Code: "labour", Label: labelLabour, Quantity: int64(billed) * occ, Unit: "minute", AmountCents: labour}},
	}
	total := labour
	if bp := scale(c, r.Occurrences); bp < 10000 {
		discounted := (perVisit*bp + 5000) / 10000 * occ
		q.Lines = append(q.Lines, abi.QuoteLine{Code: "reduction", Label: labelScale, Quantity: 1, Unit: "unit", AmountCents: discounted - labour})
		total = discounted
		q.Notes = append(q.Notes, noteScale)
	}
	if labour > abi.MaxTotalCents {
		return nil, errTooLarge
	}
	q.TotalCents, q.PayableCents = total, total
	if r.ProviderSAP {
		q.TaxCreditEligibleCents = total
		q.TaxCreditBucket = abi.BucketGardening
		q.Notes = append(q.Notes, noteTaxCredit)
	} else {
		q.Notes = append(q.Notes, noteNoTax)
	}
	return q, nil
}

var (
	errInvalid = plugin.Refuse("invalid_request",
		"Demande invalide : une intervention dure de 1 minute à 24 heures, se répète de 1 à 1000 fois, à au plus 1000 € de l'heure.",
		"Invalid request: a visit lasts from 1 minute to 24 hours, happens 1 to 1000 times, at most €1,000 an hour.")
	errTooLarge = plugin.Refuse("invalid_request", "Le devis dépasserait 100 000 € : découpez le chantier.",
		"The quote would exceed €100,000: split the job.")
)

// scale returns the share of the rate paid for that many visits.
func scale(c *Config, occurrences int) int64 {
	bp := int64(10000)
	for _, t := range c.Scale {
		if occurrences >= t.FromOccurrences {
			bp = t.PercentBP
		}
	}
	return bp
}
