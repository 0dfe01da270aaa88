package app_test

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
)

// nnbsp groups the thousands of French figures (32 777).
const nnbsp = "\u202f"

// webOperator signs a person up by the pages in commune and names them
// national operator, as `campagnon operator add` does.
func webOperator(t *testing.T, a *app.App, b *browser, email, commune string) {
	t.Helper()
	signUpByForm(t, a, b, "Opératrice", email, commune)
	acc, err := a.Accounts.ByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Authz.Bootstrap(context.Background(), acc.ID); err != nil {
		t.Fatal(err)
	}
}

// territorySlugs lists every territory, disabled ones included.
func territorySlugs(t *testing.T, a *app.App) []string {
	t.Helper()
	ts, err := a.Territories.List(context.Background(), territory.ListOptions{IncludeDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range ts {
		out = append(out, x.Slug)
	}
	slices.Sort(out)
	return out
}

var tableRow = regexp.MustCompile(`(?s)<tr>.*?</tr>`)

// rowOf is the table row of page that names name.
func rowOf(t *testing.T, p page, name string) string {
	t.Helper()
	for _, r := range tableRow.FindAllString(p.body, -1) {
		if strings.Contains(r, name) {
			return r
		}
	}
	t.Fatalf("no row for %q in\n%s", name, p.body)
	return ""
}

// TestWebOperatorOpensTerritories is issue 7's national operator: the list
// of every territory with its key figures (both pilots, then the new ones,
// a disabled one too); finding an EPCI by name or SIREN; opening the CC de
// la Dombes with a plugin and an admin who signed up in a pilot commune,
// and the CC Vexin Centre with the standard configuration and two admins;
// each new territory serves its pages at once.
func TestWebOperatorOpensTerritories(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App()
	ctx := context.Background()

	op, agnes, remi, jeanne := newBrowser(t, srv), newBrowser(t, srv), newBrowser(t, srv), newBrowser(t, srv)
	webOperator(t, a, op, "op@example.fr", "Songeons")
	signUpByForm(t, a, agnes, "Agnès", "agnes@example.fr", "Songeons")
	signUpByForm(t, a, remi, "Rémi", "remi@example.fr", "Marcilly-en-Villette")
	signUpByForm(t, a, jeanne, "Jeanne", "jeanne@example.fr", "45146")
	// Rémi offers gardening in Sologne; Jeanne asks for it this month.
	form := remi.get("/t/portes-de-sologne/annonces/nouvelle")
	p := remi.expect("posting", remi.post("/t/portes-de-sologne/annonces/nouvelle", url.Values{"_csrf": {remi.csrf(form)},
		"kind": {"offer"}, "category": {"petits-travaux"}, "title": {"Tonte de pelouse le samedi"},
		"description": {"Je tonds votre pelouse le samedi matin."}, "commune": {"45193"}, "modes": {"time_credits"}}), 303)
	listingPath, _, _ := strings.Cut(p.location, "?")
	lp := jeanne.expect("the listing", jeanne.get(listingPath), 200, "Demander ce service")
	jeanne.expect("asking", jeanne.post(listingPath+"/demander", url.Values{"_csrf": {jeanne.csrf(lp)}, "mode": {"time_credits"}, "minutes": {"60"}}), 303)

	// Every territory with its figures: communes, population, members,
	// published listings, exchanges this month.
	list := op.expect("the operators' list", op.get("/operateur"), 200, "Opérateurs nationaux", `<caption>`, `scope="col"`,
		`href="/operateur/ouvrir"`, "Échanges ce mois-ci")
	for _, tt := range []struct{ name, figures string }{
		{"CC des Portes de Sologne", "<td>7</td><td>15" + nnbsp + "994</td><td>2</td><td>1</td><td>1</td>"},
		{"CC de la Picardie Verte", "<td>88</td><td>32" + nnbsp + "777</td><td>2</td><td>0</td><td>0</td>"},
		{"Ensemble des territoires", "<td>95</td><td>48" + nnbsp + "771</td><td>4</td><td>1</td><td>1</td>"},
	} {
		if row := rowOf(t, list, tt.name); !strings.Contains(row, tt.figures) {
			t.Errorf("%s: the row lacks %q:\n%s", tt.name, tt.figures, row)
		}
	}
	op.expect("in English", op.get("/operateur?lang=en"), 200, "National operators", "15,994", "Exchanges this month")
	op.get("/?lang=fr")

	// Finding the EPCI, by name or by SIREN.
	for _, tt := range []struct {
		query  string
		status int
		want   []string
	}{
		{"", 200, []string{"Nom ou numéro SIREN de l&#39;EPCI", "Étape 1 sur 2"}},
		{"Vexin", 200, []string{"CC Vexin Centre", "200035970", "CC du Vexin-Thelle", "Communauté de communes", "pas encore ouvert",
			`href="/operateur/ouvrir/200035970"`}},
		{"200069193", 200, []string{"CC de la Dombes", "<td>36</td>", "41" + nnbsp + "461", "pas encore ouvert"}},
		{"246 000 848", 200, []string{"CC de la Picardie Verte", "déjà ouvert", `href="/t/picardie-verte"`}},
		{"zzzzqqq", 200, []string{"Aucun EPCI ne correspond"}},
		{strings.Repeat("a", 101), 400, []string{"100 caractères au plus"}},
	} {
		op.expect("search "+tt.query, op.get("/operateur/ouvrir?q="+url.QueryEscape(tt.query)), tt.status, tt.want...)
	}

	// Step 2: the communes to check, the address, the rules, the admins.
	form = op.expect("the Dombes' form", op.get("/operateur/ouvrir/200069193"), 200, "Ouvrir « CC de la Dombes »",
		"<th scope=\"row\">Baneins</th><td>01028</td>", `name="slug"`, `value="dombes"`, `value="picardie-verte"`, `value="portes-de-sologne"`,
		"Configuration standard", `<label for="admins">`, "compte vérifié")
	op.expect("a pilot's page", op.get("/operateur/ouvrir/246000848"), 200, "déjà ouvert", `href="/t/picardie-verte"`)
	if p := op.get("/operateur/ouvrir/246000848"); strings.Contains(p.body, `name="slug"`) {
		t.Error("an open EPCI's page offers the opening form")
	}

	// Opening the CC de la Dombes with the Picardie Verte plugin and Agnès.
	p = op.expect("opening the Dombes", op.post("/operateur/ouvrir/200069193", url.Values{"_csrf": {op.csrf(form)}, "slug": {"dombes"},
		"name": {"CC de la Dombes"}, "plugin": {"picardie-verte"}, "admins": {"Agnes@Example.fr"}}), 303)
	if p.location != "/t/dombes?info=ouvert" {
		t.Fatalf("after opening: %q", p.location)
	}
	op.expect("the new territory", op.get(p.location), 200, "<h1>CC de la Dombes</h1>", "Les services du territoire", "Mobilité")
	op.expect("its search", op.get("/t/dombes/recherche"), 200, "Trouver un service", "0 annonce(s)", "Baneins")
	if info, err := a.Rules.Info(ctx, "dombes"); err != nil || info.PluginID != "cc.picardie-verte" || info.Default {
		t.Errorf("the Dombes' rules: %+v, %v", info, err)
	}
	agnesAcc, err := a.Accounts.ByEmail(ctx, "agnes@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	if roles, err := a.Authz.RolesFor(agnesAcc.ID, "dombes"); err != nil || !slices.Contains(roles, "territory_admin") {
		t.Errorf("Agnès's roles in the Dombes: %v, %v", roles, err)
	}
	agnes.expect("Agnès runs the Dombes", agnes.get("/t/dombes/observatoire"), 200, "Observatoire des besoins")
	agnes.expect("but is no operator", agnes.get("/operateur"), 403, "réservées aux opérateurs nationaux")

	// Opening the CC Vexin Centre with the standard configuration and two admins.
	form = op.expect("the Vexin Centre's form", op.get("/operateur/ouvrir/200035970"), 200, `value="vexin-centre"`)
	op.expect("opening the Vexin Centre", op.post("/operateur/ouvrir/200035970", url.Values{"_csrf": {op.csrf(form)}, "slug": {"vexin-centre"},
		"name": {"Vexin Centre"}, "plugin": {""}, "admins": {"agnes@example.fr,\r\nop@example.fr agnes@example.fr"}}), 303)
	op.expect("its page", op.get("/t/vexin-centre"), 200, "<h1>Vexin Centre</h1>")
	if info, err := a.Rules.Info(ctx, "vexin-centre"); err != nil || !info.Default {
		t.Errorf("the Vexin Centre's rules: %+v, %v", info, err)
	}
	opAcc, err := a.Accounts.ByEmail(ctx, "op@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{agnesAcc.ID, opAcc.ID} {
		if roles, err := a.Authz.RolesFor(id, "vexin-centre"); err != nil || !slices.Contains(roles, "territory_admin") {
			t.Errorf("%s's roles in the Vexin Centre: %v, %v", id, roles, err)
		}
	}
	if got := territorySlugs(t, a); !slices.Equal(got, []string{"dombes", "picardie-verte", "portes-de-sologne", "vexin-centre"}) {
		t.Errorf("territories: %v", got)
	}

	// The list shows the new ones, a disabled one too.
	if _, err := a.Territories.SetStatus(ctx, "vexin-centre", territory.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	list = op.expect("the list again", op.get("/operateur"), 200)
	if row := rowOf(t, list, "CC de la Dombes"); !strings.Contains(row, "<td>200069193</td>") || !strings.Contains(row, "<td>36</td><td>41"+nnbsp+"461</td><td>0</td><td>0</td><td>0</td>") {
		t.Errorf("the Dombes' row:\n%s", row)
	}
	if row := rowOf(t, list, "Vexin Centre"); !strings.Contains(row, "désactivé") || strings.Contains(row, `href="/t/vexin-centre"`) {
		t.Errorf("the disabled Vexin Centre's row:\n%s", row)
	}
	op.expect("searching it again", op.get("/operateur/ouvrir?q=Vexin"), 200, `href="/t/vexin-centre"`, "désactivé")
}

// TestWebOperatorRefusals: only a national operator opens the pages (a
// resident gets 403 on each, an anonymous visitor the sign-in page); a
// bad form says what is wrong, keeps what was typed and creates nothing.
func TestWebOperatorRefusals(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App()
	op, resident := newBrowser(t, srv), newBrowser(t, srv)
	webOperator(t, a, op, "op@example.fr", "Songeons")
	signUpByForm(t, a, resident, "Rémi", "remi@example.fr", "Sennely")
	before := territorySlugs(t, a)

	anonymous := newBrowser(t, srv)
	if p := anonymous.get("/operateur"); p.status != 303 || p.location != "/connexion?suite=%2Foperateur" {
		t.Errorf("anonymous: %d %q", p.status, p.location)
	}
	for _, path := range []string{"/operateur", "/operateur/ouvrir", "/operateur/ouvrir?q=Vexin", "/operateur/ouvrir/200069193"} {
		resident.expect("a resident on "+path, resident.get(path), 403, "réservées aux opérateurs nationaux")
	}
	home := resident.get("/t/portes-de-sologne")
	resident.expect("a resident opening", resident.post("/operateur/ouvrir/200069193", url.Values{"_csrf": {resident.csrf(home)},
		"slug": {"dombes"}, "name": {"CC de la Dombes"}, "admins": {"remi@example.fr"}}), 403, "réservées aux opérateurs nationaux")

	form := op.expect("the form", op.get("/operateur/ouvrir/200069193"), 200, `name="slug"`)
	good := func() url.Values {
		return url.Values{"_csrf": {op.csrf(form)}, "slug": {"dombes"}, "name": {"CC de la Dombes"}, "plugin": {""}, "admins": {"op@example.fr"}}
	}
	tests := []struct {
		what   string
		siren  string
		change func(url.Values)
		status int
		want   []string
	}{
		{"no CSRF token", "200069193", func(f url.Values) { f.Del("_csrf") }, 403, []string{"Formulaire refusé"}},
		{"an unknown SIREN", "999999999", nil, 404, []string{"Aucun EPCI n&#39;a le numéro SIREN"}},
		{"not a SIREN", "..%2F..%2Fetc", nil, 404, []string{"Aucun EPCI"}},
		{"an open EPCI", "246000848", nil, 409, []string{"CC de la Picardie Verte est déjà ouvert", `href="/t/picardie-verte"`, "Rien n&#39;a été créé"}},
		{"an unknown admin", "200069193", func(f url.Values) { f.Set("admins", "personne@example.fr") }, 422,
			[]string{"Aucun compte vérifié pour &#34;personne@example.fr&#34;", `value="dombes"`, ">personne@example.fr</textarea>"}},
		{"no admin", "200069193", func(f url.Values) { f.Set("admins", " ,\n ") }, 422, []string{"au moins un administrateur"}},
		{"eleven admins", "200069193", func(f url.Values) { f.Set("admins", strings.Repeat("op@example.fr ", 11)) }, 422, []string{"10 administrateurs au plus"}},
		{"a bad address", "200069193", func(f url.Values) { f.Set("slug", "la dombes!") }, 422, []string{"Identifiant &#34;la dombes!&#34; refusé", `value="la dombes!"`}},
		{"a taken address", "200069193", func(f url.Values) { f.Set("slug", "picardie-verte") }, 422, []string{"déjà celui du territoire « CC de la Picardie Verte »"}},
		{"no name", "200069193", func(f url.Values) { f.Set("name", "  ") }, 422, []string{"Le nom public compte de 1 à 200 caractères"}},
		{"an unknown plugin", "200069193", func(f url.Values) { f.Set("plugin", "../../etc/passwd") }, 422, []string{"Plugin &#34;../../etc/passwd&#34; inconnu"}},
		{"the default plugin by name", "200069193", func(f url.Values) { f.Set("plugin", "standard") }, 422, []string{"Plugin &#34;standard&#34; inconnu"}},
		{"every mistake at once", "200069193", func(f url.Values) { f.Set("slug", ""); f.Set("admins", "x@example.fr"); f.Set("plugin", "autre") }, 422,
			[]string{"Indiquez l&#39;identifiant", "Aucun compte vérifié", "Plugin &#34;autre&#34; inconnu"}},
	}
	for _, tt := range tests {
		f := good()
		if tt.change != nil {
			tt.change(f)
		}
		op.expect(tt.what, op.post("/operateur/ouvrir/"+tt.siren, f), tt.status, tt.want...)
		if got := territorySlugs(t, a); !slices.Equal(got, before) {
			t.Fatalf("%s: the territories changed: %v, were %v", tt.what, got, before)
		}
	}
	// A commune of the EPCI already in another territory: the creation
	// itself refuses, on the form, and nothing is written.
	ctx := context.Background()
	if _, err := a.Territories.CreateCustom(ctx, "Essai de Baneins", []string{"01028"}, territory.CreateOptions{Slug: "essai-baneins"}); err != nil {
		t.Fatal(err)
	}
	before = territorySlugs(t, a)
	op.expect("a commune taken", op.post("/operateur/ouvrir/200069193", good()), 409,
		"Une commune n&#39;appartient qu&#39;à un territoire", "Baneins (01028) dans « essai-baneins »", `value="dombes"`)
	if got := territorySlugs(t, a); !slices.Equal(got, before) {
		t.Fatalf("a commune taken: the territories changed: %v, were %v", got, before)
	}
	opAcc, err := a.Accounts.ByEmail(ctx, "op@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	if roles, err := a.Authz.RolesFor(opAcc.ID, "dombes"); err != nil || slices.Contains(roles, "territory_admin") {
		t.Errorf("roles in the unopened Dombes: %v, %v", roles, err)
	}
	op.expect("in English", op.post("/operateur/ouvrir/200069193?lang=en", func() url.Values {
		f := good()
		f.Set("admins", "personne@example.fr")
		return f
	}()), 422, "No verified account for &#34;personne@example.fr&#34;", "Open “CC de la Dombes”")
}
