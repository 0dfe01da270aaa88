package app_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// upload sends a form with files as a browser does (multipart/form-data):
// fields, then each file as name → {file name, content}.
func (b *browser) upload(path string, fields url.Values, files map[string][2]string) page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	for field, f := range files {
		fw, err := w.CreateFormFile(field, f[0])
		if err != nil {
			b.t.Fatal(err)
		}
		if _, err := io.WriteString(fw, f[1]); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.t.Fatal(err)
	}
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.srv.Test(req, 20000)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	out, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(out), location: resp.Header.Get("Location")}
}

// formExport is a territory's form export of eight needs answered in the
// last weeks; bad makes three of its lines wrong the way people get them
// wrong: a commune misspelt, a two-digit year, a category misspelt.
func formExport(bad bool) string {
	day := func(n int) time.Time { return time.Now().AddDate(0, 0, -n) }
	date := func(n int) string { return day(n).Format("02/01/2006") }
	commune, year, category := "La Ferté-Saint-Aubin", date(20), "Jardinage"
	if bad {
		commune, year, category = "Ferte St Aubain", day(20).Format("02/01/06"), "Jardinnage"
	}
	lines := []string{
		"N° de réponse;Date;Nom;Commune;Type;Catégorie;Quoi;Précisions;Mode de paiement",
		"101;" + date(30) + ";Jeanne Martin;Sennely;Besoin;Courses;Livraison des courses le samedi;;Gratuit",
		"102;" + date(28) + ";Rémi Petit;" + commune + ";Besoin;Jardinage;Tonte de la pelouse;Terrain de 800 m²;Crédits temps",
		"103;" + date(26) + ";Agnès Durand;Ardon;Besoin;Transport;Trajet vers l'hôpital d'Orléans;;Bénévole",
		"104;" + date(24) + ";Louis Bernard;Marcilly-en-Villette;Besoin;Aide aux devoirs;Aide aux devoirs en mathématiques;;Crédits temps",
		"105;" + year + ";Marie Leroy;Jouy-le-Potier;Besoin;Bricolage;Monter une étagère dans le garage;;Gratuit",
		"106;" + date(18) + ";Paul Moreau;Ligny-le-Ribault;Besoin;Garde d'enfants;Garde d'enfants le mercredi;;CESU",
		"107;" + date(16) + ";Lucie Girard;Sennely;Besoin;" + category + ";Désherbage du potager;;Gratuit",
		"108;" + date(14) + ";Henri Faure;Ménestreau-en-Villette;Besoin;Courses;Courses à la pharmacie;;Gratuit",
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}

var heldForm = regexp.MustCompile(`action="(/t/portes-de-sologne/import/[0-9a-f-]{36})"`)

// TestWebImport is issue 8's "done when" in the browser, without
// JavaScript: a territory admin uploads the export of their forms; the
// report lists its three bad lines with what is wrong and a suggestion;
// nothing is imported; they fix the lines, upload the file again, import
// it, and see the needs in the observatory. Uploading it once more
// creates nothing; a census of businesses goes the same way and downloads
// as a CSV safe for a spreadsheet; a resident may do none of it.
func TestWebImport(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App()
	admin, resident := newBrowser(t, srv), newBrowser(t, srv)
	signUpByForm(t, a, admin, "Agnès", "agnes@example.fr", "Marcilly-en-Villette")
	signUpByForm(t, a, resident, "Rémi", "remi@example.fr", "Sennely")
	nameRole(t, a, srv, "territory_admin", "portes-de-sologne", "agnes@example.fr")
	const path = "/t/portes-de-sologne/import"
	resident.expect("a resident", resident.get(path), 403, "réservée")

	form := admin.expect("the form", admin.get(path), 200, "Importer les réponses des formulaires", `enctype="multipart/form-data"`,
		`name="fichier" type="file" required`, "Aucun import pour")
	csrf := admin.csrf(form)
	send := func(kind, name, content string) page {
		return admin.upload(path, url.Values{"_csrf": {csrf}, "kind": {kind}}, map[string][2]string{"fichier": {name, content}})
	}

	// The export with three bad lines: every one reported, nothing held.
	p := admin.expect("the report", send("listings", "reponses.csv", formExport(true)), 422,
		"3 problème(s) à corriger", "rien ne sera importé", "Ferte St Aubain", "La Ferté-Saint-Aubin (45146)",
		time.Now().AddDate(0, 0, -20).Format("02/01/2006"), "Jardinnage", "« Petits travaux maison et jardin » (petits-travaux)",
		"<th scope=\"row\">3</th>", "<th scope=\"row\">6</th>", "<th scope=\"row\">8</th>")
	if heldForm.MatchString(p.body) {
		t.Fatal("a file with problems can be imported")
	}
	admin.expect("nothing imported", admin.get("/t/portes-de-sologne/observatoire"), 200, "Besoins publiés</dt><dd>0</dd>")

	// Fixed: the report says it is ready, the second step imports it.
	p = admin.expect("the fixed file", send("listings", "reponses.csv", formExport(false)), 200,
		"8 ligne(s) à importer, 0 déjà importée(s)", "Importer ces 8 ligne(s)", "<progress")
	m := heldForm.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no import button:\n%s", p.body)
	}
	resident.expect("a resident applies", resident.post(m[1], url.Values{"_csrf": {resident.csrf(resident.get("/t/portes-de-sologne"))}}), 403)
	done := admin.expect("import", admin.post(m[1], url.Values{"_csrf": {csrf}}), 303)
	if done.location != path+"?crees=8" {
		t.Fatalf("after the import: %q", done.location)
	}
	admin.expect("done", admin.get(done.location), 200, "Import terminé : 8 ligne(s) créée(s)", "reponses.csv", "<td>8</td>")
	admin.expect("applied once", admin.post(m[1], url.Values{"_csrf": {csrf}}), 404, "plus en attente")

	// The observatory shows the needs, in their communes.
	admin.expect("observatory", admin.get("/t/portes-de-sologne/observatoire"), 200,
		"Besoins publiés</dt><dd>8</dd>", "Ménestreau-en-Villette", "petits-travaux", "aines")

	// The same file again creates nothing.
	p = admin.expect("again", send("listings", "reponses.csv", formExport(false)), 200, "Rien à importer", "8 ligne")
	if heldForm.MatchString(p.body) {
		t.Error("a file already imported offers an import")
	}

	// A census of businesses, with a formula in a cell.
	census := "Raison sociale;SIRET;Commune;Services proposés;Contact;Courriel\r\n" +
		"Jardins de Sologne;200 005 932 00013;Ardon;Entretien de jardins;Sophie Lenoir;contact@jardins-sologne.fr\r\n" +
		"=HYPERLINK(\"http://x\");81234567600017;Sennely;Bricolage;;\r\n"
	admin.expect("a bad SIRET", send("businesses", "entreprises.csv", strings.Replace(census, "00013", "00014", 1)), 422, "Numéro SIRET invalide")
	p = admin.expect("census", send("businesses", "entreprises.csv", census), 200, "Importer ces 2 ligne(s)")
	admin.expect("census import", admin.post(heldForm.FindStringSubmatch(p.body)[1], url.Values{"_csrf": {csrf}}), 303)
	csv := admin.get(path + "/entreprises.csv")
	if csv.status != 200 || !strings.HasPrefix(csv.body, "\ufeffRaison sociale;SIRET") || !strings.Contains(csv.body, `"'=HYPERLINK(""http://x"")"`) ||
		!strings.Contains(csv.body, "Jardins de Sologne;20000593200013;;;Ardon;45006;Entretien de jardins;Sophie Lenoir;contact@jardins-sologne.fr") {
		t.Errorf("census CSV: %d\n%s", csv.status, csv.body)
	}
	if p := resident.get(path + "/entreprises.csv"); p.status != 403 {
		t.Errorf("a resident downloads the census: %d", p.status)
	}

	// A bad mapping file, a missing file, and the page in English.
	admin.expect("a bad mapping", admin.upload(path, url.Values{"_csrf": {csrf}, "kind": {"listings"}},
		map[string][2]string{"fichier": {"r.csv", formExport(false)}, "correspondance": {"m.json", `{"kind": "people"}`}}), 422, "Fichier de correspondance à corriger")
	admin.expect("no file", admin.upload(path, url.Values{"_csrf": {csrf}, "kind": {"listings"}}, nil), 422, "Choisissez le fichier")
	admin.expect("no CSRF", admin.upload(path, url.Values{"kind": {"listings"}}, map[string][2]string{"fichier": {"r.csv", formExport(false)}}), 403)
	admin.expect("in English", admin.get(path+"?lang=en"), 200, "Import the forms", "Previous imports", fmt.Sprintf("<td>%d</td>", 8))
	admin.get(path + "?lang=fr")
}
