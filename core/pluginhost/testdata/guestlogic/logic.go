// Package guestlogic is the logic of the well-behaved test guest: every
// operation, with encoding/json, and the configuration protocol. It is
// built into the guests good and goodv2 (through package glue) and called
// natively by the benchmarks as their baseline. It is test code, not an
// example of a real plugin: see plugins/ and sdk/plugin for those.
package guestlogic

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/campagnon/campagnon/sdk/abi"
)

// ID is the plugin id of the test guest.
const ID = "test.good"

// Version is the plugin version; goodv2 sets it to "2.0.0".
var Version = "1.0.0"

// Config is the territory configuration the test guest understands.
type Config struct {
	HourlyCents       int64 `json:"hourly_cents"`
	KmCents           int64 `json:"km_cents"`
	CommissionPercent int64 `json:"commission_percent"`
	SolidarityPercent int64 `json:"solidarity_percent"`
}

// State is one guest's memory: its cache of parsed configurations.
type State struct {
	configs map[string]*Config
	// Log writes to the host's log; nil natively.
	Log func(level int32, msg string)
}

// NewState returns an empty state.
func NewState() *State { return &State{configs: map[string]*Config{}} }

var categories = []abi.Category{
	{ID: "jardinage", Label: "Petits travaux de jardinage", Icon: "leaf",
		Modalities: []string{abi.ModalityResident, abi.ModalityProfessional},
		Modes:      []string{abi.ModeFree, abi.ModeTimeCredits, abi.ModeCESUDeclaratif, abi.ModeCESUPrefinance, abi.ModeProfessional},
		SAP:        abi.SAP{Eligible: true, Activity: "petits travaux de jardinage", TaxCreditBucket: abi.BucketGardening}},
	{ID: "bricolage", Label: "Petit bricolage", Icon: "hammer",
		Modalities: []string{abi.ModalityResident, abi.ModalityProfessional},
		Modes:      []string{abi.ModeFree, abi.ModeTimeCredits, abi.ModeCESUDeclaratif, abi.ModeProfessional},
		SAP:        abi.SAP{Eligible: true, Activity: "travaux de petit bricolage dits « homme toutes mains »", TaxCreditBucket: abi.BucketDIY, MaxMinutesPerJob: 120}},
	{ID: "mobilite", Label: "Mobilité et accompagnement", Icon: "car",
		Modalities: []string{abi.ModalityResident},
		Modes:      []string{abi.ModeFree, abi.ModeTimeCredits}},
}

func findCategory(id string) *abi.Category {
	for i := range categories {
		if categories[i].ID == id {
			return &categories[i]
		}
	}
	return nil
}

// Handle runs op on its JSON input and returns the JSON envelope.
func (s *State) Handle(op string, in []byte) []byte {
	var res any
	var ref *abi.Refusal
	switch abi.Op(op) {
	case abi.OpDescribe:
		if s.Log != nil {
			s.Log(abi.LogInfo, "describe "+ID+" "+Version)
		}
		res = Manifest()
	case abi.OpCategories:
		var req abi.CategoriesRequest
		if err := json.Unmarshal(in, &req); err != nil {
			ref = badInput(err)
			break
		}
		if _, r := s.config(&req.Context); r != nil {
			ref = r
			break
		}
		res = abi.Categories{Categories: categories}
	case abi.OpPaymentModes:
		var req abi.PaymentModesRequest
		if err := json.Unmarshal(in, &req); err != nil {
			ref = badInput(err)
			break
		}
		res, ref = s.paymentModes(&req)
	case abi.OpQuote:
		var req abi.QuoteRequest
		if err := json.Unmarshal(in, &req); err != nil {
			ref = badInput(err)
			break
		}
		res, ref = s.Quote(&req)
	case abi.OpValidateListing:
		var req abi.ValidateListingRequest
		if err := json.Unmarshal(in, &req); err != nil {
			ref = badInput(err)
			break
		}
		res, ref = s.validateListing(&req)
	default:
		ref = &abi.Refusal{Code: "unknown_op", Message: "Opération inconnue."}
	}
	var env abi.Envelope
	if ref != nil {
		env.Refusal = ref
	} else {
		b, err := json.Marshal(res)
		if err != nil {
			env.Refusal = &abi.Refusal{Code: "internal", Message: "Erreur interne du module."}
		} else {
			env.OK, env.Result = true, b
		}
	}
	out, _ := json.Marshal(env)
	return out
}

func badInput(err error) *abi.Refusal {
	return &abi.Refusal{Code: "bad_input", Message: "Entrée illisible : " + err.Error()}
}

// Manifest is the test guest's manifest.
func Manifest() abi.Manifest {
	ops := make([]string, len(abi.Ops))
	for i, op := range abi.Ops {
		ops[i] = string(op)
	}
	return abi.Manifest{ID: ID, Name: "Module de test", Version: Version, ABI: abi.Version,
		Description: "Module de test du hôte de modules.", License: "MIT", Operations: ops}
}

// config returns the territory's configuration: from the request, which is
// then cached by hash, or from the cache; a refusal config_required when
// neither has it. The second result says whether it came inline.
func (s *State) config(x *abi.Context) (*Config, *abi.Refusal) {
	if len(x.Config) > 0 {
		c := new(Config)
		if err := json.Unmarshal(x.Config, c); err != nil {
			return nil, &abi.Refusal{Code: "bad_config", Message: "Configuration illisible : " + err.Error()}
		}
		s.configs[x.ConfigHash] = c
		return c, nil
	}
	if c, ok := s.configs[x.ConfigHash]; ok {
		return c, nil
	}
	return nil, &abi.Refusal{Code: abi.RefusalConfigRequired, Message: "Configuration du territoire requise."}
}

func (s *State) paymentModes(req *abi.PaymentModesRequest) (any, *abi.Refusal) {
	if _, r := s.config(&req.Context); r != nil {
		return nil, r
	}
	cat := findCategory(req.Category)
	if cat == nil {
		return nil, unknownCategory(req.Category)
	}
	var pm abi.PaymentModes
	for _, m := range cat.Modes {
		switch {
		case req.Modality == abi.ModalityProfessional && (m == abi.ModeCESUDeclaratif || m == abi.ModeFree || m == abi.ModeTimeCredits):
			continue
		case req.Modality == abi.ModalityProfessional && m == abi.ModeCESUPrefinance && !req.ProviderSAP:
			continue
		case req.Modality == abi.ModalityResident && m == abi.ModeProfessional:
			continue
		}
		pm.Modes = append(pm.Modes, abi.ModeOption{Mode: m, Label: modeLabel(m)})
	}
	if len(pm.Modes) == 0 {
		return nil, &abi.Refusal{Code: "no_mode", Message: "Aucun mode de paiement possible pour cet échange."}
	}
	return pm, nil
}

func modeLabel(m string) string {
	switch m {
	case abi.ModeFree:
		return "Gratuit"
	case abi.ModeTimeCredits:
		return "Crédits temps"
	case abi.ModeCESUDeclaratif:
		return "CESU déclaratif"
	case abi.ModeCESUPrefinance:
		return "CESU préfinancé"
	}
	return "Professionnel"
}

func unknownCategory(id string) *abi.Refusal {
	return &abi.Refusal{Code: "unknown_category", Message: "Catégorie inconnue sur ce territoire : " + strconv.Quote(id) + "."}
}

// spin burns guest time deterministically, for the slow calls of the
// hot-replacement test.
func spin(n int) int {
	x := 1
	for i := 0; i < n; i++ {
		x = x*31 + i
	}
	return x
}

var sink int

// Quote prices a service.
func (s *State) Quote(req *abi.QuoteRequest) (*abi.Quote, *abi.Refusal) {
	inline := len(req.Context.Config) > 0
	switch req.Category {
	case "slow":
		sink += spin(req.Minutes * 10000)
	case "evict":
		clear(s.configs)
	case "chatty":
		if s.Log != nil {
			for i := 0; i < 50; i++ {
				s.Log(abi.LogInfo, "ligne "+strconv.Itoa(i))
			}
		}
	}
	cfg, r := s.config(&req.Context)
	if r != nil {
		return nil, r
	}
	catID := req.Category
	switch catID {
	case "slow", "evict", "chatty":
		catID = "mobilite"
	}
	cat := findCategory(catID)
	if cat == nil {
		return nil, unknownCategory(req.Category)
	}
	isCESU := req.Mode == abi.ModeCESUDeclaratif || req.Mode == abi.ModeCESUPrefinance
	if isCESU && !cat.SAP.Eligible {
		return nil, &abi.Refusal{Code: "cesu_not_eligible",
			Message:   "Le CESU n'est possible que pour les services à la personne ; « " + cat.Label + " » n'en fait pas partie.",
			MessageEN: "The CESU is only for services à la personne."}
	}
	occ := int64(req.Occurrences)
	minutes := int64(req.Minutes) * occ
	q := &abi.Quote{Currency: abi.Currency, Mode: req.Mode}
	var labour int64
	switch req.Mode {
	case abi.ModeFree, abi.ModeTimeCredits:
	default:
		hourly := req.HourlyCents
		if hourly == 0 {
			hourly = cfg.HourlyCents
		}
		labour = hourly * minutes / 60
	}
	q.Lines = append(q.Lines, abi.QuoteLine{Code: "labour", Label: "Main-d'œuvre", Quantity: minutes, Unit: "minute", AmountCents: labour})
	if req.DistanceMeters > 0 {
		km := int64((req.DistanceMeters + 999) / 1000)
		q.Lines = append(q.Lines, abi.QuoteLine{Code: "mileage", Label: "Indemnité kilométrique", Quantity: km * occ, Unit: "km", AmountCents: km * occ * cfg.KmCents})
	}
	if req.Solidarity && labour > 0 && cfg.SolidarityPercent > 0 {
		q.Lines = append(q.Lines, abi.QuoteLine{Code: "reduction", Label: "Réduction solidaire", Quantity: 1, Unit: "unit", AmountCents: -labour * cfg.SolidarityPercent / 100})
	}
	for _, l := range q.Lines {
		q.TotalCents += l.AmountCents
	}
	q.PayableCents = q.TotalCents
	if req.Mode != abi.ModeFree && req.Mode != abi.ModeTimeCredits {
		q.CommissionCents = q.TotalCents * cfg.CommissionPercent / 100
	}
	if req.Mode == abi.ModeTimeCredits {
		q.TimeCreditMinutes = int(minutes)
	}
	if cat.SAP.Eligible && (isCESU || req.Mode == abi.ModeProfessional && req.ProviderSAP) {
		q.TaxCreditEligibleCents = q.PayableCents
		q.TaxCreditBucket = cat.SAP.TaxCreditBucket
	}
	src := "config:cached"
	if inline {
		src = "config:inline"
	}
	q.Notes = []string{"Calculé par " + ID + " " + Version + ".", src}
	return q, nil
}

func (s *State) validateListing(req *abi.ValidateListingRequest) (any, *abi.Refusal) {
	if _, r := s.config(&req.Context); r != nil {
		return nil, r
	}
	l := &req.Listing
	if strings.Contains(strings.ToLower(l.Title), "interdit") {
		return nil, &abi.Refusal{Code: "forbidden_word", Message: "Le titre contient un mot refusé sur ce territoire."}
	}
	var v abi.ListingVerdict
	if l.PriceKind == abi.PriceHourly && l.PriceCents < 1200 {
		v.Warnings = append(v.Warnings, abi.Notice{Code: "price_low", Message: "Ce tarif horaire est inférieur au minimum conseillé."})
	}
	return v, nil
}
