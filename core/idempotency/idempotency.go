// Package idempotency makes a state-changing request safe to retry: a
// client sends an Idempotency-Key header; the first answer to a key is
// kept for a day, and the same request again with the same key gets it
// back instead of acting twice. The same key with another body (or another
// route) is refused: it is a client's mistake, not a retry.
package idempotency

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/store"
)

// TTL is how long an answer is kept.
const TTL = 24 * time.Hour

// MaxKey bounds a key's length.
const MaxKey = 100

// Record is a kept answer.
type Record struct {
	bun.BaseModel `bun:"table:idempotency_keys"`

	AccountID string    `bun:"account_id,pk"`
	Key       string    `bun:"key,pk"`
	Route     string    `bun:"route,notnull"`
	BodyHash  string    `bun:"body_hash,notnull"`
	Status    int       `bun:"status,notnull"`
	Response  string    `bun:"response,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Store keeps answers in the database (any replica replays them).
type Store struct {
	s   *store.Store
	now func() time.Time
}

// New returns a Store over s; now may be nil (the clock).
func New(s *store.Store, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{s: s, now: now}
}

// Hash returns the hash that identifies a request's body.
func Hash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// CheckKey validates a key: 1 to MaxKey printable ASCII characters.
func CheckKey(key string) error {
	ok := key != "" && len(key) <= MaxKey
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > ' ' && key[i] < 0x7f
	}
	if !ok {
		return apperr.New(apperr.KindInvalid, "idempotency_key_invalid",
			"En-tête Idempotency-Key invalide : 1 à 100 caractères ASCII visibles (un UUID, par exemple).",
			"Invalid Idempotency-Key header: 1 to 100 visible ASCII characters (a UUID, for example).")
	}
	return nil
}

// Lookup returns the kept answer of (accountID, key), nil when there is
// none (or it is older than TTL). A kept answer for another route or body
// is refused.
func (st *Store) Lookup(ctx context.Context, accountID, key, route, bodyHash string) (*Record, error) {
	r := new(Record)
	err := st.s.DB().NewSelect().Model(r).Where("account_id = ?", accountID).Where("key = ?", key).
		Where("created_at > ?", st.now().UTC().Add(-TTL)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("idempotency: look up: %w", err)
	}
	if r.Route != route || r.BodyHash != bodyHash {
		return nil, apperr.New(apperr.KindRefused, "idempotency_key_reused",
			"Cette clé Idempotency-Key a déjà servi pour une autre requête : utilisez une nouvelle clé pour une nouvelle demande.",
			"This Idempotency-Key was already used for another request: use a new key for a new request.")
	}
	return r, nil
}

// Save keeps an answer; the first one saved for a key wins.
func (st *Store) Save(ctx context.Context, r *Record) error {
	r.CreatedAt = st.now().UTC().Truncate(time.Microsecond)
	err := st.s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// An expired answer under the same key makes room for the new one.
		if _, err := tx.NewDelete().Model((*Record)(nil)).Where("account_id = ?", r.AccountID).Where("key = ?", r.Key).
			Where("created_at <= ?", r.CreatedAt.Add(-TTL)).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(r).On("CONFLICT DO NOTHING").Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("idempotency: save: %w", err)
	}
	return nil
}

// Purge deletes the answers older than TTL and returns how many.
func (st *Store) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := st.s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Record)(nil)).Where("created_at <= ?", st.now().UTC().Add(-TTL)).Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("idempotency: purge: %w", err)
	}
	return n, nil
}

// Erase deletes accountID's kept answers in tx (they may quote what the
// person wrote): a retry after erasure is a new request.
func (st *Store) Erase(ctx context.Context, tx bun.Tx, accountID string, _ time.Time) error {
	if _, err := tx.NewDelete().Model((*Record)(nil)).Where("account_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("idempotency: erase: %w", err)
	}
	return nil
}
