package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKilledServerLosesNoIndexing is issue 6's "done when", with a real
// process: a listing is committed through the API while the indexer waits
// (search.index_every=1h holds its next round back), the server is killed
// with SIGKILL before indexing it, and once the server starts again on the
// same data the listing is found by a search, with nothing to redo by hand.
func TestKilledServerLosesNoIndexing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd, base, _, logs := startServe(t, dir, "CAMPAGNON_SEARCH_INDEX_EVERY=1h")
	headers := signInThroughServer(t, base, logs, "jardin@example.fr", "45193")
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(method, path, body string, headers map[string]string, want int) string {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
		}
		return string(b)
	}
	listing := `{"kind":"offer","category":"petits-travaux","modality":"resident","title":"Jardinage et tonte à Marcilly",` +
		`"description":"Je jardine et je tonds le samedi matin.","modes":["time_credits"],"price_kind":"free",` +
		`"commune":"45193","travel_km":10,"availability":[{"day":6,"from":"09:00","to":"12:00"}],"availability_note":"le samedi","publish":true}`
	send("POST", "/api/v1/t/portes-de-sologne/listings", listing, headers, 201)
	find := "/api/v1/t/portes-de-sologne/search?" + url.Values{"q": {"jardinnage"}, "near": {"45193"}, "radius_km": {"10"}, "sort": {"distance"}}.Encode()
	if got := send("GET", find, "", nil, 200); !strings.Contains(got, `"total":0`) {
		t.Fatalf("the listing was indexed before the kill; the test proves nothing: %s", got)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	cmd, base, _, logs = startServe(t, dir)
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	var got string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = send("GET", find, "", nil, 200); strings.Contains(got, "Jardinage et tonte à Marcilly") {
			return
		}
	}
	t.Fatalf("after the restart the listing is not found: %s\n%s", got, fmt.Sprint(logs.String()))
}
