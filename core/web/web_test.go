package web

import (
	"html/template"
	"io/fs"
	"regexp"
	"testing"

	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/sdk/abi"
)

// TestCatalogueHasEveryKey: every key a template translates, and every key
// built from a value (kinds, modes, states, events…), has a French and an
// English text.
func TestCatalogueHasEveryKey(t *testing.T) {
	used := map[string]bool{}
	literal := regexp.MustCompile(`t \$?\.Lang "([^"]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 50 {
		t.Fatalf("only %d keys found in the templates: the pattern no longer matches them", len(used))
	}
	for _, k := range []string{abi.ListingOffer, abi.ListingNeed} {
		used["kind."+k] = true
	}
	for _, m := range []string{abi.ModalityResident, abi.ModalityProfessional} {
		used["modality."+m] = true
	}
	for _, m := range []string{abi.ModeFree, abi.ModeTimeCredits, abi.ModeCESUDeclaratif, abi.ModeCESUPrefinance, abi.ModeProfessional} {
		used["mode."+m] = true
	}
	for _, s := range exchange.States {
		used["state."+string(s)] = true
	}
	for _, e := range exchange.Events {
		used["event."+string(e)] = true
	}
	for _, e := range append(actEvents, exchange.Cancel, exchange.Review) {
		used["info."+string(e)] = true
	}
	for _, k := range []ledger.Kind{ledger.KindExchange, ledger.KindWelcome, ledger.KindReversal, ledger.KindAdjustment} {
		used["ledger."+string(k)] = true
	}
	for _, st := range []string{listing.StatusDraft, listing.StatusPublished, listing.StatusPaused, listing.StatusClosed, listing.StatusExpired} {
		used["status."+st] = true
	}
	for _, a := range []string{listing.ActionPublish, listing.ActionPause, listing.ActionClose} {
		used["mine."+a] = true
	}
	for _, r := range grantableRoles {
		used["role."+r] = true
	}
	for _, sc := range mediation.Scopes {
		used["scope."+sc] = true
	}
	for _, m := range mediation.Methods {
		used["method."+m] = true
	}
	for _, k := range []string{"event.request", "info.message", "info.consent", "info.schedule", "exchange.erased", "role.seeker", "role.provider", "info.publiee", "sort.distance", "sort.recency",
		"sort.rating", "facet.category", "facet.commune", "facet.mode", "error.title", "a11y.title", "legal.title"} {
		used[k] = true
	}
	for k := range used {
		m, ok := catalogue[k]
		if !ok {
			t.Errorf("key %q is used but not in the catalogue", k)
			continue
		}
		if m[0] == "" || m[1] == "" {
			t.Errorf("key %q lacks its French or English text: %q", k, m)
		}
	}
}

func TestLocalPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/t/picardie-verte", "/t/picardie-verte"},
		{"", "/"},
		{"https://ailleurs.example", "/"},
		{"//ailleurs.example/x", "/"},
		{"/\\ailleurs.example", "/"},
		{"javascript:alert(1)", "/"},
	}
	for _, tt := range tests {
		if got := localPath(tt.in, "/"); got != tt.want {
			t.Errorf("localPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSwitchLang(t *testing.T) {
	sw := funcs["switchLang"].(func(string, string) string)
	tests := []struct{ path, lang, want string }{
		{"/", "fr", "/?lang=en"},
		{"/t/x/recherche?q=tonte&lang=fr", "fr", "/t/x/recherche?q=tonte&lang=en"},
		{"/t/x?lang=en&commune=60623", "en", "/t/x?commune=60623&lang=fr"},
	}
	for _, tt := range tests {
		if got := sw(tt.path, tt.lang); got != tt.want {
			t.Errorf("switchLang(%q, %q) = %q, want %q", tt.path, tt.lang, got, tt.want)
		}
	}
}

// TestSafeHighlight: an engine's highlight keeps its <mark>s and its
// escaped text; nothing else becomes markup.
func TestSafeHighlight(t *testing.T) {
	h := funcs["safeHighlight"].(func(string) template.HTML)
	tests := []struct{ in, want string }{
		{"<mark>Jardinage</mark> et tonte", "<mark>Jardinage</mark> et tonte"},
		{"l&#39;<mark>école</mark> &amp; les devoirs", "l&#39;<mark>école</mark> &amp; les devoirs"},
		{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"&lt;mark&gt;faux&lt;/mark&gt;", "&lt;mark&gt;faux&lt;/mark&gt;"},
		{"<mark onclick=x>y</mark>", "&lt;mark onclick=x&gt;y</mark>"},
	}
	for _, tt := range tests {
		if got := string(h(tt.in)); got != tt.want {
			t.Errorf("safeHighlight(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
