package rules

// Config is a territory's configuration of the standard rules: the JSON
// object the territory keeps as its plugin configuration (Context.Config).
//
// Each top-level key left out takes the value of the plugin's embedded
// default configuration; a key that is given replaces that value entirely
// (there is no deep merge: a territory that changes one category lists all
// of its categories). The empty configuration ({}, null or nothing) is the
// default configuration.
type Config struct {
	// Version is the configuration format version; 0 or 1.
	Version int `json:"version,omitempty"`
	// Categories are the territory's service categories, in display order.
	Categories []CategoryConfig `json:"categories"`
	// Commission lists the platform's commission rules; the first rule that
	// matches an exchange applies. An empty list means no commission.
	Commission []CommissionRule `json:"commission"`
	// Subsidies lists what the communauté de communes pays per exchange;
	// every matching rule adds up, never beyond the exchange's total.
	Subsidies []SubsidyRule `json:"subsidies"`
	// Solidarity is the reduction for seekers the territory has found
	// eligible (QuoteRequest.Solidarity); absent or zero means none.
	Solidarity *SolidarityRule `json:"solidarity"`
	// TimeCredits bounds exchanges paid in time credits and, optionally,
	// states the territory's balance policy (floor, ceiling, welcome credit).
	TimeCredits *TimeCreditRules `json:"time_credits"`
	// Legal holds the amounts set by law, each with its effective dates.
	Legal *LegalAmounts `json:"legal"`
}

// CategoryConfig is one service category.
type CategoryConfig struct {
	// ID is a stable identifier: lowercase letters, digits and hyphens.
	ID string `json:"id"`
	// Label is the name shown to residents, in French.
	Label string `json:"label"`
	// LabelEN is the name in English; optional.
	LabelEN string `json:"label_en,omitempty"`
	// Icon names an icon of the platform's set (always shown with the label).
	Icon string `json:"icon"`
	// Description explains the category, in French; optional.
	Description string `json:"description,omitempty"`
	// SAP is the category's standing as a service à la personne.
	SAP SAPConfig `json:"sap"`
	// Transport marks volunteer transport (driving, accompanying): between
	// residents it is only free (with at most a mileage allowance) or paid
	// in time credits, never paid, whatever the modes listed.
	Transport bool `json:"transport,omitempty"`
	// Modes lists the payment modes allowed per modality; a modality with
	// no mode is not offered.
	Modes ModesConfig `json:"modes"`
	// Prices is the category's price grid.
	Prices PriceConfig `json:"prices"`
	// Travel is the professional's travel fee; absent means none.
	Travel *TravelConfig `json:"travel,omitempty"`
	// Mileage is the volunteer's mileage allowance; only for transport.
	Mileage *MileageConfig `json:"mileage,omitempty"`
	// Notes are shown with every quote of the category, in French.
	Notes []string `json:"notes,omitempty"`
	// Warnings are shown to the author of a listing of the category.
	Warnings []ListingWarning `json:"listing_warnings,omitempty"`
}

// SAPConfig is a category's standing as a service à la personne (article
// D7231-1 du code du travail).
type SAPConfig struct {
	// Eligible reports that the activity is a service à la personne.
	Eligible bool `json:"eligible"`
	// Activity names the D7231-1 activity.
	Activity string `json:"activity,omitempty"`
	// ApprovalRequired reports that only approved (agréé or autorisé)
	// organisations may provide it: no CESU, no tax credit between residents.
	ApprovalRequired bool `json:"approval_required,omitempty"`
	// TaxCreditBucket is the sub-cap bucket: "gardening", "it", "diy" or empty.
	TaxCreditBucket string `json:"tax_credit_bucket,omitempty"`
	// MaxMinutesPerJob bounds the part of one job that counts for the tax
	// credit (small DIY: 120); 0 means no bound.
	MaxMinutesPerJob int `json:"max_minutes_per_job,omitempty"`
}

// ModesConfig lists the allowed payment modes per modality, preferred first.
type ModesConfig struct {
	// Resident lists the modes between residents.
	Resident []string `json:"resident,omitempty"`
	// Professional lists the modes with a professional.
	Professional []string `json:"professional,omitempty"`
}

// PriceConfig is a category's price grid, used when a request names no
// hourly amount.
type PriceConfig struct {
	// ProfessionalHourlyCents is the suggested hourly price of a professional.
	ProfessionalHourlyCents int64 `json:"professional_hourly_cents,omitempty"`
	// CESUNetHourlyCents is the default net hourly wage in CESU; never below
	// the legal minimum in force.
	CESUNetHourlyCents int64 `json:"cesu_net_hourly_cents,omitempty"`
}

// TravelConfig is a professional's travel fee, per km between the centres
// of the two communes.
type TravelConfig struct {
	// CentsPerKm is the fee per kilometre.
	CentsPerKm int64 `json:"cents_per_km"`
	// RoundTrip counts the distance twice (there and back).
	RoundTrip bool `json:"round_trip,omitempty"`
	// FreeKm is the distance not charged, per trip (after RoundTrip).
	FreeKm int64 `json:"free_km,omitempty"`
}

// MileageConfig is a volunteer driver's mileage allowance: a reimbursement
// of costs, never a profit.
type MileageConfig struct {
	// CentsPerKm is the allowance per kilometre; the legal maximum in force
	// (Legal.MileageMaxCentsPerKm) applies if it is lower.
	CentsPerKm int64 `json:"cents_per_km"`
	// MaxCentsPerTrip caps the allowance of one trip; 0 means no cap.
	MaxCentsPerTrip int64 `json:"max_cents_per_trip,omitempty"`
	// RoundTrip counts the distance twice (there and back).
	RoundTrip bool `json:"round_trip,omitempty"`
}

// ListingWarning is a notice shown to the author of a listing whose title
// or description contains one of Words (case-insensitive), or to every
// listing of the category when Words is empty.
type ListingWarning struct {
	// Code is a stable machine code.
	Code string `json:"code"`
	// Modality restricts the warning to one modality; empty means both.
	Modality string `json:"modality,omitempty"`
	// Words trigger the warning; empty means always.
	Words []string `json:"words,omitempty"`
	// Message is the French text.
	Message string `json:"message"`
	// MessageEN is the English text; optional.
	MessageEN string `json:"message_en,omitempty"`
}

// CommissionRule is a platform commission, added to the price of a paid
// exchange: PercentBP of the service amount (labour and travel, after any
// reduction) plus FixedCents, at most MaxCents. Free and time-credit
// exchanges never carry a commission.
type CommissionRule struct {
	// Modality is "resident" or "professional".
	Modality string `json:"modality"`
	// Modes restricts the rule to these payment modes; empty means every paid mode.
	Modes []string `json:"modes,omitempty"`
	// PercentBP is the percentage in basis points (100 = 1 %).
	PercentBP int64 `json:"percent_bp,omitempty"`
	// FixedCents is added per exchange.
	FixedCents int64 `json:"fixed_cents,omitempty"`
	// MaxCents caps the commission; 0 means no cap.
	MaxCents int64 `json:"max_cents,omitempty"`
}

// SubsidyRule is a part of an exchange's total that the communauté de
// communes pays: FixedCents plus PercentBP of the total, at most MaxCents.
type SubsidyRule struct {
	// Label says what the subsidy is, in French (for the territory's reports).
	Label string `json:"label,omitempty"`
	// Modality restricts the rule to one modality; empty means both.
	Modality string `json:"modality,omitempty"`
	// Modes restricts the rule to these modes; empty means every mode.
	Modes []string `json:"modes,omitempty"`
	// Categories restricts the rule to these categories; empty means all.
	Categories []string `json:"categories,omitempty"`
	// FixedCents is paid per exchange.
	FixedCents int64 `json:"fixed_cents,omitempty"`
	// PercentBP of the total is paid, in basis points.
	PercentBP int64 `json:"percent_bp,omitempty"`
	// MaxCents caps the rule's subsidy per exchange; 0 means no cap.
	MaxCents int64 `json:"max_cents,omitempty"`
}

// Who funds the solidarity reduction.
const (
	// FundedByTerritory: the communauté de communes pays it (a subsidy); the
	// provider is paid in full.
	FundedByTerritory = "territory"
	// FundedByProvider: the provider lowers the price (a "reduction" line).
	FundedByProvider = "provider"
)

// SolidarityRule is the reduction for seekers the territory found eligible:
// PercentBP of the amount plus FixedCents, at most MaxCents, on paid modes.
type SolidarityRule struct {
	// PercentBP is the reduction in basis points.
	PercentBP int64 `json:"percent_bp,omitempty"`
	// FixedCents is a fixed reduction per exchange.
	FixedCents int64 `json:"fixed_cents,omitempty"`
	// MaxCents caps the reduction per exchange; 0 means no cap.
	MaxCents int64 `json:"max_cents,omitempty"`
	// FundedBy is FundedByTerritory or FundedByProvider.
	FundedBy string `json:"funded_by"`
	// Modes restricts the reduction to these paid modes; empty means all paid modes.
	Modes []string `json:"modes,omitempty"`
}

// TimeCreditRules bound an exchange paid in time credits, and may state the
// territory's balance policy: FloorMinutes, CeilingMinutes and
// WelcomeMinutes, returned by categories (abi.TimeCreditPolicy) for the
// platform's ledger to enforce. Without them the platform applies its
// defaults. They are pointers because zero is a value a territory may
// choose (no debt, no welcome credit), distinct from leaving them out.
type TimeCreditRules struct {
	// MinMinutes is the shortest service accepted, per occurrence.
	MinMinutes int `json:"min_minutes,omitempty"`
	// MaxMinutesPerExchange bounds minutes × occurrences; 0 means no bound.
	MaxMinutesPerExchange int `json:"max_minutes_per_exchange,omitempty"`
	// FloorMinutes is how far below zero a member's balance may go: 0 down
	// to -60000 (1,000 hours). Given with CeilingMinutes.
	FloorMinutes *int `json:"floor_minutes,omitempty"`
	// CeilingMinutes is the most a member's balance may hold: 0 to 60000
	// (1,000 hours). Given with FloorMinutes.
	CeilingMinutes *int `json:"ceiling_minutes,omitempty"`
	// WelcomeMinutes is the credit a new member receives from the
	// territory's account: 0 to 6000 (100 hours), at most CeilingMinutes;
	// left out, none. Only with FloorMinutes and CeilingMinutes.
	WelcomeMinutes *int `json:"welcome_minutes,omitempty"`
}

// LegalAmounts are the amounts set by law. Each is a series of values with
// the date (French time) from which they apply; the value in force at the
// operation's time is used.
type LegalAmounts struct {
	// SMICNetHourlyCents is the net hourly minimum wage (SMIC).
	SMICNetHourlyCents []Dated `json:"smic_net_hourly_cents"`
	// CESUPaidLeaveBP is the paid-leave supplement on a CESU wage (1000 = 10 %).
	CESUPaidLeaveBP []Dated `json:"cesu_paid_leave_bp"`
	// CESUFloorNetHourlyCents optionally raises the CESU minimum (for example
	// to a collective agreement's minimum, paid leave included).
	CESUFloorNetHourlyCents []Dated `json:"cesu_floor_net_hourly_cents,omitempty"`
	// MileageMaxCentsPerKm caps any mileage allowance (the fiscal scale).
	MileageMaxCentsPerKm []Dated `json:"mileage_max_cents_per_km"`
}

// Dated is one value of a legal amount and the day it applies from.
type Dated struct {
	// From is the first day, "YYYY-MM-DD", at midnight in France.
	From string `json:"from"`
	// Value is the amount.
	Value int64 `json:"value"`
	// Source names the text that set it; optional.
	Source string `json:"source,omitempty"`
}
