package web

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/sdk/abi"
)

// ActForCookie holds the resident a mediator acts for (their account ID).
// It only says whom the mediator chose: every page checks the mediator's
// right and a consent in force again, and records the action.
const ActForCookie = "campagnon_act_for"

func (p *pages) registerMediator(add adder) {
	add(fiber.MethodGet, "/t/:territory/mediation", api.Member, "member", "act_for", p.mediationPage)
	add(fiber.MethodPost, "/t/:territory/mediation/consentement", api.Member, "member", "act_for", p.recordConsent)
	add(fiber.MethodPost, "/t/:territory/mediation/agir", api.Member, "member", "act_for", p.startActing)
	add(fiber.MethodPost, "/mediation/arreter", api.Session, "", "", p.stopActing)
	add(fiber.MethodGet, "/t/:territory/bulletin", api.Public, "", "", p.bulletin)
}

// actingFor resolves the act-for cookie of a signed-in mediator: the
// resident must be a verified member of the page's territory (or, on a
// page without territory, of the mediator's); anything else drops it.
func (p *pages) actingFor(c *fiber.Ctx, v *view) error {
	id := c.Cookies(ActForCookie)
	if id == "" {
		return nil
	}
	territoryID := v.Account.TerritoryID
	if slug := c.Params("territory"); slug != "" {
		t, err := p.d.Territories.Lookup(c.UserContext(), slug, false)
		if err != nil {
			return nil // the page answers its own not-found
		}
		territoryID = t.ID
	}
	resident, err := p.d.Accounts.Member(c.UserContext(), territoryID, id)
	if err != nil || resident.ID == v.Account.ID {
		if err != nil && apperr.KindOf(err) != apperr.KindNotFound && apperr.KindOf(err) != apperr.KindInvalid {
			return err
		}
		return nil
	}
	v.ActingFor, v.Actor = resident, resident
	return nil
}

// mediated runs a member page for the resident a mediator acts for: the
// action is recorded before it runs (a consent in force must cover it) and
// its outcome after, as the API does with X-Act-For.
func (p *pages) mediated(c *fiber.Ctx, v *view, obj, act string, h func(*fiber.Ctx, *view) error) error {
	t, err := p.d.Territories.Lookup(c.UserContext(), c.Params("territory"), false)
	if err != nil {
		return p.fail(c, v, err)
	}
	id, err := p.d.Mediation.Begin(c.UserContext(), t.ID, v.Account.ID, v.ActingFor.ID, obj, act, c.Method()+" "+c.Route().Path)
	if err != nil {
		return p.fail(c, v, err)
	}
	err = h(c, v)
	if err != nil {
		err = p.fail(c, v, err)
	}
	status := c.Response().StatusCode()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 5*time.Second)
	defer cancel()
	if ferr := p.d.Mediation.Finish(ctx, id, status); ferr != nil {
		return errors.Join(err, ferr)
	}
	return err
}

// mediationPage lets a mediator find a resident of the territory, record
// their consent, and act for them.
func (p *pages) mediationPage(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("med.title")
	if c.Query("info") == "consent" {
		v.Notice = v.T("info.consent")
	}
	q := strings.TrimSpace(c.Query("q"))
	var found []account.Account
	if q != "" {
		if found, err = p.d.Accounts.Members(c.UserContext(), t.ID, q, 20); err != nil {
			return err
		}
	}
	rec, err := p.d.Mediation.ForMediator(c.UserContext(), v.Account.ID)
	if err != nil {
		return err
	}
	type consentRow struct {
		C    mediation.Consent
		Name string
	}
	var consents []consentRow
	now := time.Now()
	for _, cs := range rec.Consents {
		if cs.TerritoryID != t.ID || cs.RevokedAt != nil || cs.ExpiresAt.Before(now) {
			continue
		}
		name := cs.ResidentID
		if acc, err := p.d.Accounts.Account(c.UserContext(), cs.ResidentID); err == nil {
			name = acc.DisplayName + " (" + acc.Email + ")"
		}
		consents = append(consents, consentRow{C: cs, Name: name})
	}
	v.Body = map[string]any{"Q": q, "Found": found, "Searched": q != "", "Consents": consents, "Scopes": mediation.Scopes,
		"Methods": mediation.Methods, "Resident": c.Query("habitant")}
	return p.render(c, v, "mediation.html")
}

// recordConsent records the consent a resident gave (on paper, by phone,
// in person) for what it covers.
func (p *pages) recordConsent(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	in := mediation.ConsentInput{ResidentID: c.FormValue("resident"), Method: c.FormValue("method")}
	for _, s := range c.Context().PostArgs().PeekMulti("scope") {
		in.Scope = append(in.Scope, string(s))
	}
	if d, err := strconv.Atoi(c.FormValue("days", "365")); err == nil {
		in.Days = d
	}
	if _, err := p.d.Actions.RecordConsent(c.UserContext(), t, v.Account.ID, in); err != nil {
		if kindInvalid(err) {
			v.Errors = problems(err, v.Lang)
			v.status = fiber.StatusUnprocessableEntity
			return p.mediationPage(c, v)
		}
		return err
	}
	return redirect(c, "/t/"+t.Slug+"/mediation?info=consent")
}

// startActing makes the mediator act for a resident who gave a consent in
// force; every page then says so until they stop.
func (p *pages) startActing(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	id := c.FormValue("resident")
	rec, err := p.d.Mediation.ForMediator(c.UserContext(), v.Account.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	if !slices.ContainsFunc(rec.Consents, func(cs mediation.Consent) bool {
		return cs.ResidentID == id && cs.TerritoryID == t.ID && cs.RevokedAt == nil && cs.ExpiresAt.After(now)
	}) {
		return apperr.New(apperr.KindForbidden, "consent_missing",
			"Aucun consentement en cours de cet habitant : enregistrez-le d'abord (sur papier, par téléphone ou en personne).",
			"No consent in force from this resident: record it first (on paper, by phone or in person).")
	}
	c.Cookie(&fiber.Cookie{Name: ActForCookie, Value: id, Path: "/", HTTPOnly: true, Secure: true, SameSite: fiber.CookieSameSiteStrictMode})
	return redirect(c, "/t/"+t.Slug)
}

// stopActing ends acting for a resident.
func (p *pages) stopActing(c *fiber.Ctx, v *view) error {
	c.Cookie(&fiber.Cookie{Name: ActForCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), HTTPOnly: true, Secure: true,
		SameSite: fiber.CookieSameSiteStrictMode})
	return redirect(c, localPath(c.FormValue("suite"), "/"))
}

// bulletin is the printable bulletin of a commune's offers, for the
// mairie's noticeboard: the latest offers, each with its address on the
// site.
func (p *pages) bulletin(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	commune := c.Query("commune")
	if commune != "" {
		if ok, err := p.d.Territories.HasCommune(c.UserContext(), t.ID, commune); err != nil || !ok {
			commune = ""
		}
	}
	ls, err := p.d.Listings.List(c.UserContext(), t, listing.Filter{Kind: abi.ListingOffer, Commune: commune, Limit: 30})
	if err != nil {
		return err
	}
	cards := make([]card, len(ls))
	for i, l := range ls {
		cards[i] = card{Lang: v.Lang, Slug: t.Slug, L: l, Commune: p.communeName(l.Commune)}
	}
	d, err := p.d.Territories.Get(c.UserContext(), t.Slug, false)
	if err != nil {
		return err
	}
	v.Title = v.T("bulletin.title") + " — " + t.Name
	v.Body = map[string]any{"Cards": cards, "Commune": commune, "CommuneName": p.communeName(commune), "Communes": d.Communes,
		"Date": time.Now().In(paris).Format("02/01/2006"), "URL": p.d.PublicURL + "/t/" + t.Slug}
	return p.render(c, v, "bulletin.html")
}
