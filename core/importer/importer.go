package importer

import (
	"context"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the forms' dates are in French time on any machine

	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Retention of what an import keeps.
const (
	// ContactRetention is how long the contacts of respondents and
	// businesses are kept after their import; Purge clears them then.
	ContactRetention = 3 * 365 * 24 * time.Hour
	// HeldRetention is how long a validated file waits for its
	// application (the web page's second step) before Purge deletes it.
	HeldRetention = 24 * time.Hour
)

// MaxProblems bounds the problems a report lists; it counts the others.
const MaxProblems = 5000

// maxNotices bounds the notices a report lists.
const maxNotices = 200

// Rules is what the importer needs of a territory's plugin (core/rules).
type Rules interface {
	Categories(ctx context.Context, slug string) (*abi.Categories, error)
	ValidateListing(ctx context.Context, slug string, l abi.Listing) (*abi.ListingVerdict, error)
}

// Territories gives a territory's communes (core/territory).
type Territories interface {
	Get(ctx context.Context, slug string, includeDisabled bool) (*territory.Detail, error)
}

// Service validates and applies imports. It is safe for concurrent use.
type Service struct {
	store       *store.Store
	rules       Rules
	territories Territories
	ref         *referential.Referential
	now         func() time.Time
}

// NewService returns a Service; now may be nil (the clock).
func NewService(s *store.Store, rules Rules, territories Territories, ref *referential.Referential, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, rules: rules, territories: territories, ref: ref, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Phases of a long step, for Progress.
const (
	// PhaseRead is the reading and validation of the file: done and total
	// are bytes (CSV) or rows (XLSX); total is 0 when unknown.
	PhaseRead = "read"
	// PhaseWrite is Apply's writing: done and total are rows.
	PhaseWrite = "write"
)

// Progress is told how far a long step is, at most every few hundred
// rows. It runs on the caller's goroutine: keep it fast.
type Progress func(phase string, done, total int64)

// Problem is one thing to correct in the file before it can be imported.
type Problem struct {
	// Line is the line of the file (as a spreadsheet numbers it), 0 for
	// the file as a whole.
	Line int `json:"line"`
	// Column is the column's letter and header ("C — Commune"), empty for
	// the line as a whole.
	Column string `json:"column,omitempty"`
	// Value is the cell as read, shortened to 80 characters.
	Value string `json:"value,omitempty"`
	// Message says what is wrong, in French; MessageEN in English.
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
	// Suggestion is what the value probably should be, or what to do.
	Suggestion string `json:"suggestion,omitempty"`
}

// Notice is a remark on the file that needs no correction: what was
// skipped, ignored or read in a particular way.
type Notice struct {
	Line      int    `json:"line,omitempty"`
	Column    string `json:"column,omitempty"`
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
}

// Column says which field a column of the file was read as.
type Column struct {
	// Letter and Header are the column's, as in the file.
	Letter, Header string
	// Fields are the fields it carries, named in French and English.
	Fields, FieldsEN []string
}

// Report is what Validate found: the problems to correct, the notices,
// and the counts of what Apply would do. A report with problems cannot be
// applied.
type Report struct {
	// Kind is the mapping's (KindListings or KindBusinesses); TerritorySlug
	// the territory validated against.
	Kind, TerritorySlug string
	// FileName and SHA256 identify the file.
	FileName, SHA256 string
	// Format is FormatCSV or FormatXLSX; Encoding and Delimiter are a
	// CSV's (Delimiter as typed: ";", ",", "tab"); Sheet an XLSX's.
	Format, Encoding, Delimiter, Sheet string
	// HeaderLine is the line of the header; Lines counts the data lines
	// read (not blank).
	HeaderLine, Lines int
	// Columns are the columns recognised.
	Columns []Column
	// Problems are the first MaxProblems problems, by line; ProblemCount
	// counts them all.
	Problems     []Problem
	ProblemCount int
	// Notices are the first remarks; NoticeCount counts them all.
	Notices     []Notice
	NoticeCount int
	// Ready counts the rows Apply would create; Already the rows imported
	// before (skipped); Duplicates the lines repeating an earlier line of
	// the file (imported once).
	Ready, Already, Duplicates int

	territoryID string
	mapping     []byte
	listings    []listingRecord
	businesses  []businessRecord
	// names are the categories and communes of the listings, interned.
	names   []string
	nameIdx map[string]uint16
}

// OK reports whether the file can be imported: no problem at all.
func (r *Report) OK() bool { return r.ProblemCount == 0 }

func (r *Report) problem(p Problem) {
	r.ProblemCount++
	if len(r.Problems) < MaxProblems {
		if n := []rune(p.Value); len(n) > 80 {
			p.Value = string(n[:79]) + "…"
		}
		r.Problems = append(r.Problems, p)
	}
}

func (r *Report) notice(n Notice) {
	r.NoticeCount++
	if len(r.Notices) < maxNotices {
		r.Notices = append(r.Notices, n)
	}
}

// contact is a respondent's or a business's contact, kept with consent.
type contact struct{ name, email, phone string }

// listingRecord is one need or offer ready to write, packed: a report
// may hold MaxRows of them (see Report.listing for its strings).
type listingRecord struct {
	key                rowKey
	title, description string
	contact            *contact
	at                 int64 // Unix seconds
	line, priceCents   int32
	category, commune  uint16 // in Report.names
	// kind, modality and priceKind index kindCodes, modalityCodes and
	// priceCodes; modes is a set of abi.Modes, bit i for abi.Modes[i].
	kind, modality, priceKind, modes uint8
}

// Codes of packed records.
var (
	kindCodes     = []string{abi.ListingNeed, abi.ListingOffer}
	modalityCodes = []string{abi.ModalityResident, abi.ModalityProfessional}
	priceCodes    = []string{abi.PriceFree, abi.PriceHourly, abi.PriceFixed, abi.PriceOnQuote}
)

// code returns s's index in codes.
func code(codes []string, s string) uint8 { return uint8(slices.Index(codes, s)) }

// modeSet packs modes.
func modeSet(modes []string) uint8 {
	var set uint8
	for _, m := range modes {
		set |= 1 << slices.Index(abi.Modes, m)
	}
	return set
}

// modeList unpacks a set of modes, sorted, comma-separated.
func modeList(set uint8) string {
	var out []string
	for i, m := range abi.Modes {
		if set&(1<<i) != 0 {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// intern returns s's index in r.names, adding it.
func (r *Report) intern(s string) uint16 {
	if i, ok := r.nameIdx[s]; ok {
		return i
	}
	if r.nameIdx == nil {
		r.nameIdx = map[string]uint16{}
	}
	i := uint16(len(r.names))
	r.names = append(r.names, s)
	r.nameIdx[s] = i
	return i
}

// businessRecord is one business of the census ready to write.
type businessRecord struct {
	line                                        int32
	key                                         rowKey
	company, siret, naf, sap, commune, services string
	contact                                     *contact
}

// rowKey identifies a row across imports (see the package documentation).
type rowKey [16]byte
