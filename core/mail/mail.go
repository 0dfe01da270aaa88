// Package mail delivers Campagnon's emails: the Sender interface with its two
// implementations (SMTP over the standard library, and a development sender
// that writes each email to the log), and the Deliverer that drains an
// outbox (core/account's) through a Sender with bounded time, retries and
// backoff.
//
// The package imports nothing from the module: the process wiring adapts the
// accounts' outbox to the Outbox interface.
//
// Errors are classified for the retry policy (see Error): a 5xx answer is
// permanent, a 4xx answer or a network failure temporary, and a failure
// before the message was handed over (dial, TLS, authentication) is blamed
// on the server rather than on the message.
package mail

import (
	"context"
	"errors"
	"fmt"
)

// Message is one plain-text email to one recipient.
type Message struct {
	// ID identifies the message in its outbox. It becomes the left part of
	// the Message-ID header, so that a message sent twice (a retry after a
	// lost answer) keeps one identity and receivers can drop the copy.
	ID string
	// Kind says what the message is ("email"); logs show it with ID.
	Kind string
	// To is the recipient's bare address, such as claire@example.fr.
	To string
	// Subject is the subject line, in UTF-8, on one line.
	Subject string
	// Body is the text, in UTF-8, lines separated by "\n".
	Body string
}

// Sender sends one message. Implementations must honour ctx's deadline and
// cancellation, and return an *Error when they can tell permanent failures
// from temporary ones.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Stage says how far a delivery went before it failed, which decides who is
// to blame: the message or the server.
type Stage int

const (
	// StageMessage: the message itself was refused before anything was sent
	// (CR or LF in a header, an unreadable address). Retrying cannot help.
	StageMessage Stage = iota
	// StageConnect: dial, greeting, EHLO, STARTTLS or authentication failed.
	// The server or the configuration is at fault, not this message.
	StageConnect
	// StageTransfer: MAIL, RCPT or DATA failed: the server refused or lost
	// this message.
	StageTransfer
)

// String names the stage for logs.
func (s Stage) String() string {
	switch s {
	case StageMessage:
		return "message"
	case StageConnect:
		return "connect"
	case StageTransfer:
		return "transfer"
	default:
		return fmt.Sprintf("stage(%d)", int(s))
	}
}

// Error is a failed delivery, classified for the retry policy.
type Error struct {
	// Stage says how far the delivery went.
	Stage Stage
	// Op is the step that failed: "message", "dial", "greeting", "ehlo",
	// "starttls", "auth", "mail", "rcpt", "data".
	Op string
	// Code is the server's SMTP reply code, 0 when there was none (a
	// network error, a timeout, a refusal before sending).
	Code int
	// Permanent reports that sending the same message again would fail the
	// same way: a 5xx answer, an invalid message, a server that lacks a
	// required extension.
	Permanent bool
	// Err is the cause. Its text may quote the server's answer, which may
	// quote the recipient's address: redact it before logging.
	Err error
}

// Error says which step failed and why.
func (e *Error) Error() string { return fmt.Sprintf("smtp %s: %v", e.Op, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err says that sending the same message again
// would fail the same way. Errors that are not an *Error are temporary.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}
