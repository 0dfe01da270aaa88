// Package api serves Campagnon's JSON API under /api/v1. Handlers decode and
// check the request, call a domain service and encode its answer; they hold
// no business rule. Errors go back to the server's error handler, which
// turns them into answers.
package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/idempotency"
	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/core/message"
	"github.com/campagnon/campagnon/core/privacy"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/territory"
)

// Deps are the services the API calls.
type Deps struct {
	// Territories manages territories.
	Territories *territory.Service
	// Rules runs each territory's plugin.
	Rules *rules.Service
	// Accounts manages accounts and sessions.
	Accounts *account.Service
	// Authz decides who may do what in which territory.
	Authz *authz.Enforcer
	// Mediation records mediators' consents and actions.
	Mediation *mediation.Service
	// Listings manages offers and needs.
	Listings *listing.Service
	// Search answers searches of listings.
	Search search.Engine
	// Referential gives the communes' centres of a search near a commune.
	Referential *referential.Referential
	// Exchanges runs exchanges.
	Exchanges *exchange.Service
	// Messages keeps the threads of exchanges.
	Messages *message.Service
	// Ledger keeps the time-credit ledgers.
	Ledger *ledger.Service
	// Idempotency keeps the answers of requests sent with an Idempotency-Key.
	Idempotency *idempotency.Store
	// Privacy exports and erases people's data and logs staff reads.
	Privacy *privacy.Service
	// SessionSecret keys the CSRF tokens of sessions.
	SessionSecret []byte
	// Limits are the rate limits shared with the pages; the defaults when
	// unset.
	Limits Limits
}

// Access says who may call a route.
type Access string

// The kinds of access.
const (
	// Public routes answer anyone.
	Public Access = "public"
	// Session routes need a signed-in person (and the CSRF token when they
	// change something).
	Session Access = "session"
	// Member routes need a person allowed Object/Action in the route's
	// territory (core/authz), with the CSRF token when they change something.
	Member Access = "member"
)

// Route is one route of the API and who may call it. The list Register
// returns is what the route × role × territory test walks: a route added
// without its line here cannot exist.
type Route struct {
	// Method and Path are the route as Fiber has it ("/api/v1/t/:territory/quotes").
	Method, Path string
	// Access says who may call it.
	Access Access
	// Object and Action are the right a Member route needs.
	Object, Action string
}

// Register adds the /api/v1 routes to app and returns them.
func Register(app fiber.Router, d Deps) []Route {
	actions := NewActions(d)
	auth := authHandler{svc: d.Accounts, rules: d.Rules, ledger: d.Ledger, secret: d.SessionSecret, authz: d.Authz, territories: d.Territories, mediation: d.Mediation, actions: actions}
	xh := exchangesHandler{svc: d.Exchanges, ledger: d.Ledger, rules: d.Rules, listings: d.Listings, accounts: d.Accounts, authz: d.Authz, territories: d.Territories, actions: actions}
	mh := messagesHandler{svc: d.Messages, exchanges: xh}
	lh := listingsHandler{svc: d.Listings, accounts: d.Accounts, authz: d.Authz, territories: d.Territories, auth: auth}
	p := peopleHandler{accounts: d.Accounts, authz: d.Authz, territories: d.Territories, mediation: d.Mediation, privacy: d.Privacy, auth: auth}
	t := territoriesHandler{svc: d.Territories}
	r := rulesHandler{svc: d.Rules}
	var routes []Route
	add := func(method, path string, access Access, obj, act string, handlers ...fiber.Handler) {
		switch access {
		case Session:
			handlers = append([]fiber.Handler{auth.requireSession, auth.csrfUnlessSafe}, handlers...)
		case Member:
			handlers = append([]fiber.Handler{auth.authorize(obj, act)}, handlers...)
		}
		app.Add(method, path, handlers...)
		routes = append(routes, Route{Method: method, Path: path, Access: access, Object: obj, Action: act})
	}
	const v1 = "/api/v1"
	add(fiber.MethodGet, v1+"/openapi.json", Public, "", "", openAPIHandler(&routes))
	add(fiber.MethodGet, v1+"/territories", Public, "", "", t.list)
	add(fiber.MethodGet, v1+"/territories/:slug", Public, "", "", t.show)

	if d.Limits.Mails == nil || d.Limits.Logins == nil {
		d.Limits = NewLimits(0, 0)
	}
	mails, logins := d.Limits.Mails, d.Limits.Logins
	add(fiber.MethodPost, v1+"/auth/signup", Public, "", "", mails, auth.signUp)
	add(fiber.MethodPost, v1+"/auth/verify", Public, "", "", logins, auth.verify)
	add(fiber.MethodPost, v1+"/auth/login", Public, "", "", logins, auth.login)
	add(fiber.MethodPost, v1+"/auth/password-reset", Public, "", "", mails, auth.requestReset)
	add(fiber.MethodPost, v1+"/auth/password-reset/confirm", Public, "", "", logins, auth.confirmReset)
	add(fiber.MethodGet, v1+"/auth/me", Session, "", "", auth.me)
	add(fiber.MethodPost, v1+"/auth/logout", Session, "", "", auth.logout)
	add(fiber.MethodPost, v1+"/auth/logout-everywhere", Session, "", "", auth.logoutEverywhere)
	add(fiber.MethodGet, v1+"/auth/tokens", Session, "", "", p.tokens)
	add(fiber.MethodPost, v1+"/auth/tokens", Session, "", "", p.createToken)
	add(fiber.MethodDelete, v1+"/auth/tokens/:id", Session, "", "", p.revokeToken)

	// A person's own data (RGPD) and the mediation done for them.
	add(fiber.MethodGet, v1+"/me/data", Session, "", "", p.myData)
	add(fiber.MethodPost, v1+"/me/erase", Session, "", "", logins, p.erase)
	add(fiber.MethodGet, v1+"/me/mediation", Session, "", "", p.myMediation)
	add(fiber.MethodPost, v1+"/me/mediation/consents/:id/revoke", Session, "", "", p.revokeConsent)

	// People in a territory: members, roles, policies, audit, mediation.
	add(fiber.MethodGet, v1+"/t/:territory/membership", Member, "territory", "read", p.membership)
	add(fiber.MethodGet, v1+"/t/:territory/members", Member, "member", "read", p.members)
	add(fiber.MethodGet, v1+"/t/:territory/members/:id", Member, "member", "read", p.member)
	add(fiber.MethodPost, v1+"/t/:territory/roles", Member, "member", "grant", p.grantRole)
	add(fiber.MethodDelete, v1+"/t/:territory/roles/:account/:role", Member, "member", "grant", p.revokeRole)
	add(fiber.MethodGet, v1+"/t/:territory/policies", Member, "policy", "read", p.policies)
	add(fiber.MethodPost, v1+"/t/:territory/policies", Member, "policy", "edit", p.addPolicy)
	add(fiber.MethodDelete, v1+"/t/:territory/policies/:role/:object/:action", Member, "policy", "edit", p.removePolicy)
	add(fiber.MethodGet, v1+"/t/:territory/audit", Member, "audit", "read", p.audit)
	add(fiber.MethodPost, v1+"/t/:territory/mediation/consents", Member, "member", "act_for", p.recordConsent)
	add(fiber.MethodGet, v1+"/t/:territory/mediation", Member, "member", "act_for", p.mediatorRecord)
	add(fiber.MethodGet, v1+"/t/:territory/professionals/:id", Public, "", "", p.professional)

	// Offers and needs: anyone reads the published ones; members post;
	// owners change theirs (the store checks ownership); admins moderate.
	posts := rateLimit(postPerMinute)
	sh := searchHandler{engine: d.Search, listings: d.Listings, territories: d.Territories, ref: d.Referential}
	add(fiber.MethodGet, v1+"/t/:territory/search", Public, "", "", sh.search)
	add(fiber.MethodGet, v1+"/t/:territory/listings", Public, "", "", lh.list)
	add(fiber.MethodGet, v1+"/t/:territory/listings/:id", Public, "", "", lh.show)
	add(fiber.MethodGet, v1+"/t/:territory/my/listings", Member, "listing", "read", lh.mine)
	add(fiber.MethodPost, v1+"/t/:territory/listings", Member, "listing", "create", posts, lh.write(false))
	add(fiber.MethodPut, v1+"/t/:territory/listings/:id", Member, "listing", "edit_own", lh.write(true))
	add(fiber.MethodPost, v1+"/t/:territory/listings/:id/publish", Member, "listing", "edit_own", lh.setStatus(listing.ActionPublish))
	add(fiber.MethodPost, v1+"/t/:territory/listings/:id/pause", Member, "listing", "edit_own", lh.setStatus(listing.ActionPause))
	add(fiber.MethodPost, v1+"/t/:territory/listings/:id/close", Member, "listing", "edit_own", lh.setStatus(listing.ActionClose))
	add(fiber.MethodPost, v1+"/t/:territory/listings/:id/report", Member, "listing", "read", posts, lh.report)
	add(fiber.MethodPost, v1+"/t/:territory/listings/:id/hide", Member, "listing", "moderate", lh.moderate(true))
	add(fiber.MethodPost, v1+"/t/:territory/listings/:id/unhide", Member, "listing", "moderate", lh.moderate(false))
	add(fiber.MethodGet, v1+"/t/:territory/moderation/listings", Member, "listing", "moderate", lh.queue)

	// Exchanges: one state machine; every transition may carry an
	// Idempotency-Key. The exchange service checks which party may act.
	once := idempotent(d.Idempotency)
	add(fiber.MethodPost, v1+"/t/:territory/exchanges", Member, "exchange", "create", posts, once, xh.request)
	add(fiber.MethodGet, v1+"/t/:territory/exchanges", Member, "exchange", "read_own", xh.mine)
	add(fiber.MethodGet, v1+"/t/:territory/exchanges/:id", Member, "exchange", "read_own", xh.show)
	for _, ev := range []exchange.Event{exchange.Accept, exchange.Decline, exchange.Schedule, exchange.Complete, exchange.Confirm, exchange.Dispute} {
		add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/"+string(ev), Member, "exchange", "act", once, xh.transition(ev))
	}
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/cancel", Member, "exchange", "cancel", once, xh.transition(exchange.Cancel))
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/review", Member, "review", "create", once, xh.transition(exchange.Review))
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/resolve", Member, "exchange", "resolve", once, xh.transition(exchange.Resolve))
	add(fiber.MethodGet, v1+"/t/:territory/members/:id/reviews", Public, "", "", xh.rating)
	add(fiber.MethodGet, v1+"/t/:territory/me/cesu", Member, "exchange", "read_own", xh.cesu)
	add(fiber.MethodGet, v1+"/t/:territory/me/ledger", Member, "exchange", "read_own", xh.myLedger)
	add(fiber.MethodGet, v1+"/t/:territory/me/tax-credit", Member, "exchange", "read_own", xh.taxCredit)
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/payments", Member, "exchange", "act", once, xh.recordPayment)
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/months", Member, "exchange", "act", once, xh.recordMonth)
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/months/:month/confirm", Member, "exchange", "act", once, xh.confirmMonth)
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/reviews/:author/report", Member, "review", "read", posts, xh.reportReview)
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/reviews/:author/hide", Member, "review", "moderate", xh.hideReview(true))
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/reviews/:author/unhide", Member, "review", "moderate", xh.hideReview(false))
	add(fiber.MethodGet, v1+"/t/:territory/moderation/reviews", Member, "review", "moderate", xh.reportedReviews)
	// A thread per exchange, for its two parties (the first-contact
	// message is the first one, sent right after the request).
	add(fiber.MethodGet, v1+"/t/:territory/exchanges/:id/messages", Member, "message", "read_own", mh.thread)
	add(fiber.MethodPost, v1+"/t/:territory/exchanges/:id/messages", Member, "message", "send", posts, mh.send)
	add(fiber.MethodGet, v1+"/t/:territory/me/unread", Member, "message", "read_own", mh.unread)

	// A territory's rules are public (what it offers, how it prices);
	// computing and storing a quote is for its members.
	add(fiber.MethodGet, v1+"/t/:territory/rules", Public, "", "", r.info)
	add(fiber.MethodGet, v1+"/t/:territory/categories", Public, "", "", r.categories)
	add(fiber.MethodGet, v1+"/t/:territory/payment-modes", Public, "", "", r.paymentModes)
	add(fiber.MethodPost, v1+"/t/:territory/quotes", Member, "rules", "quote", r.quote)
	add(fiber.MethodPost, v1+"/t/:territory/listing-checks", Public, "", "", r.checkListing)
	return routes
}

type territoriesHandler struct {
	svc *territory.Service
}

// territoryList is the answer of GET /api/v1/territories.
type territoryList struct {
	Territories []territory.Territory `json:"territories"`
	Count       int                   `json:"count"`
}

func (h territoriesHandler) list(c *fiber.Ctx) error {
	ts, err := h.svc.List(c.UserContext(), territory.ListOptions{})
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []territory.Territory{}
	}
	return c.JSON(territoryList{Territories: ts, Count: len(ts)})
}

// territoryDetail is the answer of GET /api/v1/territories/{slug}.
type territoryDetail struct {
	*territory.Detail
	// Attribution names the sources of the commune data, as their licence requires.
	Attribution string `json:"attribution"`
}

func (h territoriesHandler) show(c *fiber.Ctx) error {
	d, err := h.svc.Get(c.UserContext(), c.Params("slug"), false)
	if err != nil {
		return err
	}
	return c.JSON(territoryDetail{Detail: d, Attribution: referential.Attribution})
}
