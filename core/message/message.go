// Package message holds the conversation of an exchange: one thread per
// exchange between its two parties (the first-contact message is simply the
// first one, sent right after the request), read markers for unread counts,
// and the email that tells the other party a message is waiting.
//
// Only the seeker and the provider write and read a thread; a mediator may
// write for the resident who consented (the message records them). A
// thread closes ThreadOpenAfterFinal after its exchange reached a final
// state. The email never carries the message nor the author's name: it
// says that the other member of the exchange wrote and links to the
// exchange, at most once per exchange per hour per recipient, so a lively
// conversation is not a flood of emails and the recipient's mailbox holds
// nothing that the author's erasure would have to reach.
package message

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/exchange"
)

// Bounds of a message and of a thread.
const (
	// MaxBody is the longest body, in characters (runes).
	MaxBody = 2000
	// ThreadOpenAfterFinal is how long a thread accepts messages after its
	// exchange reached a final state (declined, expired, cancelled,
	// reviewed, resolved): long enough for a thank-you or a last detail,
	// then the conversation is over and a new service is a new request.
	ThreadOpenAfterFinal = 30 * 24 * time.Hour
	// NotifyEvery is the least time between two emails to one recipient
	// about one exchange.
	NotifyEvery = time.Hour
	// DefaultPage and MaxPage bound one page of a thread.
	DefaultPage = 50
	MaxPage     = 100
)

// finalStates are the exchange states after which nothing more happens.
var finalStates = []exchange.State{exchange.Declined, exchange.Expired, exchange.Cancelled, exchange.Reviewed, exchange.Resolved}

// Message is one message of an exchange's thread.
type Message struct {
	bun.BaseModel `bun:"table:messages"`

	ID          string `bun:"id,pk" json:"id"`
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	ExchangeID  string `bun:"exchange_id,notnull" json:"exchange_id"`
	// Seq numbers the thread's messages from 1, in the order written.
	Seq      int64  `bun:"seq,notnull" json:"seq"`
	AuthorID string `bun:"author_id,notnull" json:"author_id"`
	// MediatorID is the mediator who wrote for the author, if any.
	MediatorID *string `bun:"mediator_id" json:"mediator_id,omitempty"`
	// Body is the text; empty once its author erased their account.
	Body      string    `bun:"body,notnull" json:"body"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	// Erased reports a message whose author erased their account: show
	// "Message supprimé" in its place.
	Erased bool `bun:"-" json:"erased,omitempty"`
}

// readMarker is what one party has read of one thread, and when they were
// last emailed about it.
type readMarker struct {
	bun.BaseModel `bun:"table:message_reads"`

	ExchangeID  string     `bun:"exchange_id,pk" json:"exchange_id"`
	ReaderID    string     `bun:"reader_id,pk" json:"-"`
	LastReadSeq int64      `bun:"last_read_seq,notnull" json:"last_read_seq"`
	ReadAt      *time.Time `bun:"read_at" json:"read_at,omitempty"`
	NotifiedAt  *time.Time `bun:"notified_at" json:"notified_at,omitempty"`
}

// Notifier sends a member an email through the outbox, in the caller's
// transaction, so that it leaves if and only if the message commits
// (core/account's NotifyTx).
type Notifier interface {
	NotifyTx(ctx context.Context, tx bun.Tx, accountID, subject, body string) error
}

// SMSSender sends a text message to a phone number. No adapter exists yet
// and nothing calls it: it is the extension point for residents who read
// texts rather than emails. An adapter (an operator's HTTP API, in a
// package of its own such as core/sms/<provider>) would not be called from
// Send, which runs in a transaction: Send would enqueue an outbox row of
// kind "sms" next to the email (a migration widens outbox.kind, and
// accounts gain an optional phone number), and a deliverer would drain
// that kind through the adapter with retries, as core/mail's Deliverer
// does for emails — so a text leaves if and only if its message commits.
// SendSMS returns once the provider accepted or refused the text; a
// refusal that retrying cannot fix (an invalid number) must say so, as
// core/mail's permanent errors do, so that the deliverer stops retrying.
type SMSSender interface {
	SendSMS(ctx context.Context, to, text string) error
}
