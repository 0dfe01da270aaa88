package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/territory"
)

// listingsHandler serves offers and needs.
type listingsHandler struct {
	svc         *listing.Service
	accounts    *account.Service
	authz       *authz.Enforcer
	territories *territory.Service
	auth        authHandler
}

func (h listingsHandler) territory(c *fiber.Ctx) (*territory.Territory, error) {
	return h.territories.Lookup(c.UserContext(), c.Params("territory"), false)
}

// owner describes the account a Member route acts for, as a listing's author.
func (h listingsHandler) owner(c *fiber.Ctx) (listing.Owner, error) {
	actor, _ := actorOf(c)
	a, err := h.accounts.Account(c.UserContext(), actor)
	if err != nil {
		return listing.Owner{}, err
	}
	return listing.Owner{ID: a.ID, Professional: a.Professional, SAP: a.SAPNumber != nil}, nil
}

// viewer returns the signed-in person of a public route, if any, and
// whether they moderate the territory's listings.
func (h listingsHandler) viewer(c *fiber.Ctx) (string, bool) {
	if c.Cookies(SessionCookie) == "" {
		return "", false
	}
	s, err := h.auth.session(c)
	if err != nil {
		return "", false
	}
	ok, _ := h.authz.Allowed(s.Account.ID, c.Params("territory"), "listing", "moderate")
	return s.Account.ID, ok
}

func (h listingsHandler) list(c *fiber.Ctx) error {
	t, err := h.territory(c)
	if err != nil {
		return err
	}
	limit, err := limitParam(c, 20, listing.MaxPage)
	if err != nil {
		return err
	}
	ls, err := h.svc.List(c.UserContext(), t, listing.Filter{Kind: c.Query("kind"), Category: c.Query("category"),
		Commune: c.Query("commune"), Modality: c.Query("modality"), Mode: c.Query("mode"), Limit: limit, Before: c.Query("before")})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"listings": ls, "count": len(ls)})
}

func (h listingsHandler) mine(c *fiber.Ctx) error {
	t, err := h.territory(c)
	if err != nil {
		return err
	}
	actor, _ := actorOf(c)
	limit, err := limitParam(c, 50, listing.MaxPage)
	if err != nil {
		return err
	}
	ls, err := h.svc.List(c.UserContext(), t, listing.Filter{OwnerID: actor, Limit: limit, Before: c.Query("before")})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"listings": ls, "count": len(ls)})
}

func (h listingsHandler) show(c *fiber.Ctx) error {
	t, err := h.territory(c)
	if err != nil {
		return err
	}
	viewer, moderator := h.viewer(c)
	v, err := h.svc.Get(c.UserContext(), t, viewer, moderator, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// write serves POST /listings (create) and PUT /listings/{id} (update).
func (h listingsHandler) write(update bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in listing.Input
		if err := decodeStrict(c.Body(), &in); err != nil {
			return err
		}
		t, err := h.territory(c)
		if err != nil {
			return err
		}
		o, err := h.owner(c)
		if err != nil {
			return err
		}
		if update {
			v, err := h.svc.Update(c.UserContext(), t, o, c.Params("id"), in)
			if err != nil {
				return err
			}
			return c.JSON(v)
		}
		v, err := h.svc.Create(c.UserContext(), t, o, in)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(v)
	}
}

// setStatus serves POST /listings/{id}/publish|pause|close.
func (h listingsHandler) setStatus(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		t, err := h.territory(c)
		if err != nil {
			return err
		}
		actor, _ := actorOf(c)
		v, err := h.svc.SetStatus(c.UserContext(), t, actor, c.Params("id"), action)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

// reasonInput is the body of a report or of hiding a listing.
type reasonInput struct {
	Reason string `json:"reason"`
}

func (h listingsHandler) report(c *fiber.Ctx) error {
	var in reasonInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	t, err := h.territory(c)
	if err != nil {
		return err
	}
	actor, _ := actorOf(c)
	if err := h.svc.Report(c.UserContext(), t, actor, c.Params("id"), in.Reason); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"message": "Merci : l'équipe du territoire va examiner cette annonce.",
		"message_en": "Thank you: the territory's team will look at this listing."})
}

// moderate serves POST /listings/{id}/hide and /unhide.
func (h listingsHandler) moderate(hide bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in reasonInput
		if hide || len(c.Body()) > 0 {
			if err := decodeStrict(c.Body(), &in); err != nil {
				return err
			}
		}
		t, err := h.territory(c)
		if err != nil {
			return err
		}
		actor, _ := actorOf(c)
		v, err := h.svc.Moderate(c.UserContext(), t, actor, c.Params("id"), hide, in.Reason)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

func (h listingsHandler) queue(c *fiber.Ctx) error {
	t, err := h.territory(c)
	if err != nil {
		return err
	}
	ls, err := h.svc.Queue(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"listings": ls, "count": len(ls)})
}
