package api

import (
	"bytes"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/cesu"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/idempotency"
	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/territory"
)

// HeaderIdempotencyKey makes a state-changing request safe to retry.
const HeaderIdempotencyKey = "Idempotency-Key"

// exchangesHandler serves exchanges, their transitions and reviews.
type exchangesHandler struct {
	svc         *exchange.Service
	ledger      *ledger.Service
	rules       *rules.Service
	listings    *listing.Service
	accounts    *account.Service
	authz       *authz.Enforcer
	territories *territory.Service
	actions     *Actions
}

// caller describes who acts on a Member route, as the exchange service
// needs it.
func (h exchangesHandler) caller(c *fiber.Ctx) (*territory.Territory, exchange.Caller, error) {
	actor, mediator := actorOf(c)
	return h.actions.Caller(c.UserContext(), c.Params("territory"), actor, mediator)
}

func (h exchangesHandler) request(c *fiber.Ctx) error {
	var in exchange.RequestInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	x, err := h.actions.RequestExchange(c.UserContext(), t, who, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(x)
}

func (h exchangesHandler) mine(c *fiber.Ctx) error {
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	limit, err := limitParam(c, 50, exchange.MaxPage)
	if err != nil {
		return err
	}
	xs, err := h.svc.Mine(c.UserContext(), t, who.AccountID, exchange.State(c.Query("state")), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"exchanges": xs, "count": len(xs)})
}

func (h exchangesHandler) show(c *fiber.Ctx) error {
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	d, err := h.svc.Get(c.UserContext(), t, who, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// transition serves POST /exchanges/{id}/{event}.
func (h exchangesHandler) transition(ev exchange.Event) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in exchange.TransitionInput
		if len(c.Body()) > 0 {
			if err := decodeStrict(c.Body(), &in); err != nil {
				return err
			}
		}
		t, who, err := h.caller(c)
		if err != nil {
			return err
		}
		x, err := h.svc.Transition(c.UserContext(), t, who, c.Params("id"), ev, in)
		if err != nil {
			return err
		}
		return c.JSON(x)
	}
}

func (h exchangesHandler) rating(c *fiber.Ctx) error {
	t, err := h.territories.Lookup(c.UserContext(), c.Params("territory"), false)
	if err != nil {
		return err
	}
	if !validAccountID(c.Params("id")) {
		return errMemberNotFound
	}
	r, err := h.svc.RatingOf(c.UserContext(), t, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

var errMemberNotFound = apperr.New(apperr.KindNotFound, "member_not_found",
	"Membre introuvable sur ce territoire.", "No such member in this territory.")

// idempotent replays the kept answer of a retried request that carries an
// Idempotency-Key, and keeps the first successful answer of a new one. It
// runs after authorize: keys belong to the account acting.
func idempotent(st *idempotency.Store) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := c.Get(HeaderIdempotencyKey)
		if key == "" {
			return c.Next()
		}
		if err := idempotency.CheckKey(key); err != nil {
			return err
		}
		actor, _ := actorOf(c)
		route, hash := c.Method()+" "+c.Path(), idempotency.Hash(c.Body())
		rec, err := st.Lookup(c.UserContext(), actor, key, route, hash)
		if err != nil {
			return err
		}
		if rec != nil {
			c.Set("Idempotent-Replayed", "true")
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
			return c.Status(rec.Status).SendString(rec.Response)
		}
		if err := c.Next(); err != nil {
			return err
		}
		if status := c.Response().StatusCode(); status >= 200 && status < 300 {
			return st.Save(c.UserContext(), &idempotency.Record{AccountID: actor, Key: key, Route: route, BodyHash: hash,
				Status: status, Response: string(c.Response().Body())})
		}
		return nil
	}
}

// cesu answers GET /t/{territory}/me/cesu?month=YYYY-MM&format=json|csv|html:
// the month's CESU déclaratif summaries to enter on the URSSAF CESU site,
// and whether a written contract is now mandatory.
func (h exchangesHandler) cesu(c *fiber.Ctx) error {
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	month := cesu.MonthOf(time.Now())
	if m := c.Query("month"); m != "" {
		at, err := time.ParseInLocation("2006-01", m, cesu.Paris())
		if err != nil || at.Year() < 2000 || at.Year() > 2100 {
			return apperr.New(apperr.KindInvalid, "month_invalid", "Mois invalide : écrivez-le AAAA-MM, par exemple 2026-11.",
				"Invalid month: write it YYYY-MM, such as 2026-11.")
		}
		month = cesu.MonthOf(at)
	}
	v, err := h.actions.CESU(c.UserContext(), t, who.AccountID, month)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch c.Query("format", "json") {
	case "json":
		return c.JSON(v)
	case "csv":
		if err := cesu.WriteCSV(&buf, v.Summaries); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="cesu-`+v.Month+`.csv"`)
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	case "html":
		if err := cesu.WriteHTMLPage(&buf, v.Summaries, "/static/campagnon.css"); err != nil {
			return err
		}
		c.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'")
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	default:
		return apperr.New(apperr.KindInvalid, "format_invalid", "Format : json, csv ou html.", "Format: json, csv or html.")
	}
	return c.Send(buf.Bytes())
}

// myLedger answers GET /t/{territory}/me/ledger: the caller's time-credit
// balance and statement, newest first.
func (h exchangesHandler) myLedger(c *fiber.Ctx) error {
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	limit, err := limitParam(c, ledger.DefaultPageSize, ledger.MaxPageSize)
	if err != nil {
		return err
	}
	st, err := h.ledger.Statement(c.UserContext(), t.ID, who.AccountID, ledger.Page{Limit: limit})
	if err != nil {
		return err
	}
	p, err := h.rules.TimeCredits(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"statement": st, "limits": ledger.LimitsOf(p)})
}

func (h exchangesHandler) recordPayment(c *fiber.Ctx) error {
	var in exchange.PaymentInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	p, err := h.svc.RecordPayment(c.UserContext(), t, who, c.Params("id"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

// taxCredit answers GET /t/{territory}/me/tax-credit?year=&children=&over65=&first_year=&disability=:
// the household's tax-credit meter, a simulation.
func (h exchangesHandler) taxCredit(c *fiber.Ctx) error {
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	year, household, err := TaxCreditQuery(c)
	if err != nil {
		return err
	}
	m, err := h.svc.TaxCredit(c.UserContext(), t, who.AccountID, year, household)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// reportReview serves POST /exchanges/{id}/reviews/{author}/report.
func (h exchangesHandler) reportReview(c *fiber.Ctx) error {
	var in reasonInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	if err := h.svc.ReportReview(c.UserContext(), t, who.AccountID, c.Params("id"), c.Params("author"), in.Reason); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"message": "Merci : l'équipe du territoire va examiner cette évaluation.",
		"message_en": "Thank you: the territory's team will look at this review."})
}

// hideReview serves POST /exchanges/{id}/reviews/{author}/hide and /unhide.
func (h exchangesHandler) hideReview(hide bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		t, err := h.territories.Lookup(c.UserContext(), c.Params("territory"), false)
		if err != nil {
			return err
		}
		if err := h.svc.HideReview(c.UserContext(), t, c.Params("id"), c.Params("author"), hide); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

// reportedReviews serves GET /moderation/reviews.
func (h exchangesHandler) reportedReviews(c *fiber.Ctx) error {
	t, err := h.territories.Lookup(c.UserContext(), c.Params("territory"), false)
	if err != nil {
		return err
	}
	rs, err := h.svc.ReportedReviews(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reviews": rs, "count": len(rs)})
}

func (h exchangesHandler) recordMonth(c *fiber.Ctx) error {
	var in exchange.MonthInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	m, err := h.svc.RecordMonth(c.UserContext(), t, who, c.Params("id"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

func (h exchangesHandler) confirmMonth(c *fiber.Ctx) error {
	t, who, err := h.caller(c)
	if err != nil {
		return err
	}
	m, err := h.svc.ConfirmMonth(c.UserContext(), t, who, c.Params("id"), c.Params("month"))
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// TaxCreditQuery reads the year and the household of a tax-credit meter
// from the query string (year, children, over65, first_year, disability),
// for the API and the web page alike.
func TaxCreditQuery(c *fiber.Ctx) (int, cesu.Household, error) {
	year := time.Now().In(cesu.Paris()).Year()
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			return 0, cesu.Household{}, apperr.New(apperr.KindInvalid, "year_invalid", "Année invalide : de 2000 à 2100.", "Invalid year: 2000 to 2100.")
		}
		year = y
	}
	var counts [2]int
	for i, name := range []string{"children", "over65"} {
		n, err := strconv.Atoi(c.Query(name, "0"))
		if err != nil || n < 0 || n > 20 {
			return 0, cesu.Household{}, apperr.New(apperr.KindInvalid, "household_invalid",
				"Foyer : children (enfants à charge) et over65 (membres de plus de 65 ans) sont des nombres de 0 à 20.",
				"Household: children (dependent children) and over65 (members over 65) are numbers from 0 to 20.")
		}
		counts[i] = n
	}
	return year, cesu.Household{DependentChildren: counts[0], MembersOver65: counts[1],
		FirstYearDirectEmployment: c.QueryBool("first_year"), Disability: c.QueryBool("disability")}, nil
}
