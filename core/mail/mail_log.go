package mail

import (
	"context"
	"log/slog"
)

// LogSender is the development sender: it writes each email, recipient and
// body included, to the log instead of sending it (that is where a
// developer reads the verification link). Never use it in production: the
// log would hold addresses and live tokens.
type LogSender struct {
	// Log receives one line per email.
	Log *slog.Logger
}

// Send checks m as the SMTP sender would, then logs it.
func (s LogSender) Send(ctx context.Context, m Message) error {
	if err := check(m); err != nil {
		return err
	}
	s.Log.InfoContext(ctx, "email (développement : écrit ici, non envoyé)",
		"id", m.ID, "kind", m.Kind, "to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

var _ Sender = LogSender{}
