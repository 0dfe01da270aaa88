package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// browser is a person's browser without JavaScript: it sends forms as a
// browser does (url-encoded), keeps cookies, and does not follow
// redirects (the test checks where they go).
type browser struct {
	t       *testing.T
	srv     *fiber.App
	cookies map[string]string
}

func newBrowser(t *testing.T, srv *fiber.App) *browser {
	return &browser{t: t, srv: srv, cookies: map[string]string{}}
}

// page is one answer.
type page struct {
	status   int
	body     string
	location string
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.srv.Test(req, 20000)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	out, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(out), location: resp.Header.Get("Location")}
}

func (b *browser) get(path string) page { b.t.Helper(); return b.do("GET", path, nil) }

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.do("POST", path, form)
}

// expect fails unless p has status and contains every want.
func (b *browser) expect(what string, p page, status int, want ...string) page {
	b.t.Helper()
	if p.status != status {
		b.t.Fatalf("%s: status %d, want %d (location %q)\n%s", what, p.status, status, p.location, p.body)
	}
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			b.t.Fatalf("%s: the page lacks %q\n%s", what, w, p.body)
		}
	}
	if strings.Contains(p.body, "<script") {
		b.t.Fatalf("%s: the page has a script", what)
	}
	return p
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf returns the token of the first form of p.
func (b *browser) csrf(p page) string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("no CSRF field in the page:\n%s", p.body)
	}
	return m[1]
}

// signUpByForm signs a resident up, verifies and signs in, all by the
// pages' forms.
func signUpByForm(t *testing.T, a *app.App, b *browser, name, email, commune string) {
	t.Helper()
	b.expect("sign-up", b.post("/inscription", url.Values{"display_name": {name}, "email": {email}, "commune": {commune},
		"password": {"bocage-verger-2026"}}), 200, "Regardez votre messagerie")
	msgs, err := a.Accounts.Outbox(context.Background(), email, 10)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no verification email for %s: %v", email, err)
	}
	token := verifyToken.FindStringSubmatch(msgs[0].Body)
	if token == nil {
		t.Fatalf("no link in %s", msgs[0].Body)
	}
	b.expect("the email's link", b.get("/compte/verifier?jeton="+token[1]), 200, `name="jeton" value="`+token[1]+`"`)
	b.expect("confirm", b.post("/compte/verifier", url.Values{"jeton": {token[1]}}), 200, "Votre adresse est confirmée")
	p := b.expect("sign in", b.post("/connexion", url.Values{"email": {email}, "password": {"bocage-verger-2026"}}), 303)
	if !strings.HasPrefix(p.location, "/t/") {
		t.Fatalf("after sign-in: %q", p.location)
	}
}

// TestWebResidentJourney is issue 7's "done when", without JavaScript: a
// newcomer opens the home page, picks their commune, signs up, finds a
// service near them ("jardinnage", within 10 km, nearest first, with facet
// counts) and asks for it; the provider accepts, both confirm and review.
// Bad forms come back with every problem and what was typed; a form
// without its CSRF token is refused.
func TestWebResidentJourney(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App()
	ctx := context.Background()

	// Odile offers gardening in Marcilly-en-Villette.
	odile := newBrowser(t, srv)
	odile.expect("home", odile.get("/"), 200, "Votre commune", "CC des Portes de Sologne", `lang="fr"`)
	p := odile.get("/?commune=Marcilly-en-Villette")
	if p.status != 303 || p.location != "/t/portes-de-sologne?commune=45193" {
		t.Fatalf("picking the commune: %d %q", p.status, p.location)
	}
	odile.expect("territory", odile.get(p.location), 200, "<h1>CC des Portes de Sologne</h1>", "Les services du territoire")
	odile.expect("sign-up with mistakes", odile.post("/inscription", url.Values{"display_name": {"Odile"}, "email": {"odile@example.fr"},
		"commune": {"Paris"}, "password": {"court"}}), 422, "Le formulaire n&#39;a pas été enregistré", `value="odile@example.fr"`)
	signUpByForm(t, a, odile, "Odile", "odile@example.fr", "Marcilly-en-Villette")
	form := odile.expect("the listing form", odile.get("/t/portes-de-sologne/annonces/nouvelle"), 200, "Publier une annonce")
	listing := url.Values{"kind": {"offer"}, "category": {"petits-travaux"}, "title": {"Jardinage et tonte à Marcilly"},
		"description": {"Je jardine et je tonds le samedi matin, outils fournis."}, "commune": {"45193"}, "modes": {"time_credits", "free"}}
	odile.expect("no CSRF token", odile.post("/t/portes-de-sologne/annonces/nouvelle", listing), 403, "Formulaire refusé")
	bad := url.Values{"_csrf": {odile.csrf(form)}, "kind": {"offer"}, "category": {"petits-travaux"}, "title": {""},
		"description": {"Je jardine."}, "commune": {"45193"}}
	odile.expect("an empty title", odile.post("/t/portes-de-sologne/annonces/nouvelle", bad), 422, "Le formulaire n&#39;a pas été enregistré", "Je jardine.")
	listing.Set("_csrf", odile.csrf(form))
	p = odile.expect("posting", odile.post("/t/portes-de-sologne/annonces/nouvelle", listing), 303)
	listingPath, _, _ := strings.Cut(p.location, "?")
	odile.expect("the listing", odile.get(p.location), 200, "Votre annonce est publiée", "Jardinage et tonte à Marcilly", "Crédits temps")
	if n, err := a.Indexer.Round(ctx); err != nil || n == 0 {
		t.Fatalf("indexing: %d, %v", n, err)
	}

	// Odile pauses her offer and publishes it again.
	mine := odile.expect("my listings", odile.get("/t/portes-de-sologne/mes-annonces"), 200, "Jardinage et tonte à Marcilly", "publiée", "Mettre en pause")
	listingID := listingPath[strings.LastIndexByte(listingPath, '/')+1:]
	odile.expect("pause", odile.post("/t/portes-de-sologne/mes-annonces/"+listingID+"/pause", url.Values{"_csrf": {odile.csrf(mine)}}), 303)
	mine = odile.expect("paused", odile.get("/t/portes-de-sologne/mes-annonces"), 200, "en pause", "Publier")
	odile.expect("an unknown action", odile.post("/t/portes-de-sologne/mes-annonces/"+listingID+"/effacer", url.Values{"_csrf": {odile.csrf(mine)}}), 404)
	odile.expect("publish", odile.post("/t/portes-de-sologne/mes-annonces/"+listingID+"/publish", url.Values{"_csrf": {odile.csrf(mine)}}), 303)
	if n, err := a.Indexer.Round(ctx); err != nil || n == 0 {
		t.Fatalf("indexing: %d, %v", n, err)
	}

	// Paul, of La Ferté-Saint-Aubin, looks around Marcilly-en-Villette,
	// finds it and asks for it.
	paul := newBrowser(t, srv)
	signUpByForm(t, a, paul, "Paul", "paul@example.fr", "45146")
	paul.expect("search", paul.get("/t/portes-de-sologne/recherche?q=jardinnage&commune=45193&radius_km=10&sort=distance"), 200,
		"<mark>Jardinage</mark>", "1 annonce(s)", "à moins de 10 km de Marcilly-en-Villette", "Par catégorie", "Marcilly-en-Villette</strong> <span class=\"count\">(1)</span>")
	lp := paul.expect("the listing", paul.get(listingPath), 200, "Demander ce service", "Particulier", "Odile")
	p = paul.expect("asking", paul.post(listingPath+"/demander", url.Values{"_csrf": {paul.csrf(lp)}, "mode": {"time_credits"}, "minutes": {"60"}}), 303)
	exchangePath := p.location
	paul.expect("the exchange", paul.get(exchangePath), 200, "demandé", "Annuler l&#39;échange")

	// Odile accepts; the service is done, confirmed and reviewed by both.
	op := odile.expect("Odile's exchanges", odile.get("/mes-echanges"), 200, "Jardinage et tonte à Marcilly", "prestataire")
	_ = op
	for _, step := range []struct {
		who    *browser
		action string
		after  string
	}{
		{odile, "accept", "accepté"},
		{paul, "planifier", "La date est enregistrée"},
		{odile, "complete", "réalisé"},
		{paul, "confirm", "Votre confirmation est enregistrée"},
		{odile, "confirm", "confirmé"},
	} {
		xp := step.who.get(exchangePath)
		form := url.Values{"_csrf": {step.who.csrf(xp)}}
		info := step.action
		if step.action == "planifier" {
			form.Set("date", time.Now().AddDate(0, 0, 3).Format("2006-01-02"))
			form.Set("time", "10:30")
			info = "schedule"
		}
		step.who.expect(step.action, step.who.post(exchangePath+"/"+step.action, form), 303)
		step.who.expect("after "+step.action, step.who.get(exchangePath+"?info="+info), 200, step.after)
	}
	for _, who := range []*browser{paul, odile} {
		xp := who.expect("review form", who.get(exchangePath), 200, "Évaluer l&#39;échange")
		who.expect("a rating of 9", who.post(exchangePath+"/evaluer", url.Values{"_csrf": {who.csrf(xp)}, "rating": {"9"}}), 400, "note de 1 à 5")
		who.expect("review", who.post(exchangePath+"/evaluer", url.Values{"_csrf": {who.csrf(xp)}, "rating": {"5"}, "comment": {"Parfait, merci !"}}), 303)
	}
	paul.expect("reviewed", paul.get(exchangePath), 200, "évalué")
	paul.expect("the listing's reviews", paul.get(listingPath), 200, "5.0 / 5", "Parfait, merci !")

	// They talk in the exchange's thread.
	xp := paul.get(exchangePath)
	paul.expect("an empty message", paul.post(exchangePath+"/message", url.Values{"_csrf": {paul.csrf(xp)}, "body": {"  "}}), 400)
	paul.expect("a message", paul.post(exchangePath+"/message", url.Values{"_csrf": {paul.csrf(xp)}, "body": {"Merci encore pour le potager !"}}), 303)
	odile.expect("the thread", odile.get(exchangePath), 200, "Merci encore pour le potager !", "Paul")

	// Paul's account: his time credits went to Odile.
	paul.expect("my account", paul.get("/mon-compte"), 200, "Mes crédits temps", "Échange", "−1 h")
	odile.expect("Odile's account", odile.get("/mon-compte"), 200, "+1 h")
	paul.expect("the directory", paul.get("/t/portes-de-sologne/professionnels"), 200, "Professionnels du territoire")

	// Paul leaves: the confirmation word is required, then he is gone.
	ap := paul.get("/mon-compte")
	paul.expect("erasure unconfirmed", paul.post("/mon-compte/supprimer", url.Values{"_csrf": {paul.csrf(ap)}, "password": {"bocage-verger-2026"}, "confirm": {"oui"}}), 422, "SUPPRIMER")
	paul.expect("erasure", paul.post("/mon-compte/supprimer", url.Values{"_csrf": {paul.csrf(ap)}, "password": {"bocage-verger-2026"}, "confirm": {"SUPPRIMER"}}), 200, "Compte supprimé")
	if p := paul.get("/mon-compte"); p.status != 303 {
		t.Errorf("after erasure, /mon-compte = %d", p.status)
	}
	odile.expect("the thread after erasure", odile.get(exchangePath), 200, "Compte supprimé")
}

// TestWebPagesAndLanguages: every public page answers in French, and in
// English after the language link (remembered by a cookie); a page that
// needs a session sends to the sign-in page and back.
func TestWebPagesAndLanguages(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	b := newBrowser(t, a.Server().App())
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{"Des services entre voisins"}},
		{"/?commune=45240", 200, []string{"La Ferté-Saint-Aubin", "Marcilly-en-Villette"}},
		{"/?commune=Lyon", 200, []string{"pas encore ouverte"}},
		{"/?commune=zzzzqqq", 200, []string{"Aucune commune ne correspond"}},
		{"/t/picardie-verte", 200, []string{"CC de la Picardie Verte", "Dernières offres"}},
		{"/t/picardie-verte/recherche", 200, []string{"Trouver un service", "0 annonce(s)"}},
		{"/t/picardie-verte/recherche?q=" + strings.Repeat("a", 201), 400, []string{"200 caractères au plus"}},
		{"/t/nulle-part", 404, []string{"Cette page ne peut pas s&#39;afficher"}},
		{"/t/picardie-verte/annonces/0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", 404, nil},
		{"/inscription", 200, []string{"Créer un compte", `autocomplete="new-password"`}},
		{"/connexion", 200, []string{`autocomplete="current-password"`}},
		{"/accessibilite", 200, []string{"Déclaration d&#39;accessibilité", "Défenseur des droits"}},
		{"/mentions-legales", 200, []string{"Données personnelles"}},
		{"/compte/verifier?jeton=faux", 200, []string{"Confirmer mon adresse"}},
	}
	for _, tt := range tests {
		b.expect(tt.path, b.get(tt.path), tt.status, tt.want...)
	}
	b.expect("a bad verification link", b.post("/compte/verifier", url.Values{"jeton": {"faux"}}), 400, "Ce lien n&#39;est pas ou plus valable")
	b.expect("a wrong password", b.post("/connexion", url.Values{"email": {"x@example.fr"}, "password": {"pas-le-bon-mot"}}), 401, "Se connecter")
	if p := b.get("/mon-compte"); p.status != 303 || p.location != "/connexion?suite=%2Fmon-compte" {
		t.Errorf("/mon-compte anonymous: %d %q", p.status, p.location)
	}
	if p := b.post("/connexion", url.Values{"email": {"x@example.fr"}, "password": {"x"}, "suite": {"https://ailleurs.example"}}); strings.Contains(p.location, "ailleurs") {
		t.Errorf("sign-in redirected off-site: %q", p.location)
	}
	b.expect("English", b.get("/t/picardie-verte/recherche?lang=en"), 200, `lang="en"`, "Find a service", "Français")
	b.expect("English remembered", b.get("/t/picardie-verte"), 200, "Latest offers")
	b.expect("back to French", b.get("/?lang=fr"), 200, `lang="fr"`)
}

// TestWebObservatory: a territory admin reads the needs observatory (the
// map, the breakdowns, the weeks) and exports it for a spreadsheet; a
// resident is refused both.
func TestWebObservatory(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App()
	admin, resident := newBrowser(t, srv), newBrowser(t, srv)
	signUpByForm(t, a, admin, "Agnès", "agnes@example.fr", "Marcilly-en-Villette")
	signUpByForm(t, a, resident, "Rémi", "remi@example.fr", "Sennely")
	nameRole(t, a, srv, "territory_admin", "portes-de-sologne", "agnes@example.fr")
	// Rémi needs help with his garden: one need, unanswered for now.
	form := resident.get("/t/portes-de-sologne/annonces/nouvelle?kind=need")
	need := resident.expect("a need", resident.post("/t/portes-de-sologne/annonces/nouvelle", url.Values{"_csrf": {resident.csrf(form)},
		"kind": {"need"}, "category": {"petits-travaux"}, "title": {"Besoin d'aide pour bêcher le potager"},
		"description": {"Mon dos ne suit plus : qui peut bêcher mon potager ?"}, "commune": {"45309"}, "modes": {"time_credits"}}), 303)

	admin.expect("observatory", admin.get("/t/portes-de-sologne/observatoire?semaines=4"), 200,
		"Observatoire des besoins", `role="img"`, "Sennely", "Besoins publiés", "Semaine par semaine", "<dd>1</dd>")
	p := admin.get("/t/portes-de-sologne/observatoire.csv")
	if p.status != 200 || !strings.HasPrefix(p.body, "\ufeff") || !strings.Contains(p.body, ";") {
		t.Fatalf("CSV: %d %.200q", p.status, p.body)
	}
	resident.expect("a resident", resident.get("/t/portes-de-sologne/observatoire"), 403, "réservée")

	// The admin's desk and the moderation queue, linked from the menu.
	admin.expect("admin menu", admin.get("/t/portes-de-sologne"), 200, `href="/t/portes-de-sologne/admin"`)
	if p := resident.get("/t/portes-de-sologne"); strings.Contains(p.body, `href="/t/portes-de-sologne/admin"`) {
		t.Error("a resident's menu links to the admin desk")
	}
	admin.expect("admin desk", admin.get("/t/portes-de-sologne/admin?q=r"), 200, "Rémi", "cc.portes-de-sologne", "Règles en vigueur")
	resident.expect("a resident's desk", resident.get("/t/portes-de-sologne/admin"), 403)
	needPath, _, _ := strings.Cut(need.location, "?")
	needID := needPath[strings.LastIndexByte(needPath, '/')+1:]
	mq := admin.expect("empty queue", admin.get("/t/portes-de-sologne/moderation"), 200, "Rien à modérer")
	admin.expect("hide", admin.post("/t/portes-de-sologne/moderation/"+needID+"/masquer", url.Values{"_csrf": {admin.csrf(mq)}, "reason": {"Doublon"}}), 303)
	mq = admin.expect("queue", admin.get("/t/portes-de-sologne/moderation?info=1"), 200, "Masquée", "Doublon", "Rétablir")
	resident.expect("hidden from others", newBrowser(t, srv).get(needPath), 404)
	admin.expect("show again", admin.post("/t/portes-de-sologne/moderation/"+needID+"/retablir", url.Values{"_csrf": {admin.csrf(mq)}}), 303)
	dp := admin.get("/t/portes-de-sologne/admin")
	admin.expect("an unknown email", admin.post("/t/portes-de-sologne/admin/roles", url.Values{"_csrf": {admin.csrf(dp)}, "email": {"inconnu@example.fr"}, "role": {"mediator"}}), 404)
	admin.expect("a national role", admin.post("/t/portes-de-sologne/admin/roles", url.Values{"_csrf": {admin.csrf(dp)}, "email": {"remi@example.fr"}, "role": {"national_operator"}}), 400, "Rôle inconnu")
	admin.expect("name a mediator", admin.post("/t/portes-de-sologne/admin/roles", url.Values{"_csrf": {admin.csrf(dp)}, "email": {"remi@example.fr"}, "role": {"mediator"}}), 303)
	resident.expect("Rémi mediates", resident.get("/t/portes-de-sologne/mediation"), 200, "Médiation")
	resident.expect("hide by a resident", resident.post("/t/portes-de-sologne/moderation/"+needID+"/masquer",
		url.Values{"_csrf": {resident.csrf(resident.get("/t/portes-de-sologne"))}, "reason": {"x"}}), 403, "réservée")
	if p := resident.get("/t/portes-de-sologne/observatoire.csv"); p.status != 403 {
		t.Errorf("a resident's CSV: %d", p.status)
	}
}

// TestWebMediator: a mediator finds a resident, records their consent,
// acts for them under a banner on every page (posting a need in their
// name), and stops; the resident sees what was done for them; acting
// without a consent, or without being a mediator, is refused.
func TestWebMediator(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App()
	ctx := context.Background()
	mireille, jeanne, op := newBrowser(t, srv), newBrowser(t, srv), newBrowser(t, srv)
	signUpByForm(t, a, mireille, "Mireille", "mireille@example.fr", "Ligny-le-Ribault")
	signUpByForm(t, a, jeanne, "Jeanne", "jeanne@example.fr", "Sennely")
	signUpByForm(t, a, op, "Opératrice", "op@example.fr", "45006")
	ids := map[string]string{}
	for _, email := range []string{"mireille@example.fr", "jeanne@example.fr", "op@example.fr"} {
		acc, err := a.Accounts.ByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		ids[email] = acc.ID
	}
	if err := a.Authz.Bootstrap(ctx, ids["op@example.fr"]); err != nil {
		t.Fatal(err)
	}
	// Mireille's menu is drawn (and its decisions cached) before she is named.
	mireille.expect("before being named", mireille.get("/t/portes-de-sologne"), 200)
	mireille.expect("not a mediator yet", mireille.get("/t/portes-de-sologne/mediation"), 403)
	if err := a.Authz.AddRole(ctx, ids["op@example.fr"], ids["mireille@example.fr"], "mediator", "portes-de-sologne"); err != nil {
		t.Fatal(err)
	}
	jeanne.expect("a resident is no mediator", jeanne.get("/t/portes-de-sologne/mediation"), 403)
	mireille.expect("the mediator's menu", mireille.get("/t/portes-de-sologne"), 200, `href="/t/portes-de-sologne/mediation"`)

	mp := mireille.expect("find", mireille.get("/t/portes-de-sologne/mediation?q=jeanne"), 200, "jeanne@example.fr", "Aucun consentement en cours")
	mireille.expect("acting without consent", mireille.post("/t/portes-de-sologne/mediation/agir",
		url.Values{"_csrf": {mireille.csrf(mp)}, "resident": {ids["jeanne@example.fr"]}}), 403, "Aucun consentement")
	cp := mireille.expect("consent form", mireille.get("/t/portes-de-sologne/mediation?habitant="+ids["jeanne@example.fr"]), 200, "sur papier signé")
	mireille.expect("consent", mireille.post("/t/portes-de-sologne/mediation/consentement", url.Values{"_csrf": {mireille.csrf(cp)},
		"resident": {ids["jeanne@example.fr"]}, "scope": {"listing", "exchange", "message"}, "method": {"paper"}, "days": {"90"}}), 303)
	mp = mireille.expect("consents", mireille.get("/t/portes-de-sologne/mediation?info=consent"), 200, "Consentement enregistré", "Agir pour Jeanne")
	mireille.expect("act", mireille.post("/t/portes-de-sologne/mediation/agir",
		url.Values{"_csrf": {mireille.csrf(mp)}, "resident": {ids["jeanne@example.fr"]}}), 303)
	form := mireille.expect("the banner", mireille.get("/t/portes-de-sologne/annonces/nouvelle?kind=need"), 200,
		"Vous agissez pour Jeanne", "chaque action est enregistrée", `value="45309" selected`)
	p := mireille.expect("a need for Jeanne", mireille.post("/t/portes-de-sologne/annonces/nouvelle", url.Values{"_csrf": {mireille.csrf(form)},
		"kind": {"need"}, "category": {"petits-travaux"}, "title": {"Couper du bois pour l'hiver"},
		"description": {"Jeanne cherche quelqu'un pour couper et ranger son bois."}, "commune": {"45309"}, "modes": {"time_credits"}}), 303)
	mireille.expect("Jeanne's need", mireille.get(p.location), 200, "Jeanne", "Vous agissez pour Jeanne")
	jeanne.expect("what was done for Jeanne", jeanne.get("/mon-compte/donnees"), 200, "Actions faites pour vous", "listing")
	bp := mireille.get("/t/portes-de-sologne")
	mireille.expect("stop", mireille.post("/mediation/arreter", url.Values{"_csrf": {mireille.csrf(bp)}}), 303)
	if p := mireille.get("/t/portes-de-sologne"); strings.Contains(p.body, "Vous agissez pour") {
		t.Error("the banner stays after stopping")
	}
	mireille.expect("the bulletin", mireille.get("/t/portes-de-sologne/bulletin?commune=45309"), 200, "Services proposés", "Sennely")
}

// TestWebProfessional: a business signs up with its SIRET and
// services-à-la-personne number (a wrong SIRET is explained), posts an
// offer, and shows in the territory's directory and on its listing as a
// professional; a member's CESU page answers.
func TestWebProfessional(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App()
	pro := newBrowser(t, srv)
	pro.expect("a wrong SIRET", pro.post("/inscription", url.Values{"display_name": {"Marc"}, "email": {"marc@example.fr"}, "commune": {"Songeons"},
		"password": {"bocage-verger-2026"}, "company_name": {"Jardins du Bray"}, "siret": {"73282932000075"}, "naf": {"81.30Z"}}), 422, "SIRET", `value="Jardins du Bray"`)
	b := url.Values{"display_name": {"Marc"}, "email": {"marc@example.fr"}, "commune": {"Songeons"}, "password": {"bocage-verger-2026"},
		"company_name": {"Jardins du Bray"}, "siret": {"732 829 320 00074"}, "naf": {"81.30Z"}, "sap_number": {"SAP732829320"}}
	pro.expect("sign-up", pro.post("/inscription", b), 200, "Regardez votre messagerie")
	msgs, err := a.Accounts.Outbox(context.Background(), "marc@example.fr", 10)
	if err != nil || len(msgs) == 0 {
		t.Fatal("no email", err)
	}
	token := verifyToken.FindStringSubmatch(msgs[0].Body)[1]
	pro.expect("verify", pro.post("/compte/verifier", url.Values{"jeton": {token}}), 200)
	pro.expect("sign in", pro.post("/connexion", url.Values{"email": {"marc@example.fr"}, "password": {"bocage-verger-2026"}}), 303)
	form := pro.get("/t/picardie-verte/annonces/nouvelle")
	p := pro.expect("an offer", pro.post("/t/picardie-verte/annonces/nouvelle", url.Values{"_csrf": {pro.csrf(form)}, "kind": {"offer"},
		"category": {"petits-travaux"}, "title": {"Entretien de jardins"}, "description": {"Taille, tonte, débroussaillage : devis gratuit."},
		"commune": {"60623"}, "modes": {"professional"}}), 303)
	pro.expect("the listing", pro.get(p.location), 200, "Professionnel", "Jardins du Bray")
	pro.expect("the business profile", pro.get("/mon-compte"), 200, "73282932000074", "SAP732829320")
	anyone := newBrowser(t, srv)
	anyone.expect("directory", anyone.get("/t/picardie-verte/professionnels?category=petits-travaux"), 200, "Jardins du Bray", "Entretien de jardins", "Services à la personne")
	anyone.expect("directory elsewhere", anyone.get("/t/picardie-verte/professionnels?commune=60001"), 200, "Aucun professionnel")
	pro.expect("CESU page", pro.get("/t/picardie-verte/mes-cesu"), 200, "Mes CESU", "Compteur de crédit d&#39;impôt", "Aucun travail en CESU")
	pro.expect("CESU bad month", pro.get("/t/picardie-verte/mes-cesu?mois=2026-13"), 400, "Mois invalide")
}

// nameRole signs a national operator up (op@example.fr in Ardon, named as
// `campagnon operator add` names the first) unless one is, and has them
// give role in territory to the account of email; it returns the
// operator's browser.
func nameRole(t *testing.T, a *app.App, srv *fiber.App, role, territory string, emails ...string) *browser {
	t.Helper()
	ctx := context.Background()
	op := newBrowser(t, srv)
	opAcc, err := a.Accounts.ByEmail(ctx, "op@example.fr")
	if err != nil {
		signUpByForm(t, a, op, "Opératrice", "op@example.fr", "45006")
		if opAcc, err = a.Accounts.ByEmail(ctx, "op@example.fr"); err != nil {
			t.Fatal(err)
		}
		if err := a.Authz.Bootstrap(ctx, opAcc.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, email := range emails {
		acc, err := a.Accounts.ByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Authz.AddRole(ctx, opAcc.ID, acc.ID, role, territory); err != nil {
			t.Fatal(err)
		}
	}
	return op
}
