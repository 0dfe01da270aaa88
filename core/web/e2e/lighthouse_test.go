package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The pages of issue 7's Lighthouse bar, in Portes de Sologne, around
// Marcilly-en-Villette (45193); {id} is the listing the test publishes.
const (
	lighthouseTerritory = "portes-de-sologne"
	lighthouseHome      = "/t/portes-de-sologne"
	lighthouseSearch    = "/t/portes-de-sologne/recherche?q=jardinage&commune=45193"
	lighthouseListing   = "/t/portes-de-sologne/annonces/{id}"
)

// TestLighthouse is issue 7's quality bar: Lighthouse (the npm package,
// its default mobile run with simulated throttling, in Debian's Chromium)
// gives the territory home, search and listing pages a performance score
// of at least 90 and an accessibility score of 100. It starts `campagnon
// serve` on a fresh SQLite database, signs a resident up and publishes a
// few listings through the HTTP API (so that the pages show real cards),
// runs lighthouse.mjs and logs the scores and page weights as a Markdown
// table for docs/benchmarks.md. Skipped like TestBrowserJourneys when
// Chromium or node_modules are missing, unless CI is set.
func TestLighthouse(t *testing.T) {
	pf := setUp(t, "the Lighthouse test", "campagnon-lighthouse-", 6*time.Minute, []string{"lighthouse"})
	ctx, binary, dir, plugins, artifacts, serverLog := pf.ctx, pf.binary, pf.dir, pf.plugins, pf.artifacts, pf.serverLog
	base, _ := startServe(t, ctx, binary, dir, plugins, serverLog)

	id := publishListings(t, ctx, base, serverLog)
	pages := []string{lighthouseHome, lighthouseSearch, strings.ReplaceAll(lighthouseListing, "{id}", id)}

	reportPath := filepath.Join(artifacts, "lighthouse.json")
	nodeCtx, nodeCancel := context.WithTimeout(ctx, 4*time.Minute)
	defer nodeCancel()
	node := exec.CommandContext(nodeCtx, "node", "lighthouse.mjs", "--base", base, "--out", reportPath,
		"--pages", strings.Join(pages, ","))
	node.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	node.WaitDelay = 10 * time.Second
	progress := &lineLogger{t: t}
	node.Stdout, node.Stderr = progress, progress
	started := time.Now()
	runErr := node.Run()
	progress.flush()

	rep, readErr := readJSON[lighthouseReport](reportPath)
	switch {
	case nodeCtx.Err() != nil:
		t.Fatalf("lighthouse.mjs did not finish in 4 minutes")
	case readErr != nil:
		t.Fatalf("lighthouse.mjs exited with %v and left no readable report: %v", runErr, readErr)
	}
	t.Logf("Lighthouse %s, %s, benchmark index %.0f; %s, %s throttling (RTT %.0f ms, %.0f kbit/s down, CPU ×%.0f); %v for %d pages\n%s",
		rep.LighthouseVersion, rep.BrowserVersion, rep.BenchmarkIndex, rep.Settings.FormFactor, rep.Settings.ThrottlingMethod,
		rep.Settings.Throttling.RTTMs, rep.Settings.Throttling.ThroughputKbps, rep.Settings.Throttling.CPUSlowdownMultiplier,
		time.Since(started).Round(time.Second), len(rep.Pages), rep.markdown(id))
	if rep.Error != "" {
		t.Errorf("lighthouse.mjs: %s", rep.Error)
	}
	for _, p := range rep.Pages {
		for _, w := range p.Warnings {
			t.Logf("%s: Lighthouse warns: %s", p.Path, w)
		}
		for _, f := range p.BestPractices {
			t.Logf("%s: best practices (information only): %s %s %s %s", p.Path, f.ID, f.Title, f.DisplayValue, strings.Join(f.Items, "; "))
		}
		if p.OK {
			continue
		}
		msg := fmt.Sprintf("%s: %s", p.Path, strings.Join(p.Problems, "; "))
		for _, f := range p.A11yFailures {
			msg += fmt.Sprintf("\n    accessibility audit %s (weight %d): %s", f.ID, f.Weight, f.Title)
			for _, n := range f.Items {
				msg += fmt.Sprintf("\n      %s  %s  %s", n.Selector, n.Snippet, strings.ReplaceAll(n.Explanation, "\n", " "))
			}
		}
		for _, i := range p.PerfIssues {
			msg += fmt.Sprintf("\n    performance audit %s (score %.2f): %s %s", i.ID, i.Score, i.Title, i.DisplayValue)
		}
		t.Error(msg)
	}
	if len(rep.Pages) != len(pages) && rep.Error == "" {
		t.Errorf("lighthouse.mjs measured %d pages of %d", len(rep.Pages), len(pages))
	}
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		t.Errorf("lighthouse.mjs: %v", runErr)
	} else if (runErr == nil) != rep.OK {
		t.Errorf("lighthouse.mjs exited with %v but its report says ok=%v", runErr, rep.OK)
	}
}

// lighthouseListingBody is the body of POST /api/v1/t/{t}/listings.
type lighthouseListingBody struct {
	Kind             string           `json:"kind"`
	Category         string           `json:"category"`
	Modality         string           `json:"modality"`
	Title            string           `json:"title"`
	Description      string           `json:"description"`
	Modes            []string         `json:"modes"`
	PriceKind        string           `json:"price_kind"`
	Commune          string           `json:"commune"`
	TravelKm         int              `json:"travel_km"`
	Availability     []map[string]any `json:"availability,omitempty"`
	AvailabilityNote string           `json:"availability_note,omitempty"`
	Publish          bool             `json:"publish"`
}

// lighthouseListings are what the test's resident publishes: the first
// (gardening in Marcilly-en-Villette) is the listing page measured and a
// result of the measured search; the others fill the territory home.
var lighthouseListings = []lighthouseListingBody{
	{Kind: "offer", Title: "Jardinage et tonte à Marcilly", Commune: "45193", Modes: []string{"time_credits", "free"},
		Description:  "Je jardine et je tonds votre pelouse le samedi matin, outils fournis. Taille des haies au printemps, ramassage des feuilles à l'automne.",
		Availability: []map[string]any{{"day": 6, "from": "09:00", "to": "12:00"}}, AvailabilityNote: "le samedi matin"},
	{Kind: "offer", Title: "Petit bricolage : étagères, robinets, portes qui grincent", Commune: "45146", Modes: []string{"time_credits"},
		Description: "Retraité bricoleur, je monte vos étagères et je change un joint de robinet. Je viens avec ma caisse à outils."},
	{Kind: "offer", Title: "Jardinage au potager, conseils de saison", Commune: "45309", Modes: []string{"free"},
		Description: "Semis, repiquage, paillage : je vous aide à remettre le potager en route et je partage mes graines."},
	{Kind: "need", Title: "Besoin d'aide pour bêcher le potager", Commune: "45193", Modes: []string{"time_credits"},
		Description: "Mon dos ne suit plus : qui peut bêcher mon potager avant les semis de printemps ?"},
	{Kind: "need", Title: "Quelqu'un pour tailler une haie de thuyas", Commune: "45146", Modes: []string{"time_credits", "free"},
		Description: "Une haie d'une vingtaine de mètres, à tailler avant l'hiver. Je prête le taille-haie."},
}

var lighthouseVerify = regexp.MustCompile(`jeton=(cmp_verify_[A-Za-z0-9_-]+)`)

// publishListings signs a resident of Marcilly-en-Villette up through the
// HTTP API (the verification link read from the server's development mail
// log), publishes lighthouseListings, waits until the search page finds
// the first one, and returns its ID.
func publishListings(t *testing.T, ctx context.Context, base, serverLog string) string {
	t.Helper()
	client := &http.Client{Timeout: 20 * time.Second}
	send := func(path string, body any, headers map[string]string, want int) (*http.Response, []byte) {
		t.Helper()
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequestWithContext(ctx, "POST", base+path, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %d, want %d: %s", path, resp.StatusCode, want, out)
		}
		return resp, out
	}
	const email, password = "odile.lighthouse@example.fr", "bocage-verger-2026"
	send("/api/v1/auth/signup", map[string]string{"email": email, "password": password, "display_name": "Odile", "commune": "45193"}, nil, 202)
	var token string
	for deadline := time.Now().Add(20 * time.Second); token == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, _ := os.ReadFile(serverLog)
		if m := lighthouseVerify.FindSubmatch(b); m != nil {
			token = string(m[1])
		}
	}
	if token == "" {
		t.Fatalf("no verification link in the server log:\n%s", tail(serverLog, 30))
	}
	send("/api/v1/auth/verify", map[string]string{"token": token}, nil, 200)
	resp, b := send("/api/v1/auth/login", map[string]string{"email": email, "password": password}, nil, 200)
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.Unmarshal(b, &me); err != nil || me.CSRFToken == "" {
		t.Fatalf("login: no CSRF token in %s (%v)", b, err)
	}
	headers := map[string]string{"X-CSRF-Token": me.CSRFToken}
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-campagnon_session" {
			headers["Cookie"] = c.Name + "=" + c.Value
		}
	}
	if headers["Cookie"] == "" {
		t.Fatalf("login set no session cookie: %v", resp.Header.Values("Set-Cookie"))
	}
	var first string
	for _, l := range lighthouseListings {
		l.Category, l.Modality, l.PriceKind, l.TravelKm, l.Publish = "petits-travaux", "resident", "free", 10, true
		_, out := send("/api/v1/t/"+lighthouseTerritory+"/listings", l, headers, 201)
		var created struct{ ID string }
		if err := json.Unmarshal(out, &created); err != nil || created.ID == "" {
			t.Fatalf("no listing ID in %s (%v)", out, err)
		}
		if first == "" {
			first = created.ID
		}
	}
	// The search index follows the database a moment later.
	want := lighthouseListings[0].Title
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		resp, err := client.Get(base + lighthouseSearch)
		if err == nil {
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(page), first) {
				break
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("the search page %s never showed %q (%s)", lighthouseSearch, want, first)
		}
	}
	return first
}

// lighthouseReport is lighthouse.mjs's JSON report (the fields read here).
type lighthouseReport struct {
	OK                bool    `json:"ok"`
	Error             string  `json:"error"`
	LighthouseVersion string  `json:"lighthouse_version"`
	BrowserVersion    string  `json:"browser_version"`
	BenchmarkIndex    float64 `json:"benchmark_index"`
	Settings          struct {
		FormFactor       string `json:"form_factor"`
		ThrottlingMethod string `json:"throttling_method"`
		Throttling       struct {
			RTTMs                 float64 `json:"rttMs"`
			ThroughputKbps        float64 `json:"throughputKbps"`
			CPUSlowdownMultiplier float64 `json:"cpuSlowdownMultiplier"`
		} `json:"throttling"`
	} `json:"settings"`
	Pages []lighthousePage `json:"pages"`
}

type lighthousePage struct {
	Path     string   `json:"path"`
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"`
	Warnings []string `json:"warnings"`
	Scores   struct {
		Performance   *int `json:"performance"`
		Accessibility *int `json:"accessibility"`
		BestPractices *int `json:"best_practices"`
	} `json:"scores"`
	Metrics struct {
		FCP float64 `json:"fcp_ms"`
		LCP float64 `json:"lcp_ms"`
		TBT float64 `json:"tbt_ms"`
		CLS float64 `json:"cls"`
		TTF float64 `json:"server_response_ms"`
	} `json:"metrics"`
	Bytes        float64 `json:"total_byte_weight"`
	Requests     int     `json:"requests"`
	A11yFailures []struct {
		ID     string `json:"id"`
		Title  string `json:"title"`
		Weight int    `json:"weight"`
		Items  []struct {
			Selector    string `json:"selector"`
			Snippet     string `json:"snippet"`
			Explanation string `json:"explanation"`
		} `json:"items"`
	} `json:"accessibility_failures"`
	PerfIssues []struct {
		ID           string  `json:"id"`
		Title        string  `json:"title"`
		Score        float64 `json:"score"`
		DisplayValue string  `json:"display_value"`
	} `json:"performance_issues"`
	BestPractices []struct {
		ID           string   `json:"id"`
		Title        string   `json:"title"`
		DisplayValue string   `json:"display_value"`
		Items        []string `json:"items"`
	} `json:"best_practices_failures"`
}

// markdown is the report as the table of docs/benchmarks.md; the
// listing's ID is shown as {id}.
func (r *lighthouseReport) markdown(id string) string {
	score := func(s *int) string {
		if s == nil {
			return "–"
		}
		return fmt.Sprint(*s)
	}
	var b strings.Builder
	b.WriteString("| page | performance | accessibility | best practices | FCP | LCP | TBT | CLS | bytes (requests) |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, p := range r.Pages {
		path := p.Path
		if id != "" {
			path = strings.ReplaceAll(path, id, "{id}")
		}
		if u, err := url.QueryUnescape(path); err == nil {
			path = u
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %.1f s | %.1f s | %.0f ms | %.3f | %.0f (%d) |\n", path,
			score(p.Scores.Performance), score(p.Scores.Accessibility), score(p.Scores.BestPractices),
			p.Metrics.FCP/1000, p.Metrics.LCP/1000, p.Metrics.TBT, p.Metrics.CLS, p.Bytes, p.Requests)
	}
	return b.String()
}
