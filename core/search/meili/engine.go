// Package meili is the Meilisearch engine of core/search, for national
// scale: the same search.Engine as the embedded one, over a Meilisearch
// server reached with meilisearch-go.
//
// What it does with the server:
//   - EnsureSettings (called by Open) creates the index with primary key
//     "id" and applies its settings: searchable, filterable and sortable
//     attributes, typo tolerance, French stop words, the synonyms of
//     search.Synonyms in both directions, faceting and pagination bounds.
//     It runs at every start: applying the same settings again changes
//     nothing.
//   - Every query is filtered by its territory; a query without one is
//     refused before anything is sent. Filter values are always quoted and
//     escaped, so a value can never become an operator.
//   - Index and Delete return only once Meilisearch has processed the task
//     (the indexer is at-least-once: it deletes its outbox rows only when
//     the index has the change), or fail with the task's error.
//   - A server that cannot be reached, that answers 5xx or 429, or that
//     does not answer in time, gives an error wrapping
//     search.ErrUnavailable: the indexer retries later.
//   - Highlights: Meilisearch does not escape HTML in its _formatted
//     fields (meilisearch/meilisearch#1595), so the engine asks for
//     per-process random marker strings, escapes the text itself and only
//     then puts <mark> and </mark> in their place.
//   - Meilisearch applies synonyms only to words as typed and does not
//     stem: a query word within typo tolerance of a synonym is sent as
//     that synonym (« jardinnage » as « jardinage », which then finds
//     « jardin »), and a word matched by its beginning is marked whole.
//   - TenantToken mints, for a client that talks to Meilisearch directly,
//     a token that can only search one territory, and only for a while.
//
// Honesty: no Meilisearch server runs on the development machines. The
// request building and the response mapping are unit-tested, some through
// a stand-in HTTP server that answers like Meilisearch for the endpoints
// used here (it is not a Meilisearch); the conformance suite of
// core/search/searchtest runs against a real server only when
// CAMPAGNON_TEST_MEILI_URL is set.
package meili

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/search"
)

// DefaultIndex is the index name when Config.Index is empty.
const DefaultIndex = "listings"

// DefaultTimeout bounds a call whose context has no deadline.
const DefaultTimeout = 30 * time.Second

// Config says how to reach Meilisearch. It is a value; New validates it.
type Config struct {
	// URL is the server's address, http or https
	// ("http://127.0.0.1:7700").
	URL string
	// APIKey is sent as a bearer token: a key with the actions
	// indexes.create, indexes.get, indexes.update, settings.update,
	// documents.add, documents.get, documents.delete, search and tasks.get
	// on Index. Empty when the server has no master key (development only).
	APIKey string
	// Index is the index's name (uid); DefaultIndex when empty.
	Index string
	// Timeout bounds each call whose context has no deadline (a call whose
	// context has one is bounded by it); DefaultTimeout when 0.
	Timeout time.Duration
	// HTTPClient replaces the default HTTP client (nil: meilisearch-go's).
	HTTPClient *http.Client
}

// Engine is a search.Engine over one Meilisearch index. It is safe for
// concurrent use.
type Engine struct {
	client  meilisearch.ServiceManager
	name    string
	timeout time.Duration
	// pre and post are the highlight markers asked of Meilisearch: random
	// per process, so that no indexed text can forge one.
	pre, post string
}

var _ search.Engine = (*Engine)(nil)

// indexName is what Meilisearch accepts as an index uid.
var indexName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,400}$`)

// New returns an engine for cfg without contacting the server; call
// EnsureSettings before the first Index (Open does both).
func New(cfg Config) (*Engine, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("meilisearch: URL %q is not an http(s) address such as http://127.0.0.1:7700", cfg.URL)
	}
	if cfg.Index == "" {
		cfg.Index = DefaultIndex
	}
	if !indexName.MatchString(cfg.Index) {
		return nil, fmt.Errorf("meilisearch: index name %q: use letters, digits, - and _ (at most 400)", cfg.Index)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("meilisearch: timeout %s is negative", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	// No retries inside the client: a failure comes back at once as
	// ErrUnavailable and the caller (the indexer) decides when to retry.
	opts := []meilisearch.Option{meilisearch.DisableRetries()}
	if cfg.APIKey != "" {
		opts = append(opts, meilisearch.WithAPIKey(cfg.APIKey))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, meilisearch.WithCustomClient(cfg.HTTPClient))
	}
	client := meilisearch.New(u.String(), opts...)
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	tag := hex.EncodeToString(nonce)
	return &Engine{
		client:  client,
		name:    cfg.Index,
		timeout: cfg.Timeout,
		pre:     "\uE000" + tag + "\uE001",
		post:    "\uE002" + tag + "\uE003",
	}, nil
}

// Open returns an engine for cfg whose index exists with its settings
// (EnsureSettings). A server that cannot be reached gives an error
// wrapping search.ErrUnavailable.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := e.EnsureSettings(ctx); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// idx returns a handle on the index. A fresh one per call: meilisearch-go's
// handle records the primary key on every AddDocuments, so a shared one
// would be written by concurrent calls.
func (e *Engine) idx() meilisearch.IndexManager { return e.client.Index(e.name) }

// IndexName returns the name of the engine's index.
func (e *Engine) IndexName() string { return e.name }

// Close releases idle connections. The engine must not be used after.
func (e *Engine) Close() error {
	e.client.Close()
	return nil
}

// bound gives ctx the engine's timeout when it has no deadline.
func (e *Engine) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, e.timeout)
}

// fail wraps err from a call made under a bounded context whose caller's
// context is parent. What says "try again later" — the server unreachable,
// answering 5xx or 429, or silent past the timeout — is unavailable
// (search.ErrUnavailable, apperr.KindUnavailable: a 503 with a message
// that says to retry); the rest is a plain error.
func fail(parent context.Context, op string, err error) error {
	var me *meilisearch.Error
	if !errors.As(err, &me) {
		if parent.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
			return unavailable(fmt.Errorf("meilisearch %s: no answer in time: %w: %w", op, search.ErrUnavailable, err))
		}
		return fmt.Errorf("meilisearch %s: %w", op, err)
	}
	switch me.ErrCode {
	case meilisearch.CommunicationError, meilisearch.MaxRetriesExceeded:
		return unavailable(fmt.Errorf("meilisearch %s: server unreachable: %w: %w", op, search.ErrUnavailable, err))
	case meilisearch.TimeoutError:
		if parent.Err() != nil {
			// The caller gave up (shutdown, its own deadline): say so.
			return fmt.Errorf("meilisearch %s: %w", op, parent.Err())
		}
		return unavailable(fmt.Errorf("meilisearch %s: no answer in time: %w: %w", op, search.ErrUnavailable, err))
	case meilisearch.APIError, meilisearch.APIErrorWithoutMessage:
		switch {
		case me.StatusCode >= 500 || me.StatusCode == http.StatusTooManyRequests:
			return unavailable(fmt.Errorf("meilisearch %s: server answered %d: %w: %s", op, me.StatusCode, search.ErrUnavailable, apiMessage(me)))
		case me.StatusCode == http.StatusUnauthorized || me.StatusCode == http.StatusForbidden:
			return fmt.Errorf("meilisearch %s: the API key was refused (%d): %s; check its actions and indexes", op, me.StatusCode, apiMessage(me))
		}
		return fmt.Errorf("meilisearch %s: %s", op, apiMessage(me))
	}
	return fmt.Errorf("meilisearch %s: %w", op, err)
}

// unavailable gives cause the message a person reads when search is down.
func unavailable(cause error) error {
	return apperr.Wrap(cause, apperr.KindUnavailable, "search_unavailable",
		"La recherche est momentanément indisponible : réessayez dans quelques minutes.",
		"Search is temporarily unavailable: try again in a few minutes.")
}

// apiMessage is Meilisearch's own message and code, without the request.
func apiMessage(me *meilisearch.Error) string {
	if me.APIError.Code == "" {
		return fmt.Sprintf("status %d", me.StatusCode)
	}
	return fmt.Sprintf("%s (%s)", me.APIError.Message, me.APIError.Code)
}

// errTaskFailed is wrapped by the error of a task Meilisearch refused.
var errTaskFailed = errors.New("meilisearch task failed")

// wait polls task uid until Meilisearch has processed it, ctx ends, or it
// failed (the error carries the task's error message and code).
func (e *Engine) wait(parent, ctx context.Context, op string, uid int64) (*meilisearch.Task, error) {
	delay := 5 * time.Millisecond
	for {
		task, err := e.client.GetTask(ctx, uid)
		if err != nil {
			return nil, fail(parent, op+": wait for task "+fmt.Sprint(uid), err)
		}
		switch task.Status {
		case meilisearch.TaskStatusSucceeded:
			return task, nil
		case meilisearch.TaskStatusFailed, meilisearch.TaskStatusCanceled:
			return task, fmt.Errorf("meilisearch %s: %w: task %d %s: %s (%s)", op, errTaskFailed, uid, task.Status, task.Error.Message, task.Error.Code)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fail(parent, fmt.Sprintf("%s: wait for task %d", op, uid), ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, 250*time.Millisecond)
	}
}
