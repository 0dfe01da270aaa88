// Package web serves Campagnon's server-rendered pages: HTML that works
// without JavaScript, French first with English one link away, mobile
// first, with a strict Content-Security-Policy (no script at all, styles
// from our own stylesheet only). The pages call the same domain services
// as the JSON API (core/api), through the same authorization (core/authz)
// and the same shared steps (api.Actions); forms carry the session's CSRF
// token.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/importer"
	"github.com/campagnon/campagnon/core/observatory"
	"github.com/campagnon/campagnon/core/territory"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CSP is the Content-Security-Policy of every page: nothing runs, styles
// and images come from this site only, forms post to this site only.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Deps are the services the pages call: the API's, and its shared steps.
type Deps struct {
	api.Deps
	// Actions are the steps the API takes too (verification, requests).
	Actions *api.Actions
	// Observatory computes a territory's needs observatory.
	Observatory *observatory.Service
	// Importer imports the territory's form exports.
	Importer *importer.Service
	// PublicURL is the site's address, for printed material.
	PublicURL string
	// Simulator runs the economic-model simulator (its page says it is
	// not available when nil).
	Simulator Simulator
	// Awareness are the agendas and notification settings (web_awareness.go).
	Awareness Awareness
}

// Access says who may open a page, as api.Access says for the API.
type Access = api.Access

// Route is one page and who may open it.
type Route struct {
	Method, Path string
	// Access is Public, Session or Member (Object/Action in the page's
	// territory).
	Access         Access
	Object, Action string
}

// Session reports whether the page needs a signed-in person.
func (r Route) Session() bool { return r.Access != api.Public }

type pages struct {
	d    Deps
	tmpl *template.Template
}

// Register adds the pages to app and returns them.
func Register(app fiber.Router, d Deps) []Route {
	if d.Limits.Mails == nil || d.Limits.Logins == nil {
		d.Limits = api.NewLimits(0, 0)
	}
	p := &pages{d: d, tmpl: template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded folder exists: a build error
	}
	var routes []Route
	add := func(method, path string, access Access, obj, act string, h func(*fiber.Ctx, *view) error, mw ...fiber.Handler) {
		handlers := append(mw, p.handle(access, obj, act, h))
		app.Add(method, path, handlers...)
		routes = append(routes, Route{Method: method, Path: path, Access: access, Object: obj, Action: act})
	}
	app.Get("/static/:file", func(c *fiber.Ctx) error {
		name := c.Params("file")
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return apperr.New(apperr.KindNotFound, "not_found", "Fichier introuvable.", "File not found.")
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		c.Type(strings.TrimPrefix(name[strings.LastIndexByte(name, '.'):], "."), "utf-8")
		return c.Send(b)
	})
	// Browsers ask for /favicon.ico whatever the page says: no 404 for it.
	icon, err := fs.ReadFile(static, "favicon.svg")
	if err != nil {
		panic(err) // embedded: a build error
	}
	app.Get("/favicon.ico", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		c.Type("svg")
		return c.Send(icon)
	})
	routes = append(routes, Route{Method: fiber.MethodGet, Path: "/static/:file", Access: api.Public},
		Route{Method: fiber.MethodGet, Path: "/favicon.ico", Access: api.Public})
	// Fiber tries routes in order: /annonces/nouvelle before /annonces/:id.
	p.registerMember(add)
	p.registerPublic(add)
	p.registerAccount(add)
	p.registerAdmin(add)
	p.registerOperator(add)
	p.registerMediator(add)
	p.registerImport(add)
	p.registerSimulator(add)
	p.registerAwareness(add)
	return routes
}

// view is what every page's template receives.
type view struct {
	// Lang is "fr" or "en".
	Lang  string
	Title string
	// Account is the signed-in person (nil when anonymous); CSRF their
	// forms' token.
	Account *account.Account
	CSRF    string
	// ActingFor is the resident a mediator acts for (nil otherwise): the
	// banner of every page says so, and a territory's member pages act as
	// that resident, each action recorded for them to see.
	ActingFor *account.Account
	// Actor is who the member pages act as: ActingFor when set, else
	// Account.
	Actor *account.Account
	// Territory is the territory the page is about, if any.
	Territory *territory.Territory
	// Path is the page's path and query, for the language link.
	Path string
	// Notice is a message shown at the top (after a form was sent).
	Notice string
	// Errors are the problems of a form sent back.
	Errors []string
	// Body is the page's own data.
	Body any

	session *account.Session
	status  int
	allowed func(user, territory, obj, act string) (bool, error)
}

// IsOperator reports a national operator, for the menu's link.
func (v *view) IsOperator() bool {
	if v.Account == nil || v.allowed == nil {
		return false
	}
	ok, err := v.allowed(v.Account.ID, nationalScope, operatorObject, operatorAction)
	return err == nil && ok
}

// Can reports whether the signed-in person holds obj:act in the page's
// territory, for the links of the menu.
func (v *view) Can(obj, act string) bool {
	if v.Account == nil || v.Territory == nil || v.allowed == nil {
		return false
	}
	ok, err := v.allowed(v.Account.ID, v.Territory.Slug, obj, act)
	return err == nil && ok
}

// T translates key in the page's language.
func (v *view) T(key string) string { return tr(v.Lang, key) }

// handle resolves the language and the session, checks access, runs h and
// renders its errors as pages.
func (p *pages) handle(access Access, obj, act string, h func(*fiber.Ctx, *view) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v := &view{Lang: language(c), Path: c.OriginalURL(), status: fiber.StatusOK, allowed: p.d.Authz.Allowed}
		if plain := c.Cookies(api.SessionCookie); plain != "" {
			s, err := p.d.Accounts.Session(c.UserContext(), plain)
			switch {
			case err == nil:
				v.session, v.Account = s, s.Account
				v.CSRF = credential.NewCSRFToken(p.d.SessionSecret, s.ID)
			case apperr.KindOf(err) == apperr.KindInternal || apperr.KindOf(err) == apperr.KindUnavailable:
				return p.fail(c, v, err)
			}
		}
		v.Actor = v.Account
		if v.Account != nil {
			if err := p.actingFor(c, v); err != nil {
				return p.fail(c, v, err)
			}
		}
		if err := p.allow(c, v, access, obj, act); err != nil {
			return p.fail(c, v, err)
		}
		if access == api.Member && v.ActingFor != nil && !ownRight(obj, act) {
			return p.mediated(c, v, obj, act, h)
		}
		if err := h(c, v); err != nil {
			return p.fail(c, v, err)
		}
		return nil
	}
}

// ownRight reports a right a mediator uses as themself even while acting
// for a resident: their mediation pages.
func ownRight(obj, act string) bool { return obj == "member" && act == "act_for" }

// mediatorID is the mediator acting, "" when the person acts for themself.
func (v *view) mediatorID() string {
	if v.ActingFor != nil {
		return v.Account.ID
	}
	return ""
}

// allow checks the session, the CSRF token of a form and the right.
func (p *pages) allow(c *fiber.Ctx, v *view, access Access, obj, act string) error {
	if access == api.Public {
		return nil
	}
	if v.session == nil {
		return errSignIn
	}
	if c.Method() == fiber.MethodPost && !credential.VerifyCSRFToken(p.d.SessionSecret, v.session.ID, c.FormValue("_csrf")) {
		return apperr.New(apperr.KindForbidden, "csrf_invalid",
			"Formulaire refusé : il a expiré ou ne vient pas de cette page. Revenez en arrière, rechargez la page et envoyez-le de nouveau.",
			"Form refused: it expired or did not come from this page. Go back, reload the page and send it again.")
	}
	if access == api.Member {
		subject := v.Actor
		if ownRight(obj, act) {
			subject = v.Account
		}
		ok, err := p.d.Authz.Allowed(subject.ID, c.Params("territory"), obj, act)
		if err != nil {
			return err
		}
		if ok && subject != v.Account {
			ok, err = p.d.Authz.Allowed(v.Account.ID, c.Params("territory"), "member", "act_for")
			if err != nil {
				return err
			}
		}
		if !ok {
			slog.InfoContext(c.UserContext(), "page refused", "account", v.Account.ID, "actor", v.Actor.ID, "territory", c.Params("territory"),
				"object", obj, "action", act, "path", c.Path())
			return apperr.New(apperr.KindForbidden, "forbidden",
				"Cette page est réservée aux membres de ce territoire qui en ont le droit.",
				"This page is for members of this territory who have the right to it.")
		}
	}
	return nil
}

var errSignIn = apperr.New(apperr.KindUnauthenticated, "sign_in_required",
	"Connectez-vous pour continuer (votre session a peut-être expiré).",
	"Sign in to continue (your session may have expired).")

// fail shows err as a page: sign-in first when it needs a session,
// otherwise its public message with what to do next.
func (p *pages) fail(c *fiber.Ctx, v *view, err error) error {
	e := apperr.As(err)
	if e.Kind == apperr.KindUnauthenticated && c.Method() == fiber.MethodGet {
		return c.Redirect("/connexion?suite="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
	}
	if e.Kind == apperr.KindInternal || e.Kind == apperr.KindUnavailable {
		// The page shows the request ID; the log has the cause with it.
		slog.ErrorContext(c.UserContext(), "page failed", "method", c.Method(), "path", c.Path(),
			"request_id", c.GetRespHeader(fiber.HeaderXRequestID), "error", err)
	}
	msg := e.Message
	if v.Lang == "en" && e.MessageEN != "" {
		msg = e.MessageEN
	}
	v.Title = v.T("error.title")
	v.Body = map[string]any{"Message": msg, "Code": e.Code, "RequestID": c.GetRespHeader(fiber.HeaderXRequestID)}
	v.status = e.Kind.HTTPStatus()
	return p.render(c, v, "error.html")
}

// render writes the page name with v.
func (p *pages) render(c *fiber.Ctx, v *view, name string) error {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set("Content-Security-Policy", CSP)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Content-Language", v.Lang)
	c.Type("html", "utf-8")
	return c.Status(v.status).Send(buf.Bytes())
}

// redirect sends the browser to path after a form (303: the next request
// is a GET, and reloading does not send the form again).
func redirect(c *fiber.Ctx, path string) error { return c.Redirect(path, fiber.StatusSeeOther) }

// localPath keeps a "suite" parameter on this site: a path, never an
// address elsewhere.
func localPath(s, fallback string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return fallback
	}
	return s
}

// problems returns the messages of err for a form: each field's problem
// when it carries them, else its message.
func problems(err error, lang string) []string {
	var out []string
	var ps account.Problems
	if errorsAs(err, &ps) {
		for _, pr := range ps {
			if lang == "en" && pr.MessageEN != "" {
				out = append(out, pr.MessageEN)
			} else {
				out = append(out, pr.Message)
			}
		}
		return out
	}
	e := apperr.As(err)
	if lang == "en" && e.MessageEN != "" {
		return []string{e.MessageEN}
	}
	return []string{e.Message}
}

func kindInvalid(err error) bool       { return apperr.KindOf(err) == apperr.KindInvalid }
func isUnauthenticated(err error) bool { return apperr.KindOf(err) == apperr.KindUnauthenticated }
func isRateLimited(err error) bool     { return apperr.KindOf(err) == apperr.KindRateLimited }
