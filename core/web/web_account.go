package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/ledger"
)

func (p *pages) registerAccount(add adder) {
	add(fiber.MethodGet, "/inscription", api.Public, "", "", p.signUpForm)
	add(fiber.MethodPost, "/inscription", api.Public, "", "", p.signUp, p.d.Limits.Mails)
	add(fiber.MethodGet, "/compte/verifier", api.Public, "", "", p.verifyForm)
	add(fiber.MethodPost, "/compte/verifier", api.Public, "", "", p.verify, p.d.Limits.Logins)
	add(fiber.MethodGet, "/connexion", api.Public, "", "", p.signInForm)
	add(fiber.MethodPost, "/connexion", api.Public, "", "", p.signIn, p.d.Limits.Logins)
	add(fiber.MethodPost, "/deconnexion", api.Session, "", "", p.signOut)
	add(fiber.MethodGet, "/mon-compte", api.Session, "", "", p.myAccount)
	add(fiber.MethodGet, "/mon-compte/donnees", api.Session, "", "", p.myData)
	add(fiber.MethodPost, "/mon-compte/supprimer", api.Session, "", "", p.erase, p.d.Limits.Logins)
}

// signUpForm asks for what an account needs; ?commune= fills the commune.
func (p *pages) signUpForm(c *fiber.Ctx, v *view) error {
	v.Title = v.T("signup.title")
	v.Body = map[string]any{"Commune": c.Query("commune")}
	return p.render(c, v, "signup.html")
}

// signUp creates the account and says to open the email's link; every
// problem comes back at once, with what was typed (never the password).
func (p *pages) signUp(c *fiber.Ctx, v *view) error {
	in := account.SignUpInput{Email: strings.TrimSpace(c.FormValue("email")), Password: c.FormValue("password"),
		DisplayName: strings.TrimSpace(c.FormValue("display_name")), Commune: strings.TrimSpace(c.FormValue("commune"))}
	pro := account.ProfessionalInput{CompanyName: strings.TrimSpace(c.FormValue("company_name")), SIRET: strings.TrimSpace(c.FormValue("siret")),
		NAF: strings.TrimSpace(c.FormValue("naf")), SAPNumber: strings.TrimSpace(c.FormValue("sap_number"))}
	if c.FormValue("professional") != "" || pro != (account.ProfessionalInput{}) {
		in.Professional = &pro
	}
	v.Title = v.T("signup.title")
	res, err := p.d.Accounts.SignUp(c.UserContext(), in)
	if err != nil {
		if e := kindInvalid(err); e {
			v.Errors = problems(err, v.Lang)
			v.status = fiber.StatusUnprocessableEntity
			v.Body = map[string]any{"Email": in.Email, "DisplayName": in.DisplayName, "Commune": in.Commune, "Pro": pro}
			return p.render(c, v, "signup.html")
		}
		return err
	}
	msg := res.Message
	if v.Lang == "en" {
		msg = res.MessageEN
	}
	v.Title = v.T("signup.sent")
	v.Body = map[string]any{"Message": msg}
	return p.render(c, v, "sent.html")
}

// verifyForm is where the email's link leads: one button confirms (a GET
// never changes anything: mail scanners open links).
func (p *pages) verifyForm(c *fiber.Ctx, v *view) error {
	v.Title = v.T("verify.title")
	v.Body = map[string]any{"Token": c.Query("jeton")}
	return p.render(c, v, "verify.html")
}

func (p *pages) verify(c *fiber.Ctx, v *view) error {
	if _, err := p.d.Actions.Verify(c.UserContext(), c.FormValue("jeton")); err != nil {
		return err
	}
	v.Title = v.T("verify.done")
	v.Notice = v.T("verify.done.text")
	v.Body = map[string]any{"Next": ""}
	return p.render(c, v, "signin.html")
}

func (p *pages) signInForm(c *fiber.Ctx, v *view) error {
	v.Title = v.T("signin.title")
	v.Body = map[string]any{"Next": localPath(c.Query("suite"), "")}
	return p.render(c, v, "signin.html")
}

// signIn opens a session and goes back where the person was going, or to
// their territory's page.
func (p *pages) signIn(c *fiber.Ctx, v *view) error {
	email := strings.TrimSpace(c.FormValue("email"))
	next := localPath(c.FormValue("suite"), "")
	s, err := p.d.Accounts.LoginWith(c.UserContext(), account.LoginInput{Email: email, Password: c.FormValue("password"),
		RemoteAddr: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 200)})
	if err != nil {
		if kindInvalid(err) || isUnauthenticated(err) || isRateLimited(err) {
			v.Title = v.T("signin.title")
			v.Errors = problems(err, v.Lang)
			v.status = fiber.StatusUnauthorized
			v.Body = map[string]any{"Next": next, "Email": email}
			return p.render(c, v, "signin.html")
		}
		return err
	}
	c.Cookie(&fiber.Cookie{Name: api.SessionCookie, Value: s.ID, Path: "/", Expires: s.ExpiresAt,
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
	if next == "" {
		next = "/mon-compte"
		if t, err := p.d.Territories.ByID(c.UserContext(), s.Account.TerritoryID); err == nil {
			next = "/t/" + t.Slug
		}
	}
	return redirect(c, next)
}

func (p *pages) signOut(c *fiber.Ctx, v *view) error {
	if err := p.d.Accounts.Logout(c.UserContext(), v.session.ID); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: api.SessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
	return redirect(c, "/")
}

// myAccount shows the account, the time-credit balance and the links to
// the person's data.
func (p *pages) myAccount(c *fiber.Ctx, v *view) error {
	v.Title = v.T("account.title")
	t, err := p.d.Territories.ByID(c.UserContext(), v.Account.TerritoryID)
	if err != nil {
		return err
	}
	v.Territory = t
	bal, err := p.d.Ledger.Balance(c.UserContext(), t.ID, v.Account.ID)
	if err != nil {
		return err
	}
	st, err := p.d.Ledger.Statement(c.UserContext(), t.ID, v.Account.ID, ledger.Page{Limit: 20})
	if err != nil {
		return err
	}
	v.Body = map[string]any{"Commune": p.communeName(v.Account.Commune), "Balance": bal, "Statement": st}
	return p.render(c, v, "account.html")
}

// erase erases the account once confirmed with the password; the session
// ends with it.
func (p *pages) erase(c *fiber.Ctx, v *view) error {
	if err := p.d.Actions.Erase(c.UserContext(), v.Account.ID, c.FormValue("password"), strings.TrimSpace(c.FormValue("confirm"))); err != nil {
		if kindInvalid(err) || isUnauthenticated(err) {
			v.Errors = problems(err, v.Lang)
			v.status = fiber.StatusUnprocessableEntity
			return p.myAccount(c, v)
		}
		return err
	}
	c.Cookie(&fiber.Cookie{Name: api.SessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
	v.Account, v.session, v.CSRF = nil, nil, ""
	v.Title = v.T("account.erased")
	v.Body = map[string]any{"Message": v.T("account.erased.text")}
	return p.render(c, v, "sent.html")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
