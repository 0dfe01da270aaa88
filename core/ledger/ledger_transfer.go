package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/store"
)

// TransferInput is a transfer to record.
type TransferInput struct {
	// TerritoryID is the territory whose ledger records the transfer.
	TerritoryID string `json:"territory_id"`
	// Kind is why: exchange (member to member), welcome (territory account
	// to member) or adjustment (between the territory account and a
	// member). Reversals are recorded by Service.Reverse only.
	Kind Kind `json:"kind"`
	// From pays and To receives: a member's account ID, or TerritoryAccount.
	From string `json:"from"`
	To   string `json:"to"`
	// Minutes is the amount, 1 to MaxTransferMinutes.
	Minutes int64 `json:"minutes"`
	// Reference names what the transfer settles (an exchange ID); optional.
	Reference string `json:"reference,omitempty"`
	// Memo says why in words; it must name no one.
	Memo string `json:"memo,omitempty"`
	// Actor is who recorded it: an account ID, or "system:…" for a timer.
	Actor string `json:"actor"`
	// Idempotency is the key a retry carries, unique per territory;
	// optional. See the package documentation.
	Idempotency string `json:"idempotency_key,omitempty"`
}

// Transfer is a recorded transfer and its two postings.
type Transfer struct {
	bun.BaseModel `bun:"table:ledger_transfers"`

	// ID identifies the transfer (a UUIDv7, so time-ordered).
	ID          string `bun:"id,pk" json:"id"`
	TerritoryID string `bun:"territory_id,notnull" json:"territory_id"`
	Kind        Kind   `bun:"kind,notnull" json:"kind"`
	// Minutes is the amount moved, always positive.
	Minutes   int64  `bun:"amount_minutes,notnull" json:"minutes"`
	Reference string `bun:"reference,notnull" json:"reference"`
	Memo      string `bun:"memo,notnull" json:"memo"`
	Actor     string `bun:"actor,notnull" json:"actor"`
	// IdempotencyKey is the key the transfer was recorded with, if any.
	IdempotencyKey *string `bun:"idempotency_key" json:"idempotency_key,omitempty"`
	// Fingerprint is the SHA-256 of the content, compared on a retry.
	Fingerprint string `bun:"fingerprint,notnull" json:"-"`
	// ReversesID is, for a reversal, the transfer it cancels.
	ReversesID *string   `bun:"reverses_id" json:"reverses_id,omitempty"`
	CreatedAt  time.Time `bun:"created_at,notnull" json:"created_at"`

	// From and To are the payer and the payee (member account IDs or
	// TerritoryAccount), read from the postings.
	From string `bun:"-" json:"from"`
	To   string `bun:"-" json:"to"`
	// Postings are the payer's then the payee's.
	Postings []Posting `bun:"-" json:"postings"`
	// Replayed reports that the transfer had already been recorded with
	// this idempotency key and content: nothing was posted this time.
	Replayed bool `bun:"-" json:"replayed,omitempty"`
}

// Posting is one side of a transfer on one ledger account.
type Posting struct {
	bun.BaseModel `bun:"table:ledger_postings"`

	// AccountID is the ledger account (not the member's account ID).
	AccountID string `bun:"ledger_account_id,pk" json:"ledger_account_id"`
	// Seq numbers the account's postings from 1, without gaps.
	Seq        int64  `bun:"seq,pk" json:"seq"`
	TransferID string `bun:"transfer_id,notnull" json:"transfer_id"`
	// Minutes is negative for the payer, positive for the payee.
	Minutes int64 `bun:"amount_minutes,notnull" json:"minutes"`
	// BalanceAfter is the account's balance once this posting applied.
	BalanceAfter int64 `bun:"balance_after_minutes,notnull" json:"balance_after_minutes"`
	// Holder is the account's holder: a member's account ID or TerritoryAccount.
	Holder string `bun:"-" json:"holder"`
}

// LimitError is the cause of a transfer refused because it would take the
// payer below the floor or the payee above the ceiling (apperr kind
// Refused, codes ledger_below_floor and ledger_above_ceiling).
type LimitError struct {
	// Holder is the member whose limit it is.
	Holder string
	// Ceiling is true for the payee's ceiling, false for the payer's floor.
	Ceiling bool
	// BalanceMinutes is the balance before the transfer, LimitMinutes the
	// floor or the ceiling, TransferMinutes the amount refused.
	BalanceMinutes, LimitMinutes, TransferMinutes int64
}

func (e *LimitError) Error() string {
	what := "floor"
	if e.Ceiling {
		what = "ceiling"
	}
	return fmt.Sprintf("ledger: transfer of %d min refused: balance of %s is %d min, %s is %d min",
		e.TransferMinutes, e.Holder, e.BalanceMinutes, what, e.LimitMinutes)
}

// refusal is the error people read for e.
func (e *LimitError) refusal() error {
	bal, lim, amt := FormatMinutes(e.BalanceMinutes), FormatMinutes(e.LimitMinutes), FormatMinutes(e.TransferMinutes)
	if e.Ceiling {
		return apperr.Wrap(e, apperr.KindRefused, "ledger_above_ceiling",
			fmt.Sprintf("Plafond dépassé : le solde du bénéficiaire est de %s, le plafond du territoire est de %s ; ce transfert de %s le dépasserait.", bal, lim, amt),
			fmt.Sprintf("Ceiling exceeded: the payee's balance is %s, the territory's ceiling is %s; this transfer of %s would go past it.", bal, lim, amt))
	}
	return apperr.Wrap(e, apperr.KindRefused, "ledger_below_floor",
		fmt.Sprintf("Solde insuffisant : votre solde est de %s, le plancher du territoire est de %s ; ce transfert de %s le dépasserait.", bal, lim, amt),
		fmt.Sprintf("Insufficient balance: your balance is %s, the territory's floor is %s; this transfer of %s would go past it.", bal, lim, amt))
}

func invalid(code, fr, en string) error { return apperr.New(apperr.KindInvalid, code, fr, en) }

// normalize trims in and checks it, with a message in French and English
// for each problem.
func (in *TransferInput) normalize() error {
	in.TerritoryID = strings.TrimSpace(in.TerritoryID)
	in.Reference, in.Memo = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Memo)
	in.Actor, in.Idempotency = strings.TrimSpace(in.Actor), strings.TrimSpace(in.Idempotency)
	var okFrom, okTo bool
	in.From, okFrom = normalizeHolder(in.From)
	in.To, okTo = normalizeHolder(in.To)
	switch {
	case in.TerritoryID == "":
		return invalid("ledger_territory", "Indiquez le territoire du transfert.", "Say which territory the transfer belongs to.")
	case !okFrom || !okTo:
		return invalid("ledger_party", "Le payeur et le bénéficiaire sont des identifiants de compte (UUID) ou le compte du territoire.",
			"The payer and the payee are account IDs (UUIDs) or the territory account.")
	case in.From == in.To:
		return invalid("ledger_same_party", "Le payeur et le bénéficiaire doivent être différents.", "The payer and the payee must differ.")
	case in.Minutes <= 0 || in.Minutes > MaxTransferMinutes:
		return invalid("ledger_amount", fmt.Sprintf("Le montant d'un transfert va de 1 minute à %s.", FormatMinutes(MaxTransferMinutes)),
			fmt.Sprintf("A transfer is 1 minute to %s.", FormatMinutes(MaxTransferMinutes)))
	case in.Actor == "":
		return invalid("ledger_actor", "Indiquez qui enregistre le transfert.", "Say who records the transfer.")
	case tooLong(in.Actor, maxText) || tooLong(in.Reference, maxText) || tooLong(in.Idempotency, maxText) || tooLong(in.Memo, maxMemo):
		return invalid("ledger_too_long", fmt.Sprintf("Référence, auteur et clé d'idempotence : %d caractères au plus ; libellé : %d au plus.", maxText, maxMemo),
			fmt.Sprintf("Reference, actor and idempotency key: at most %d characters; memo: at most %d.", maxText, maxMemo))
	}
	fromT, toT := in.From == TerritoryAccount, in.To == TerritoryAccount
	switch in.Kind {
	case KindExchange:
		if fromT || toT {
			return invalid("ledger_kind_parties", "Un échange se règle entre deux membres, pas avec le compte du territoire.",
				"An exchange is settled between two members, not with the territory account.")
		}
	case KindWelcome:
		if !fromT {
			return invalid("ledger_kind_parties", "Les crédits de bienvenue viennent du compte du territoire et vont à un membre.",
				"Welcome credits go from the territory account to a member.")
		}
	case KindAdjustment:
		if !fromT && !toT {
			return invalid("ledger_kind_parties", "Un ajustement se fait entre le compte du territoire et un membre.",
				"An adjustment is made between the territory account and a member.")
		}
	case KindReversal:
		return invalid("ledger_kind_reversal", "Une annulation ne se saisit pas : annulez le transfert concerné, qui sera contre-passé.",
			"A reversal is not entered: reverse the transfer concerned, which posts its opposite.")
	default:
		return invalid("ledger_kind", "Type de transfert inconnu : exchange (échange), welcome (bienvenue) ou adjustment (ajustement).",
			"Unknown kind of transfer: exchange, welcome or adjustment.")
	}
	return nil
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// validate checks the limits a caller passes.
func (l Limits) validate() error {
	if l.FloorMinutes > 0 || l.CeilingMinutes < 0 {
		return invalid("ledger_limits", "Limites de solde incohérentes : le plancher est nul ou négatif, le plafond nul ou positif.",
			"Inconsistent balance limits: the floor is zero or below, the ceiling zero or above.")
	}
	return nil
}

// fingerprint is the SHA-256 of what makes two transfers the same one.
func fingerprint(kind Kind, from, to string, minutes int64, reference, memo, actor string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{string(kind), from, to, strconv.FormatInt(minutes, 10), reference, memo, actor}, "\x00")))
	return hex.EncodeToString(h[:])
}

// errTaken aborts a transaction whose transfer row was not inserted because
// a concurrent one took its idempotency key or reversed the same transfer.
var errTaken = errors.New("ledger: idempotency key or reversal taken concurrently")

// Transfer records in's transfer within lim, in one transaction: both
// balances are updated (the payer's floor and the payee's ceiling enforced
// on the current rows, see the package documentation), the transfer and its
// two postings inserted. A transfer past a limit is refused with a
// *LimitError cause and a message stating the balance and the limit. With
// an idempotency key already used for the same content, the recorded
// transfer is returned with Replayed set; for another content, a conflict.
func (s *Service) Transfer(ctx context.Context, in TransferInput, lim Limits) (*Transfer, error) {
	t, err := s.newTransfer(in, lim)
	if err != nil {
		return nil, err
	}
	var prev *Transfer
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		prev = nil // WriteTx may run this again on PostgreSQL
		if t.IdempotencyKey != nil {
			p, err := s.byKey(ctx, tx, t.TerritoryID, *t.IdempotencyKey)
			if err != nil || p != nil {
				prev = p
				return err
			}
		}
		return s.record(ctx, tx, t, &lim)
	})
	if errors.Is(err, errTaken) && t.IdempotencyKey != nil {
		// The same key committed meanwhile by another transaction.
		prev, err = s.byKey(ctx, s.store.DB(), t.TerritoryID, *t.IdempotencyKey)
		if err == nil && prev == nil {
			err = errors.New("idempotency key taken but no transfer found")
		}
	}
	if err != nil {
		return nil, wrap(err, "ledger: record %s transfer in territory %s", in.Kind, in.TerritoryID)
	}
	if prev == nil {
		return t, nil
	}
	if prev.Fingerprint != t.Fingerprint {
		return nil, apperr.New(apperr.KindConflict, "ledger_idempotency_mismatch",
			fmt.Sprintf("La clé d'idempotence %q a déjà servi pour un autre transfert (%s, de %s) : un nouveau transfert demande une nouvelle clé.",
				*t.IdempotencyKey, prev.ID, FormatMinutes(prev.Minutes)),
			fmt.Sprintf("Idempotency key %q was already used for another transfer (%s, of %s): a new transfer needs a new key.",
				*t.IdempotencyKey, prev.ID, FormatMinutes(prev.Minutes)))
	}
	prev.Replayed = true
	return prev, nil
}

// byKey returns the transfer recorded in territoryID with key, or nil.
func (s *Service) byKey(ctx context.Context, db bun.IDB, territoryID, key string) (*Transfer, error) {
	t, err := s.load(ctx, db, "territory_id = ? AND idempotency_key = ?", territoryID, key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return t, err
}

// Reverse cancels the transfer transferID by posting its opposite (the
// payee pays the payer back), of kind reversal, recorded by actor with
// memo. Limits are not checked (see the package documentation). A transfer
// is reversed once: reversing it again, or reversing a reversal, is refused.
func (s *Service) Reverse(ctx context.Context, transferID, actor, memo string) (*Transfer, error) {
	transferID, actor, memo = strings.TrimSpace(transferID), strings.TrimSpace(actor), strings.TrimSpace(memo)
	switch {
	case actor == "":
		return nil, invalid("ledger_actor", "Indiquez qui annule le transfert.", "Say who reverses the transfer.")
	case tooLong(actor, maxText) || tooLong(memo, maxMemo):
		return nil, invalid("ledger_too_long", fmt.Sprintf("Auteur : %d caractères au plus ; libellé : %d au plus.", maxText, maxMemo),
			fmt.Sprintf("Actor: at most %d characters; memo: at most %d.", maxText, maxMemo))
	}
	var r *Transfer
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		orig, err := s.load(ctx, tx, "id = ?", transferID)
		if errors.Is(err, sql.ErrNoRows) {
			return errTransferNotFound(transferID)
		}
		if err != nil {
			return err
		}
		if orig.Kind == KindReversal {
			return apperr.New(apperr.KindConflict, "ledger_reverse_reversal",
				"Une annulation ne s'annule pas : si le transfert d'origine était dû, enregistrez-le de nouveau (les limites de solde seront vérifiées).",
				"A reversal cannot be reversed: if the original transfer was due, record it again (balance limits will be checked).")
		}
		var by string
		err = tx.NewSelect().Model((*Transfer)(nil)).Column("id").Where("reverses_id = ?", orig.ID).Scan(ctx, &by)
		if err == nil {
			return errAlreadyReversed(orig.ID, by)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		r = &Transfer{ID: newID(), TerritoryID: orig.TerritoryID, Kind: KindReversal, Minutes: orig.Minutes,
			Reference: orig.Reference, Memo: memo, Actor: actor, ReversesID: &orig.ID, CreatedAt: s.clock(),
			From: orig.To, To: orig.From,
			Fingerprint: fingerprint(KindReversal, orig.To, orig.From, orig.Minutes, orig.Reference, memo, actor)}
		return s.record(ctx, tx, r, nil)
	})
	if errors.Is(err, errTaken) {
		return nil, errAlreadyReversed(transferID, "")
	}
	if err != nil {
		return nil, wrap(err, "ledger: reverse transfer %s", transferID)
	}
	return r, nil
}

func errTransferNotFound(id string) error {
	return apperr.New(apperr.KindNotFound, "ledger_transfer_not_found",
		fmt.Sprintf("Transfert %q introuvable : vérifiez son identifiant sur le relevé.", id),
		fmt.Sprintf("No transfer %q: check its ID on the statement.", id))
}

func errAlreadyReversed(id, by string) error {
	fr, en := "", ""
	if by != "" {
		fr, en = " par "+by, " by "+by
	}
	return apperr.New(apperr.KindConflict, "ledger_already_reversed",
		fmt.Sprintf("Le transfert %s a déjà été annulé%s : un transfert ne s'annule qu'une fois.", id, fr),
		fmt.Sprintf("Transfer %s was already reversed%s: a transfer is reversed once.", id, en))
}

// bound is a limit on one side of a transfer.
type bound struct {
	minutes int64
	ceiling bool
}

func (b *bound) broken(balance int64) bool {
	if b.ceiling {
		return balance > b.minutes
	}
	return balance < b.minutes
}

// leg is one side of a transfer to post.
type leg struct {
	holder string
	delta  int64
	bound  *bound // nil: no limit (territory account, reversal)
}

// record posts t's two legs (limits checked when lim is set) and inserts t
// and its postings, in tx. It fills t.Postings.
func (s *Service) record(ctx context.Context, tx bun.Tx, t *Transfer, lim *Limits) error {
	legs := []leg{{holder: t.From, delta: -t.Minutes}, {holder: t.To, delta: t.Minutes}}
	if lim != nil {
		if t.From != TerritoryAccount {
			legs[0].bound = &bound{minutes: lim.FloorMinutes}
		}
		if t.To != TerritoryAccount {
			legs[1].bound = &bound{minutes: lim.CeilingMinutes, ceiling: true}
		}
	}
	// Rows are always locked in the order of their holders, so that two
	// transfers between the same members never wait for each other in a
	// cycle.
	order := []int{0, 1}
	if legs[1].holder < legs[0].holder {
		order = []int{1, 0}
	}
	ps := make([]Posting, 2)
	for _, i := range order {
		p, err := s.post(ctx, tx, t, legs[i])
		if err != nil {
			return err
		}
		ps[i] = p
	}
	res, err := tx.NewInsert().Model(t).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert transfer: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(errTaken, err)
	}
	if _, err := tx.NewInsert().Model(&ps).Exec(ctx); err != nil {
		return fmt.Errorf("insert postings: %w", err)
	}
	t.Postings = ps
	return nil
}

// post applies one leg of t to its holder's ledger account in tx, creating
// the account when missing, and returns the posting (not yet inserted).
func (s *Service) post(ctx context.Context, tx bun.Tx, t *Transfer, l leg) (Posting, error) {
	who, whoArgs := "member_id IS NULL", []any{}
	if l.holder != TerritoryAccount {
		who, whoArgs = "member_id = ?", []any{l.holder}
	}
	key := append([]any{t.TerritoryID}, whoArgs...)
	update := "UPDATE ledger_accounts SET balance_minutes = balance_minutes + ?, last_seq = last_seq + 1, updated_at = ? " +
		"WHERE territory_id = ? AND " + who
	args := append([]any{l.delta, t.CreatedAt}, key...)
	if l.bound != nil {
		op := ">="
		if l.bound.ceiling {
			op = "<="
		}
		update += " AND balance_minutes + ? " + op + " ?"
		args = append(args, l.delta, l.bound.minutes)
	}
	update += " RETURNING id, balance_minutes, last_seq"
	lock := ""
	if s.store.Dialect() == store.DialectPostgres {
		lock = " FOR UPDATE"
	}
	// Three rounds suffice (the fourth is a margin): the account is
	// created; a concurrent change that made the conditional UPDATE miss
	// is then locked out by FOR UPDATE (on SQLite nothing changes under
	// the writer); the UPDATE applies.
	for range 4 {
		p := Posting{TransferID: t.ID, Minutes: l.delta, Holder: l.holder}
		err := tx.QueryRowContext(ctx, update, args...).Scan(&p.AccountID, &p.BalanceAfter, &p.Seq)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Posting{}, fmt.Errorf("update the balance of %s: %w", l.holder, err)
		}
		var balance int64
		err = tx.QueryRowContext(ctx, "SELECT balance_minutes FROM ledger_accounts WHERE territory_id = ? AND "+who+lock, key...).Scan(&balance)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := s.open(ctx, tx, t.TerritoryID, l.holder, t.CreatedAt); err != nil {
				return Posting{}, err
			}
		case err != nil:
			return Posting{}, fmt.Errorf("read the balance of %s: %w", l.holder, err)
		case l.bound != nil && l.bound.broken(balance+l.delta):
			e := &LimitError{Holder: l.holder, Ceiling: l.bound.ceiling, BalanceMinutes: balance,
				LimitMinutes: l.bound.minutes, TransferMinutes: t.Minutes}
			return Posting{}, e.refusal()
		}
	}
	return Posting{}, fmt.Errorf("the balance of %s kept changing", l.holder)
}

// open creates holder's ledger account in territoryID, after checking that
// the territory exists and that a member's account exists and is not
// erased. A concurrent creation of the same account is no error.
func (s *Service) open(ctx context.Context, tx bun.Tx, territoryID, holder string, now time.Time) error {
	var territories, members int
	err := tx.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM territories WHERE id = ?), (SELECT COUNT(*) FROM accounts WHERE id = ? AND erased_at IS NULL)",
		territoryID, holder).Scan(&territories, &members)
	switch {
	case err != nil:
		return fmt.Errorf("look up territory %s and account %s: %w", territoryID, holder, err)
	case territories == 0:
		return apperr.New(apperr.KindNotFound, "ledger_territory_not_found",
			fmt.Sprintf("Territoire %q introuvable : le grand livre des crédits temps est propre à un territoire existant.", territoryID),
			fmt.Sprintf("No territory %q: a time-credit ledger belongs to an existing territory.", territoryID))
	case holder != TerritoryAccount && members == 0:
		return apperr.New(apperr.KindNotFound, "ledger_member_not_found",
			fmt.Sprintf("Compte %s introuvable (ou supprimé) : il ne peut pas recevoir ni donner de crédits temps.", holder),
			fmt.Sprintf("No account %s (or it was erased): it can neither receive nor give time credits.", holder))
	}
	a := &Account{ID: newID(), TerritoryID: territoryID, CreatedAt: now, UpdatedAt: now}
	if holder != TerritoryAccount {
		a.MemberID = &holder
	}
	if _, err := tx.NewInsert().Model(a).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("open the ledger account of %s: %w", holder, err)
	}
	return nil
}

// load reads the transfer matching where, with its postings; sql.ErrNoRows
// when there is none.
func (s *Service) load(ctx context.Context, db bun.IDB, where string, args ...any) (*Transfer, error) {
	t := new(Transfer)
	if err := db.NewSelect().Model(t).Where(where, args...).Limit(1).Scan(ctx); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT p.ledger_account_id, p.seq, p.amount_minutes, p.balance_after_minutes, a.member_id
		FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.ledger_account_id
		WHERE p.transfer_id = ? ORDER BY p.amount_minutes`, t.ID)
	if err != nil {
		return nil, fmt.Errorf("read the postings of %s: %w", t.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		p := Posting{TransferID: t.ID}
		var member sql.NullString
		if err := rows.Scan(&p.AccountID, &p.Seq, &p.Minutes, &p.BalanceAfter, &member); err != nil {
			return nil, fmt.Errorf("read the postings of %s: %w", t.ID, err)
		}
		p.Holder = TerritoryAccount
		if member.Valid {
			p.Holder = member.String
		}
		if p.Minutes < 0 {
			t.From = p.Holder
		} else {
			t.To = p.Holder
		}
		t.Postings = append(t.Postings, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the postings of %s: %w", t.ID, err)
	}
	return t, nil
}

// Get returns the transfer transferID with its postings.
func (s *Service) Get(ctx context.Context, transferID string) (*Transfer, error) {
	t, err := s.load(ctx, s.store.DB(), "id = ?", strings.TrimSpace(transferID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTransferNotFound(transferID)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read transfer %s: %w", transferID, err)
	}
	return t, nil
}

// wrap returns err unchanged when it carries a message for people (an
// *apperr.Error), and with context otherwise.
func wrap(err error, format string, args ...any) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// TransferTx records a transfer inside the caller's transaction, for a
// change that must commit together with it (an exchange's confirmation):
// the limits are checked and the key honoured as in Transfer, but a retry
// is the caller's (its transaction is rolled back on any error, including
// a key taken concurrently).
func (s *Service) TransferTx(ctx context.Context, tx bun.Tx, in TransferInput, lim Limits) (*Transfer, error) {
	t, err := s.newTransfer(in, lim)
	if err != nil {
		return nil, err
	}
	if t.IdempotencyKey != nil {
		prev, err := s.byKey(ctx, tx, t.TerritoryID, in.Idempotency)
		if err != nil {
			return nil, wrap(err, "ledger: look up key %s", in.Idempotency)
		}
		if prev != nil {
			if prev.Fingerprint != t.Fingerprint {
				return nil, apperr.New(apperr.KindConflict, "ledger_idempotency_mismatch",
					"Cette clé d'idempotence a déjà servi pour un autre transfert : un nouveau transfert demande une nouvelle clé.",
					"This idempotency key was already used for another transfer: a new transfer needs a new key.")
			}
			return prev, nil
		}
	}
	if err := s.record(ctx, tx, t, &lim); err != nil {
		return nil, wrap(err, "ledger: record %s transfer in territory %s", in.Kind, in.TerritoryID)
	}
	return t, nil
}

// newTransfer checks an input and its limits and returns the transfer to
// record.
func (s *Service) newTransfer(in TransferInput, lim Limits) (*Transfer, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	if err := lim.validate(); err != nil {
		return nil, err
	}
	t := &Transfer{ID: newID(), TerritoryID: in.TerritoryID, Kind: in.Kind, Minutes: in.Minutes,
		Reference: in.Reference, Memo: in.Memo, Actor: in.Actor, CreatedAt: s.clock(), From: in.From, To: in.To,
		Fingerprint: fingerprint(in.Kind, in.From, in.To, in.Minutes, in.Reference, in.Memo, in.Actor)}
	if in.Idempotency != "" {
		t.IdempotencyKey = &in.Idempotency
	}
	return t, nil
}
