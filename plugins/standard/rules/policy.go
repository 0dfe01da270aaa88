// Package rules holds the standard rules of Campagnon's territory plugins:
// which service categories a territory offers, how a service is priced,
// which payment modes an exchange may use and which listings are
// acceptable, all driven by a JSON configuration (Config).
//
// The legal frame is in code, the territory's choices are in configuration:
// the CESU only for services à la personne that need no approval (article
// D7231-1 du code du travail), CESU préfinancé to a professional only when
// declared SAP, a CESU wage never below the SMIC net plus 10 % paid leave,
// the tax credit's 2-hour bound for small DIY, volunteer transport never
// paid (mileage allowance or time credits), amounts with effective dates.
//
// Compile parses and checks a configuration once and precomputes every
// lookup, so that Quote, the hot path, works on indexes and masks and
// allocates little. Pure Go, standard library and the SDK's abi package
// only: the same code runs natively in tests and inside the WebAssembly
// plugin.
package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Options say how to compile a territory's configuration.
type Options struct {
	// Default is the plugin's embedded default configuration: what the empty
	// configuration means, and where keys a territory leaves out come from.
	Default []byte
	// Extension adds rules written in code to every quote; optional.
	Extension Extension
}

// Policy is a compiled configuration: what a plugin caches per
// configuration hash. It is immutable and safe for concurrent use.
type Policy struct {
	categories []*Category
	byID       map[string]*Category
	catsOut    *abi.Categories
	commission []commissionRule
	subsidies  []subsidyRule
	solidarity solidarityRule
	timeMin    int
	timeMax    int
	// timePolicy is the balance policy returned by categories; nil when
	// the configuration states none (the platform's defaults apply).
	timePolicy *abi.TimeCreditPolicy
	refTimeMin *Refusal
	refTimeMax *Refusal
	periods    []legal
	ext        Extension
}

// Category is a compiled category.
type Category struct {
	index int
	cfg   CategoryConfig
	// allowed are the modes per modality.
	allowed [2]modeMask
	// cesuOK reports a service à la personne without approval: CESU and tax credit.
	cesuOK bool
	// notes are shown with every quote of the category.
	notes []string
	// diyNote explains the per-job bound of the tax credit.
	diyNote  string
	warnings []ListingWarning
	// tagText is the category's label for messages: « Label ».
	tagText string
	// accepted lists the modes of each modality, for messages.
	accepted, acceptedEN [2]string
	refusals             categoryRefusals
}

// ID returns the category's identifier.
func (c *Category) ID() string { return c.cfg.ID }

// Transport reports a volunteer-transport category.
func (c *Category) Transport() bool { return c.cfg.Transport }

type commissionRule struct {
	modality int
	modes    modeMask
	pct      int64
	fixed    int64
	max      int64
}

type subsidyRule struct {
	modality int // -1: both
	modes    modeMask
	cats     uint64 // bit per category index; 0: all
	fixed    int64
	pct      int64
	max      int64
}

type solidarityRule struct {
	on          bool
	byTerritory bool
	modes       modeMask
	pct         int64
	fixed       int64
	max         int64
}

// maxCategories bounds a configuration (and lets a subsidy rule keep its
// categories in a 64-bit mask).
const maxCategories = 64

// Compile parses a territory's configuration, fills the keys it leaves out
// from o.Default, checks every rule and precomputes the lookups. raw may be
// empty or "{}": that is the default configuration. Errors are
// *ConfigError, in French.
func Compile(raw []byte, o Options) (*Policy, error) {
	var def Config
	if err := decodeStrict(o.Default, &def); err != nil {
		return nil, errors.New("configuration par défaut du plugin : " + err.Error())
	}
	var c Config
	if err := decodeStrict(raw, &c); err != nil {
		return nil, err
	}
	if c.Categories == nil {
		c.Categories = def.Categories
	}
	if c.Commission == nil {
		c.Commission = def.Commission
	}
	if c.Subsidies == nil {
		c.Subsidies = def.Subsidies
	}
	if c.Solidarity == nil {
		c.Solidarity = def.Solidarity
	}
	if c.TimeCredits == nil {
		c.TimeCredits = def.TimeCredits
	}
	if c.Legal == nil {
		c.Legal = def.Legal
	}
	return compile(&c, o.Extension)
}

// decodeStrict decodes one JSON object into v, refusing unknown keys and
// trailing data; empty input leaves v unchanged.
func decodeStrict(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &ConfigError{Problems: []string{jsonProblem(err)}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &ConfigError{Problems: []string{"des données suivent l'objet JSON de la configuration"}}
	}
	return nil
}

// jsonProblem says in French what is wrong with the JSON.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "JSON mal formé (octet " + itoa64(syn.Offset) + ") : " + syn.Error()
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return "la configuration doit être un objet JSON"
		}
		return "« " + field + " » : type inattendu (" + typ.Value + " au lieu de " + frenchType(typ.Type.Kind().String()) + ")"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "clé inconnue " + strings.TrimPrefix(err.Error(), "json: unknown field ") + " (vérifiez son orthographe)"
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "JSON incomplet"
	}
	return "JSON invalide : " + err.Error()
}

func frenchType(kind string) string {
	switch kind {
	case "string":
		return "texte"
	case "bool":
		return "booléen"
	case "slice":
		return "liste"
	case "struct", "ptr", "map":
		return "objet"
	case "int", "int64":
		return "nombre entier"
	}
	return kind
}

// compile checks a complete configuration and builds its Policy.
func compile(c *Config, ext Extension) (*Policy, error) {
	var p problems
	if c.Version != 0 && c.Version != 1 {
		p.addf("version : %d n'est pas une version connue (1)", c.Version)
	}
	pol := &Policy{ext: ext, byID: make(map[string]*Category, len(c.Categories))}
	if c.Legal == nil {
		p.addf("legal : les montants légaux sont requis")
		return nil, p.err()
	}
	pol.periods = compileLegal(c.Legal, &p)
	// A mileage rate above every legal scale is a mistake; one above a later,
	// lower scale is only capped at run time, so that a change of the law
	// never makes a territory's configuration invalid.
	var mileageMax int64
	for _, g := range pol.periods {
		mileageMax = max(mileageMax, g.mileageMax)
	}

	if len(c.Categories) == 0 {
		p.addf("categories : au moins une catégorie est requise")
	}
	if len(c.Categories) > maxCategories {
		p.addf("categories : au plus %d catégories", maxCategories)
		return nil, p.err()
	}
	for i := range c.Categories {
		cat := compileCategory(i, &c.Categories[i], mileageMax, &p)
		if cat == nil {
			continue
		}
		if _, dup := pol.byID[cat.cfg.ID]; dup {
			p.addf("categories[%d].id : « %s » est déjà utilisé", i, cat.cfg.ID)
			continue
		}
		pol.byID[cat.cfg.ID] = cat
		pol.categories = append(pol.categories, cat)
	}
	for i, r := range c.Commission {
		pol.commission = append(pol.commission, compileCommission(i, r, &p))
	}
	for i, r := range c.Subsidies {
		pol.subsidies = append(pol.subsidies, compileSubsidy(i, r, pol.byID, &p))
	}
	if c.Solidarity != nil {
		pol.solidarity = compileSolidarity(c.Solidarity, &p)
	}
	if t := c.TimeCredits; t != nil {
		if t.MinMinutes < 0 || t.MinMinutes > 1440 {
			p.addf("time_credits.min_minutes : entre 0 et 1440")
		}
		if t.MaxMinutesPerExchange < 0 {
			p.addf("time_credits.max_minutes_per_exchange : ne peut pas être négatif")
		}
		pol.timeMin, pol.timeMax = t.MinMinutes, t.MaxMinutesPerExchange
		pol.timePolicy = compileTimeCreditPolicy(t, &p)
	}
	pol.refTimeMin = refuse(CodeTimeCreditsLimit,
		"Un échange en crédits temps dure au moins "+duration(pol.timeMin)+" par intervention.",
		"A time-credit exchange lasts at least "+itoa64(int64(pol.timeMin))+" minutes per occurrence.")
	pol.refTimeMax = refuse(CodeTimeCreditsLimit,
		"Un échange en crédits temps compte au plus "+duration(pol.timeMax)+" au total : découpez-le en plusieurs échanges.",
		"A time-credit exchange counts at most "+itoa64(int64(pol.timeMax))+" minutes in all: split it into several exchanges.")
	if err := p.err(); err != nil {
		return nil, err
	}
	for _, c := range pol.categories {
		c.buildRefusals()
	}
	pol.catsOut = pol.buildCategories()
	for i := range pol.periods {
		pol.periods[i].modes = pol.buildPaymentModes(&pol.periods[i])
	}
	return pol, nil
}

// compileTimeCreditPolicy checks the balance policy of time_credits, if
// it states one, against the bounds of abi.TimeCreditPolicy: floor and
// ceiling go together (the plugin cannot know the platform's defaults, so
// it cannot complete one with the other), the welcome credit is optional.
func compileTimeCreditPolicy(t *TimeCreditRules, p *problems) *abi.TimeCreditPolicy {
	if t.FloorMinutes == nil && t.CeilingMinutes == nil && t.WelcomeMinutes == nil {
		return nil
	}
	if t.FloorMinutes == nil || t.CeilingMinutes == nil {
		p.addf("time_credits : floor_minutes et ceiling_minutes (le plancher et le plafond du solde d'un membre) se donnent ensemble ; sans aucun des trois, la plateforme applique ses valeurs par défaut")
		return nil
	}
	out := &abi.TimeCreditPolicy{FloorMinutes: *t.FloorMinutes, CeilingMinutes: *t.CeilingMinutes}
	if t.WelcomeMinutes != nil {
		out.WelcomeMinutes = *t.WelcomeMinutes
	}
	if out.FloorMinutes < -abi.MaxBalanceMinutes || out.FloorMinutes > 0 {
		p.addf("time_credits.floor_minutes : %d ; le plancher est le solde le plus bas permis, de 0 (aucune dette) à -%d minutes (%s)",
			out.FloorMinutes, abi.MaxBalanceMinutes, duration(abi.MaxBalanceMinutes))
	}
	ceilingOK := out.CeilingMinutes >= 0 && out.CeilingMinutes <= abi.MaxBalanceMinutes
	if !ceilingOK {
		p.addf("time_credits.ceiling_minutes : %d ; le plafond est le solde le plus haut permis, de 0 à %d minutes (%s)",
			out.CeilingMinutes, abi.MaxBalanceMinutes, duration(abi.MaxBalanceMinutes))
	}
	switch w := out.WelcomeMinutes; {
	case w < 0 || w > abi.MaxWelcomeMinutes:
		p.addf("time_credits.welcome_minutes : %d ; le crédit de bienvenue va de 0 (aucun) à %d minutes (%s)",
			w, abi.MaxWelcomeMinutes, duration(abi.MaxWelcomeMinutes))
	case ceilingOK && w > out.CeilingMinutes:
		p.addf("time_credits.welcome_minutes : %d dépasse ceiling_minutes (%d) : un nouveau membre ne pourrait pas recevoir son crédit de bienvenue",
			w, out.CeilingMinutes)
	}
	if out.FloorMinutes == 0 && out.CeilingMinutes == 0 {
		p.addf("time_credits : floor_minutes et ceiling_minutes valent tous deux 0 : aucun solde ne pourrait bouger, tout échange en crédits temps serait refusé")
	}
	return out
}

// validID reports an identifier of lowercase letters, digits and hyphens.
func validID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
			return false
		}
	}
	return true
}

// validCode reports a machine code: ^[a-z][a-z0-9_]{1,63}$.
func validCode(s string) bool {
	if len(s) < 2 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_') {
			return false
		}
	}
	return true
}

// Bounds of configured amounts: generous, but they keep every product
// computed by the rules far from overflowing.
const (
	maxHourlyCents = abi.MaxHourlyCents
	maxPerKmCents  = 1000 // 10 € a km
	maxFixedCents  = 1000000
	maxTextBytes   = 1000
)

func compileCategory(i int, cc *CategoryConfig, mileageMax int64, p *problems) *Category {
	key := "categories[" + itoa64(int64(i)) + "]"
	if !validID(cc.ID) {
		p.addf("%s.id : « %s » doit être fait de minuscules, chiffres et tirets", key, cc.ID)
		return nil
	}
	key = "catégorie « " + cc.ID + " »"
	c := &Category{index: i, cfg: *cc, tagText: "« " + cc.Label + " »"}
	if strings.TrimSpace(cc.Label) == "" || len(cc.Label) > 120 {
		p.addf("%s : label (en français) requis, 120 octets au plus", key)
	}
	if !validID(cc.Icon) {
		p.addf("%s : icon doit nommer une icône (minuscules, chiffres, tirets)", key)
	}
	if len(cc.Description) > maxTextBytes || len(cc.LabelEN) > 120 {
		p.addf("%s : description ou label_en trop long", key)
	}

	s := cc.SAP
	switch s.TaxCreditBucket {
	case "", abi.BucketGardening, abi.BucketIT, abi.BucketDIY:
	default:
		p.addf("%s : sap.tax_credit_bucket « %s » inconnu (gardening, it, diy ou vide)", key, s.TaxCreditBucket)
	}
	if s.MaxMinutesPerJob < 0 || s.MaxMinutesPerJob > 1440 {
		p.addf("%s : sap.max_minutes_per_job entre 0 et 1440", key)
	}
	if !s.Eligible && (s.Activity != "" || s.ApprovalRequired || s.TaxCreditBucket != "" || s.MaxMinutesPerJob != 0) {
		p.addf("%s : sap.activity, approval_required, tax_credit_bucket et max_minutes_per_job n'ont de sens que pour un service à la personne (sap.eligible)", key)
	}
	if s.TaxCreditBucket == abi.BucketDIY && (s.MaxMinutesPerJob < 1 || s.MaxMinutesPerJob > abi.DIYMaxMinutesPerJob) {
		p.addf("%s : les petits travaux de bricolage ne comptent pour le crédit d'impôt que jusqu'à 2 heures par intervention : sap.max_minutes_per_job de 1 à 120", key)
	}
	if s.Eligible && strings.TrimSpace(s.Activity) == "" {
		p.addf("%s : sap.activity doit nommer l'activité de services à la personne (article D7231-1 du code du travail)", key)
	}
	c.cesuOK = s.Eligible && !s.ApprovalRequired

	var ok bool
	if c.allowed[resident], ok = maskOf(cc.Modes.Resident); !ok {
		p.addf("%s : modes.resident contient un mode inconnu", key)
	}
	if c.allowed[professional], ok = maskOf(cc.Modes.Professional); !ok {
		p.addf("%s : modes.professional contient un mode inconnu", key)
	}
	if len(cc.Modes.Resident) != popcount(c.allowed[resident]) || len(cc.Modes.Professional) != popcount(c.allowed[professional]) {
		p.addf("%s : un mode est répété dans modes", key)
	}
	if c.allowed[resident] == 0 && c.allowed[professional] == 0 {
		p.addf("%s : au moins un mode de paiement est requis (modes.resident ou modes.professional)", key)
	}
	if c.allowed[resident]&^maskResident != 0 {
		p.addf("%s : entre particuliers, seuls free, time_credits, cesu_declaratif et cesu_prefinance sont possibles", key)
	}
	if c.allowed[professional]&^maskPro != 0 {
		p.addf("%s : avec un professionnel, seuls professional et cesu_prefinance sont possibles", key)
	}
	if (c.allowed[resident]|c.allowed[professional])&maskCESU != 0 && !c.cesuOK {
		p.addf("%s : le CESU n'est possible que pour un service à la personne éligible sans agrément (article D7231-1 du code du travail)", key)
	}
	if cc.Transport && c.allowed[resident]&^maskTransportRe != 0 {
		p.addf("%s : le transport entre particuliers est bénévole (indemnité kilométrique) ou en crédits temps, jamais payé : modes.resident se limite à free et time_credits", key)
	}

	pr := cc.Prices
	if pr.ProfessionalHourlyCents < 0 || pr.ProfessionalHourlyCents > maxHourlyCents ||
		pr.CESUNetHourlyCents < 0 || pr.CESUNetHourlyCents > maxHourlyCents {
		p.addf("%s : les prix horaires vont de 0 à %d centimes", key, maxHourlyCents)
	}
	if t := cc.Travel; t != nil && (t.CentsPerKm < 0 || t.CentsPerKm > maxPerKmCents || t.FreeKm < 0 || t.FreeKm > 1000) {
		p.addf("%s : travel.cents_per_km de 0 à %d, travel.free_km de 0 à 1000", key, maxPerKmCents)
	}
	if m := cc.Mileage; m != nil {
		if !cc.Transport {
			p.addf("%s : une indemnité kilométrique (mileage) n'est possible que pour le transport bénévole (transport: true)", key)
		}
		if m.CentsPerKm <= 0 || m.CentsPerKm > maxPerKmCents || m.MaxCentsPerTrip < 0 || m.MaxCentsPerTrip > maxFixedCents {
			p.addf("%s : mileage.cents_per_km de 1 à %d, mileage.max_cents_per_trip positif", key, maxPerKmCents)
		}
		if mileageMax > 0 && m.CentsPerKm > mileageMax {
			p.addf("%s : mileage.cents_per_km (%d) dépasse le barème légal (%d centimes par km) : une indemnité rembourse des frais, elle ne doit pas être un bénéfice",
				key, m.CentsPerKm, mileageMax)
		}
	}
	if len(cc.Notes) > 10 {
		p.addf("%s : au plus 10 notes", key)
	}
	for _, n := range cc.Notes {
		if strings.TrimSpace(n) == "" || len(n) > maxTextBytes {
			p.addf("%s : une note est vide ou trop longue", key)
		}
	}
	c.notes = cc.Notes
	for mi, names := range [2][]string{cc.Modes.Resident, cc.Modes.Professional} {
		for _, n := range names {
			if md := modeIndex(n); md >= 0 {
				if c.accepted[mi] != "" {
					c.accepted[mi] += ", "
					c.acceptedEN[mi] += ", "
				}
				c.accepted[mi] += modeLabels[md]
				c.acceptedEN[mi] += n
			}
		}
	}
	if s.Eligible && !s.ApprovalRequired && s.MaxMinutesPerJob > 0 {
		c.diyNote = "Crédit d'impôt : seules les " + duration(s.MaxMinutesPerJob) +
			" de chaque intervention comptent pour les petits travaux (au-delà, la part excédentaire est exclue ; prévoyez plusieurs interventions plus courtes)."
	}
	for j, w := range cc.Warnings {
		if !validCode(w.Code) || strings.TrimSpace(w.Message) == "" || len(w.Message) > maxTextBytes || len(w.MessageEN) > maxTextBytes {
			p.addf("%s : listing_warnings[%d] : code (minuscules, chiffres, _) et message requis", key, j)
		}
		if w.Modality != "" && modalityIndex(w.Modality) < 0 {
			p.addf("%s : listing_warnings[%d].modality « %s » inconnue", key, j, w.Modality)
		}
		lw := w
		lw.Words = make([]string, len(w.Words))
		for k, word := range w.Words {
			lw.Words[k] = strings.ToLower(strings.TrimSpace(word))
			if lw.Words[k] == "" {
				p.addf("%s : listing_warnings[%d] : mot vide", key, j)
			}
		}
		c.warnings = append(c.warnings, lw)
	}
	return c
}

func popcount(m modeMask) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

func compileCommission(i int, r CommissionRule, p *problems) commissionRule {
	key := "commission[" + itoa64(int64(i)) + "]"
	out := commissionRule{modality: modalityIndex(r.Modality), pct: r.PercentBP, fixed: r.FixedCents, max: r.MaxCents}
	if out.modality < 0 {
		p.addf("%s.modality : resident ou professional", key)
	}
	var ok bool
	if out.modes, ok = maskOf(r.Modes); !ok || out.modes&^maskPaid != 0 {
		p.addf("%s.modes : seuls les modes payants (cesu_declaratif, cesu_prefinance, professional) portent une commission", key)
	}
	if out.modes == 0 {
		out.modes = maskPaid
	}
	if r.PercentBP < 0 || r.PercentBP > 5000 || r.FixedCents < 0 || r.FixedCents > maxFixedCents || r.MaxCents < 0 || r.MaxCents > maxFixedCents {
		p.addf("%s : percent_bp de 0 à 5000 (50 %%), fixed_cents et max_cents positifs", key)
	}
	return out
}

func compileSubsidy(i int, r SubsidyRule, byID map[string]*Category, p *problems) subsidyRule {
	key := "subsidies[" + itoa64(int64(i)) + "]"
	out := subsidyRule{modality: -1, fixed: r.FixedCents, pct: r.PercentBP, max: r.MaxCents}
	if r.Modality != "" {
		if out.modality = modalityIndex(r.Modality); out.modality < 0 {
			p.addf("%s.modality : resident, professional ou vide", key)
		}
	}
	var ok bool
	if out.modes, ok = maskOf(r.Modes); !ok {
		p.addf("%s.modes : mode inconnu", key)
	}
	if out.modes == 0 {
		out.modes = 1<<modeCount - 1
	}
	for _, id := range r.Categories {
		c, ok := byID[id]
		if !ok {
			p.addf("%s.categories : catégorie « %s » inconnue", key, id)
			continue
		}
		out.cats |= 1 << c.index
	}
	if r.FixedCents < 0 || r.FixedCents > maxFixedCents || r.PercentBP < 0 || r.PercentBP > 10000 || r.MaxCents < 0 || r.MaxCents > maxFixedCents {
		p.addf("%s : fixed_cents et max_cents positifs, percent_bp de 0 à 10000", key)
	}
	if r.FixedCents == 0 && r.PercentBP == 0 {
		p.addf("%s : fixed_cents ou percent_bp doit être positif", key)
	}
	return out
}

func compileSolidarity(r *SolidarityRule, p *problems) solidarityRule {
	out := solidarityRule{pct: r.PercentBP, fixed: r.FixedCents, max: r.MaxCents}
	out.on = r.PercentBP > 0 || r.FixedCents > 0
	switch r.FundedBy {
	case FundedByTerritory:
		out.byTerritory = true
	case FundedByProvider:
	default:
		if out.on {
			p.addf("solidarity.funded_by : territory (la communauté de communes paie) ou provider (le prestataire baisse son prix)")
		}
	}
	var ok bool
	if out.modes, ok = maskOf(r.Modes); !ok || out.modes&^maskPaid != 0 {
		p.addf("solidarity.modes : seuls les modes payants (cesu_declaratif, cesu_prefinance, professional)")
	}
	if out.modes == 0 {
		out.modes = maskPaid
	}
	if r.PercentBP < 0 || r.PercentBP > 10000 || r.FixedCents < 0 || r.FixedCents > maxFixedCents || r.MaxCents < 0 || r.MaxCents > maxFixedCents {
		p.addf("solidarity : percent_bp de 0 à 10000, fixed_cents et max_cents positifs")
	}
	return out
}

// itoa64 formats an integer.
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// Category returns the compiled category with that ID, or nil.
func (p *Policy) Category(id string) *Category { return p.lookup(id) }

// lookup finds a category: a linear scan for a handful of categories (in
// WebAssembly a map lookup hashes byte by byte and costs more), the map
// beyond.
func (p *Policy) lookup(id string) *Category {
	if len(p.categories) > 8 {
		return p.byID[id]
	}
	for _, c := range p.categories {
		if c.cfg.ID == id {
			return c
		}
	}
	return nil
}

// at returns the legal amounts in force at t (Unix seconds).
func (p *Policy) at(t int64) *legal {
	for i := len(p.periods) - 1; i > 0; i-- {
		if p.periods[i].start <= t {
			return &p.periods[i]
		}
	}
	return &p.periods[0]
}
