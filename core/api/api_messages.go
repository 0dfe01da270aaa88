package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/message"
	"github.com/campagnon/campagnon/core/territory"
)

// messagesHandler serves the threads of exchanges. An exchange is found
// as the exchange routes find it (its parties and the territory's admins
// see it, anyone else gets not found); the thread itself is for the two
// parties only. The first-contact message is the first message, sent right
// after the exchange is requested.
type messagesHandler struct {
	svc       *message.Service
	exchanges exchangesHandler
}

// sendInput is the body of POST /t/{territory}/exchanges/{id}/messages.
type sendInput struct {
	Body string `json:"body"`
}

// exchange returns the route's territory, its exchange as the caller may
// see it, and the caller.
func (h messagesHandler) exchange(c *fiber.Ctx) (*territory.Territory, *exchange.Exchange, exchange.Caller, error) {
	t, who, err := h.exchanges.caller(c)
	if err != nil {
		return nil, nil, who, err
	}
	d, err := h.exchanges.svc.Get(c.UserContext(), t, who, c.Params("id"))
	if err != nil {
		return nil, nil, who, err
	}
	return t, d.Exchange, who, nil
}

func (h messagesHandler) send(c *fiber.Ctx) error {
	var in sendInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	_, x, who, err := h.exchange(c)
	if err != nil {
		return err
	}
	m, err := h.svc.Send(c.UserContext(), x, who.AccountID, who.MediatorID, in.Body)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

// thread answers GET …/exchanges/{id}/messages?after=SEQ&limit=N: the
// messages after SEQ, oldest first, now read.
func (h messagesHandler) thread(c *fiber.Ctx) error {
	limit, err := limitParam(c, message.DefaultPage, message.MaxPage)
	if err != nil {
		return err
	}
	var after int64
	if v := c.Query("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return apperr.New(apperr.KindInvalid, "after_invalid",
				"Le paramètre after est le numéro (seq) du dernier message déjà lu : un entier positif ou nul.",
				"The after parameter is the number (seq) of the last message already read: a non-negative integer.")
		}
	}
	_, x, who, err := h.exchange(c)
	if err != nil {
		return err
	}
	th, err := h.svc.Thread(c.UserContext(), x, who.AccountID, message.Page{After: after, Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(th)
}

// unread answers GET /t/{territory}/me/unread: the caller's unread messages
// per exchange and in all.
func (h messagesHandler) unread(c *fiber.Ctx) error {
	t, err := h.exchanges.territories.Lookup(c.UserContext(), c.Params("territory"), false)
	if err != nil {
		return err
	}
	actor, _ := actorOf(c)
	u, err := h.svc.Unread(c.UserContext(), t.ID, actor)
	if err != nil {
		return err
	}
	return c.JSON(u)
}
