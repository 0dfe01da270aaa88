package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/cesu"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/listing"
	msgs "github.com/campagnon/campagnon/core/message"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

func (p *pages) registerMember(add adder) {
	add(fiber.MethodGet, "/t/:territory/annonces/nouvelle", api.Member, "listing", "create", p.newListingForm)
	add(fiber.MethodPost, "/t/:territory/annonces/nouvelle", api.Member, "listing", "create", p.newListing)
	add(fiber.MethodPost, "/t/:territory/annonces/:id/demander", api.Member, "exchange", "create", p.request)
	add(fiber.MethodGet, "/mes-echanges", api.Session, "", "", p.myExchanges)
	add(fiber.MethodGet, "/t/:territory/mes-annonces", api.Member, "listing", "read", p.myListings)
	add(fiber.MethodPost, "/t/:territory/mes-annonces/:id/:action", api.Member, "listing", "edit_own", p.setListingStatus)
	add(fiber.MethodGet, "/t/:territory/echanges/:id", api.Member, "exchange", "read_own", p.exchangePage)
	add(fiber.MethodPost, "/t/:territory/echanges/:id/evaluer", api.Member, "review", "create", p.act(exchange.Review))
	add(fiber.MethodPost, "/t/:territory/echanges/:id/annuler", api.Member, "exchange", "cancel", p.act(exchange.Cancel))
	add(fiber.MethodPost, "/t/:territory/echanges/:id/planifier", api.Member, "exchange", "act", p.act(exchange.Schedule))
	add(fiber.MethodPost, "/t/:territory/echanges/:id/message", api.Member, "message", "send", p.sendMessage)
	add(fiber.MethodGet, "/t/:territory/professionnels", api.Public, "", "", p.directory)
	add(fiber.MethodGet, "/t/:territory/mes-cesu", api.Member, "exchange", "read_own", p.myCESU)
	for _, ev := range actEvents {
		add(fiber.MethodPost, "/t/:territory/echanges/:id/"+string(ev), api.Member, "exchange", "act", p.act(ev))
	}
}

// actEvents are the transitions a party makes with one button.
var actEvents = []exchange.Event{exchange.Accept, exchange.Decline, exchange.Complete, exchange.Confirm}

// newListingForm is the form to post an offer or a need.
func (p *pages) newListingForm(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	kind := c.Query("kind", abi.ListingOffer)
	return p.listingForm(c, v, t.Slug, map[string]any{"Kind": kind, "Commune": v.Actor.Commune, "Modes": []string{abi.ModeTimeCredits}})
}

func (p *pages) listingForm(c *fiber.Ctx, v *view, slug string, values map[string]any) error {
	v.Title = v.T("post.title")
	cats, err := p.d.Rules.Categories(c.UserContext(), slug)
	if err != nil {
		return err
	}
	d, err := p.d.Territories.Get(c.UserContext(), slug, false)
	if err != nil {
		return err
	}
	values["Categories"] = cats.Categories
	values["Communes"] = d.Communes
	values["AllModes"] = []string{abi.ModeFree, abi.ModeTimeCredits, abi.ModeCESUDeclaratif, abi.ModeCESUPrefinance, abi.ModeProfessional}
	v.Body = values
	return p.render(c, v, "listing_new.html")
}

// newListing posts the listing, checked by the platform and the
// territory's plugin; problems come back on the form with what was typed.
func (p *pages) newListing(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	in := listing.Input{Kind: c.FormValue("kind"), Category: c.FormValue("category"), Modality: abi.ModalityResident,
		Title: strings.TrimSpace(c.FormValue("title")), Description: strings.TrimSpace(c.FormValue("description")),
		PriceKind: abi.PriceFree, Commune: c.FormValue("commune"), AvailabilityNote: strings.TrimSpace(c.FormValue("availability_note")),
		Availability: []listing.Slot{}, Publish: true}
	if v.Actor.Professional {
		in.Modality, in.PriceKind = abi.ModalityProfessional, abi.PriceOnQuote
	}
	args := c.Context().PostArgs()
	for _, m := range args.PeekMulti("modes") {
		in.Modes = append(in.Modes, string(m))
	}
	if km, err := strconv.Atoi(c.FormValue("travel_km", "0")); err == nil {
		in.TravelKm = km
	}
	owner := listing.Owner{ID: v.Actor.ID, Professional: v.Actor.Professional, SAP: v.Actor.SAPNumber != nil}
	l, err := p.d.Listings.Create(c.UserContext(), t, owner, in)
	if err != nil {
		if kindInvalid(err) {
			v.Errors = problems(err, v.Lang)
			v.status = fiber.StatusUnprocessableEntity
			return p.listingForm(c, v, t.Slug, map[string]any{"Kind": in.Kind, "Category": in.Category, "Title": in.Title,
				"Description": in.Description, "Commune": in.Commune, "Modes": in.Modes, "TravelKm": in.TravelKm, "Note": in.AvailabilityNote})
		}
		return err
	}
	return redirect(c, "/t/"+t.Slug+"/annonces/"+l.ID+"?info=publiee")
}

// request asks for a listing: the provider is told, the exchange page
// follows it.
func (p *pages) request(c *fiber.Ctx, v *view) error {
	t, who, err := p.d.Actions.Caller(c.UserContext(), c.Params("territory"), v.Actor.ID, v.mediatorID())
	if err != nil {
		return err
	}
	v.Territory = t
	minutes, _ := strconv.Atoi(c.FormValue("minutes", "60"))
	x, err := p.d.Actions.RequestExchange(c.UserContext(), t, who, exchange.RequestInput{ListingID: c.Params("id"),
		Mode: c.FormValue("mode"), Minutes: minutes, Occurrences: 1})
	if err != nil {
		return err
	}
	return redirect(c, "/t/"+t.Slug+"/echanges/"+x.ID)
}

// myExchanges lists the person's exchanges in their territory.
func (p *pages) myExchanges(c *fiber.Ctx, v *view) error {
	v.Title = v.T("exchanges.title")
	t, err := p.d.Territories.ByID(c.UserContext(), v.Account.TerritoryID)
	if err != nil {
		return err
	}
	v.Territory = t
	xs, err := p.d.Exchanges.Mine(c.UserContext(), t, v.Account.ID, "", exchange.MaxPage)
	if err != nil {
		return err
	}
	type row struct {
		X     exchange.Exchange
		Title string
		Role  string
	}
	rows := make([]row, len(xs))
	for i, x := range xs {
		rows[i] = row{X: x, Title: p.listingTitle(c, t, v.Account.ID, x.ListingID), Role: string(x.Party(v.Account.ID))}
	}
	v.Body = map[string]any{"Rows": rows}
	return p.render(c, v, "exchanges.html")
}

// listingTitle is the title of the listing of an exchange, as its
// viewer may see it (its ID when they may not any more).
func (p *pages) listingTitle(c *fiber.Ctx, t *territory.Territory, viewerID, id string) string {
	if l, err := p.d.Listings.Get(c.UserContext(), t, viewerID, false, id); err == nil {
		return l.Title
	}
	return id
}

// exchangePage shows an exchange to one of its parties with the buttons
// of what they may do now, and the review form once it is confirmed.
func (p *pages) exchangePage(c *fiber.Ctx, v *view) error {
	t, who, err := p.d.Actions.Caller(c.UserContext(), c.Params("territory"), v.Actor.ID, v.mediatorID())
	if err != nil {
		return err
	}
	v.Territory = t
	d, err := p.d.Exchanges.Get(c.UserContext(), t, who, c.Params("id"))
	if err != nil {
		return err
	}
	v.Title = v.T("exchange.title")
	actor := d.Party(v.Actor.ID)
	var can []string
	for _, ev := range append(actEvents, exchange.Cancel) {
		if _, err := exchange.Next(d.Exchange, ev, actor); err == nil {
			can = append(can, string(ev))
		}
	}
	_, reviewErr := exchange.Next(d.Exchange, exchange.Review, actor)
	_, scheduleErr := exchange.Next(d.Exchange, exchange.Schedule, actor)
	thread, err := p.d.Messages.Thread(c.UserContext(), d.Exchange, v.Actor.ID, msgs.Page{Limit: 100})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, id := range []string{d.SeekerID, d.ProviderID} {
		names[id] = v.T("exchange.erased")
		if acc, err := p.d.Accounts.Account(c.UserContext(), id); err == nil {
			names[id] = acc.DisplayName
		}
	}
	v.Body = map[string]any{"X": d, "Role": string(actor), "Can": can, "CanReview": reviewErr == nil, "CanSchedule": scheduleErr == nil,
		"Messages": thread.Messages, "Names": names,
		"Title": p.listingTitle(c, t, v.Actor.ID, d.ListingID), "Notice": c.Query("info")}
	return p.render(c, v, "exchange.html")
}

// act applies ev to the exchange and shows it again.
func (p *pages) act(ev exchange.Event) func(*fiber.Ctx, *view) error {
	return func(c *fiber.Ctx, v *view) error {
		t, who, err := p.d.Actions.Caller(c.UserContext(), c.Params("territory"), v.Actor.ID, v.mediatorID())
		if err != nil {
			return err
		}
		v.Territory = t
		in := exchange.TransitionInput{Note: strings.TrimSpace(c.FormValue("note"))}
		if ev == exchange.Schedule {
			at, err := time.ParseInLocation("2006-01-02 15:04", c.FormValue("date")+" "+c.FormValue("time", "09:00"), paris)
			if err != nil {
				return apperr.New(apperr.KindInvalid, "date_invalid", "Date ou heure illisible : choisissez un jour (jj/mm/aaaa) et une heure (hh:mm).",
					"Unreadable date or time: choose a day (dd/mm/yyyy) and a time (hh:mm).")
			}
			in.ScheduledAt = &at
		}
		if ev == exchange.Review {
			rating, err := strconv.Atoi(c.FormValue("rating"))
			if err != nil || rating < 1 || rating > 5 {
				return apperr.New(apperr.KindInvalid, "rating_invalid", "Choisissez une note de 1 à 5 étoiles.", "Choose a rating from 1 to 5 stars.")
			}
			in.Rating, in.Comment = rating, strings.TrimSpace(c.FormValue("comment"))
		}
		if _, err := p.d.Exchanges.Transition(c.UserContext(), t, who, c.Params("id"), ev, in); err != nil {
			return err
		}
		return redirect(c, "/t/"+t.Slug+"/echanges/"+c.Params("id")+"?info="+string(ev))
	}
}

// sendMessage adds a message to the exchange's thread.
func (p *pages) sendMessage(c *fiber.Ctx, v *view) error {
	t, who, err := p.d.Actions.Caller(c.UserContext(), c.Params("territory"), v.Actor.ID, v.mediatorID())
	if err != nil {
		return err
	}
	d, err := p.d.Exchanges.Get(c.UserContext(), t, who, c.Params("id"))
	if err != nil {
		return err
	}
	if _, err := p.d.Messages.Send(c.UserContext(), d.Exchange, v.Actor.ID, v.mediatorID(), c.FormValue("body")); err != nil {
		return err
	}
	return redirect(c, "/t/"+t.Slug+"/echanges/"+d.ID+"?info=message#messages")
}

// pro is one referenced professional of the directory, with their offers.
type pro struct {
	Name     string
	Offers   []card
	SAP      bool
	Communes []string
}

// directory lists the territory's professionals by their offers, by
// category and commune.
func (p *pages) directory(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("dir.title") + " — " + t.Name
	cats, err := p.d.Rules.Categories(c.UserContext(), t.Slug)
	if err != nil {
		return err
	}
	f := listing.Filter{Kind: abi.ListingOffer, Modality: abi.ModalityProfessional, Category: c.Query("category"), Commune: c.Query("commune"), Limit: listing.MaxPage}
	ls, err := p.d.Listings.List(c.UserContext(), t, f)
	if err != nil {
		return err
	}
	byOwner := map[string]*pro{}
	var order []string
	for _, l := range ls {
		pr, ok := byOwner[l.OwnerID]
		if !ok {
			pr = &pro{}
			if acc, err := p.d.Accounts.Account(c.UserContext(), l.OwnerID); err == nil {
				pr.Name, pr.SAP = acc.DisplayName, acc.SAPNumber != nil
				if acc.CompanyName != nil {
					pr.Name = *acc.CompanyName
				}
			}
			byOwner[l.OwnerID] = pr
			order = append(order, l.OwnerID)
		}
		pr.Offers = append(pr.Offers, card{Lang: v.Lang, Slug: t.Slug, L: l, Commune: p.communeName(l.Commune)})
	}
	pros := make([]*pro, len(order))
	for i, id := range order {
		pros[i] = byOwner[id]
	}
	d, err := p.d.Territories.Get(c.UserContext(), t.Slug, false)
	if err != nil {
		return err
	}
	v.Body = map[string]any{"Pros": pros, "Categories": cats.Categories, "Communes": d.Communes, "Category": f.Category, "Commune": f.Commune}
	return p.render(c, v, "directory.html")
}

// myCESU shows the member's CESU déclaratif month (what to declare, by
// employer and employee, its due date, contract warnings, the cost after
// the tax credit) and the year's tax-credit meter of their household.
func (p *pages) myCESU(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("cesu.title")
	month := cesu.MonthOf(time.Now())
	if m := c.Query("mois"); m != "" {
		at, err := time.ParseInLocation("2006-01", m, cesu.Paris())
		if err != nil || at.Year() < 2000 || at.Year() > 2100 {
			return apperr.New(apperr.KindInvalid, "month_invalid", "Mois invalide : choisissez-le dans la liste.", "Invalid month: pick it from the list.")
		}
		month = cesu.MonthOf(at)
	}
	view, err := p.d.Actions.CESU(c.UserContext(), t, v.Actor.ID, month)
	if err != nil {
		return err
	}
	year, household, err := api.TaxCreditQuery(c)
	if err != nil {
		return err
	}
	meter, err := p.d.Exchanges.TaxCredit(c.UserContext(), t, v.Actor.ID, year, household)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, s := range view.Summaries {
		names[s.Employer], names[s.Employee] = s.EmployerName, s.EmployeeName
	}
	var months []string
	for m, i := cesu.MonthOf(time.Now()), 0; i < 12; i++ {
		months = append(months, m.Start().Format("2006-01"))
		m = cesu.MonthOf(m.Start().AddDate(0, 0, -1))
	}
	v.Body = map[string]any{"V": view, "Month": month.Start().Format("2006-01"), "Months": months, "Meter": meter,
		"Me": v.Actor.ID, "Children": household.DependentChildren, "Over65": household.MembersOver65}
	return p.render(c, v, "cesu.html")
}

// myListings lists the member's own listings, whatever their status, with
// what they may do with each (publish again, pause, close).
func (p *pages) myListings(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("mine.title")
	if c.Query("info") != "" {
		v.Notice = v.T("mod.done")
	}
	ls, err := p.d.Listings.List(c.UserContext(), t, listing.Filter{OwnerID: v.Actor.ID, Limit: listing.MaxPage})
	if err != nil {
		return err
	}
	v.Body = map[string]any{"Listings": ls}
	return p.render(c, v, "mylistings.html")
}

// setListingStatus publishes, pauses or closes one of the member's listings.
func (p *pages) setListingStatus(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	action := c.Params("action")
	switch action {
	case listing.ActionPublish, listing.ActionPause, listing.ActionClose:
	default:
		return apperr.New(apperr.KindNotFound, "not_found", "Action inconnue.", "Unknown action.")
	}
	if _, err := p.d.Listings.SetStatus(c.UserContext(), t, v.Actor.ID, c.Params("id"), action); err != nil {
		return err
	}
	return redirect(c, "/t/"+t.Slug+"/mes-annonces?info="+action)
}
