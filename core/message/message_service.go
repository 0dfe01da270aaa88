package message

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/store"
)

// Service keeps the threads of exchanges.
type Service struct {
	store   *store.Store
	notify  Notifier
	baseURL string
	now     func() time.Time
}

// NewService returns a Service; notify tells the other party (core/account),
// baseURL prefixes the link of its email, now may be nil (the clock).
func NewService(s *store.Store, notify Notifier, baseURL string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, notify: notify, baseURL: strings.TrimRight(baseURL, "/"), now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var (
	// errNotParty answers someone who sees the exchange (a territory
	// admin) but is not one of its two parties: the thread is theirs.
	errNotParty = apperr.New(apperr.KindForbidden, "message_not_party",
		"Seules les deux parties de l'échange écrivent et lisent ses messages.",
		"Only the two parties of the exchange write and read its messages.")
	errClosed = apperr.New(apperr.KindConflict, "message_thread_closed",
		fmt.Sprintf("Cet échange est terminé depuis plus de %d jours : sa conversation est close. Pour un nouveau service, faites une nouvelle demande.", int(ThreadOpenAfterFinal.Hours()/24)),
		fmt.Sprintf("This exchange ended more than %d days ago: its conversation is closed. For a new service, make a new request.", int(ThreadOpenAfterFinal.Hours()/24)))
)

// Send adds body to the thread of x, written by authorID (one of its two
// parties) or by the mediator mediatorID for them ("" when none), and tells
// the other party by email unless they were told about this exchange less
// than NotifyEvery ago — all in one transaction. The body is checked by
// CheckBody. A thread whose exchange reached a final state more than
// ThreadOpenAfterFinal ago is closed.
func (s *Service) Send(ctx context.Context, x *exchange.Exchange, authorID, mediatorID, body string) (*Message, error) {
	body, err := CheckBody(body)
	if err != nil {
		return nil, err
	}
	if x.Party(authorID) == "" {
		return nil, errNotParty
	}
	recipient := x.SeekerID
	if authorID == x.SeekerID {
		recipient = x.ProviderID
	}
	var m *Message
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.clock()
		if err := s.checkOpen(ctx, tx, x.ID, now); err != nil {
			return err
		}
		var last int64
		if err := tx.NewSelect().Model((*Message)(nil)).ColumnExpr("COALESCE(MAX(seq), 0)").
			Where("exchange_id = ?", x.ID).Scan(ctx, &last); err != nil {
			return err
		}
		m = &Message{ID: uuid.Must(uuid.NewV7()).String(), TerritoryID: x.TerritoryID, ExchangeID: x.ID, Seq: last + 1,
			AuthorID: authorID, Body: body, CreatedAt: now}
		if mediatorID != "" {
			m.MediatorID = &mediatorID
		}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return err
		}
		return s.notifyTx(ctx, tx, x, recipient, mediatorID != "", now)
	})
	if err != nil {
		if apperr.As(err).Kind != apperr.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("message: send in %s: %w", x.ID, err)
	}
	return m, nil
}

// checkOpen reads the exchange's state in tx — on PostgreSQL under a row
// lock, so that the messages of one thread are numbered one after the other
// (on SQLite the write transaction already holds the database's lock) — and
// refuses a thread closed by ThreadOpenAfterFinal.
func (s *Service) checkOpen(ctx context.Context, tx bun.Tx, exchangeID string, now time.Time) error {
	var cur struct {
		State     exchange.State `bun:"state"`
		UpdatedAt time.Time      `bun:"updated_at"`
	}
	q := tx.NewSelect().Model((*exchange.Exchange)(nil)).Column("state", "updated_at").Where("id = ?", exchangeID)
	if s.store.Dialect() == store.DialectPostgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx, &cur); err != nil {
		return err
	}
	if slices.Contains(finalStates, cur.State) && cur.UpdatedAt.Before(now.Add(-ThreadOpenAfterFinal)) {
		return errClosed
	}
	return nil
}

// notifyTx emails recipient about a new message in x, unless they were
// emailed about x less than NotifyEvery ago. The conditional update of
// their marker decides, so two messages at once send one email.
func (s *Service) notifyTx(ctx context.Context, tx bun.Tx, x *exchange.Exchange, recipient string, mediated bool, now time.Time) error {
	if _, err := tx.NewInsert().Model(&readMarker{ExchangeID: x.ID, ReaderID: recipient}).
		On("CONFLICT (exchange_id, reader_id) DO NOTHING").Exec(ctx); err != nil {
		return err
	}
	res, err := tx.NewUpdate().Model((*readMarker)(nil)).Set("notified_at = ?", now).
		Where("exchange_id = ?", x.ID).Where("reader_id = ?", recipient).
		Where("(notified_at IS NULL OR notified_at <= ?)", now.Add(-NotifyEvery)).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	var slug string
	if err := tx.NewSelect().TableExpr("territories").Column("slug").Where("id = ?", x.TerritoryID).Scan(ctx, &slug); err != nil {
		return err
	}
	return s.notify.NotifyTx(ctx, tx, recipient, "Campagnon : nouveau message dans votre échange", notice(s.baseURL, slug, x.ID, mediated))
}

// notice is the email's text. It names no one and quotes nothing: the
// recipient's mailbox keeps nothing the author's erasure would have to
// reach.
func notice(base, slug, exchangeID string, mediated bool) string {
	var b strings.Builder
	b.WriteString("Bonjour,\n\nL'autre membre de votre échange vous a écrit sur Campagnon")
	if mediated {
		b.WriteString(", avec l'aide d'un médiateur")
	}
	fmt.Fprintf(&b, ". Pour lire son message et lui répondre :\n%s/t/%s/echanges/%s\n\n", base, slug, exchangeID)
	b.WriteString("Vous recevez au plus un courriel par heure pour un même échange : les messages suivants vous attendent sur Campagnon.\n\nCampagnon\n")
	return b.String()
}

// Page selects a part of a thread, oldest first: the messages after
// sequence number After (0 for the start), Limit of them at most.
type Page struct {
	After int64
	Limit int
}

// Thread is one page of an exchange's messages, oldest first.
type Thread struct {
	Messages []Message `json:"messages"`
	// NextAfter is the After of the next page, when there is one.
	NextAfter *int64 `json:"next_after,omitempty"`
}

// Thread returns a page of the messages of x for readerID, one of its two
// parties, oldest first, and marks them read (a marker only moves forward).
func (s *Service) Thread(ctx context.Context, x *exchange.Exchange, readerID string, p Page) (*Thread, error) {
	if x.Party(readerID) == "" {
		return nil, errNotParty
	}
	if p.Limit < 1 || p.Limit > MaxPage {
		p.Limit = DefaultPage
	}
	if p.After < 0 {
		p.After = 0
	}
	out := &Thread{Messages: []Message{}}
	if err := s.store.DB().NewSelect().Model(&out.Messages).Where("exchange_id = ?", x.ID).Where("seq > ?", p.After).
		OrderExpr("seq").Limit(int64(p.Limit) + 1).Scan(ctx); err != nil {
		return nil, fmt.Errorf("message: read thread %s: %w", x.ID, err)
	}
	if len(out.Messages) > p.Limit {
		out.Messages = out.Messages[:p.Limit]
		next := out.Messages[p.Limit-1].Seq
		out.NextAfter = &next
	}
	for i := range out.Messages {
		out.Messages[i].Erased = out.Messages[i].Body == ""
	}
	if len(out.Messages) == 0 {
		return out, nil
	}
	if err := s.markRead(ctx, x.ID, readerID, out.Messages[len(out.Messages)-1].Seq); err != nil {
		return nil, err
	}
	return out, nil
}

// markRead moves readerID's marker of exchangeID forward to seq; reading
// an old page again writes nothing.
func (s *Service) markRead(ctx context.Context, exchangeID, readerID string, seq int64) error {
	var cur []int64
	if err := s.store.DB().NewSelect().Model((*readMarker)(nil)).Column("last_read_seq").
		Where("exchange_id = ?", exchangeID).Where("reader_id = ?", readerID).Scan(ctx, &cur); err != nil {
		return fmt.Errorf("message: read marker: %w", err)
	}
	if len(cur) == 1 && cur[0] >= seq {
		return nil
	}
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.clock()
		_, err := tx.NewInsert().Model(&readMarker{ExchangeID: exchangeID, ReaderID: readerID, LastReadSeq: seq, ReadAt: &now}).
			On("CONFLICT (exchange_id, reader_id) DO UPDATE").
			Set("last_read_seq = EXCLUDED.last_read_seq").Set("read_at = EXCLUDED.read_at").
			Where("?TableAlias.last_read_seq < EXCLUDED.last_read_seq").Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("message: mark read: %w", err)
	}
	return nil
}

// Unread counts a member's unread messages in a territory.
type Unread struct {
	// Total is the sum over Exchanges.
	Total int `json:"total"`
	// Exchanges lists the exchanges with unread messages.
	Exchanges []ExchangeUnread `json:"exchanges"`
}

// ExchangeUnread is the number of unread messages of one exchange.
type ExchangeUnread struct {
	ExchangeID string `bun:"exchange_id" json:"exchange_id"`
	Count      int    `bun:"n" json:"count"`
}

// Unread returns how many messages readerID has not read yet, per exchange
// of theirs in territoryID and in all: messages written by the other party
// past the reader's marker.
func (s *Service) Unread(ctx context.Context, territoryID, readerID string) (*Unread, error) {
	out := &Unread{Exchanges: []ExchangeUnread{}}
	err := s.store.DB().NewRaw(`SELECT m.exchange_id, COUNT(*) AS n
		FROM messages AS m
		JOIN exchanges AS x ON x.id = m.exchange_id
		LEFT JOIN message_reads AS r ON r.exchange_id = m.exchange_id AND r.reader_id = ?
		WHERE x.territory_id = ? AND (x.seeker_id = ? OR x.provider_id = ?)
			AND m.author_id <> ? AND m.seq > COALESCE(r.last_read_seq, 0)
		GROUP BY m.exchange_id ORDER BY m.exchange_id`,
		readerID, territoryID, readerID, readerID, readerID).Scan(ctx, &out.Exchanges)
	if err != nil {
		return nil, fmt.Errorf("message: unread counts: %w", err)
	}
	for _, e := range out.Exchanges {
		out.Total += e.Count
	}
	return out, nil
}
