package meili

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/search"
)

// standIn is NOT a Meilisearch. It is an HTTP server that answers the
// endpoints this engine calls the way Meilisearch documents them — tasks
// that are enqueued then processed, index creation, settings, documents,
// search — so that the engine's requests, its waiting for tasks and its
// errors can be tested without a server. It checks nothing of what a real
// Meilisearch would do with the settings, filters or queries: that is
// TestConformance's job, against a real server.
type standIn struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	requests []recorded
	// indexes maps an index uid to its primary key.
	indexes map[string]string
	tasks   map[int64]*standInTask
	nextUID int64
	docs    map[string]map[string]any
	// pending is how many times a task answers "enqueued", then
	// "processing", before its outcome.
	pending int
	// failTasks makes every new task of that type fail with this code.
	failTasks map[string]string
	// searchAnswer is the body of every search.
	searchAnswer []byte
	// status, when set, answers every request with it.
	status int
	// hang makes every request wait until the client gives up.
	hang bool
}

type recorded struct {
	method, path, query string
	body                []byte
}

type standInTask struct {
	uid              int64
	kind, index      string
	polls            int
	errCode, errText string
}

func newStandIn(t *testing.T) *standIn {
	t.Helper()
	s := &standIn{t: t, indexes: map[string]string{}, tasks: map[int64]*standInTask{}, docs: map[string]map[string]any{}, pending: 2, failTasks: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// engine returns an engine on the stand-in, with a short timeout.
func (s *standIn) engine(t *testing.T) *Engine {
	t.Helper()
	e, err := New(Config{URL: s.srv.URL, APIKey: "test-key", Index: "listings", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func (s *standIn) set(f func(s *standIn)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// calls returns the recorded requests as "METHOD /path?query".
func (s *standIn) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		c := r.method + " " + r.path
		if r.query != "" {
			c += "?" + r.query
		}
		out = append(out, c)
	}
	return out
}

// body returns the body of the last request to method path.
func (s *standIn) body(method, path string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.requests) - 1; i >= 0; i-- {
		if s.requests[i].method == method && s.requests[i].path == path {
			return s.requests[i].body
		}
	}
	s.t.Fatalf("no %s %s", method, path)
	return nil
}

func (s *standIn) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, body})
	if s.hang {
		s.mu.Unlock()
		<-r.Context().Done()
		s.mu.Lock()
		return
	}
	switch r.Header.Get("Authorization") {
	case "Bearer test-key":
	case "":
		s.apiError(w, http.StatusUnauthorized, "missing_authorization_header", "The Authorization header is missing.")
		return
	default:
		s.apiError(w, http.StatusForbidden, "invalid_api_key", "The provided API key is invalid.")
		return
	}
	if s.status != 0 {
		s.apiError(w, s.status, "internal", "stand-in failure")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "tasks":
		uid, _ := strconv.ParseInt(parts[1], 10, 64)
		s.task(w, uid)
	case r.Method == http.MethodPost && r.URL.Path == "/indexes":
		var req struct {
			UID        string `json:"uid"`
			PrimaryKey string `json:"primaryKey"`
		}
		_ = json.Unmarshal(body, &req)
		if _, ok := s.indexes[req.UID]; ok {
			s.enqueue(w, "indexCreation", req.UID, "index_already_exists", fmt.Sprintf("Index `%s` already exists.", req.UID))
			return
		}
		s.indexes[req.UID] = req.PrimaryKey
		s.enqueue(w, "indexCreation", req.UID, "", "")
	case len(parts) < 2 || parts[0] != "indexes":
		s.apiError(w, http.StatusNotFound, "not_found", "stand-in: no such route")
	case r.Method == http.MethodGet && len(parts) == 2:
		pk, ok := s.indexes[parts[1]]
		if !ok {
			s.apiError(w, http.StatusNotFound, "index_not_found", "Index not found.")
			return
		}
		s.json(w, http.StatusOK, map[string]any{"uid": parts[1], "primaryKey": pk, "createdAt": "2026-11-27T10:00:00Z", "updatedAt": "2026-11-27T10:00:00Z"})
	case r.Method == http.MethodPatch && len(parts) == 2:
		var req struct {
			PrimaryKey string `json:"primaryKey"`
		}
		_ = json.Unmarshal(body, &req)
		s.indexes[parts[1]] = req.PrimaryKey
		s.enqueue(w, "indexUpdate", parts[1], "", "")
	case r.Method == http.MethodPatch && len(parts) == 3 && parts[2] == "settings":
		s.enqueue(w, "settingsUpdate", parts[1], "", "")
	case r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "documents":
		var docs []map[string]any
		if err := json.Unmarshal(body, &docs); err != nil {
			s.apiError(w, http.StatusBadRequest, "malformed_payload", err.Error())
			return
		}
		if s.failTasks["documentAdditionOrUpdate"] == "" {
			for _, d := range docs {
				s.docs[d["id"].(string)] = d
			}
		}
		s.enqueue(w, "documentAdditionOrUpdate", parts[1], "", "")
	case r.Method == http.MethodPost && len(parts) == 4 && parts[3] == "delete-batch":
		var ids []string
		_ = json.Unmarshal(body, &ids)
		for _, id := range ids {
			delete(s.docs, id)
		}
		s.enqueue(w, "documentDeletion", parts[1], "", "")
	case r.Method == http.MethodPost && len(parts) == 4 && parts[3] == "fetch":
		s.fetch(w, body)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "search":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.searchAnswer)
	default:
		s.apiError(w, http.StatusNotFound, "not_found", "stand-in: no such route")
	}
}

// enqueue answers 202 with a new task, which fails with code when set
// (or when failTasks says so for its kind).
func (s *standIn) enqueue(w http.ResponseWriter, kind, index, code, text string) {
	s.nextUID++
	if c := s.failTasks[kind]; c != "" {
		code, text = c, "stand-in: "+kind+" refused"
	}
	s.tasks[s.nextUID] = &standInTask{uid: s.nextUID, kind: kind, index: index, errCode: code, errText: text}
	s.json(w, http.StatusAccepted, map[string]any{"taskUid": s.nextUID, "indexUid": index, "status": "enqueued", "type": kind, "enqueuedAt": "2026-11-27T10:00:00Z"})
}

func (s *standIn) task(w http.ResponseWriter, uid int64) {
	task, ok := s.tasks[uid]
	if !ok {
		s.apiError(w, http.StatusNotFound, "task_not_found", "Task not found.")
		return
	}
	task.polls++
	answer := map[string]any{"uid": task.uid, "indexUid": task.index, "type": task.kind, "enqueuedAt": "2026-11-27T10:00:00Z", "error": nil}
	switch {
	case s.pending < 0 || task.polls <= s.pending/2:
		answer["status"] = "enqueued"
	case task.polls <= s.pending:
		answer["status"] = "processing"
	case task.errCode != "":
		answer["status"] = "failed"
		answer["error"] = map[string]any{"message": task.errText, "code": task.errCode, "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#" + task.errCode}
	default:
		answer["status"] = "succeeded"
	}
	s.json(w, http.StatusOK, answer)
}

func (s *standIn) fetch(w http.ResponseWriter, body []byte) {
	var q struct {
		Offset int      `json:"offset"`
		Limit  int      `json:"limit"`
		Fields []string `json:"fields"`
	}
	_ = json.Unmarshal(body, &q)
	ids := make([]string, 0, len(s.docs))
	for id := range s.docs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	results := []map[string]any{}
	for _, id := range ids[min(q.Offset, len(ids)):min(q.Offset+q.Limit, len(ids))] {
		d := map[string]any{}
		for _, f := range q.Fields {
			if v, ok := s.docs[id][f]; ok {
				d[f] = v
			}
		}
		results = append(results, d)
	}
	s.json(w, http.StatusOK, map[string]any{"results": results, "offset": q.Offset, "limit": q.Limit, "total": len(ids)})
}

func (s *standIn) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *standIn) apiError(w http.ResponseWriter, status int, code, message string) {
	s.json(w, status, map[string]any{"message": message, "code": code, "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#" + code})
}

func TestEnsureSettingsStandIn(t *testing.T) {
	t.Parallel()
	s := newStandIn(t)
	e := s.engine(t)
	ctx := context.Background()
	if err := e.EnsureSettings(ctx); err != nil {
		t.Fatal(err)
	}
	if got := string(s.body(http.MethodPost, "/indexes")); got != `{"uid":"listings","primaryKey":"id"}` {
		t.Errorf("create index body %s", got)
	}
	assertJSON(t, s.body(http.MethodPatch, "/indexes/listings/settings"), "testdata/settings.json")

	// Again, as at every start: the index exists, nothing fails.
	if err := e.EnsureSettings(ctx); err != nil {
		t.Fatalf("second EnsureSettings: %v", err)
	}
	calls := s.calls()
	if n := strings.Count(strings.Join(calls, "\n"), "PATCH /indexes/listings/settings"); n != 2 {
		t.Errorf("settings sent %d times, want 2: %q", n, calls)
	}
	for _, c := range calls {
		if c == "PATCH /indexes/listings" {
			t.Errorf("the primary key was changed although it is id: %q", calls)
		}
	}
}

func TestEnsureSettingsPrimaryKey(t *testing.T) {
	t.Parallel()
	t.Run("an index made without one gets id", func(t *testing.T) {
		t.Parallel()
		s := newStandIn(t)
		s.set(func(s *standIn) { s.indexes["listings"] = "" })
		if err := s.engine(t).EnsureSettings(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := string(s.body(http.MethodPatch, "/indexes/listings")); got != `{"primaryKey":"id"}` {
			t.Errorf("update index body %s", got)
		}
	})
	t.Run("an index with another one is refused", func(t *testing.T) {
		t.Parallel()
		s := newStandIn(t)
		s.set(func(s *standIn) { s.indexes["listings"] = "uuid" })
		err := s.engine(t).EnsureSettings(context.Background())
		if err == nil || !strings.Contains(err.Error(), `primary key "uuid"`) {
			t.Errorf("error %v, want the primary key refused", err)
		}
	})
}

func TestEnsureSettingsTaskFailed(t *testing.T) {
	t.Parallel()
	s := newStandIn(t)
	s.set(func(s *standIn) { s.failTasks["settingsUpdate"] = "invalid_settings_typo_tolerance" })
	err := s.engine(t).EnsureSettings(context.Background())
	if !errors.Is(err, errTaskFailed) || !strings.Contains(err.Error(), "invalid_settings_typo_tolerance") || !strings.Contains(err.Error(), "settingsUpdate refused") {
		t.Errorf("error %v, want the task's error", err)
	}
	if errors.Is(err, search.ErrUnavailable) {
		t.Error("a refused setting is not an outage")
	}
}

func TestIndexStandIn(t *testing.T) {
	t.Parallel()
	s := newStandIn(t)
	e := s.engine(t)
	ctx := context.Background()
	docs := sampleDocuments()
	if err := e.Index(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, s.body(http.MethodPost, "/indexes/listings/documents"), "testdata/documents.json")
	calls := s.calls()
	if !slices.Contains(calls, "POST /indexes/listings/documents?primaryKey=id") {
		t.Errorf("calls %q: documents not sent with primaryKey=id", calls)
	}
	// Index returned only after the task succeeded: the stand-in answers
	// enqueued, then processing, then succeeded.
	if n := strings.Count(strings.Join(calls, "\n"), "GET /tasks/1"); n != 3 {
		t.Errorf("task polled %d times, want 3 (until it succeeded): %q", n, calls)
	}

	var versions []string
	if err := e.Versions(ctx, func(id, version string) error {
		versions = append(versions, id+"@"+version)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{docs[0].ID + "@" + docs[0].Version, docs[1].ID + "@" + docs[1].Version}
	if fmt.Sprint(versions) != fmt.Sprint(want) {
		t.Errorf("versions %q, want %q", versions, want)
	}

	if err := e.Delete(ctx, docs[0].ID, "not/a-meilisearch-id", "absent"); err != nil {
		t.Fatal(err)
	}
	if got := string(s.body(http.MethodPost, "/indexes/listings/documents/delete-batch")); got != `["`+docs[0].ID+`","absent"]` {
		t.Errorf("delete body %s: the IDs Meilisearch cannot hold are left out, the others sent", got)
	}
	if err := e.Delete(ctx, "not/valid"); err != nil {
		t.Errorf("deleting only impossible IDs: %v", err)
	}
	if err := e.Index(ctx); err != nil {
		t.Errorf("indexing nothing: %v", err)
	}
}

func TestIndexTaskFailed(t *testing.T) {
	t.Parallel()
	s := newStandIn(t)
	s.set(func(s *standIn) { s.failTasks["documentAdditionOrUpdate"] = "invalid_document_geo_field" })
	err := s.engine(t).Index(context.Background(), sampleDocuments()...)
	if !errors.Is(err, errTaskFailed) || !strings.Contains(err.Error(), "invalid_document_geo_field") {
		t.Errorf("error %v, want the task's error", err)
	}
}

func TestIndexRefusesBadDocumentsBeforeSending(t *testing.T) {
	t.Parallel()
	s := newStandIn(t)
	docs := sampleDocuments()
	docs[1].ID = "a b"
	if err := s.engine(t).Index(context.Background(), docs...); err == nil {
		t.Fatal("a bad ID was accepted")
	}
	if calls := s.calls(); len(calls) != 0 {
		t.Errorf("requests sent for a refused batch: %q", calls)
	}
}

// TestVersionsPages lists more documents than one page holds.
func TestVersionsPages(t *testing.T) {
	t.Parallel()
	s := newStandIn(t)
	n := versionsBatch + 7
	s.set(func(s *standIn) {
		for i := range n {
			id := fmt.Sprintf("l-%06d", i)
			s.docs[id] = map[string]any{"id": id, "version": "v" + strconv.Itoa(i), "title": "x"}
		}
	})
	seen := map[string]string{}
	err := s.engine(t).Versions(context.Background(), func(id, version string) error {
		seen[id] = version
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n || seen["l-010006"] != "v10006" {
		t.Errorf("saw %d documents (l-010006 at %q), want %d", len(seen), seen["l-010006"], n)
	}
	fetches := 0
	for _, c := range s.calls() {
		if c == "POST /indexes/listings/documents/fetch" {
			fetches++
		}
	}
	if fetches != 2 {
		t.Errorf("%d fetches, want 2", fetches)
	}
	stop := errors.New("stop")
	if err := s.engine(t).Versions(context.Background(), func(string, string) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("fn's error not returned: %v", err)
	}
}

func TestSearchStandIn(t *testing.T) {
	t.Parallel()
	s := newStandIn(t)
	e := s.engine(t)
	answer, err := os.ReadFile("testdata/search_response.json")
	if err != nil {
		t.Fatal(err)
	}
	answer = []byte(strings.NewReplacer("{pre}", jsonString(e.pre), "{post}", jsonString(e.post)).Replace(string(answer)))
	s.set(func(s *standIn) { s.searchAnswer = answer })
	q := search.Query{Territory: "portes-de-sologne", Text: "jardinage", Near: &search.Point{Lat: 47.5614, Lng: 1.9012}, Sort: search.SortDistance, Limit: 3, Facets: true}
	res, err := e.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(res)
	assertJSON(t, got, "testdata/result.json")

	var sent map[string]any
	if err := json.Unmarshal(s.body(http.MethodPost, "/indexes/listings/search"), &sent); err != nil {
		t.Fatal(err)
	}
	if sent["filter"] != `territory = "portes-de-sologne"` || sent["q"] != "jardinage" || sent["highlightPreTag"] != e.pre {
		t.Errorf("request sent %v", sent)
	}

	if _, err := e.Search(context.Background(), search.Query{Text: "tonte"}); err == nil {
		t.Error("a query without a territory was answered")
	}
	if n := len(s.calls()); n != 1 {
		t.Errorf("%d requests: the refused query reached the server", n)
	}
}

// TestUnavailable checks that what the indexer should retry wraps
// search.ErrUnavailable, and what it should not does not.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	calls := map[string]func(e *Engine, ctx context.Context) error{
		"EnsureSettings": func(e *Engine, ctx context.Context) error { return e.EnsureSettings(ctx) },
		"Index":          func(e *Engine, ctx context.Context) error { return e.Index(ctx, sampleDocuments()...) },
		"Delete":         func(e *Engine, ctx context.Context) error { return e.Delete(ctx, "l-1") },
		"Versions": func(e *Engine, ctx context.Context) error {
			return e.Versions(ctx, func(string, string) error { return nil })
		},
		"Search": func(e *Engine, ctx context.Context) error {
			_, err := e.Search(ctx, search.Query{Territory: "t", Text: "tonte"})
			return err
		},
	}
	closed := newStandIn(t)
	closedURL := closed.srv.URL
	closed.srv.Close()

	tests := []struct {
		name        string
		engine      func(t *testing.T) *Engine
		ctx         func() (context.Context, context.CancelFunc)
		unavailable bool
		want        string
	}{
		{"server down", func(t *testing.T) *Engine {
			e, err := New(Config{URL: closedURL, APIKey: "test-key", Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}, nil, true, "unreachable"},
		{"503", func(t *testing.T) *Engine {
			s := newStandIn(t)
			s.set(func(s *standIn) { s.status = http.StatusServiceUnavailable })
			return s.engine(t)
		}, nil, true, "503"},
		{"429", func(t *testing.T) *Engine {
			s := newStandIn(t)
			s.set(func(s *standIn) { s.status = http.StatusTooManyRequests })
			return s.engine(t)
		}, nil, true, "429"},
		{"no answer within the engine's timeout", func(t *testing.T) *Engine {
			s := newStandIn(t)
			s.set(func(s *standIn) { s.hang = true })
			e := s.engine(t)
			e.timeout = 20 * time.Millisecond
			return e
		}, nil, true, "in time"},
		{"key refused", func(t *testing.T) *Engine {
			s := newStandIn(t)
			e, err := New(Config{URL: s.srv.URL, APIKey: "wrong"})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}, nil, false, "API key was refused"},
		{"caller cancelled", func(t *testing.T) *Engine {
			s := newStandIn(t)
			s.set(func(s *standIn) { s.hang = true })
			return s.engine(t)
		}, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			return ctx, cancel
		}, false, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := tt.engine(t)
			defer e.Close()
			for name, call := range calls {
				ctx, cancel := context.WithCancel(context.Background())
				if tt.ctx != nil {
					ctx, cancel = tt.ctx()
				}
				err := call(e, ctx)
				cancel()
				t.Logf("%s: %v", name, err)
				if errors.Is(err, search.ErrUnavailable) != tt.unavailable || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: error %v; want unavailable %v, mentioning %q", name, err, tt.unavailable, tt.want)
				}
				if (apperr.KindOf(err) == apperr.KindUnavailable) != tt.unavailable {
					t.Errorf("%s: kind %v, want unavailable (a 503 that says to retry): %v", name, apperr.KindOf(err), tt.unavailable)
				}
			}
		})
	}
}

// TestWaitBoundedByContext: a task that never finishes does not hold
// Index past its context.
func TestWaitBoundedByContext(t *testing.T) {
	t.Parallel()
	s := newStandIn(t)
	s.set(func(s *standIn) { s.pending = -1 }) // enqueued forever
	e := s.engine(t)
	e.timeout = 50 * time.Millisecond
	err := e.Index(context.Background(), sampleDocuments()...)
	if !errors.Is(err, search.ErrUnavailable) || !strings.Contains(err.Error(), "wait for task") {
		t.Errorf("error %v, want an unavailable engine while waiting for the task", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	e.timeout = time.Hour
	err = e.Delete(ctx, "l-1")
	if !errors.Is(err, context.Canceled) || errors.Is(err, search.ErrUnavailable) {
		t.Errorf("error %v, want the caller's cancellation", err)
	}
}

func TestOpenStandIn(t *testing.T) {
	t.Parallel()
	s := newStandIn(t)
	e, err := Open(context.Background(), Config{URL: s.srv.URL, APIKey: "test-key"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.IndexName() != DefaultIndex || e.timeout != DefaultTimeout {
		t.Errorf("index %q, timeout %s: want the defaults", e.IndexName(), e.timeout)
	}
	if calls := s.calls(); !slices.Contains(calls, "PATCH /indexes/listings/settings") {
		t.Errorf("Open did not apply the settings: %q", calls)
	}
	s.set(func(s *standIn) { s.status = http.StatusBadGateway })
	if _, err := Open(context.Background(), Config{URL: s.srv.URL, APIKey: "test-key"}); !errors.Is(err, search.ErrUnavailable) {
		t.Errorf("Open on a failing server: %v, want unavailable", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no URL", Config{}, "URL"},
		{"no scheme", Config{URL: "127.0.0.1:7700"}, "URL"},
		{"another scheme", Config{URL: "ftp://meili:7700"}, "URL"},
		{"index with a slash", Config{URL: "http://meili:7700", Index: "a/b"}, "index name"},
		{"index with a space", Config{URL: "http://meili:7700", Index: "a b"}, "index name"},
		{"negative timeout", Config{URL: "http://meili:7700", Timeout: -time.Second}, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one about %q", err, tt.want)
			}
		})
	}
}
