package app_test

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/notify"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/web"
)

// awarenessFixture opens a platform where Agnès (Marcilly-en-Villette) is
// an admin of CC des Portes de Sologne and Rémi (Sennely, 10 km away) a
// resident who posted an offer and a need.
func awarenessFixture(t *testing.T) (a *app.App, admin, resident *browser) {
	t.Helper()
	a = openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App()
	if !slices.ContainsFunc(a.Pages, func(r web.Route) bool { return r.Path == "/t/:territory/flyer" }) {
		t.Fatal("the awareness pages are not registered: web.Register must call registerAwareness")
	}
	admin, resident = newBrowser(t, srv), newBrowser(t, srv)
	signUpByForm(t, a, admin, "Agnès", "agnes@example.fr", "Marcilly-en-Villette")
	signUpByForm(t, a, resident, "Rémi", "remi@example.fr", "Sennely")
	nameRole(t, a, srv, "territory_admin", "portes-de-sologne", "agnes@example.fr")
	for _, l := range []url.Values{
		{"kind": {"offer"}, "title": {"Tonte et taille de haies"}, "description": {"Je tonds et je taille le samedi."}},
		{"kind": {"need"}, "title": {"Besoin d'aide pour bêcher le potager"}, "description": {"Mon dos ne suit plus."}},
	} {
		form := resident.get("/t/portes-de-sologne/annonces/nouvelle?kind=" + l.Get("kind"))
		l.Set("_csrf", resident.csrf(form))
		l.Set("category", "petits-travaux")
		l.Set("commune", "45309")
		l.Set("modes", "time_credits")
		resident.expect("a listing", resident.post("/t/portes-de-sologne/annonces/nouvelle", l), 303)
	}
	return a, admin, resident
}

var qrSVG = regexp.MustCompile(`<svg [^>]*class="qr"[^>]*viewBox="0 0 (\d+) (\d+)"`)

// TestWebAwarenessMaterial: anyone prints the territory's A5 flyer (live
// counts, categories, QR code of the territory's address, the address in
// words) and reads its public figures, which name no one and no commune
// and show a count under 3 as "moins de 3".
func TestWebAwarenessMaterial(t *testing.T) {
	a, _, _ := awarenessFixture(t)
	anyone := newBrowser(t, a.Server().App())
	p := anyone.expect("flyer", anyone.get("/t/portes-de-sologne/flyer"), 200,
		`<link rel="stylesheet" href="/static/awareness.css">`, `class="flyer"`,
		"<strong>1</strong> service proposé en ce moment", "<strong>1</strong> besoin de voisin en attente",
		"Petits travaux maison et jardin", "http://localhost:8080/t/portes-de-sologne", "<title>QR code : http://localhost:8080/t/portes-de-sologne</title>",
		"Comment ça marche")
	if m := qrSVG.FindStringSubmatch(p.body); m == nil || m[1] != m[2] {
		t.Fatalf("no square QR code SVG in the flyer:\n%s", p.body)
	}
	if !strings.Contains(p.body, `<path fill="#000" d="M`) {
		t.Error("the QR code draws no module")
	}
	anyone.expect("flyer in English", anyone.get("/t/portes-de-sologne/flyer?lang=en"), 200, "on offer right now", "Scan the code")
	css := anyone.get("/static/awareness.css")
	if css.status != 200 || !strings.Contains(css.body, "size: A5") {
		t.Errorf("awareness.css: %d %.100q", css.status, css.body)
	}
	anyone.expect("unknown territory", anyone.get("/t/nulle-part/flyer"), 404)

	p = anyone.expect("figures", anyone.get("/t/portes-de-sologne/chiffres?lang=fr"), 200,
		"Les besoins et les services en chiffres", "moins de 3", "Petits travaux maison et jardin", "Pour citer ces chiffres",
		"Source : Campagnon, observatoire des besoins de", "http://localhost:8080/t/portes-de-sologne/chiffres", "non publiée (moins de 3 besoins)")
	for _, not := range []string{"Rémi", "remi@example.fr", "Sennely", "Marcilly", "bêcher", "Tonte"} {
		if strings.Contains(p.body, not) {
			t.Errorf("the public figures show %q", not)
		}
	}
	anyone.expect("figures over a year", anyone.get("/t/portes-de-sologne/chiffres?semaines=52"), 200, `<option value="52" selected>`)
}

// TestWebAgenda: an admin adds, corrects and deletes the territory's
// awareness events; a resident may not; anyone sees the upcoming ones on
// the public agenda and the flyer.
func TestWebAgenda(t *testing.T) {
	a, admin, resident := awarenessFixture(t)
	anyone := newBrowser(t, a.Server().App())
	if p := anyone.get("/t/portes-de-sologne/agenda"); p.status != 303 || !strings.HasPrefix(p.location, "/connexion") {
		t.Errorf("anonymous agenda: %d %q", p.status, p.location)
	}
	resident.expect("a resident's agenda", resident.get("/t/portes-de-sologne/agenda"), 403, "réservée")
	rp := resident.get("/t/portes-de-sologne")
	resident.expect("a resident adds", resident.post("/t/portes-de-sologne/agenda", url.Values{"_csrf": {resident.csrf(rp)},
		"kind": {"market_stand"}, "title": {"Faux stand"}, "commune": {"45309"}, "date": {"2030-01-01"}, "start": {"09:00"}, "end": {"10:00"}}), 403)
	anyone.expect("no event yet", anyone.get("/t/portes-de-sologne/evenements"), 200, "Aucun rendez-vous prévu")

	ap := admin.expect("the admin's agenda", admin.get("/t/portes-de-sologne/agenda"), 200, "Agenda de sensibilisation", "Ajouter un rendez-vous",
		"Stand sur le marché", "Salon des artisans", "Réunion pour les entreprises", "Marcilly-en-Villette")
	day := time.Now().AddDate(0, 0, 10)
	event := url.Values{"_csrf": {admin.csrf(ap)}, "kind": {"market_stand"}, "title": {"Campagnon au marché de La Ferté"}, "commune": {"45146"},
		"address": {"place du marché"}, "date": {day.Format("2006-01-02")}, "start": {"08:30"}, "end": {"12:00"}, "description": {"Venez créer votre compte avec nous."}}
	bad := url.Values{}
	for k, v := range event {
		bad[k] = v
	}
	bad.Set("title", "")
	bad.Set("end", "07:00")
	admin.expect("a bad event", admin.post("/t/portes-de-sologne/agenda", bad), 422, "Le formulaire n&#39;a pas été enregistré",
		"le titre compte de 3 à 120 caractères", "la fin vient après le début", `value="place du marché"`)
	bad.Set("title", "Ailleurs")
	bad.Set("end", "12:00")
	bad.Set("commune", "60623")
	admin.expect("another territory's commune", admin.post("/t/portes-de-sologne/agenda", bad), 422, "l&#39;une de celles du territoire")
	p := admin.expect("an event", admin.post("/t/portes-de-sologne/agenda", event), 303)
	if p.location != "/t/portes-de-sologne/agenda?info=cree" {
		t.Errorf("after adding: %q", p.location)
	}
	ap = admin.expect("listed", admin.get(p.location), 200, "Le rendez-vous est ajouté", "Campagnon au marché de La Ferté", "place du marché, La Ferté-Saint-Aubin", "8 h 30 – 12 h")
	edit := regexp.MustCompile(`href="(/t/portes-de-sologne/agenda/[0-9a-f-]{36})"`).FindStringSubmatch(ap.body)
	if edit == nil {
		t.Fatalf("no edit link:\n%s", ap.body)
	}
	anyone.expect("public agenda", anyone.get("/t/portes-de-sologne/evenements"), 200, "Campagnon au marché de La Ferté", "Stand sur le marché",
		"Venez créer votre compte avec nous.", `datetime="`+day.Format("2006-01-02")+"T08:30:00")
	anyone.expect("the flyer's events", anyone.get("/t/portes-de-sologne/flyer"), 200, "Prochains rendez-vous", "Campagnon au marché de La Ferté")
	anyone.expect("in English", anyone.get("/t/portes-de-sologne/evenements?lang=en"), 200, "Market stand", day.Format("Monday 2 January 2006")+", 08:30 – 12:00")
	resident.expect("a resident edits", resident.get(edit[1]), 403)
	admin.expect("another territory", admin.get(strings.Replace(edit[1], "portes-de-sologne", "picardie-verte", 1)), 403)

	ep := admin.expect("edit form", admin.get(edit[1]), 200, "Modifier le rendez-vous", `value="Campagnon au marché de La Ferté"`, `value="08:30"`, `<option value="45146" selected>`)
	event.Set("_csrf", admin.csrf(ep))
	event.Set("title", "Campagnon au grand marché de La Ferté")
	event.Set("end_date", day.AddDate(0, 0, 1).Format("2006-01-02"))
	admin.expect("update", admin.post(edit[1], event), 303)
	anyone.expect("updated", anyone.get("/t/portes-de-sologne/evenements?lang=fr"), 200, "Campagnon au grand marché de La Ferté", " à ")
	event.Set("end_date", day.AddDate(0, 0, 9).Format("2006-01-02"))
	admin.expect("a ten-day event", admin.post(edit[1], event), 422, "4 jours au plus")

	ap = admin.get("/t/portes-de-sologne/agenda")
	resident.expect("a resident deletes", resident.post(edit[1]+"/supprimer", url.Values{"_csrf": {resident.csrf(rp)}}), 403)
	admin.expect("delete", admin.post(edit[1]+"/supprimer", url.Values{"_csrf": {admin.csrf(ap)}}), 303)
	anyone.expect("deleted", anyone.get("/t/portes-de-sologne/evenements"), 200, "Aucun rendez-vous prévu")
	admin.expect("deleted twice", admin.post(edit[1]+"/supprimer", url.Values{"_csrf": {admin.csrf(ap)}}), 404)
}

// TestWebNotifications: a member switches the weekly digest off and on;
// the digest goes only to those who keep it, with its unsubscribe link;
// the territory's admin is told of a need left unanswered.
func TestWebNotifications(t *testing.T) {
	a, admin, resident := awarenessFixture(t)
	ctx := context.Background()
	// The service the server's jobs run (cmd/campagnon's notifyRegularly).
	n := notify.NewService(a.Store, a.Referential, a.Accounts, a.Authz, notify.Options{BaseURL: a.Config.Security.PublicURL})
	if p := newBrowser(t, a.Server().App()).get("/mon-compte/notifications"); p.status != 303 || !strings.HasPrefix(p.location, "/connexion") {
		t.Errorf("anonymous: %d %q", p.status, p.location)
	}
	np := resident.expect("settings", resident.get("/mon-compte/notifications"), 200, "Le résumé de la semaine",
		`value="on" checked`, "à moins de 15 km de votre commune")
	resident.expect("no CSRF token", resident.post("/mon-compte/notifications", url.Values{"digest": {"off"}}), 403, "Formulaire refusé")
	p := resident.expect("off", resident.post("/mon-compte/notifications", url.Values{"_csrf": {resident.csrf(np)}, "digest": {"off"}}), 303)
	resident.expect("saved", resident.get(p.location), 200, "Votre choix est enregistré", `value="off" checked`)
	resident.expect("in English", resident.get("/mon-compte/notifications?lang=en"), 200, "The weekly digest", "No, I no longer want it")

	// Next week, this week's listings are in the digest: Agnès gets
	// Rémi's, Rémi (opted out) nothing.
	res, err := n.Digest(ctx, time.Now().AddDate(0, 0, 7))
	if err != nil || res.Sent != 1 {
		t.Fatalf("digest: %+v, %v", res, err)
	}
	msgs, err := a.Accounts.Outbox(ctx, "agnes@example.fr", 10)
	if err != nil || len(msgs) == 0 || !strings.Contains(msgs[0].Subject, "2 nouvelles annonces") {
		t.Fatalf("Agnès's digest: %v, %v", msgs, err)
	}
	for _, want := range []string{"Tonte et taille de haies (Sennely, à 1", "Besoin d'aide pour bêcher le potager", "http://localhost:8080/mon-compte/notifications"} {
		if !strings.Contains(msgs[0].Body, want) {
			t.Errorf("the digest lacks %q:\n%s", want, msgs[0].Body)
		}
	}
	if msgs, _ := a.Accounts.Outbox(ctx, "remi@example.fr", 10); len(msgs) != 1 { // the verification email only
		t.Errorf("Rémi, opted out, got %d emails", len(msgs))
	}
	if again, err := n.Digest(ctx, time.Now().AddDate(0, 0, 7)); err != nil || again.Sent != 0 {
		t.Errorf("again: %+v, %v", again, err)
	}

	// Eight days on, the need has had no request: Agnès is told, once.
	u, err := n.Unanswered(ctx, time.Now().AddDate(0, 0, 8), 7)
	if err != nil || u.Needs != 1 || u.Emails != 1 {
		t.Fatalf("unanswered: %+v, %v", u, err)
	}
	msgs, _ = a.Accounts.Outbox(ctx, "agnes@example.fr", 10)
	if !strings.Contains(msgs[0].Subject, "un besoin sans réponse depuis 7 jours") || !strings.Contains(msgs[0].Body, "bêcher") || strings.Contains(msgs[0].Body, "Rémi") {
		t.Errorf("the alert: %s\n%s", msgs[0].Subject, msgs[0].Body)
	}
	admin.expect("Agnès's settings", admin.get("/mon-compte/notifications"), 200, `value="on" checked`)
}

// TestWebAwarenessOnTerritoryPages: the territory's page shows its next
// events, and the printable bulletin the QR code of its address (the
// lines core/web/web_public.go and bulletin.html take from
// web_awareness.go).
func TestWebAwarenessOnTerritoryPages(t *testing.T) {
	a, admin, _ := awarenessFixture(t)
	anyone := newBrowser(t, a.Server().App())
	ap := admin.get("/t/portes-de-sologne/agenda")
	for i, title := range []string{"Stand au marché de Sennely", "Salon des artisans d'Ardon", "Réunion des entreprises", "Quatrième rendez-vous"} {
		day := time.Now().AddDate(0, 0, 3+i)
		admin.expect("an event", admin.post("/t/portes-de-sologne/agenda", url.Values{"_csrf": {admin.csrf(ap)}, "kind": {"other"}, "title": {title},
			"commune": {"45309"}, "date": {day.Format("2006-01-02")}, "start": {"10:00"}, "end": {"11:00"}}), 303)
	}
	p := anyone.expect("territory page", anyone.get("/t/portes-de-sologne"), 200, "Prochains rendez-vous", "Stand au marché de Sennely",
		"Réunion des entreprises", `href="/t/portes-de-sologne/evenements"`)
	if strings.Contains(p.body, "Quatrième rendez-vous") {
		t.Error("the territory's page shows more than 3 events")
	}
	anyone.expect("bulletin", anyone.get("/t/portes-de-sologne/bulletin"), 200, `class="qr"`, "<title>QR code : http://localhost:8080/t/portes-de-sologne</title>")
	admin.expect("account page", admin.get("/mon-compte"), 200, `href="/mon-compte/notifications"`)
}
