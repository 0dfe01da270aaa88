package abi

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// The checks of a plugin's answers (results, refusals, envelopes) and of
// the host's inputs. The host checks an input before calling a guest and
// every answer before using it; an answer that fails is a plugin fault.

// Units of a quote line.
var lineUnits = []string{"minute", "km", "unit"}

// lineReduction is the only line code whose amount may be negative.
const lineReduction = "reduction"

// lineMileage is the line code of a mileage allowance, the only amount a
// free exchange may carry.
const lineMileage = "mileage"

var modalities = []string{ModalityResident, ModalityProfessional}

var buckets = []string{BucketGardening, BucketIT, BucketDIY}

// Check reports what is wrong with a manifest: id, semantic version, ABI
// version, texts and operations.
func (m *Manifest) Check() error {
	c := checker{what: "manifest"}
	if !isSlug(m.ID, '-', '.') {
		c.add(at("id"), quote(m.ID)+" is not a plugin id: expected lowercase letters and digits in groups joined by single dots or hyphens, such as \"campagnon.standard\", at most 64 characters")
	}
	c.text(at("name"), m.Name, true, MaxLabelBytes, line)
	if !isSemver(m.Version) {
		c.add(at("version"), quote(m.Version)+" is not a semantic version such as \"1.2.0\"")
	}
	if m.ABI != Version {
		c.add(at("abi"), "is "+strconv.Itoa(m.ABI)+"; this host speaks ABI "+strconv.Itoa(Version)+", the version of the marker export "+VersionExport)
	}
	c.text(at("description"), m.Description, false, MaxDescriptionBytes, para)
	c.text(at("author"), m.Author, false, MaxLabelBytes, line)
	c.text(at("license"), m.License, false, MaxCodeBytes, line)
	if len(m.Operations) == 0 {
		c.add(at("operations"), "is empty; list the operations the plugin implements")
	}
	for i, op := range m.Operations {
		p := item("operations", i, "")
		if !knownOp(op) {
			c.add(p, quote(op)+" is not an operation of ABI "+strconv.Itoa(Version))
		} else if indexOf(m.Operations[:i], op) >= 0 {
			c.add(p, quote(op)+" is listed twice")
		}
	}
	for i, t := range m.Territories {
		p := item("territories", i, "")
		if !isDigits(t, 9) {
			c.add(p, quote(t)+" is not an EPCI SIREN code (9 digits)")
		} else if indexOf(m.Territories[:i], t) >= 0 {
			c.add(p, quote(t)+" is listed twice")
		}
	}
	return c.err()
}

func knownOp(name string) bool {
	for _, op := range Ops {
		if string(op) == name {
			return true
		}
	}
	return false
}

// Check reports what is wrong with a territory's categories: ids unique and
// well-formed, labels present, modalities and modes known, the rules of
// services à la personne (CESU only on eligible categories, tax-credit
// details only on eligible ones, small DIY jobs of at most two hours), and
// the time-credit policy when there is one (floor, ceiling and welcome
// credit within their bounds, the welcome credit within the ceiling).
func (cs *Categories) Check() error {
	c := checker{what: "categories"}
	switch n := len(cs.Categories); {
	case n == 0:
		c.add(at("categories"), "is empty; a territory offers at least one category")
	case n > MaxCategories:
		c.add(at("categories"), "has "+strconv.Itoa(n)+" categories; at most "+strconv.Itoa(MaxCategories)+" allowed")
		checkTimeCredits(&c, cs.TimeCredits)
		return c.err()
	}
	for i := range cs.Categories {
		cat := &cs.Categories[i]
		const l = "categories"
		c.slug(item(l, i, "id"), cat.ID)
		for j := 0; j < i; j++ {
			if cs.Categories[j].ID == cat.ID {
				c.add(item(l, i, "id"), quote(cat.ID)+" is already the id of categories["+strconv.Itoa(j)+"]")
				break
			}
		}
		c.text(item(l, i, "label"), cat.Label, true, MaxLabelBytes, line)
		c.text(item(l, i, "label_en"), cat.LabelEN, false, MaxLabelBytes, line)
		if !isSlug(cat.Icon, '-', 0) {
			c.add(item(l, i, "icon"), quote(cat.Icon)+" is not an icon name: expected lowercase letters, digits and hyphens")
		}
		c.text(item(l, i, "description"), cat.Description, false, MaxDescriptionBytes, para)
		if len(cat.Modalities) == 0 {
			c.add(item(l, i, "modalities"), "is empty; list resident, professional or both")
		}
		for j, m := range cat.Modalities {
			p := item(l, i, "modalities["+strconv.Itoa(j)+"]")
			c.oneOf(p, m, modalities...)
			if indexOf(cat.Modalities[:j], m) >= 0 {
				c.add(p, quote(m)+" is listed twice")
			}
		}
		if len(cat.Modes) == 0 {
			c.add(item(l, i, "modes"), "is empty; at least one payment mode is required")
		}
		for j, m := range cat.Modes {
			p := item(l, i, "modes["+strconv.Itoa(j)+"]")
			c.oneOf(p, m, Modes...)
			if indexOf(cat.Modes[:j], m) >= 0 {
				c.add(p, quote(m)+" is listed twice")
			}
			switch {
			case isCESU(m) && !cat.SAP.Eligible:
				c.add(p, "the CESU is only for services à la personne (article D7231-1 du code du travail); this category is not eligible")
			case m == ModeCESUDeclaratif && cat.SAP.ApprovalRequired:
				c.add(p, "the CESU déclaratif means a resident employs a resident, but only approved organisations may provide this activity")
			}
		}
		checkSAP(&c, i, &cat.SAP)
	}
	checkTimeCredits(&c, cs.TimeCredits)
	return c.err()
}

// checkTimeCredits checks a time-credit policy, if any: each bound in its
// range, a welcome credit the ceiling lets a new member hold, and room for
// a transfer (a floor and a ceiling both zero would refuse every one).
func checkTimeCredits(c *checker, tc *TimeCreditPolicy) {
	if tc == nil {
		return
	}
	floor, ceiling, welcome := tc.FloorMinutes, tc.CeilingMinutes, tc.WelcomeMinutes
	if floor < -MaxBalanceMinutes || floor > 0 {
		c.add(at("time_credits.floor_minutes"), "is "+strconv.Itoa(floor)+"; the floor is how far below zero a balance may go, from 0 down to -"+strconv.Itoa(MaxBalanceMinutes)+" minutes (1,000 hours)")
	}
	ceilingOK := ceiling >= 0 && ceiling <= MaxBalanceMinutes
	if !ceilingOK {
		c.add(at("time_credits.ceiling_minutes"), "is "+strconv.Itoa(ceiling)+"; the ceiling is the most a balance may hold, from 0 to "+strconv.Itoa(MaxBalanceMinutes)+" minutes (1,000 hours)")
	}
	switch {
	case welcome < 0 || welcome > MaxWelcomeMinutes:
		c.add(at("time_credits.welcome_minutes"), "is "+strconv.Itoa(welcome)+"; the welcome credit is from 0 (none) to "+strconv.Itoa(MaxWelcomeMinutes)+" minutes (100 hours)")
	case ceilingOK && welcome > ceiling:
		c.add(at("time_credits.welcome_minutes"), "is "+strconv.Itoa(welcome)+", above ceiling_minutes ("+strconv.Itoa(ceiling)+"); a new member could not receive it")
	}
	if floor == 0 && ceiling == 0 {
		c.add(at("time_credits"), "floor_minutes and ceiling_minutes are both 0, so no balance could ever move and every time-credit exchange would be refused; leave time_credits out for the platform's defaults")
	}
}

func checkSAP(c *checker, i int, s *SAP) {
	const l = "categories"
	if !s.Eligible {
		if s.Activity != "" || s.ApprovalRequired || s.TaxCreditBucket != "" || s.MaxMinutesPerJob != 0 {
			c.add(item(l, i, "sap"), "activity, approval_required, tax_credit_bucket and max_minutes_per_job apply only to an eligible service à la personne")
		}
		return
	}
	c.text(item(l, i, "sap.activity"), s.Activity, true, MaxLabelBytes, line)
	if s.TaxCreditBucket != "" {
		c.oneOf(item(l, i, "sap.tax_credit_bucket"), s.TaxCreditBucket, buckets...)
	}
	c.rangeInt(item(l, i, "sap.max_minutes_per_job"), int64(s.MaxMinutesPerJob), 0, MaxMinutes)
	if s.TaxCreditBucket == BucketDIY && (s.MaxMinutesPerJob <= 0 || s.MaxMinutesPerJob > DIYMaxMinutesPerJob) {
		c.add(item(l, i, "sap.max_minutes_per_job"), "is "+strconv.Itoa(s.MaxMinutesPerJob)+"; small DIY jobs count for the tax credit only up to "+strconv.Itoa(DIYMaxMinutesPerJob)+" minutes a job, so set 1 to 120")
	}
}

// Check reports what is wrong with the payment modes answered to req:
// modes known, none twice, labels present, and consistent with the
// modality (no CESU déclaratif nor resident-only mode for a professional,
// prefunded CESU to a professional only if declared for services à la
// personne). A nil req skips the checks against the request.
func (pm *PaymentModes) Check(req *PaymentModesRequest) error {
	c := checker{what: "payment modes"}
	if len(pm.Modes) == 0 {
		c.add(at("modes"), "is empty; answer a refusal when no payment mode is allowed")
	}
	for i := range pm.Modes {
		o := &pm.Modes[i]
		p := item("modes", i, "mode")
		c.oneOf(p, o.Mode, Modes...)
		for j := 0; j < i; j++ {
			if pm.Modes[j].Mode == o.Mode {
				c.add(p, quote(o.Mode)+" is listed twice")
				break
			}
		}
		c.text(item("modes", i, "label"), o.Label, true, MaxLabelBytes, line)
		c.text(item("modes", i, "note"), o.Note, false, MaxMessageBytes, para)
		if req == nil {
			continue
		}
		checkModeModality(&c, p, o.Mode, req.Modality, req.ProviderSAP)
	}
	return c.err()
}

// checkModeModality checks that a payment mode suits the modality.
func checkModeModality(c *checker, p loc, mode, modality string, providerSAP bool) {
	switch {
	case modality == ModalityProfessional && mode == ModeCESUDeclaratif:
		c.add(p, "the CESU déclaratif is for a resident employing a resident, not for a professional")
	case modality == ModalityProfessional && mode == ModeCESUPrefinance && !providerSAP:
		c.add(p, "prefunded CESU titles pay a professional only if declared for services à la personne (provider_sap)")
	case modality == ModalityResident && mode == ModeProfessional:
		c.add(p, "the professional mode pays a professional; this exchange is between residents")
	}
}

// Check reports what is wrong with a quote answered to req: currency, mode,
// amounts and their sums, tax credit, time credits, and bounds. A nil req
// skips the checks against the request.
func (q *Quote) Check(req *QuoteRequest) error {
	c := checker{what: "quote"}
	if q.Currency != Currency {
		c.add(at("currency"), quote(q.Currency)+" is not "+quote(Currency))
	}
	c.oneOf(at("mode"), q.Mode, Modes...)
	if req != nil && q.Mode != req.Mode {
		c.add(at("mode"), quote(q.Mode)+" is not the requested mode "+quote(req.Mode))
	}
	sumOK := len(q.Lines) <= MaxQuoteLines
	if !sumOK {
		c.add(at("lines"), "has "+strconv.Itoa(len(q.Lines))+" lines; at most "+strconv.Itoa(MaxQuoteLines)+" allowed")
	}
	var sum int64
	for i := 0; i < len(q.Lines) && i < MaxQuoteLines; i++ {
		ln := &q.Lines[i]
		c.code(item("lines", i, "code"), ln.Code)
		c.text(item("lines", i, "label"), ln.Label, true, MaxLabelBytes, line)
		c.rangeInt(item("lines", i, "quantity"), ln.Quantity, 0, MaxTimeCreditMinutes)
		c.oneOf(item("lines", i, "unit"), ln.Unit, lineUnits...)
		p := item("lines", i, "amount_cents")
		switch {
		case ln.AmountCents < -MaxTotalCents || ln.AmountCents > MaxTotalCents:
			c.add(p, "is "+strconv.FormatInt(ln.AmountCents, 10)+"; a line is at most "+strconv.Itoa(MaxTotalCents)+" cents either way")
			sumOK = false
		case ln.AmountCents < 0 && ln.Code != lineReduction:
			c.add(p, "is "+strconv.FormatInt(ln.AmountCents, 10)+"; only a \"reduction\" line may be negative")
		case ln.AmountCents > 0 && ln.Code == lineReduction:
			c.add(p, "is "+strconv.FormatInt(ln.AmountCents, 10)+"; a \"reduction\" line is negative or zero")
		case ln.AmountCents > 0 && q.Mode == ModeFree && ln.Code != lineMileage:
			c.add(p, "is "+strconv.FormatInt(ln.AmountCents, 10)+" on a "+quote(ln.Code)+" line; a free exchange carries at most a mileage allowance (code \"mileage\")")
		}
		sum += ln.AmountCents
	}
	c.rangeInt(at("total_cents"), q.TotalCents, 0, MaxTotalCents)
	if sumOK && sum != q.TotalCents {
		c.add(at("total_cents"), "is "+strconv.FormatInt(q.TotalCents, 10)+" but the lines add up to "+strconv.FormatInt(sum, 10))
	}
	c.rangeInt(at("subsidy_cents"), q.SubsidyCents, 0, max(q.TotalCents, 0))
	if q.PayableCents != q.TotalCents-q.SubsidyCents {
		c.add(at("payable_cents"), "is "+strconv.FormatInt(q.PayableCents, 10)+"; expected total_cents − subsidy_cents = "+strconv.FormatInt(q.TotalCents-q.SubsidyCents, 10))
	}
	c.rangeInt(at("commission_cents"), q.CommissionCents, 0, max(q.TotalCents, 0))
	if q.Mode == ModeFree && q.CommissionCents != 0 {
		c.add(at("commission_cents"), "is "+strconv.FormatInt(q.CommissionCents, 10)+"; a free exchange carries no commission")
	}
	switch {
	case q.TimeCreditMinutes < 0 || q.TimeCreditMinutes > MaxTimeCreditMinutes:
		c.rangeInt(at("time_credit_minutes"), int64(q.TimeCreditMinutes), 0, MaxTimeCreditMinutes)
	case q.TimeCreditMinutes > 0 && q.Mode != ModeTimeCredits:
		c.add(at("time_credit_minutes"), "is "+strconv.Itoa(q.TimeCreditMinutes)+"; time credits exist only in the "+quote(ModeTimeCredits)+" mode")
	}
	c.rangeInt(at("tax_credit_eligible_cents"), q.TaxCreditEligibleCents, 0, max(q.PayableCents, 0))
	if q.TaxCreditEligibleCents > 0 {
		switch {
		case q.Mode != ModeCESUDeclaratif && q.Mode != ModeCESUPrefinance && q.Mode != ModeProfessional:
			c.add(at("tax_credit_eligible_cents"), "is "+strconv.FormatInt(q.TaxCreditEligibleCents, 10)+"; only the CESU and a professional declared for services à la personne open the tax credit, not the "+quote(q.Mode)+" mode")
		case req != nil && q.Mode == ModeProfessional && !req.ProviderSAP:
			c.add(at("tax_credit_eligible_cents"), "is "+strconv.FormatInt(q.TaxCreditEligibleCents, 10)+"; a professional opens the tax credit only if declared for services à la personne (provider_sap)")
		}
	}
	if q.TaxCreditBucket != "" {
		c.oneOf(at("tax_credit_bucket"), q.TaxCreditBucket, buckets...)
	}
	if len(q.Notes) > MaxNotes {
		c.add(at("notes"), "has "+strconv.Itoa(len(q.Notes))+" notes; at most "+strconv.Itoa(MaxNotes)+" allowed")
	}
	for i := 0; i < len(q.Notes) && i < MaxNotes; i++ {
		c.text(item("notes", i, ""), q.Notes[i], true, MaxMessageBytes, para)
	}
	return c.err()
}

// Check reports what is wrong with a listing verdict's warnings.
func (v *ListingVerdict) Check() error {
	c := checker{what: "listing verdict"}
	if len(v.Warnings) > MaxNotes {
		c.add(at("warnings"), "has "+strconv.Itoa(len(v.Warnings))+" warnings; at most "+strconv.Itoa(MaxNotes)+" allowed")
		return c.err()
	}
	for i := range v.Warnings {
		checkMessage(&c, "warnings", i, v.Warnings[i].Code, v.Warnings[i].Message, v.Warnings[i].MessageEN)
	}
	return c.err()
}

// Check reports what is wrong with a refusal: its code, and its messages,
// French required, each at most MaxMessageBytes.
func (r *Refusal) Check() error {
	c := checker{what: "refusal"}
	checkMessage(&c, "", -1, r.Code, r.Message, r.MessageEN)
	return c.err()
}

func checkMessage(c *checker, list string, i int, code, fr, en string) {
	c.code(item(list, i, "code"), code)
	c.text(item(list, i, "message"), fr, true, MaxMessageBytes, para)
	c.text(item(list, i, "message_en"), en, false, MaxMessageBytes, para)
}

// Check reports what is wrong with an envelope's shape: ok with a result
// and no refusal, or not ok with a valid refusal and no result. It does not
// look inside the result.
func (e *Envelope) Check() error {
	c := checker{what: "envelope"}
	hasResult := len(e.Result) > 0 && string(e.Result) != "null"
	switch {
	case e.OK && !hasResult:
		c.add(at("result"), "is missing; ok:true needs a result")
	case e.OK && e.Refusal != nil:
		c.add(at("refusal"), "is present; ok:true carries no refusal")
	case !e.OK && e.Refusal == nil:
		c.add(at("refusal"), "is missing; ok:false needs a refusal")
	case !e.OK && hasResult:
		c.add(at("result"), "is present; ok:false carries no result")
	case !e.OK:
		if err := e.Refusal.Check(); err != nil {
			for _, p := range err.(*ValidationError).Problems {
				c.add(loc{i: -1, field: join("refusal", p.Field)}, p.Message)
			}
		}
	}
	return c.err()
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + "." + b
}

// Check reports what is wrong with a describe input; it has no field, so
// nothing is.
func (r *DescribeRequest) Check() error { return nil }

// Check reports what is wrong with a categories input.
func (r *CategoriesRequest) Check() error {
	c := checker{what: "categories request"}
	checkContext(&c, &r.Context)
	return c.err()
}

// Check reports what is wrong with a payment_modes input.
func (r *PaymentModesRequest) Check() error {
	c := checker{what: "payment_modes request"}
	checkContext(&c, &r.Context)
	c.slug(at("category"), r.Category)
	checkModality(&c, at("modality"), r.Modality, r.ProviderSAP)
	return c.err()
}

// Check reports what is wrong with a quote input: the context, the category,
// modality and mode, and the bounds of durations, distance, occurrences and
// hourly amount.
func (r *QuoteRequest) Check() error {
	c := checker{what: "quote request"}
	checkContext(&c, &r.Context)
	c.slug(at("category"), r.Category)
	checkModality(&c, at("modality"), r.Modality, r.ProviderSAP)
	c.oneOf(at("mode"), r.Mode, Modes...)
	c.rangeInt(at("minutes"), int64(r.Minutes), 1, MaxMinutes)
	c.rangeInt(at("distance_m"), int64(r.DistanceMeters), 0, MaxDistanceMeters)
	c.rangeInt(at("occurrences"), int64(r.Occurrences), 1, MaxOccurrences)
	c.rangeInt(at("hourly_cents"), r.HourlyCents, 0, MaxHourlyCents)
	return c.err()
}

// Check reports what is wrong with a validate_listing input.
func (r *ValidateListingRequest) Check() error {
	c := checker{what: "validate_listing request"}
	checkContext(&c, &r.Context)
	l := &r.Listing
	c.oneOf(at("listing.kind"), l.Kind, ListingOffer, ListingNeed)
	c.slug(at("listing.category"), l.Category)
	checkModality(&c, at("listing.modality"), l.Modality, l.ProviderSAP)
	c.text(at("listing.title"), l.Title, true, MaxLabelBytes, line)
	c.text(at("listing.description"), l.Description, false, MaxDescriptionBytes, para)
	c.modes("listing.modes", l.Modes, true)
	c.oneOf(at("listing.price_kind"), l.PriceKind, PriceFree, PriceHourly, PriceFixed, PriceOnQuote)
	switch l.PriceKind {
	case PriceHourly, PriceFixed:
		c.rangeInt(at("listing.price_cents"), l.PriceCents, 1, MaxTotalCents)
	default:
		if l.PriceCents != 0 {
			c.add(at("listing.price_cents"), "is "+strconv.FormatInt(l.PriceCents, 10)+"; only an hourly or fixed price has an amount")
		}
	}
	if !isCommune(l.Commune) {
		c.add(at("listing.commune"), quote(l.Commune)+" is not an INSEE commune code (5 characters, such as \"41269\" or \"2A004\")")
	}
	c.rangeInt(at("listing.travel_km"), int64(l.TravelKm), 0, MaxDistanceMeters/1000)
	return c.err()
}

func checkModality(c *checker, p loc, modality string, providerSAP bool) {
	c.oneOf(p, modality, modalities...)
	if providerSAP && modality != ModalityProfessional {
		p.field += "/provider_sap"
		c.add(p, "provider_sap describes a professional; the modality is "+quote(modality))
	}
}

// Check reports what is wrong with a context: the time (RFC 3339, UTC),
// the territory, the configuration hash, and, when the configuration is
// present, that it is a JSON object whose SHA-256 is the hash.
func (x *Context) Check() error {
	c := checker{what: "context"}
	checkContext(&c, x)
	return c.err()
}

func checkContext(c *checker, x *Context) {
	if t, err := time.Parse(time.RFC3339Nano, x.Now); err != nil {
		c.add(at("context.now"), quote(x.Now)+" is not an RFC 3339 time such as \"2026-11-27T10:00:00Z\"")
	} else if _, off := t.Zone(); off != 0 {
		c.add(at("context.now"), quote(x.Now)+" is not in UTC; write it with a final Z")
	}
	c.slug(at("context.territory.slug"), x.Territory.Slug)
	c.text(at("context.territory.name"), x.Territory.Name, true, MaxLabelBytes, line)
	if x.Territory.EPCI != "" && !isDigits(x.Territory.EPCI, 9) {
		c.add(at("context.territory.epci"), quote(x.Territory.EPCI)+" is not an EPCI SIREN code (9 digits)")
	}
	if !isHexHash(x.ConfigHash) {
		c.add(at("context.config_hash"), quote(x.ConfigHash)+" is not a lowercase hex SHA-256 (64 characters)")
	}
	if len(x.Config) == 0 {
		return
	}
	if err := ValidJSON(x.Config); err != nil {
		c.add(at("context.config"), "is not JSON: "+err.Error())
		return
	}
	if x.Config[0] != '{' {
		c.add(at("context.config"), "is not a JSON object")
	}
	sum := sha256.Sum256(x.Config)
	if got := hex.EncodeToString(sum[:]); got != x.ConfigHash && isHexHash(x.ConfigHash) {
		c.add(at("context.config_hash"), "is not the SHA-256 of config ("+got+")")
	}
}
