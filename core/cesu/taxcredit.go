package cesu

import (
	"fmt"
	"strconv"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Tax-credit sub-cap buckets: the plugins' names (sdk/abi), so that a
// quote's TaxCreditBucket is a bucket here. "" is the general cap only.
const (
	BucketGardening = abi.BucketGardening
	BucketIT        = abi.BucketIT
	BucketDIY       = abi.BucketDIY
)

// buckets lists the sub-cap buckets in display order.
var buckets = []string{BucketGardening, BucketIT, BucketDIY}

// TaxCreditNoticeFR and TaxCreditNoticeEN label every tax figure of the
// package: the platform estimates, the tax administration decides.
const (
	TaxCreditNoticeFR = "Estimation, non contractuelle : le crédit d'impôt réel est calculé par l'administration fiscale, à partir de votre déclaration de revenus et des attestations fiscales (de l'Urssaf pour le Cesu, des prestataires pour leurs factures)."
	TaxCreditNoticeEN = "Estimate, not binding: the actual tax credit is computed by the tax administration, from your income-tax return and the tax certificates (from the URSSAF for the CESU, from providers for their invoices)."
)

// TaxCreditLaw is the law of the tax credit for services à la personne
// (article 199 sexdecies du code général des impôts) for spending paid
// from FromYear on. Amounts are cents of eligible spending a year.
type TaxCreditLaw struct {
	// FromYear is the first calendar year of spending the law applies to.
	FromYear int
	// RateBP is the credit's rate in basis points (5000 = 50 %).
	RateBP int64
	// BaseCapCents is the general yearly cap (12 000 €), raised by
	// PerPersonCents (1 500 €) per dependent child and per household member
	// over 65, up to MaxCapCents (15 000 €).
	BaseCapCents, PerPersonCents, MaxCapCents int64
	// FirstYearBaseCapCents and FirstYearMaxCapCents replace BaseCapCents
	// and MaxCapCents (15 000 € and 18 000 €) the first year the household
	// employs someone directly.
	FirstYearBaseCapCents, FirstYearMaxCapCents int64
	// DisabilityCapCents (20 000 €) is the cap when a member of the
	// household is disabled (carte d'invalidité, or a child giving right to
	// the AEEH supplement); it is not raised per person.
	DisabilityCapCents int64
	// Sub-caps inside the general cap: small gardening work (5 000 €), IT
	// help at home (3 000 €), small DIY jobs of at most two hours each
	// (500 €).
	GardeningCapCents, ITCapCents, DIYCapCents int64
}

// DefaultTaxCreditLaws returns the law as DOMAIN.md states it, from
// service-public.fr (fiche F12, crédit d'impôt pour l'emploi d'un salarié à domicile) and
// article 199 sexdecies du CGI: a credit of 50 % of the spending; a cap of
// 12 000 € plus 1 500 € per dependent child or member over 65, at most
// 15 000 €; 15 000 € plus 1 500 € per person, at most 18 000 €, the first
// year of direct employment; 20 000 € for a disabled member; sub-caps of
// 5 000 € (gardening), 3 000 € (IT help) and 500 € (small DIY). It applies
// from spending paid in 2017, the first year the credit (rather than a
// reduction) was open to every household (loi de finances pour 2017,
// article 82); the amounts have not changed since. A change of law is a
// new entry with its FromYear, never an edit of this one.
func DefaultTaxCreditLaws() []TaxCreditLaw {
	return []TaxCreditLaw{{
		FromYear:              2017,
		RateBP:                5000,
		BaseCapCents:          1_200_000,
		PerPersonCents:        150_000,
		MaxCapCents:           1_500_000,
		FirstYearBaseCapCents: 1_500_000,
		FirstYearMaxCapCents:  1_800_000,
		DisabilityCapCents:    2_000_000,
		GardeningCapCents:     500_000,
		ITCapCents:            300_000,
		DIYCapCents:           50_000,
	}}
}

// TaxCreditLawFor returns the law in force for spending paid in year:
// the last of laws (in FromYear order) that starts at or before it.
func TaxCreditLawFor(laws []TaxCreditLaw, year int) (TaxCreditLaw, error) {
	for i := len(laws) - 1; i >= 0; i-- {
		if laws[i].FromYear <= year {
			if err := laws[i].check(); err != nil {
				return TaxCreditLaw{}, err
			}
			return laws[i], nil
		}
	}
	return TaxCreditLaw{}, invalid("cesu_tax_law_unknown",
		"Aucun barème du crédit d'impôt n'est connu pour les dépenses de "+strconv.Itoa(year)+" : la simulation n'est pas possible pour cette année.",
		"No tax-credit scale is known for spending in "+strconv.Itoa(year)+": the simulation is not available for that year.")
}

// check refuses a law the platform was misconfigured with.
func (l TaxCreditLaw) check() error {
	for _, v := range []int64{l.BaseCapCents, l.PerPersonCents, l.MaxCapCents, l.FirstYearBaseCapCents,
		l.FirstYearMaxCapCents, l.DisabilityCapCents, l.GardeningCapCents, l.ITCapCents, l.DIYCapCents} {
		if v < 0 || v > MaxSpendingCents {
			return fmt.Errorf("cesu: tax-credit law of %d has an amount out of range: %+v", l.FromYear, l)
		}
	}
	if l.RateBP < 0 || l.RateBP > 10_000 || l.BaseCapCents > l.MaxCapCents || l.FirstYearBaseCapCents > l.FirstYearMaxCapCents {
		return fmt.Errorf("cesu: tax-credit law of %d is inconsistent: %+v", l.FromYear, l)
	}
	return nil
}

// SubCap returns the sub-cap of bucket, and whether bucket is one.
func (l TaxCreditLaw) SubCap(bucket string) (int64, bool) {
	switch bucket {
	case BucketGardening:
		return l.GardeningCapCents, true
	case BucketIT:
		return l.ITCapCents, true
	case BucketDIY:
		return l.DIYCapCents, true
	}
	return 0, false
}

// Credit returns the credit on eligible cents: the rate applied, rounded
// down to the cent (an estimate never promises more).
func (l TaxCreditLaw) Credit(eligibleCents int64) int64 { return eligibleCents * l.RateBP / 10_000 }

// Household is what decides a household's yearly cap.
type Household struct {
	// DependentChildren is the number of children the household declares
	// as dependants.
	DependentChildren int
	// MembersOver65 is the number of household members over 65.
	MembersOver65 int
	// FirstYearDirectEmployment reports that the household employs someone
	// directly (CESU déclaratif) for the first time this year.
	FirstYearDirectEmployment bool
	// Disability reports a household member holding the carte d'invalidité
	// (or the CMI « invalidité »), or a child giving right to the AEEH
	// supplement.
	Disability bool
}

// maxPersons bounds the household's counts: beyond it, input is wrong.
const maxPersons = 30

// Cap returns the household's yearly cap on eligible spending under l,
// with how it was reached in French and in English.
func (h Household) Cap(l TaxCreditLaw) (cents int64, fr, en string) {
	n := int64(h.DependentChildren + h.MembersOver65)
	base, most := l.BaseCapCents, l.MaxCapCents
	fr, en = "", ""
	if h.FirstYearDirectEmployment {
		base, most = l.FirstYearBaseCapCents, l.FirstYearMaxCapCents
		fr, en = " (première année d'emploi direct)", " (first year of direct employment)"
	}
	cents = min(base+n*l.PerPersonCents, most)
	fr = eurosFR(base) + fr
	en = eurosEN(base) + en
	if n > 0 {
		fr += " + " + strconv.FormatInt(n, 10) + " × " + eurosFR(l.PerPersonCents) + " (enfants à charge et membres du foyer de plus de 65 ans), au plus " + eurosFR(most)
		en += " + " + strconv.FormatInt(n, 10) + " × " + eurosEN(l.PerPersonCents) + " (dependent children and household members over 65), at most " + eurosEN(most)
	}
	fr += " : " + eurosFR(cents)
	en += ": " + eurosEN(cents)
	if h.Disability && l.DisabilityCapCents > cents {
		cents = l.DisabilityCapCents
		fr = eurosFR(cents) + " (membre du foyer en situation d'invalidité)"
		en = eurosEN(cents) + " (disabled household member)"
	}
	return cents, fr, en
}

// MaxSpendingCents bounds one spending line (1 000 000 €): beyond it the
// input is wrong, and sums stay far from overflowing.
const MaxSpendingCents = 100_000_000

// SpendingLine is one payment for services à la personne in the year.
type SpendingLine struct {
	// Label describes the payment, for the caller's display; optional.
	Label string
	// PaidCents is what the household paid: the net wages of a CESU
	// employee (and the contributions, when the caller knows them), or a
	// professional's invoice.
	PaidCents int64
	// AidCents is the aid received for it, to deduct: allowances (APA,
	// PCH…), and the part of prefunded CESU titles paid by an employer, a
	// works council, the CAF or a département.
	AidCents int64
	// Bucket is the sub-cap bucket (BucketGardening, BucketIT, BucketDIY),
	// "" for the general cap only.
	Bucket string
}

// BucketUsage is a sub-cap's state.
type BucketUsage struct {
	// Bucket is BucketGardening, BucketIT or BucketDIY.
	Bucket string
	// LabelFR and LabelEN name the bucket.
	LabelFR, LabelEN string
	// SpentCents is the bucket's spending, aid deducted.
	SpentCents int64
	// CountedCents is what counts of it: at most CapCents.
	CountedCents int64
	// CapCents is the sub-cap.
	CapCents int64
	// RemainingCents is the room left in the bucket: the sub-cap's, but
	// never more than the general cap's.
	RemainingCents int64
	// Reached reports that the sub-cap is used up.
	Reached bool
}

// TaxCreditMeter is a household's eligible spending in a calendar year
// against its caps, and the credit it would give: always a simulation.
type TaxCreditMeter struct {
	// Year is the calendar year of the spending.
	Year int
	// CapCents is the household's general cap; CapFR and CapEN explain it.
	CapCents     int64
	CapFR, CapEN string
	// PaidCents and AidCents are the year's payments and aid.
	PaidCents, AidCents int64
	// SpentCents is the spending, aid deducted, before any cap.
	SpentCents int64
	// EligibleCents is what counts after the sub-caps and the cap.
	EligibleCents int64
	// OverCapCents is the spending that does not count: SpentCents −
	// EligibleCents.
	OverCapCents int64
	// RemainingCents is the room left under the general cap.
	RemainingCents int64
	// Buckets are the sub-caps: gardening, IT help, small DIY.
	Buckets []BucketUsage
	// TaxCreditCents is the estimated credit: the rate (50 %) of
	// EligibleCents, rounded down to the cent.
	TaxCreditCents int64
	// Simulation is always true: the figure is an estimate.
	Simulation bool
	// NoticeFR and NoticeEN say so, to show beside every figure.
	NoticeFR, NoticeEN string
}

// MeterTaxCredit sums a household's spending on services à la personne
// paid in year (the lines the caller passes, every provider used through
// the platform) against the general cap and the sub-caps of the law in
// force (from laws, DefaultTaxCreditLaws unless the caller has newer
// ones), and estimates the tax credit. Each line counts what was paid
// minus the aid received; each bucket counts up to its sub-cap; the total
// counts up to the household's cap.
func MeterTaxCredit(year int, h Household, lines []SpendingLine, laws []TaxCreditLaw) (TaxCreditMeter, error) {
	law, err := TaxCreditLawFor(laws, year)
	if err != nil {
		return TaxCreditMeter{}, err
	}
	if err := h.check(); err != nil {
		return TaxCreditMeter{}, err
	}
	m := TaxCreditMeter{Year: year, Simulation: true, NoticeFR: TaxCreditNoticeFR, NoticeEN: TaxCreditNoticeEN}
	m.CapCents, m.CapFR, m.CapEN = h.Cap(law)
	spent := map[string]int64{}
	for i, l := range lines {
		if err := l.check(i); err != nil {
			return TaxCreditMeter{}, err
		}
		m.PaidCents += l.PaidCents
		m.AidCents += l.AidCents
		spent[l.Bucket] += l.PaidCents - l.AidCents
	}
	m.SpentCents = m.PaidCents - m.AidCents
	counted := spent[""]
	for _, b := range buckets {
		c, _ := law.SubCap(b)
		u := BucketUsage{Bucket: b, SpentCents: spent[b], CapCents: c, CountedCents: min(spent[b], c), Reached: spent[b] > 0 && spent[b] >= c}
		u.LabelFR, u.LabelEN = bucketLabel(b)
		counted += u.CountedCents
		m.Buckets = append(m.Buckets, u)
	}
	m.EligibleCents = min(counted, m.CapCents)
	m.OverCapCents = m.SpentCents - m.EligibleCents
	m.RemainingCents = m.CapCents - m.EligibleCents
	for i := range m.Buckets {
		u := &m.Buckets[i]
		u.RemainingCents = min(u.CapCents-u.CountedCents, m.RemainingCents)
	}
	m.TaxCreditCents = law.Credit(m.EligibleCents)
	return m, nil
}

// bucketLabel names a bucket in French and in English.
func bucketLabel(b string) (fr, en string) {
	switch b {
	case BucketGardening:
		return "Petits travaux de jardinage", "Small gardening work"
	case BucketIT:
		return "Assistance informatique à domicile", "IT help at home"
	case BucketDIY:
		return "Petit bricolage (2 heures au plus par intervention)", "Small DIY jobs (at most 2 hours each)"
	}
	return "Plafond général", "General cap"
}

func (h Household) check() error {
	if h.DependentChildren < 0 || h.MembersOver65 < 0 || h.DependentChildren > maxPersons || h.MembersOver65 > maxPersons {
		return invalid("cesu_household_invalid",
			"Le nombre d'enfants à charge et de membres du foyer de plus de 65 ans va de 0 à "+strconv.Itoa(maxPersons)+".",
			"The number of dependent children and of household members over 65 ranges from 0 to "+strconv.Itoa(maxPersons)+".")
	}
	return nil
}

func (l SpendingLine) check(i int) error {
	n := strconv.Itoa(i + 1)
	if err := checkAmounts(l.PaidCents, l.AidCents); err != nil {
		return prefixed(err, "Dépense n° "+n+". ", "Spending #"+n+". ")
	}
	if _, ok := (TaxCreditLaw{}).SubCap(l.Bucket); !ok && l.Bucket != "" {
		return invalid("cesu_bucket_unknown",
			"Dépense n° "+n+". Le plafond « "+clip(l.Bucket)+" » n'existe pas : utilisez gardening, it, diy ou rien.",
			"Spending #"+n+". The sub-cap \""+clip(l.Bucket)+"\" does not exist: use gardening, it, diy or nothing.")
	}
	return nil
}

// checkAmounts checks an amount paid and the aid received for it.
func checkAmounts(paid, aid int64) error {
	switch {
	case paid < 0 || paid > MaxSpendingCents:
		return invalid("cesu_spending_invalid",
			"Le montant payé doit aller de 0 à "+eurosFR(MaxSpendingCents)+" ; "+eurosFR(paid)+" indiqué.",
			"The amount paid must range from €0 to "+eurosEN(MaxSpendingCents)+"; "+eurosEN(paid)+" given.")
	case aid < 0 || aid > paid:
		return invalid("cesu_aid_invalid",
			"L'aide reçue ("+eurosFR(aid)+") doit aller de 0 au montant payé ("+eurosFR(paid)+").",
			"The aid received ("+eurosEN(aid)+") must range from €0 to the amount paid ("+eurosEN(paid)+").")
	}
	return nil
}
