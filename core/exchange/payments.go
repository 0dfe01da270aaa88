package exchange

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/cesu"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Kinds of payment records.
const (
	// PaymentCESUTitles records CESU préfinancé titles handed over.
	PaymentCESUTitles = "cesu_titles"
	// PaymentQuote and PaymentInvoice record a professional's references.
	PaymentQuote   = "quote"
	PaymentInvoice = "invoice"
	// PaymentSettlement records how a professional was paid.
	PaymentSettlement = "settlement"
)

// Methods of paying a professional.
var SettlementMethods = []string{"card", "transfer", "cheque", "cesu_titles", "avance_immediate", "cash"}

// Payment is one payment record of an exchange: the platform records and
// guides, it holds no money.
type Payment struct {
	bun.BaseModel `bun:"table:exchange_payments"`

	ID          string `bun:"id,pk" json:"id"`
	ExchangeID  string `bun:"exchange_id,notnull" json:"exchange_id"`
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	RecordedBy  string `bun:"recorded_by,notnull" json:"recorded_by"`
	// Kind is one of the Payment constants.
	Kind string `bun:"kind,notnull" json:"kind"`
	// TitlesCount and FaceValueCents describe CESU titles.
	TitlesCount    int   `bun:"titles_count,notnull" json:"titles_count,omitempty"`
	FaceValueCents int64 `bun:"face_value_cents,notnull" json:"face_value_cents,omitempty"`
	AmountCents    int64 `bun:"amount_cents,notnull" json:"amount_cents"`
	// Method is how a professional was paid (SettlementMethods).
	Method string `bun:"method,notnull" json:"method,omitempty"`
	// Reference is a quote or invoice number, or the titles' numbers.
	Reference string    `bun:"reference,notnull" json:"reference,omitempty"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
}

// PaymentInput is the body of a payment record.
type PaymentInput struct {
	Kind           string `json:"kind"`
	TitlesCount    int    `json:"titles_count"`
	FaceValueCents int64  `json:"face_value_cents"`
	AmountCents    int64  `json:"amount_cents"`
	Method         string `json:"method"`
	Reference      string `json:"reference"`
}

func paymentRefused(fr, en string) error {
	return apperr.New(apperr.KindRefused, "payment_refused", fr, en)
}

// RecordPayment records a payment of exchange id of t by one of its
// parties, once the exchange is accepted: CESU préfinancé titles in that
// mode only; a professional's quote and invoice references (by the
// provider) and how they were paid, in the professional mode only.
func (s *Service) RecordPayment(ctx context.Context, t *territory.Territory, c Caller, id string, in PaymentInput) (*Payment, error) {
	x, err := s.load(ctx, s.store.DB(), t, id)
	if err != nil {
		return nil, err
	}
	actor := x.Party(c.AccountID)
	if actor == "" {
		return nil, errNotFound
	}
	if slices.Contains([]State{Requested, Declined, Expired, Cancelled}, x.State) {
		return nil, paymentRefused("Un paiement s'enregistre une fois l'échange accepté.", "A payment is recorded once the exchange is accepted.")
	}
	in.Reference = strings.TrimSpace(in.Reference)
	if utf8.RuneCountInString(in.Reference) > 200 || strings.ContainsAny(in.Reference, "\x00\r\n") {
		return nil, apperr.New(apperr.KindInvalid, "payment_reference", "Référence trop longue : 200 caractères au plus, sur une ligne.", "Reference too long: at most 200 characters, on one line.")
	}
	p := &Payment{ID: uuid.Must(uuid.NewV7()).String(), ExchangeID: x.ID, TerritoryID: x.TerritoryID, RecordedBy: c.AccountID,
		Kind: in.Kind, Reference: in.Reference, CreatedAt: s.clock()}
	switch in.Kind {
	case PaymentCESUTitles:
		if x.Mode != abi.ModeCESUPrefinance {
			return nil, paymentRefused("Des titres CESU préfinancés ne s'enregistrent que pour un échange payé en CESU préfinancé.",
				"CESU préfinancé titles are recorded only for an exchange paid with the CESU préfinancé.")
		}
		if in.TitlesCount < 1 || in.TitlesCount > 200 || in.FaceValueCents < 100 || in.FaceValueCents > 100_00*10 {
			return nil, apperr.New(apperr.KindInvalid, "payment_titles", "Indiquez le nombre de titres (1 à 200) et leur valeur faciale (1 € à 1 000 €).",
				"Give the number of titles (1 to 200) and their face value (€1 to €1,000).")
		}
		p.TitlesCount, p.FaceValueCents, p.AmountCents = in.TitlesCount, in.FaceValueCents, int64(in.TitlesCount)*in.FaceValueCents
	case PaymentQuote, PaymentInvoice, PaymentSettlement:
		if x.Mode != abi.ModeProfessional {
			return nil, paymentRefused("Devis, facture et règlement s'enregistrent pour un échange avec un professionnel payé directement.",
				"Quotes, invoices and payments are recorded for an exchange with a professional paid directly.")
		}
		if in.Kind != PaymentSettlement && actor != Provider {
			return nil, paymentRefused("Le devis et la facture sont enregistrés par le professionnel.", "The professional records the quote and the invoice.")
		}
		if in.AmountCents <= 0 || in.AmountCents > 100_000_00 {
			return nil, apperr.New(apperr.KindInvalid, "payment_amount", "Le montant va de 0,01 € à 100 000 €.", "The amount is €0.01 to €100,000.")
		}
		if in.Kind == PaymentSettlement && !slices.Contains(SettlementMethods, in.Method) {
			return nil, apperr.New(apperr.KindInvalid, "payment_method", "Moyen de paiement : "+strings.Join(SettlementMethods, ", ")+".",
				"Payment method: "+strings.Join(SettlementMethods, ", ")+".")
		}
		if in.Kind != PaymentSettlement && in.Reference == "" {
			return nil, apperr.New(apperr.KindInvalid, "payment_reference", "Indiquez le numéro du devis ou de la facture.", "Give the quote or invoice number.")
		}
		p.AmountCents, p.Method = in.AmountCents, in.Method
	default:
		return nil, apperr.New(apperr.KindInvalid, "payment_kind", "Type d'enregistrement : cesu_titles, quote, invoice ou settlement.",
			"Record kind: cesu_titles, quote, invoice or settlement.")
	}
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(p).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("exchange: record payment: %w", err)
	}
	return p, nil
}

// Payments returns the payment records of exchange x, oldest first.
func (s *Service) Payments(ctx context.Context, db bun.IDB, exchangeID string) ([]Payment, error) {
	out := []Payment{}
	if err := db.NewSelect().Model(&out).Where("exchange_id = ?", exchangeID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("exchange: read payments: %w", err)
	}
	return out, nil
}

// TaxCredit returns accountID's tax-credit meter for year in t: what they
// paid, as seeker, for the exchanges confirmed that year whose frozen quote
// counts for the tax credit, against the caps of household h (a
// simulation). CESU préfinancé titles funded by an employer are aid to
// deduct; the platform does not know that share, and says so.
func (s *Service) TaxCredit(ctx context.Context, t *territory.Territory, accountID string, year int, h cesu.Household) (*cesu.TaxCreditMeter, error) {
	if year < 2017 || year > 2100 {
		return nil, apperr.New(apperr.KindInvalid, "year_invalid", "Année invalide.", "Invalid year.")
	}
	var xs []Exchange
	from := time.Date(year, 1, 1, 0, 0, 0, 0, cesu.Paris())
	err := s.store.DB().NewSelect().Model(&xs).Where("territory_id = ?", t.ID).Where("seeker_id = ?", accountID).
		Where("state IN (?)", bun.In([]State{Confirmed, Reviewed})).Where("tax_credit_eligible_cents > 0").
		Where("confirmed_at >= ?", from).Where("confirmed_at < ?", from.AddDate(1, 0, 0)).OrderExpr("confirmed_at").Limit(10_000).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("exchange: tax-credit spending: %w", err)
	}
	lines := make([]cesu.SpendingLine, 0, len(xs))
	for _, x := range xs {
		lines = append(lines, cesu.SpendingLine{Label: x.Category + " (" + x.ConfirmedAt.In(cesu.Paris()).Format("02/01/2006") + ")",
			PaidCents: x.TaxCreditEligibleCents, Bucket: x.TaxCreditBucket})
	}
	m, err := cesu.MeterTaxCredit(year, h, lines, cesu.DefaultTaxCreditLaws())
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// CESUReminders emails, through n in the same transaction, every employer
// whose CESU déclaratif month (the one before now) is due: once per
// employer and month, from the 1st to the 5th. It is idempotent.
func (s *Service) CESUReminders(ctx context.Context, n Notifier, baseURL string) (int, error) {
	now := s.clock()
	// The month before the current one (now is at most the due day).
	month := cesu.MonthOf(cesu.MonthOf(now).Start().AddDate(0, 0, -1))
	if !cesu.ReminderDue(month, now) {
		return 0, nil
	}
	var employers []struct {
		SeekerID    string `bun:"seeker_id"`
		TerritoryID string `bun:"territory_id"`
	}
	err := s.store.DB().NewSelect().Model((*Exchange)(nil)).ColumnExpr("DISTINCT seeker_id, territory_id").
		Where("mode = ?", abi.ModeCESUDeclaratif).Where("state IN (?)", bun.In([]State{Confirmed, Reviewed})).
		Where("scheduled_at >= ?", month.Start()).Where("scheduled_at < ?", month.End()).Scan(ctx, &employers)
	if err != nil {
		return 0, fmt.Errorf("exchange: CESU employers: %w", err)
	}
	sent := 0
	for _, e := range employers {
		err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewInsert().Model(&cesuReminder{EmployerID: e.SeekerID, Month: month.String(), SentAt: now}).
				On("CONFLICT DO NOTHING").Exec(ctx)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // already reminded
			}
			sent++
			d := cesu.DeclarationFor(month)
			return n.NotifyTx(ctx, tx, e.SeekerID, "Votre déclaration CESU de "+month.French(),
				fmt.Sprintf("Bonjour,\n\nVous avez employé quelqu'un avec le CESU déclaratif en %s. Déclarez ce mois sur le site CESU de l'Urssaf avant le %s ; le récapitulatif à reporter est prêt :\n%s/mon-compte/cesu?mois=%s\n\nCampagnon",
					month.French(), d.DueDate.Format("02/01/2006"), strings.TrimRight(baseURL, "/"), month.String()))
		})
		if err != nil {
			return sent, fmt.Errorf("exchange: CESU reminder: %w", err)
		}
	}
	return sent, nil
}

// Notifier sends a member a message through the outbox, in the caller's
// transaction (core/account).
type Notifier interface {
	NotifyTx(ctx context.Context, tx bun.Tx, accountID, subject, body string) error
}

// cesuReminder records a CESU reminder sent.
type cesuReminder struct {
	bun.BaseModel `bun:"table:cesu_reminders"`

	EmployerID string    `bun:"employer_id,pk"`
	Month      string    `bun:"month,pk"`
	SentAt     time.Time `bun:"sent_at,notnull"`
}
