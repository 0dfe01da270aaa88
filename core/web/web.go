// Package web serves Campagnon's server-rendered pages: HTML that works
// without JavaScript, French first, with a strict Content-Security-Policy
// (no script at all, styles from our own stylesheet only). Issue 7 builds
// the resident, professional, mediator and admin pages here; today it
// serves the readable "my data" page (RGPD) and the stylesheet.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/privacy"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CSP is the Content-Security-Policy of every page: nothing runs, styles
// and images come from this site only, forms post to this site only.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Deps are the services the pages call.
type Deps struct {
	// Accounts resolves the session cookie.
	Accounts *account.Service
	// Privacy builds the "my data" export.
	Privacy *privacy.Service
}

// Route is one page and who may open it.
type Route struct {
	Method, Path string
	// Session pages need a signed-in person.
	Session bool
}

type pages struct {
	d    Deps
	tmpl *template.Template
}

// Register adds the pages to app and returns them.
func Register(app fiber.Router, d Deps) []Route {
	p := pages{d: d, tmpl: template.Must(template.New("").Funcs(template.FuncMap{
		"label": label, "isMap": isMap, "isList": isList, "value": value,
	}).ParseFS(templateFS, "templates/*.html"))}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded folder exists: a build error
	}
	app.Get("/static/:file", func(c *fiber.Ctx) error {
		b, err := fs.ReadFile(static, c.Params("file"))
		if err != nil {
			return apperr.New(apperr.KindNotFound, "not_found", "Fichier introuvable.", "File not found.")
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		c.Type("css", "utf-8")
		return c.Send(b)
	})
	app.Get("/mon-compte/donnees", p.myData)
	return []Route{{Method: fiber.MethodGet, Path: "/static/:file"}, {Method: fiber.MethodGet, Path: "/mon-compte/donnees", Session: true}}
}

// page is what the layout renders.
type page struct {
	Title string
	Body  any
}

func (p pages) render(c *fiber.Ctx, status int, name string, data page) error {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set("Content-Security-Policy", CSP)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.Status(status).Send(buf.Bytes())
}

// section is one part of the export, made generic for display.
type section struct {
	Name string
	Data any
}

// myData shows the signed-in person's data, every section readable; the
// JSON file is one link away.
func (p pages) myData(c *fiber.Ctx) error {
	plain := c.Cookies(api.SessionCookie)
	var s *account.Session
	var err error
	if plain != "" {
		s, err = p.d.Accounts.Session(c.UserContext(), plain)
	}
	if plain == "" || err != nil {
		if err != nil && (apperr.KindOf(err) == apperr.KindInternal || apperr.KindOf(err) == apperr.KindUnavailable) {
			return err
		}
		return p.render(c, fiber.StatusUnauthorized, "signin.html", page{Title: "Connexion nécessaire"})
	}
	e, err := p.d.Privacy.Export(c.UserContext(), s.Account.ID)
	if err != nil {
		return err
	}
	// Through JSON: each section becomes maps and lists with the field
	// names of the JSON file, which the labels translate.
	var generic struct {
		Sections []section `json:"sections"`
		Staff    any       `json:"staff_access"`
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("my data: %w", err)
	}
	if err := json.Unmarshal(b, &generic); err != nil {
		return fmt.Errorf("my data: %w", err)
	}
	generic.Sections = append(generic.Sections, section{Name: "staff_access", Data: generic.Staff})
	return p.render(c, fiber.StatusOK, "mydata.html", page{Title: "Mes données", Body: map[string]any{
		"Generated": e.GeneratedAt.Format("02/01/2006 à 15:04 (UTC)"), "Sections": generic.Sections, "Name": s.Account.DisplayName,
	}})
}

// labels translates the export's field and section names for the page.
var labels = map[string]string{
	"account": "Mon compte", "roles": "Mes rôles", "mediation": "Médiation", "staff_access": "Consultations de mes données par l'équipe",
	"id": "Identifiant", "email": "Adresse électronique", "email_verified_at": "Adresse confirmée le", "display_name": "Nom affiché",
	"commune": "Commune (code INSEE)", "resident": "Habitant", "professional": "Professionnel", "staff": "Équipe",
	"company_name": "Entreprise", "siret": "SIRET", "naf": "Code NAF", "sap_number": "Déclaration services à la personne",
	"created_at": "Créé le", "updated_at": "Modifié le", "sessions": "Sessions", "last_seen_at": "Dernière activité",
	"expires_at": "Expire le", "revoked_at": "Révoqué le", "user_agent": "Navigateur", "api_tokens": "Jetons d'API",
	"scope": "Portée", "account_id": "Compte", "emails": "Courriels envoyés", "subject": "Objet", "sent_at": "Envoyé le",
	"user": "Compte", "role": "Rôle", "territory": "Territoire", "as_resident": "Pour moi (habitant)",
	"as_mediator": "Par moi (médiateur)", "consents": "Consentements", "actions": "Actions faites pour vous",
	"resident_id": "Habitant", "mediator_id": "Médiateur", "method": "Donné par", "given_at": "Donné le",
	"recorded_at": "Enregistré le", "revoked_by": "Révoqué par", "territory_id": "Territoire", "consent_id": "Consentement",
	"object": "Objet", "action": "Action", "route": "Requête", "status": "Résultat", "at": "Le",
	"staff_id": "Membre de l'équipe", "subject_id": "Personne concernée", "what": "Quoi", "request_id": "Requête",
}

func label(k string) string {
	if l, ok := labels[k]; ok {
		return l
	}
	return k
}

func isMap(v any) bool  { _, ok := v.(map[string]any); return ok }
func isList(v any) bool { _, ok := v.([]any); return ok }

// entry is one field of a map, in a stable order.
type entry struct {
	Key   string
	Value any
}

// value renders a scalar for people: yes/no, dates in French form, "—"
// for nothing; a map becomes its sorted entries.
func value(v any) any {
	switch x := v.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return "oui"
		}
		return "non"
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t.UTC().Format("02/01/2006 15:04 UTC")
		}
		if x == "" {
			return "—"
		}
		return x
	case map[string]any:
		out := make([]entry, 0, len(x))
		for k, v := range x {
			out = append(out, entry{k, v})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out
	}
	return v
}
