package rules

import (
	"time"
	"unsafe"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Line labels, in French.
const (
	labelVolunteer   = "Service bénévole"
	labelTimeCredits = "Service en crédits temps"
	labelLabour      = "Main-d'œuvre"
	labelWage        = "Salaire net (CESU)"
	labelTravel      = "Frais de déplacement"
	labelMileage     = "Indemnité kilométrique (bénévole)"
	labelCommission  = "Commission de la plateforme"
	labelReduction   = "Réduction solidaire"
)

// Notes of quotes, in French.
const (
	noteTaxCredit     = "Crédit d'impôt de 50 % : estimation, sous réserve de votre situation et des plafonds annuels (article 199 sexdecies du CGI)."
	noteCESUEmployer  = "CESU déclaratif : vous devenez particulier employeur ; déclarez chaque mois les heures et le salaire net sur le site du CESU (Urssaf), qui calcule les cotisations. Contrat de travail écrit obligatoire dès 8 heures par semaine ou 4 semaines consécutives."
	notePrefinance    = "CESU préfinancé : seule la part que vous avez financée vous-même ouvre droit au crédit d'impôt, jamais celle de l'employeur ou d'un organisme."
	noteNotSAP        = "Ce professionnel n'est pas déclaré services à la personne : pas de crédit d'impôt."
	noteApproval      = "Activité réservée aux organismes agréés ou autorisés : seule leur facture ouvre droit au crédit d'impôt."
	noteMileage       = "L'indemnité kilométrique rembourse les frais du conducteur bénévole ; ce n'est pas un revenu."
	noteMileageCapped = "Indemnité kilométrique plafonnée par trajet."
	noteSolidarityCC  = "Réduction solidaire prise en charge par la communauté de communes."
	noteSolidarityPro = "Réduction solidaire consentie par le prestataire."
	noteGridWageRaise = "Le salaire par défaut de la grille, sous le minimum légal en vigueur, a été porté à ce minimum."
)

// Draft is a quote being computed. An Extension receives it after the
// standard lines (labour, travel, mileage) and before the reduction,
// commission, subsidy and tax credit, which it may influence.
type Draft struct {
	req       *abi.QuoteRequest
	cat       *Category
	legal     *legal
	modality  int
	mode      int
	lines     []abi.QuoteLine
	notes     []string
	labour    int64 // labour or wage, all occurrences
	eligible  int64 // the part of labour that counts for the tax credit
	travel    int64
	ccPaid    int64 // lines the territory pays entirely
	noCommiss bool
	minutes   int // minutes × occurrences
}

// Extension adds a territory's rules, written in code, to every quote:
// what configuration cannot express. It must stay cheap (it runs on the
// hot path) and deterministic.
type Extension func(d *Draft)

// Request returns the quote request.
func (d *Draft) Request() *abi.QuoteRequest { return d.req }

// Category returns the request's category.
func (d *Draft) Category() *Category { return d.cat }

// MileageLine computes the category's volunteer mileage allowance for the
// request (legal cap and per-trip cap applied); ok is false when the
// category has none or there is no distance.
func (d *Draft) MileageLine() (line abi.QuoteLine, capped, ok bool) {
	m := d.cat.cfg.Mileage
	if m == nil {
		return line, false, false
	}
	km := roundKm(d.req.DistanceMeters)
	if m.RoundTrip {
		km *= 2
	}
	if km == 0 {
		return line, false, false
	}
	occ := int64(d.req.Occurrences)
	perTrip := km * mileageRate(m, d.legal)
	if m.MaxCentsPerTrip > 0 && perTrip > m.MaxCentsPerTrip {
		perTrip, capped = m.MaxCentsPerTrip, true
	}
	return abi.QuoteLine{Code: "mileage", Label: labelMileage, Quantity: km * occ, Unit: "km", AmountCents: perTrip * occ}, capped, true
}

// AddTerritoryPaid adds a line that the communauté de communes pays
// entirely: it counts in the total and in the subsidy, never in the tax
// credit or the commission.
func (d *Draft) AddTerritoryPaid(l abi.QuoteLine) {
	d.lines = append(d.lines, l)
	d.ccPaid += l.AmountCents
}

// WaiveCommission removes the platform's commission from this quote.
func (d *Draft) WaiveCommission() { d.noCommiss = true }

// AddNote adds a note for the parties, in French.
func (d *Draft) AddNote(s string) { d.notes = append(d.notes, s) }

// roundKm rounds metres to the nearest kilometre.
func roundKm(m int) int64 { return (int64(m) + 500) / 1000 }

// Quote prices one service at time now. A request the rules do not allow
// gets a *Refusal saying which rule and what to do instead. The quote, its
// lines and its notes are one new allocation.
func (p *Policy) Quote(now time.Time, r *abi.QuoteRequest) (*abi.Quote, error) {
	return p.quote(now, r, nil)
}

// quote prices like Quote, in buf: the quote it returns lives there, valid
// until buf is used again. The plugin's handler passes the buffer its
// instance keeps (plugin.Ctx.Scratch), so that a quote allocates nothing
// inside WebAssembly, where an allocation takes the garbage collector's
// branchy paths and, every few calls, a new span: the slowest calls of a
// warm instance. A nil buf is allocated, once the request is accepted.
func (p *Policy) quote(now time.Time, r *abi.QuoteRequest, buf *quoteBuf) (*abi.Quote, error) {
	var (
		c      *Category
		mi, md int
	)
	if buf != nil && buf.names.policy == p && buf.names.same(r) {
		c, mi, md = buf.names.cat, buf.names.modality, buf.names.mode
	} else {
		if c = p.lookup(r.Category); c == nil {
			return nil, unknownCategory(r.Category)
		}
		if mi = modalityIndex(r.Modality); mi < 0 {
			return nil, invalidModality(r.Modality)
		}
		if md = modeIndex(r.Mode); md < 0 {
			return nil, invalidMode(r.Mode)
		}
		if buf != nil {
			buf.names = names{policy: p, category: r.Category, modalityName: r.Modality, modeName: r.Mode, cat: c, modality: mi, mode: md}
		}
	}
	if err := checkMode(c, mi, md, r.ProviderSAP); err != nil {
		return nil, err
	}
	if err := checkBounds(r); err != nil {
		return nil, err
	}
	g := p.at(now.Unix())
	if !g.known {
		return nil, refLegalUnknown
	}
	if buf == nil {
		buf = new(quoteBuf)
	}
	d := &buf.draft
	*d = Draft{
		req: r, cat: c, legal: g, modality: mi, mode: md,
		lines:   buf.lines[:0],
		notes:   buf.notes[:0],
		minutes: r.Minutes * r.Occurrences,
	}
	if len(c.notes) > 0 { // copying no note still costs a runtime call
		d.notes = append(d.notes, c.notes...)
	}
	var err error
	switch {
	case md == modeFree:
		d.free()
	case md == modeTimeCredits:
		err = p.timeCredits(d)
	case mi == resident:
		err = d.wage()
	default:
		err = d.professional()
	}
	if err != nil {
		return nil, err
	}
	if p.ext != nil {
		p.ext(d)
	}
	return p.finish(d, &buf.q)
}

// quoteBuf holds a quote with room for its lines and notes, and the draft
// that computes it: all the memory of one quote, allocated at once.
type quoteBuf struct {
	q     abi.Quote
	lines [6]abi.QuoteLine
	notes [12]string
	draft Draft
	names names
}

// names remembers how the previous request's category, modality and mode
// were resolved. Inside WebAssembly, comparing two strings loops over
// their bytes (runtime.memequal), about 0.4 µs for a category; but the SDK's
// decoder keeps the previous request's string when the text is unchanged,
// so a request for the same names has the very same strings, and
// comparing their addresses is enough. The strings are held here, so their
// bytes cannot be freed and reused for another text.
type names struct {
	policy                           *Policy
	category, modalityName, modeName string
	cat                              *Category
	modality, mode                   int
}

// same reports whether r names the category, modality and mode resolved
// last, by the addresses and lengths of their bytes.
func (m *names) same(r *abi.QuoteRequest) bool {
	return differ(r.Category, m.category)|differ(r.Modality, m.modalityName)|differ(r.Mode, m.modeName) == 0
}

// differ is 0 when a and b are the same bytes (same address and length).
func differ(a, b string) uintptr {
	return uintptr(unsafe.Pointer(unsafe.StringData(a))) ^ uintptr(unsafe.Pointer(unsafe.StringData(b))) | uintptr(len(a)^len(b))
}

// checkMode refuses a mode the category or the law does not allow here.
func checkMode(c *Category, mi, md int, providerSAP bool) error {
	allowed := c.allowed[mi]
	if allowed == 0 {
		return c.refusals.modality[mi]
	}
	if maskCESU.has(md) && !c.cesuOK {
		return c.refusals.cesu
	}
	if !allowed.has(md) {
		return c.refusals.mode[mi][md]
	}
	if mi == professional && md == modeCESUPrefinance && !providerSAP {
		return refPrefinanceNoSAP
	}
	return nil
}

// checkBounds refuses a request whose numbers make no sense.
func checkBounds(r *abi.QuoteRequest) error {
	switch {
	case r.Minutes < 1 || r.Minutes > abi.MaxMinutes:
		return refMinutes
	case r.Occurrences < 1 || r.Occurrences > abi.MaxOccurrences:
		return refOccurrences
	case r.DistanceMeters < 0 || r.DistanceMeters > abi.MaxDistanceMeters:
		return refDistance
	case r.HourlyCents < 0 || r.HourlyCents > abi.MaxHourlyCents:
		return refHourly
	}
	return nil
}

// free prices a volunteer service: nothing, plus the mileage allowance of
// volunteer transport.
func (d *Draft) free() {
	d.lines = append(d.lines, abi.QuoteLine{Code: "volunteer", Label: labelVolunteer, Quantity: int64(d.minutes), Unit: "minute"})
	if l, capped, ok := d.MileageLine(); ok {
		d.lines = append(d.lines, l)
		d.notes = append(d.notes, noteMileage)
		if capped {
			d.notes = append(d.notes, noteMileageCapped)
		}
	}
}

// timeCredits prices a service in time credits: minutes × occurrences, no money.
func (p *Policy) timeCredits(d *Draft) error {
	if d.req.Minutes < p.timeMin {
		return p.refTimeMin
	}
	if p.timeMax > 0 && d.minutes > p.timeMax {
		return p.refTimeMax
	}
	d.lines = append(d.lines, abi.QuoteLine{Code: "time_credits", Label: labelTimeCredits, Quantity: int64(d.minutes), Unit: "minute"})
	return nil
}

// wage prices a resident employed through the CESU: the net hourly wage,
// never below the legal minimum in force.
func (d *Draft) wage() error {
	h := d.req.HourlyCents
	if h == 0 {
		h = d.cat.cfg.Prices.CESUNetHourlyCents
		if h == 0 {
			return d.cat.refusals.price[resident]
		}
		if h < d.legal.cesuMin {
			h = d.legal.cesuMin
			d.notes = append(d.notes, noteGridWageRaise)
		}
	} else if h < d.legal.cesuMin {
		return wageBelowMinimum(d.legal, h)
	}
	d.labourLine(h, labelWage)
	if d.mode == modeCESUDeclaratif {
		d.notes = append(d.notes, noteCESUEmployer)
	}
	return nil
}

// professional prices a professional's service: labour and travel.
func (d *Draft) professional() error {
	h := d.req.HourlyCents
	if h == 0 {
		if h = d.cat.cfg.Prices.ProfessionalHourlyCents; h == 0 {
			return d.cat.refusals.price[professional]
		}
	}
	d.labourLine(h, labelLabour)
	if t := d.cat.cfg.Travel; t != nil && t.CentsPerKm > 0 {
		km := roundKm(d.req.DistanceMeters)
		if t.RoundTrip {
			km *= 2
		}
		if km -= t.FreeKm; km > 0 {
			occ := int64(d.req.Occurrences)
			d.travel = km * t.CentsPerKm * occ
			d.lines = append(d.lines, abi.QuoteLine{Code: "travel", Label: labelTravel, Quantity: km * occ, Unit: "km", AmountCents: d.travel})
		}
	}
	return nil
}

// labourLine adds the labour line at hourly cents an hour, and the part of
// it that the tax credit's per-job bound keeps.
func (d *Draft) labourLine(hourly int64, label string) {
	occ := int64(d.req.Occurrences)
	minutes := int64(d.req.Minutes)
	d.labour = (hourly*minutes + 30) / 60 * occ
	d.eligible = d.labour
	if max := int64(d.cat.cfg.SAP.MaxMinutesPerJob); max > 0 && minutes > max {
		d.eligible = (hourly*max + 30) / 60 * occ
	}
	d.lines = append(d.lines, abi.QuoteLine{Code: "labour", Label: label, Quantity: int64(d.minutes), Unit: "minute", AmountCents: d.labour})
}

// finish adds the reduction and the commission, splits the total between
// the territory and the seeker, and estimates the tax credit.
func (p *Policy) finish(d *Draft, q *abi.Quote) (*abi.Quote, error) {
	r, c, md := d.req, d.cat, d.mode
	paid := maskPaid.has(md)
	sol := &p.solidarity
	solidarity := paid && r.Solidarity && sol.on && sol.modes.has(md)

	base := d.labour + d.travel
	var reduction int64
	if solidarity && !sol.byTerritory {
		reduction = capped(pct(base, sol.pct)+sol.fixed, sol.max, base)
		if reduction > 0 {
			d.lines = append(d.lines, abi.QuoteLine{Code: "reduction", Label: labelReduction, Quantity: 1, Unit: "unit", AmountCents: -reduction})
			d.notes = append(d.notes, noteSolidarityPro)
		}
	}
	var commission int64
	if paid && !d.noCommiss {
		for i := range p.commission {
			cr := &p.commission[i]
			if cr.modality == d.modality && cr.modes.has(md) {
				commission = capped(pct(base-reduction, cr.pct)+cr.fixed, cr.max, -1)
				break
			}
		}
		if commission > 0 {
			d.lines = append(d.lines, abi.QuoteLine{Code: "commission", Label: labelCommission, Quantity: 1, Unit: "unit", AmountCents: commission})
		}
	}
	var total int64
	for i := range d.lines {
		total += d.lines[i].AmountCents
		if d.lines[i].Quantity > abi.MaxTimeCreditMinutes || d.lines[i].AmountCents > abi.MaxTotalCents {
			return nil, refTooLarge
		}
	}
	if total > abi.MaxTotalCents {
		return nil, refTooLarge
	}

	var subsidy int64
	for i := range p.subsidies {
		s := &p.subsidies[i]
		if (s.modality < 0 || s.modality == d.modality) && s.modes.has(md) && (s.cats == 0 || s.cats&(1<<c.index) != 0) {
			subsidy += capped(s.fixed+pct(total, s.pct), s.max, -1)
		}
	}
	if solidarity && sol.byTerritory && total > subsidy {
		if s := capped(pct(total-subsidy, sol.pct)+sol.fixed, sol.max, -1); s > 0 {
			subsidy += s
			d.notes = append(d.notes, noteSolidarityCC)
		}
	}
	subsidy += d.ccPaid
	if subsidy > total {
		subsidy = total
	}
	payable := total - subsidy

	*q = abi.Quote{
		Currency: abi.Currency, Mode: r.Mode, Lines: d.lines,
		TotalCents: total, SubsidyCents: subsidy, PayableCents: payable, CommissionCents: commission,
	}
	if md == modeTimeCredits {
		q.TimeCreditMinutes = d.minutes
	}
	p.taxCredit(d, q, reduction)
	if len(d.notes) > abi.MaxNotes {
		d.notes = d.notes[:abi.MaxNotes]
	}
	if len(d.notes) > 0 {
		q.Notes = d.notes
	}
	return q, nil
}

// taxCredit estimates the part of the payable amount that counts for the
// 50 % tax credit: only services à la personne without approval, paid by
// CESU déclaratif or to a declared professional; aid (subsidies, the
// solidarity reduction) deducted; the commission never counts.
func (p *Policy) taxCredit(d *Draft, q *abi.Quote, reduction int64) {
	c, md := d.cat, d.mode
	if !maskPaid.has(md) {
		return
	}
	if !c.cesuOK {
		if c.cfg.SAP.Eligible && md == modeProfessional {
			d.notes = append(d.notes, noteApproval)
		}
		return
	}
	var base int64
	switch {
	case md == modeCESUPrefinance:
		d.notes = append(d.notes, notePrefinance)
		return
	case md == modeCESUDeclaratif:
		base = d.eligible
	case d.req.ProviderSAP:
		base = d.eligible + d.travel
	default:
		d.notes = append(d.notes, noteNotSAP)
		return
	}
	e := base - reduction - q.SubsidyCents
	if e > q.PayableCents {
		e = q.PayableCents
	}
	if e <= 0 {
		return
	}
	q.TaxCreditEligibleCents = e
	q.TaxCreditBucket = c.cfg.SAP.TaxCreditBucket
	d.notes = append(d.notes, noteTaxCredit)
	if d.eligible < d.labour {
		d.notes = append(d.notes, c.diyNote)
	}
}

// pct returns bp basis points of v, rounded half up.
func pct(v, bp int64) int64 {
	if bp == 0 || v <= 0 {
		return 0
	}
	return (v*bp + 5000) / 10000
}

// capped bounds v by max (when positive) and by limit (when not negative).
func capped(v, max, limit int64) int64 {
	if max > 0 && v > max {
		v = max
	}
	if limit >= 0 && v > limit {
		v = limit
	}
	return v
}
