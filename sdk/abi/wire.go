package abi

import "encoding/json"

// Envelope is the output of every operation: either OK with a Result, or
// a business Refusal — a decision of the plugin ("CESU is not allowed for
// this activity"), shown to the person, distinct from a crash. A trap,
// a panic, a timeout or output that is not an Envelope is a plugin fault.
type Envelope struct {
	// OK reports whether Result holds the operation's answer.
	OK bool `json:"ok"`
	// Result is the operation's answer when OK.
	Result json.RawMessage `json:"result,omitempty"`
	// Refusal explains a business refusal when not OK.
	Refusal *Refusal `json:"refusal,omitempty"`
}

// Refusal is a plugin's reasoned "no", in French (and English).
type Refusal struct {
	// Code is a stable machine code, such as "cesu_not_eligible".
	Code string `json:"code"`
	// Message says, in French, what rule refused and what to do instead.
	Message string `json:"message"`
	// MessageEN is the same in English; optional.
	MessageEN string `json:"message_en,omitempty"`
}

// RefusalConfigRequired is the refusal code a guest answers when a request
// names a ConfigHash it does not hold and carries no Config: the host then
// resends the request with the configuration. It is part of the protocol,
// never shown to a person.
const RefusalConfigRequired = "config_required"

// RefusalConfigInvalid is the refusal code a guest answers when it cannot
// use the territory's configuration: the message says why, for the
// territory's administrators. The host does not retry.
const RefusalConfigInvalid = "config_invalid"

// RefusalInvalidRequest is the refusal code of a request the guest cannot
// read: not JSON, the wrong shape, an unreadable time, a configuration whose
// bytes do not match their hash. The input is the host's responsibility, so
// it is refused rather than treated as a fault of the plugin.
const RefusalInvalidRequest = "invalid_request"

// RefusalNotImplemented is the refusal code of an operation the plugin
// does not implement (every operation export exists; the manifest's
// Operations lists the implemented ones).
const RefusalNotImplemented = "not_implemented"

// Context comes with every request except describe: the current time and
// the territory with its configuration. A plugin is a pure function of its
// input: it reads no clock and keeps no state that changes its answers,
// except its cache of parsed configurations, keyed by ConfigHash.
type Context struct {
	// Now is the time of the operation, RFC 3339 in UTC.
	Now string `json:"now"`
	// Territory is the territory the operation is for.
	Territory Territory `json:"territory"`
	// ConfigHash is the lowercase hex SHA-256 of Config's bytes.
	ConfigHash string `json:"config_hash"`
	// Config is the territory's plugin configuration, a JSON object. The
	// host may leave it out when the instance already received the
	// configuration with this hash; a guest that no longer holds it answers
	// RefusalConfigRequired.
	Config json.RawMessage `json:"config,omitempty"`
}

// Territory identifies a territory.
type Territory struct {
	// Slug names the territory in URLs, such as "portes-de-sologne".
	Slug string `json:"slug"`
	// Name is the territory's public name.
	Name string `json:"name"`
	// EPCI is the SIREN code of its EPCI, empty for a custom territory.
	EPCI string `json:"epci,omitempty"`
}

// DescribeRequest is the input of describe. It is empty: the manifest does
// not depend on a territory.
type DescribeRequest struct{}

// Manifest describes a plugin.
type Manifest struct {
	// ID identifies the plugin across versions, such as "campagnon.standard".
	ID string `json:"id"`
	// Name is a human name, in French.
	Name string `json:"name"`
	// Version is the plugin's semantic version, such as "1.2.0".
	Version string `json:"version"`
	// ABI is the ABI major version the plugin was built for; it must match
	// the version marker export.
	ABI int `json:"abi"`
	// Description says what the plugin does, in French.
	Description string `json:"description,omitempty"`
	// Author names who maintains the plugin.
	Author string `json:"author,omitempty"`
	// License is an SPDX licence identifier.
	License string `json:"license,omitempty"`
	// Operations lists the operations the plugin implements, by Op name.
	Operations []string `json:"operations"`
	// Territories lists the EPCI SIREN codes the plugin is written for;
	// empty means any territory.
	Territories []string `json:"territories,omitempty"`
}

// Modalities of an exchange.
const (
	// ModalityResident is resident to resident (particulier à particulier).
	ModalityResident = "resident"
	// ModalityProfessional is a professional serving a resident.
	ModalityProfessional = "professional"
)

// Payment modes. The platform records and guides; it holds no money.
const (
	// ModeFree is a free, volunteer exchange, with at most a mileage allowance.
	ModeFree = "free"
	// ModeTimeCredits is paid in time credits: one hour given, one hour received.
	ModeTimeCredits = "time_credits"
	// ModeCESUDeclaratif is a resident employing a resident with the CESU déclaratif.
	ModeCESUDeclaratif = "cesu_declaratif"
	// ModeCESUPrefinance is paid with prefunded CESU titles.
	ModeCESUPrefinance = "cesu_prefinance"
	// ModeProfessional is direct payment to a professional, on quote and invoice.
	ModeProfessional = "professional"
)

// Modes lists every payment mode.
var Modes = []string{ModeFree, ModeTimeCredits, ModeCESUDeclaratif, ModeCESUPrefinance, ModeProfessional}

// Tax-credit sub-cap buckets (article 199 sexdecies du CGI).
const (
	BucketGardening = "gardening"
	BucketIT        = "it"
	BucketDIY       = "diy"
)

// CategoriesRequest is the input of categories.
type CategoriesRequest struct {
	Context Context `json:"context"`
}

// Categories is the result of categories.
type Categories struct {
	// Categories are the territory's service categories, in display order.
	Categories []Category `json:"categories"`
	// TimeCredits is the territory's time-credit policy; optional: when it
	// is absent the platform applies its own defaults.
	TimeCredits *TimeCreditPolicy `json:"time_credits,omitempty"`
}

// TimeCreditPolicy is a territory's policy for time credits, which the
// platform's ledger enforces: a transfer that would take a member's balance
// below the floor or above the ceiling is refused, not just flagged. The
// territory's own account, which issues the welcome credits, has no bounds.
type TimeCreditPolicy struct {
	// FloorMinutes is how far below zero a member's balance may go: 0 (no
	// debt) down to -MaxBalanceMinutes (1,000 hours).
	FloorMinutes int `json:"floor_minutes"`
	// CeilingMinutes is the most a member's balance may hold: 0 to
	// MaxBalanceMinutes (1,000 hours).
	CeilingMinutes int `json:"ceiling_minutes"`
	// WelcomeMinutes is the credit a new member receives from the
	// territory's account: 0 (none) to MaxWelcomeMinutes (100 hours), never
	// above CeilingMinutes.
	WelcomeMinutes int `json:"welcome_minutes"`
}

// Category is one kind of service a territory offers.
type Category struct {
	// ID is a stable identifier: lowercase letters, digits and hyphens.
	ID string `json:"id"`
	// Label is the category's name, in French.
	Label string `json:"label"`
	// LabelEN is the name in English; optional.
	LabelEN string `json:"label_en,omitempty"`
	// Icon names an icon of the platform's set, always shown with the label.
	Icon string `json:"icon"`
	// Description explains the category, in French.
	Description string `json:"description,omitempty"`
	// Modalities lists the allowed modalities (ModalityResident, ModalityProfessional).
	Modalities []string `json:"modalities"`
	// Modes lists the payment modes the category allows.
	Modes []string `json:"modes"`
	// SAP says whether the category is a service à la personne.
	SAP SAP `json:"sap"`
}

// SAP is a category's standing as a service à la personne (article
// D7231-1 du code du travail). Only eligible categories accept the CESU or
// show the tax-credit badge.
type SAP struct {
	// Eligible reports whether the activity is a declared service à la personne.
	Eligible bool `json:"eligible"`
	// Activity names the D7231-1 activity, such as "petits travaux de jardinage".
	Activity string `json:"activity,omitempty"`
	// ApprovalRequired reports that only approved organisations may provide it.
	ApprovalRequired bool `json:"approval_required,omitempty"`
	// TaxCreditBucket is the sub-cap bucket (BucketGardening, BucketIT,
	// BucketDIY), empty for the general cap only.
	TaxCreditBucket string `json:"tax_credit_bucket,omitempty"`
	// MaxMinutesPerJob bounds one job for the tax credit (small DIY: 120).
	MaxMinutesPerJob int `json:"max_minutes_per_job,omitempty"`
}

// PaymentModesRequest is the input of payment_modes.
type PaymentModesRequest struct {
	Context Context `json:"context"`
	// Category is the category's ID.
	Category string `json:"category"`
	// Modality is ModalityResident or ModalityProfessional.
	Modality string `json:"modality"`
	// ProviderSAP reports that the provider is a professional declared for
	// services à la personne (and affiliated to the CRCESU).
	ProviderSAP bool `json:"provider_sap,omitempty"`
}

// PaymentModes is the result of payment_modes.
type PaymentModes struct {
	// Modes are the allowed modes, preferred first.
	Modes []ModeOption `json:"modes"`
}

// ModeOption is one allowed payment mode with what the parties should know.
type ModeOption struct {
	// Mode is one of Modes.
	Mode string `json:"mode"`
	// Label names the mode, in French.
	Label string `json:"label"`
	// Note explains the mode's rule here, in French; optional.
	Note string `json:"note,omitempty"`
}

// QuoteRequest is the input of quote: one service to price.
type QuoteRequest struct {
	Context Context `json:"context"`
	// Category is the category's ID.
	Category string `json:"category"`
	// Modality is ModalityResident or ModalityProfessional.
	Modality string `json:"modality"`
	// Mode is the payment mode to price in.
	Mode string `json:"mode"`
	// Minutes is the duration of one occurrence of the service.
	Minutes int `json:"minutes"`
	// DistanceMeters is the travel distance between the two communes'
	// centres, computed by the host from the national referential.
	DistanceMeters int `json:"distance_m,omitempty"`
	// Occurrences is how many times the service happens (≥ 1).
	Occurrences int `json:"occurrences"`
	// HourlyCents is the hourly amount the parties propose (the net hourly
	// wage for the CESU, the professional's rate); 0 means the plugin's grid.
	HourlyCents int64 `json:"hourly_cents,omitempty"`
	// ProviderSAP reports a professional declared for services à la personne.
	ProviderSAP bool `json:"provider_sap,omitempty"`
	// Solidarity reports that the seeker qualifies for the territory's
	// solidarity reduction (checked by the territory, not the plugin).
	Solidarity bool `json:"solidarity,omitempty"`
}

// Currency is the only currency of ABI version 1.
const Currency = "EUR"

// Quote is the result of quote. Amounts are integer cents.
type Quote struct {
	// Currency is always Currency.
	Currency string `json:"currency"`
	// Mode is the payment mode priced.
	Mode string `json:"mode"`
	// Lines detail the total; their amounts add up to TotalCents.
	Lines []QuoteLine `json:"lines"`
	// TotalCents is the price of the service, all occurrences included.
	TotalCents int64 `json:"total_cents"`
	// SubsidyCents is the part the territory pays (0 ≤ subsidy ≤ total).
	SubsidyCents int64 `json:"subsidy_cents"`
	// PayableCents is what the seeker pays: TotalCents − SubsidyCents.
	PayableCents int64 `json:"payable_cents"`
	// CommissionCents is the platform's commission included in the total.
	CommissionCents int64 `json:"commission_cents"`
	// TimeCreditMinutes is the time credit transferred, for ModeTimeCredits.
	TimeCreditMinutes int `json:"time_credit_minutes,omitempty"`
	// TaxCreditEligibleCents is the part of PayableCents that counts for the
	// 50 % tax credit (a simulation; never more than PayableCents).
	TaxCreditEligibleCents int64 `json:"tax_credit_eligible_cents"`
	// TaxCreditBucket is the sub-cap bucket of that spending, if any.
	TaxCreditBucket string `json:"tax_credit_bucket,omitempty"`
	// Notes explain the quote's rules to the parties, in French.
	Notes []string `json:"notes,omitempty"`
}

// QuoteLine is one line of a quote.
type QuoteLine struct {
	// Code is a stable machine code: "labour", "travel", "mileage",
	// "commission", "reduction", …
	Code string `json:"code"`
	// Label describes the line, in French.
	Label string `json:"label"`
	// Quantity is how many Units the line counts.
	Quantity int64 `json:"quantity"`
	// Unit is "minute", "km" or "unit".
	Unit string `json:"unit"`
	// AmountCents is the line's amount; negative only for a reduction.
	AmountCents int64 `json:"amount_cents"`
}

// Listing kinds.
const (
	ListingOffer = "offer"
	ListingNeed  = "need"
)

// Price kinds of a listing.
const (
	PriceFree    = "free"
	PriceHourly  = "hourly"
	PriceFixed   = "fixed"
	PriceOnQuote = "on_quote"
)

// ValidateListingRequest is the input of validate_listing.
type ValidateListingRequest struct {
	Context Context `json:"context"`
	// Listing is the listing to check.
	Listing Listing `json:"listing"`
}

// Listing is what validate_listing sees of an offer or a need.
type Listing struct {
	// Kind is ListingOffer or ListingNeed.
	Kind string `json:"kind"`
	// Category is the category's ID.
	Category string `json:"category"`
	// Modality is ModalityResident or ModalityProfessional.
	Modality string `json:"modality"`
	// Title is the listing's title.
	Title string `json:"title"`
	// Description is the listing's text.
	Description string `json:"description"`
	// Modes are the payment modes the listing accepts.
	Modes []string `json:"modes"`
	// PriceKind is one of PriceFree, PriceHourly, PriceFixed, PriceOnQuote.
	PriceKind string `json:"price_kind"`
	// PriceCents is the hourly or fixed price, 0 otherwise.
	PriceCents int64 `json:"price_cents,omitempty"`
	// Commune is the INSEE code of the listing's commune.
	Commune string `json:"commune"`
	// TravelKm is how far the offerer travels.
	TravelKm int `json:"travel_km,omitempty"`
	// ProviderSAP reports a professional declared for services à la personne.
	ProviderSAP bool `json:"provider_sap,omitempty"`
}

// ListingVerdict is the result of validate_listing when the listing is
// accepted; a refused listing gets a Refusal instead.
type ListingVerdict struct {
	// Warnings are things the author should know, in French; optional.
	Warnings []Notice `json:"warnings,omitempty"`
}

// Notice is a message for a person, in French (and English).
type Notice struct {
	// Code is a stable machine code.
	Code string `json:"code"`
	// Message is the French text.
	Message string `json:"message"`
	// MessageEN is the English text; optional.
	MessageEN string `json:"message_en,omitempty"`
}
