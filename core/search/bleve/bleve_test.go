package bleve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"

	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/search/searchtest"
)

// TestConformance runs the suite every engine passes, in memory and on
// disk.
func TestConformance(t *testing.T) {
	t.Parallel()
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		searchtest.Run(t, func(t *testing.T) search.Engine {
			e, err := NewMemory()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = e.Close() })
			return e
		})
	})
	t.Run("disk", func(t *testing.T) {
		t.Parallel()
		searchtest.Run(t, func(t *testing.T) search.Engine {
			e, err := Open(t.TempDir() + "/index")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = e.Close() })
			return e
		})
	})
}

func fixtureEngine(t *testing.T, opts ...Option) *Engine {
	t.Helper()
	e, err := NewMemory(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	docs, err := searchtest.Fixture()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Index(context.Background(), docs...); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestMostWordsWhenNotAll checks the relaxation: no listing says every
// word of the opening sentence, and the one that says the most
// of them comes first.
func TestMostWordsWhenNotAll(t *testing.T) {
	t.Parallel()
	e := fixtureEngine(t)
	r, err := e.Search(context.Background(), search.Query{Territory: searchtest.PicardieVerte, Text: "quelqu'un pour tondre près de Songeons"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Hits) == 0 || r.Hits[0].ID != "pv-jardin" {
		t.Errorf("hits %+v: want pv-jardin first", r.Hits)
	}
}

// TestTimeout: a search that runs out of time fails, with nothing partial.
func TestTimeout(t *testing.T) {
	t.Parallel()
	e := fixtureEngine(t, WithTimeout(time.Nanosecond))
	r, err := e.Search(context.Background(), search.Query{Territory: searchtest.PicardieVerte, Text: "jardin"})
	if ae := apperr.As(err); err == nil || ae.Kind != apperr.KindUnavailable || ae.Code != "search_timeout" {
		t.Fatalf("Search = %v, %v; want search_timeout (KindUnavailable)", r, err)
	}
}

// TestReopen: what Index acknowledged is there after Close and Open.
func TestReopen(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "search")
	e, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := searchtest.Fixture()
	if err := e.Index(context.Background(), docs...); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if n, err := e.Count(); err != nil || n != uint64(len(docs)) {
		t.Errorf("after reopening: %d documents (%v), want %d", n, err, len(docs))
	}
	r, err := e.Search(context.Background(), search.Query{Territory: searchtest.PortesDeSologne, Text: "jardinnage"})
	if err != nil || r.Total == 0 {
		t.Errorf("search after reopening: %v, %v", r, err)
	}
}

// TestOutdated: an index from another mapping is refused, and Create
// starts afresh.
func TestOutdated(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "search")
	e, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Index(context.Background(), search.Document{ID: "a", Territory: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := e.index.SetInternal([]byte(versionKey), []byte("campagnon-search-0")); err != nil {
		t.Fatal(err)
	}
	_ = e.Close()
	_, err = Open(dir)
	if !errors.Is(err, ErrOutdated) || apperr.As(err).Code != "search_index_outdated" {
		t.Fatalf("Open(outdated) = %v; want ErrOutdated", err)
	}
	e, err = Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if n, _ := e.Count(); n != 0 {
		t.Errorf("Create left %d documents", n)
	}
}

// TestCreateKeepsOtherFiles: Create never deletes a folder that holds
// something else than an index (a data directory given by mistake).
func TestCreateKeepsOtherFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	precious := filepath.Join(dir, "campagnon.db")
	if err := os.WriteFile(precious, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(dir); err == nil {
		t.Fatal("Create on a folder with other files succeeded")
	}
	if _, err := os.Stat(precious); err != nil {
		t.Errorf("Create removed %s: %v", precious, err)
	}
}

// TestIndexRefusesNoID: a document without an ID is a bug upstream.
func TestIndexRefusesNoID(t *testing.T) {
	t.Parallel()
	e := fixtureEngine(t)
	if err := e.Index(context.Background(), search.Document{Territory: "t"}); err == nil {
		t.Error("a document without an ID was indexed")
	}
}

// TestOpenHeld: an index another process (or engine) holds is refused
// after a short wait, with a message, instead of hanging.
func TestOpenHeld(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "search")
	e, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err = Open(dir); apperr.As(err).Code != "search_index_unreadable" {
		t.Fatalf("second Open = %v; want search_index_unreadable", err)
	}
}
