// Package api serves Campagnon's JSON API under /api/v1. Handlers decode and
// check the request, call a domain service and encode its answer; they hold
// no business rule. Errors go back to the server's error handler, which
// turns them into answers.
package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/rules"
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
	// SessionSecret keys the CSRF tokens of sessions.
	SessionSecret []byte
}

// Register adds the /api/v1 routes to app.
func Register(app fiber.Router, d Deps) {
	v1 := app.Group("/api/v1")
	t := territoriesHandler{svc: d.Territories}
	v1.Get("/territories", t.list)
	v1.Get("/territories/:slug", t.show)

	auth := authHandler{svc: d.Accounts, secret: d.SessionSecret, authz: d.Authz, territories: d.Territories}
	auth.register(v1)

	// A territory's rules are public (what it offers, how it prices);
	// computing and storing a quote is for its members.
	r := rulesHandler{svc: d.Rules}
	tv1 := v1.Group("/t/:territory")
	tv1.Get("/rules", r.info)
	tv1.Get("/categories", r.categories)
	tv1.Get("/payment-modes", r.paymentModes)
	tv1.Post("/quotes", auth.authorize("rules", "quote"), r.quote)
	tv1.Post("/listing-checks", r.checkListing)
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
