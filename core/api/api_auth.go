package api

import (
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
	secret      []byte
	authz       *authz.Enforcer
	territories *territory.Service
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
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	a, err := h.svc.Verify(c.UserContext(), in.Token)
	if err != nil {
		return err
	}
	// A verified account is a member of its commune's territory.
	t, err := h.territories.ByID(c.UserContext(), a.TerritoryID)
	if err != nil {
		return err
	}
	roles := []string{authz.RoleResident}
	if a.Professional {
		roles = append(roles, authz.RoleProfessional)
	}
	for _, role := range roles {
		if err := h.authz.GrantMembership(c.UserContext(), a.ID, role, t.Slug, "verify"); err != nil {
			return fmt.Errorf("grant %s in %s: %w", role, t.Slug, err)
		}
	}
	return c.JSON(fiber.Map{"account": a})
}

func (h authHandler) login(c *fiber.Ctx) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
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
	var in struct {
		Email string `json:"email"`
	}
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
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
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

// authorize lets a request through when its signed-in person may do act on
// obj in the route's territory: 401 without a session, 403 with a message
// otherwise. A state-changing request made with the session cookie also
// needs the CSRF token.
func (h authHandler) authorize(obj, act string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s, err := h.session(c)
		if err != nil {
			return err
		}
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			if err := h.checkCSRF(c); err != nil {
				return err
			}
		}
		ok, err := h.authz.Allowed(s.Account.ID, c.Params("territory"), obj, act)
		if err != nil {
			return apperr.Wrap(err, apperr.KindInvalid, "request_invalid", "Requête invalide.", "Invalid request.")
		}
		if !ok {
			return apperr.New(apperr.KindForbidden, "not_allowed",
				"Votre compte ne permet pas cette action sur ce territoire : elle est réservée à ses membres (votre commune de résidence décide de votre territoire).",
				"Your account may not do this in this territory: it is for its members (your commune of residence decides your territory).")
		}
		return c.Next()
	}
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
