package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/territory"
)

// SessionCookie names the session cookie. The __Host- prefix makes the
// browser refuse it unless it is Secure, has Path=/ and no Domain: no
// subdomain can set or read it.
const SessionCookie = "__Host-campagnon_session"

// HeaderCSRF carries the CSRF token on state-changing requests made with
// the session cookie.
const HeaderCSRF = "X-CSRF-Token"

const localSession = "campagnon.session"

// authHandler serves sign-up, verification, login and sessions.
type authHandler struct {
	svc         *account.Service
	rules       *rules.Service
	ledger      *ledger.Service
	secret      []byte
	authz       *authz.Enforcer
	territories *territory.Service
	mediation   *mediation.Service
	actions     *Actions
}

// meAnswer is what a signed-in person learns about their session.
type meAnswer struct {
	Account   *account.Account `json:"account"`
	CSRFToken string           `json:"csrf_token"`
	ExpiresAt time.Time        `json:"expires_at"`
}

// Rate limits per client address, on by default: account creation and
// reset requests send emails, logins run argon2id. The account service
// also throttles failed logins per email and per address, in the database
// (shared by replicas); these limits are per replica, in memory.
const (
	signUpPerMinute = 10
	loginPerMinute  = 30
	// postPerMinute bounds posting listings and reports per address.
	postPerMinute = 20
)

func (h authHandler) signUp(c *fiber.Ctx) error {
	var in account.SignUpInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	res, err := h.svc.SignUp(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(res)
}

func (h authHandler) verify(c *fiber.Ctx) error {
	var in verifyInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	a, err := h.actions.Verify(c.UserContext(), in.Token)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"account": a})
}

// loginInput is the body of POST /auth/login.
type loginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (h authHandler) login(c *fiber.Ctx) error {
	var in loginInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	s, err := h.svc.LoginWith(c.UserContext(), account.LoginInput{Email: in.Email, Password: in.Password,
		RemoteAddr: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 200)})
	if wait, ok := account.RetryAfter(err); ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: s.ID, Path: "/", Expires: s.ExpiresAt,
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
	return c.JSON(meAnswer{Account: s.Account, CSRFToken: credential.NewCSRFToken(h.secret, s.ID), ExpiresAt: s.ExpiresAt})
}

func (h authHandler) requestReset(c *fiber.Ctx) error {
	var in resetInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	res, err := h.svc.RequestPasswordReset(c.UserContext(), in.Email)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(res)
}

func (h authHandler) confirmReset(c *fiber.Ctx) error {
	var in resetConfirmInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	if err := h.svc.ResetPassword(c.UserContext(), in.Token, in.Password); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"message": "Mot de passe changé : connectez-vous avec le nouveau. Vos autres sessions ont été fermées.",
		"message_en": "Password changed: sign in with the new one. Your other sessions were closed."})
}

func (h authHandler) me(c *fiber.Ctx) error {
	s := sessionOf(c)
	return c.JSON(meAnswer{Account: s.Account, CSRFToken: credential.NewCSRFToken(h.secret, s.ID), ExpiresAt: s.ExpiresAt})
}

func (h authHandler) logout(c *fiber.Ctx) error {
	if err := h.svc.Logout(c.UserContext(), sessionOf(c).ID); err != nil {
		return err
	}
	h.clearCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (h authHandler) logoutEverywhere(c *fiber.Ctx) error {
	if err := h.svc.LogoutEverywhere(c.UserContext(), sessionOf(c).Account.ID); err != nil {
		return err
	}
	h.clearCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (h authHandler) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}

// requireSession resolves the session cookie; without a valid session the
// request is refused with 401 and a message that says to sign in.
func (h authHandler) requireSession(c *fiber.Ctx) error {
	if _, err := h.session(c); err != nil {
		return err
	}
	return c.Next()
}

// session resolves the session cookie and keeps the session in the
// request's locals.
func (h authHandler) session(c *fiber.Ctx) (*account.Session, error) {
	plain := c.Cookies(SessionCookie)
	if plain == "" {
		return nil, errSignIn
	}
	s, err := h.svc.Session(c.UserContext(), plain)
	if err != nil {
		if apperr.KindOf(err) == apperr.KindInternal || apperr.KindOf(err) == apperr.KindUnavailable {
			return nil, err
		}
		return nil, errSignIn
	}
	c.Locals(localSession, s)
	return s, nil
}

// checkCSRF refuses a request made with the session cookie unless it
// carries the session's CSRF token: another site can make the browser send
// the cookie, not read the token.
// csrfUnlessSafe checks the CSRF token of a request that changes something.
func (h authHandler) csrfUnlessSafe(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		if err := h.checkCSRF(c); err != nil {
			return err
		}
	}
	return c.Next()
}

func (h authHandler) checkCSRF(c *fiber.Ctx) error {
	if !credential.VerifyCSRFToken(h.secret, sessionOf(c).ID, c.Get(HeaderCSRF)) {
		return apperr.New(apperr.KindForbidden, "csrf_invalid",
			"Requête refusée : le jeton anti-falsification manque ou ne correspond pas à votre session. Rechargez la page et réessayez.",
			"Request refused: the anti-forgery token is missing or does not match your session. Reload the page and try again.")
	}
	return nil
}

// rateLimit allows max requests a minute per client address on a route.
func rateLimit(max int) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        max,
		Expiration: time.Minute,
		LimitReached: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderRetryAfter, "60")
			return apperr.New(apperr.KindRateLimited, "rate_limited",
				"Trop de demandes depuis votre connexion : patientez une minute avant de réessayer.",
				"Too many requests from your connection: wait a minute before trying again.")
		},
	})
}

// HeaderActFor names the resident a mediator acts for, by account ID.
const HeaderActFor = "X-Act-For"

// localActor is the account a Member route acts for: the signed-in person,
// or the resident a mediator acts for.
const localActor = "campagnon.actor"

// authorize lets a request through when its caller may do act on obj in the
// route's territory. The caller is the session cookie's person (a
// state-changing request then needs the CSRF token too) or an API token
// (Authorization: Bearer …) whose scope covers (obj, act). 401 without
// either, 403 with a message otherwise.
//
// With the X-Act-For header, a mediator acts for a resident: the mediator
// needs (member, act_for) in the territory, the resident the right itself,
// and a consent in force covering obj; the action is recorded before the
// handler runs and its answer's status after ("done by X for Y").
func (h authHandler) authorize(obj, act string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		caller, err := h.caller(c, obj, act)
		if err != nil {
			return err
		}
		territory := c.Params("territory")
		forID := c.Get(HeaderActFor)
		if forID == "" {
			if err := h.require(caller, territory, obj, act, errNotMember); err != nil {
				return err
			}
			c.Locals(localActor, caller)
			return c.Next()
		}
		if err := h.require(caller, territory, "member", "act_for", errNotMediator); err != nil {
			return err
		}
		if !validAccountID(forID) {
			return apperr.New(apperr.KindInvalid, "act_for_invalid",
				"En-tête X-Act-For invalide : donnez l'identifiant du compte de l'habitant.",
				"Invalid X-Act-For header: give the resident's account ID.")
		}
		if err := h.require(forID, territory, obj, act, errResidentMayNot); err != nil {
			return err
		}
		t, err := h.territories.Lookup(c.UserContext(), territory, false)
		if err != nil {
			return err
		}
		route := c.Method() + " " + c.Route().Path
		actionID, err := h.mediation.Begin(c.UserContext(), t.ID, caller, forID, obj, act, route)
		if err != nil {
			return err
		}
		c.Locals(localActor, forID)
		c.Locals(localMediator, caller)
		err = c.Next()
		status := c.Response().StatusCode()
		if err != nil {
			status = apperr.KindOf(err).HTTPStatus()
			var fe *fiber.Error
			if errors.As(err, &fe) {
				status = fe.Code
			}
		}
		// Recorded even when the client went away: the action ran.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 5*time.Second)
		defer cancel()
		if ferr := h.mediation.Finish(ctx, actionID, status); ferr != nil {
			return errors.Join(err, ferr)
		}
		return err
	}
}

const localMediator = "campagnon.mediator"

// validAccountID reports whether id looks like an account ID (a UUID):
// 36 characters among hexadecimal digits and dashes.
func validAccountID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-') {
			return false
		}
	}
	return true
}

// caller authenticates a Member request: the session cookie (with the CSRF
// token on a state-changing request) or an API token whose scope covers
// (obj, act). It returns the caller's account ID.
func (h authHandler) caller(c *fiber.Ctx, obj, act string) (string, error) {
	if authz, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer "); ok {
		tok, err := h.svc.AuthenticateAPIToken(c.UserContext(), strings.TrimSpace(authz))
		if err != nil {
			return "", err
		}
		if !ScopeAllows(tok.Scope, obj, act) {
			return "", apperr.New(apperr.KindForbidden, "api_token_scope",
				fmt.Sprintf("La portée de ce jeton d'API ne couvre pas %s:%s : créez un jeton avec cette portée.", obj, act),
				fmt.Sprintf("This API token's scope does not cover %s:%s: create a token with that scope.", obj, act))
		}
		return tok.AccountID, nil
	}
	s, err := h.session(c)
	if err != nil {
		return "", err
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		if err := h.checkCSRF(c); err != nil {
			return "", err
		}
	}
	return s.Account.ID, nil
}

// ScopeAllows reports whether an API token's scope — comma-separated
// "object:action" entries where either side may be "*" — covers (obj, act).
func ScopeAllows(scope, obj, act string) bool {
	for _, e := range strings.Split(scope, ",") {
		o, a, ok := strings.Cut(strings.TrimSpace(e), ":")
		if ok && (o == "*" || o == obj) && (a == "*" || a == act) {
			return true
		}
	}
	return false
}

// require fails with denied unless sub may do act on obj in territory.
func (h authHandler) require(sub, territory, obj, act string, denied *apperr.Error) error {
	ok, err := h.authz.Allowed(sub, territory, obj, act)
	if err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "request_invalid", "Requête invalide.", "Invalid request.")
	}
	if !ok {
		return denied
	}
	return nil
}

var (
	errNotMember = apperr.New(apperr.KindForbidden, "not_allowed",
		"Votre compte ne permet pas cette action sur ce territoire : elle est réservée à ses membres (votre commune de résidence décide de votre territoire).",
		"Your account may not do this in this territory: it is for its members (your commune of residence decides your territory).")
	errNotMediator = apperr.New(apperr.KindForbidden, "not_mediator",
		"Seul un médiateur du territoire peut agir pour un habitant : demandez ce rôle à l'administrateur du territoire.",
		"Only a mediator of the territory may act for a resident: ask the territory's administrator for that role.")
	errResidentMayNot = apperr.New(apperr.KindForbidden, "resident_not_allowed",
		"L'habitant pour qui vous agissez n'a pas le droit de faire cette action sur ce territoire.",
		"The resident you act for may not do this in this territory.")
)

// actorOf returns the account a Member route acts for (the caller, or the
// resident a mediator acts for) and the mediator, "" when none.
func actorOf(c *fiber.Ctx) (actor, mediator string) {
	actor, _ = c.Locals(localActor).(string)
	mediator, _ = c.Locals(localMediator).(string)
	return actor, mediator
}

var errSignIn = apperr.New(apperr.KindUnauthenticated, "sign_in_required",
	"Connectez-vous pour continuer (votre session a peut-être expiré).",
	"Sign in to continue (your session may have expired).")

func sessionOf(c *fiber.Ctx) *account.Session {
	s, _ := c.Locals(localSession).(*account.Session)
	return s
}

func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Limits are the rate limits per client address that the API and the
// pages share (one count for both).
type Limits struct {
	// Mails bounds the requests that send an email (sign-up, password
	// reset); Logins the sign-in and verification attempts.
	Mails, Logins fiber.Handler
}

// NewLimits returns limits of mails and logins requests a minute per
// client address (the defaults when zero).
func NewLimits(mails, logins int) Limits {
	if mails <= 0 {
		mails = signUpPerMinute
	}
	if logins <= 0 {
		logins = loginPerMinute
	}
	return Limits{Mails: rateLimit(mails), Logins: rateLimit(logins)}
}
