package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
)

// enqueue writes m to the outbox in tx, so the message leaves if and only if
// the change that causes it commits.
func (s *Service) enqueue(ctx context.Context, tx bun.Tx, m *Message) error {
	m.ID, m.Kind, m.CreatedAt = newID(), "email", s.now()
	if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
		return fmt.Errorf("enqueue email %q: %w", m.Subject, err)
	}
	return nil
}

// MaxSendAttempts is the number of failed sending attempts after which a
// message is abandoned: it stays in the outbox, unsent (and is deleted with
// the other unsent messages by Purge), and Pending no longer returns it.
const MaxSendAttempts = 10

// Pending returns at most limit unsent messages with attempts left, oldest
// first: core/mail sends them.
func (s *Service) Pending(ctx context.Context, limit int) ([]Message, error) {
	var ms []Message
	err := s.store.DB().NewSelect().Model(&ms).Where("sent_at IS NULL").Where("attempts < ?", MaxSendAttempts).
		Order("id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return ms, nil
}

// Outbox returns the last limit messages sent to the address to (any
// address when to is empty), newest first; for development and tests.
func (s *Service) Outbox(ctx context.Context, to string, limit int) ([]Message, error) {
	var ms []Message
	q := s.store.DB().NewSelect().Model(&ms).Order("id DESC").Limit(int64(limit))
	if to != "" {
		q = q.Where("recipient = ?", to)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return ms, nil
}

// MarkSent records the outcome of one sending attempt of message id: sent,
// or failed (attempts is incremented either way).
func (s *Service) MarkSent(ctx context.Context, id string, sent bool) error {
	return s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*Message)(nil)).Set("attempts = attempts + 1").Where("id = ?", id)
		if sent {
			q = q.Set("sent_at = ?", s.now())
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("mark outbox message %s: %w", id, err)
		}
		return nil
	})
}

func hours(d time.Duration) string {
	if d >= time.Hour {
		return fmt.Sprintf("%d heure(s)", int(d/time.Hour))
	}
	return fmt.Sprintf("%d minute(s)", int(d/time.Minute))
}

func verifyEmail(a *Account, token, base string, ttl time.Duration) *Message {
	return &Message{To: a.Email, Subject: "Campagnon : confirmez votre adresse électronique",
		Body: fmt.Sprintf("Bonjour %s,\n\nPour activer votre compte Campagnon, ouvrez ce lien dans les %s :\n\n%s/compte/verifier?jeton=%s\n\nSi vous n'avez pas créé de compte, ignorez ce message : aucun compte ne sera activé.\n",
			a.DisplayName, hours(ttl), base, token)}
}

func alreadyRegisteredEmail(to, base string) *Message {
	return &Message{To: to, Subject: "Campagnon : tentative d'inscription avec votre adresse",
		Body: fmt.Sprintf("Bonjour,\n\nQuelqu'un vient d'essayer de créer un compte Campagnon avec votre adresse, qui en a déjà un. Si c'était vous, connectez-vous, ou choisissez un nouveau mot de passe si vous l'avez oublié :\n\n%s/compte/mot-de-passe-oublie\n\nSinon, ignorez ce message : votre compte n'a pas changé.\n", base)}
}

func resetEmail(a *Account, token, base string, ttl time.Duration) *Message {
	return &Message{To: a.Email, Subject: "Campagnon : choisir un nouveau mot de passe",
		Body: fmt.Sprintf("Bonjour %s,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans les %s (il ne sert qu'une fois) :\n\n%s/compte/nouveau-mot-de-passe?jeton=%s\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.\n",
			a.DisplayName, hours(ttl), base, token)}
}

func passwordChangedEmail(a *Account) *Message {
	return &Message{To: a.Email, Subject: "Campagnon : votre mot de passe a changé",
		Body: fmt.Sprintf("Bonjour %s,\n\nLe mot de passe de votre compte Campagnon vient d'être changé, et toutes vos sessions ont été fermées. Si ce n'est pas vous, demandez immédiatement un nouveau mot de passe depuis la page de connexion et prévenez le support de votre territoire.\n", a.DisplayName)}
}

// Message returns the outbox message id; an unknown one is not found.
func (s *Service) Message(ctx context.Context, id string) (*Message, error) {
	m := new(Message)
	err := s.store.DB().NewSelect().Model(m).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.KindNotFound, "message_not_found",
			"Message introuvable dans la boîte d'envoi : vérifiez l'identifiant (campagnon outbox list).",
			"No such message in the outbox: check the ID (campagnon outbox list).")
	}
	if err != nil {
		return nil, fmt.Errorf("read outbox message %s: %w", id, err)
	}
	return m, nil
}

// NotifyTx enqueues an email to the account accountID in tx, so that it
// leaves if and only if the change that causes it commits. An erased or
// unknown account gets nothing (and no error: there is no one to tell).
func (s *Service) NotifyTx(ctx context.Context, tx bun.Tx, accountID, subject, body string) error {
	a := new(Account)
	err := tx.NewSelect().Model(a).Column("email").Where("id = ?", accountID).Where("erased_at IS NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify %s: %w", accountID, err)
	}
	return s.enqueue(ctx, tx, &Message{To: a.Email, Subject: subject, Body: body})
}
