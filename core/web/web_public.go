package web

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

type adder func(method, path string, access Access, obj, act string, h func(*fiber.Ctx, *view) error, mw ...fiber.Handler)

func (p *pages) registerPublic(add adder) {
	add(fiber.MethodGet, "/", api.Public, "", "", p.home)
	add(fiber.MethodGet, "/accessibilite", api.Public, "", "", p.static("a11y.title", "accessibility.html"))
	add(fiber.MethodGet, "/mentions-legales", api.Public, "", "", p.static("legal.title", "legal.html"))
	add(fiber.MethodGet, "/t/:territory", api.Public, "", "", p.territoryHome)
	add(fiber.MethodGet, "/t/:territory/recherche", api.Public, "", "", p.search)
	add(fiber.MethodGet, "/t/:territory/annonces/:id", api.Public, "", "", p.listing)
}

func (p *pages) static(title, name string) func(*fiber.Ctx, *view) error {
	return func(c *fiber.Ctx, v *view) error {
		v.Title = v.T(title)
		return p.render(c, v, name)
	}
}

// place is a commune offered on the home page, with its territory if open.
type place struct {
	Commune   *referential.Commune
	Territory *territory.Territory
}

// home lets a person find their commune (name or postal code) and its
// territory; a single open match goes straight to the territory's page.
func (p *pages) home(c *fiber.Ctx, v *view) error {
	v.Title = v.T("home.title")
	q := strings.TrimSpace(c.Query("commune"))
	body := map[string]any{"Query": q}
	if len([]rune(q)) > 100 {
		q = string([]rune(q)[:100])
	}
	if q != "" {
		var found []*referential.Commune
		if isPostalCode(q) {
			found = p.d.Referential.ByPostalCode(q)
		} else {
			found = p.d.Referential.SearchName(q, 8)
		}
		var places []place
		for _, cm := range found {
			t, err := p.d.Territories.OfCommune(c.UserContext(), cm.INSEE)
			if err != nil {
				return err
			}
			places = append(places, place{Commune: cm, Territory: t})
		}
		if len(places) == 1 && places[0].Territory != nil {
			return redirect(c, "/t/"+places[0].Territory.Slug+"?commune="+places[0].Commune.INSEE)
		}
		body["Places"] = places
		body["Searched"] = true
	}
	ts, err := p.d.Territories.List(c.UserContext(), territory.ListOptions{})
	if err != nil {
		return err
	}
	body["Territories"] = ts
	v.Body = body
	return p.render(c, v, "home.html")
}

func isPostalCode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// card is one listing in a list of results.
type card struct {
	Lang, Slug     string
	L              *listing.View
	Commune        string
	Distance       float64
	Title, Snippet string
}

func (p *pages) communeName(insee string) string {
	if cm, ok := p.d.Referential.Commune(insee); ok {
		return cm.Name
	}
	return insee
}

// territoryOf looks up the page's territory and sets it on v.
func (p *pages) territoryOf(c *fiber.Ctx, v *view) (*territory.Territory, error) {
	t, err := p.d.Territories.Lookup(c.UserContext(), c.Params("territory"), false)
	if err != nil {
		return nil, err
	}
	v.Territory = t
	return t, nil
}

// nearCommune is the commune "near me": ?commune= when it is the
// territory's, else the signed-in member's.
func (p *pages) nearCommune(c *fiber.Ctx, v *view, t *territory.Territory) string {
	if code := c.Query("commune"); code != "" {
		if ok, err := p.d.Territories.HasCommune(c.UserContext(), t.ID, code); err == nil && ok {
			return code
		}
	}
	if v.Actor != nil && v.Actor.TerritoryID == t.ID {
		return v.Actor.Commune
	}
	return ""
}

// territoryHome shows the territory's categories (from its plugin) and
// its latest offers and needs, near the person's commune when known.
func (p *pages) territoryHome(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = t.Name
	if c.Query("info") == "ouvert" {
		v.Notice = v.T("info.ouvert")
	}
	cats, err := p.d.Rules.Categories(c.UserContext(), t.Slug)
	if err != nil {
		return err
	}
	near := p.nearCommune(c, v, t)
	body := map[string]any{"Categories": cats.Categories, "Commune": near, "CommuneName": p.communeName(near)}
	for _, kind := range []string{abi.ListingOffer, abi.ListingNeed} {
		cards, err := p.latest(c, v, t, kind, near)
		if err != nil {
			return err
		}
		body[kind] = cards
	}
	if body["Events"], err = p.agendaNext(c.UserContext(), p.d.Awareness.Agenda, v.Lang, t, 3); err != nil {
		return err
	}
	v.Body = body
	return p.render(c, v, "territory.html")
}

// latest lists the newest listings of kind, within 15 km of near when set.
func (p *pages) latest(c *fiber.Ctx, v *view, t *territory.Territory, kind, near string) ([]card, error) {
	if near != "" {
		if cm, ok := p.d.Referential.Commune(near); ok && cm.HasCentre {
			res, err := p.d.Search.Search(c.UserContext(), search.Query{Territory: t.Slug, Kind: kind, Sort: search.SortRecency,
				Near: &search.Point{Lat: cm.Lat, Lng: cm.Lon}, RadiusKm: 15, Limit: 6})
			if err == nil {
				return p.cards(c, v, t, res.Hits)
			}
		}
	}
	ls, err := p.d.Listings.List(c.UserContext(), t, listing.Filter{Kind: kind, Limit: 6})
	if err != nil {
		return nil, err
	}
	out := make([]card, len(ls))
	for i, l := range ls {
		out[i] = card{Lang: v.Lang, Slug: t.Slug, L: l, Commune: p.communeName(l.Commune)}
	}
	return out, nil
}

// cards reads the hits back from the database, in the engine's order.
func (p *pages) cards(c *fiber.Ctx, v *view, t *territory.Territory, hits []search.Hit) ([]card, error) {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	views, err := p.d.Listings.Views(c.UserContext(), t, ids)
	if err != nil {
		return nil, err
	}
	var out []card
	for _, h := range hits {
		l, ok := views[h.ID]
		if !ok {
			continue // the index has not caught up yet
		}
		out = append(out, card{Lang: v.Lang, Slug: t.Slug, L: l, Commune: p.communeName(l.Commune), Distance: h.DistanceKm,
			Title: h.Highlights["title"], Snippet: h.Highlights["description"]})
	}
	return out, nil
}

// facet is one value of a facet with its count, and whether it is chosen.
type facet struct {
	Value, Label string
	Count        int
	Chosen       bool
}

// search is the search page: text, filters, radius around a commune,
// facet counts, sorts and pages; a plain GET form, so it works without
// JavaScript and its address can be shared.
func (p *pages) search(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("search.title") + " — " + t.Name
	cats, err := p.d.Rules.Categories(c.UserContext(), t.Slug)
	if err != nil {
		return err
	}
	q := search.Query{Territory: t.Slug, Text: strings.TrimSpace(c.Query("q")), Kind: c.Query("kind"), Category: c.Query("category"),
		Mode: c.Query("mode"), Sort: c.Query("sort"), Facets: true, Limit: 20}
	if len([]rune(q.Text)) > search.MaxTextRunes {
		return apperr.New(apperr.KindInvalid, "search_invalid", "Recherche trop longue : 200 caractères au plus.", "Search too long: at most 200 characters.")
	}
	if off, err := strconv.Atoi(c.Query("offset", "0")); err == nil && off > 0 && off <= search.MaxOffset {
		q.Offset = off
	}
	near := p.nearCommune(c, v, t)
	radius := 10.0
	if r, err := strconv.ParseFloat(c.Query("radius_km"), 64); err == nil && r > 0 && r <= search.MaxRadiusKm {
		radius = r
	}
	if c.Query("radius_km") == "0" {
		near = "" // the whole territory
	}
	if near != "" {
		if cm, ok := p.d.Referential.Commune(near); ok && cm.HasCentre {
			q.Near, q.RadiusKm = &search.Point{Lat: cm.Lat, Lng: cm.Lon}, radius
		}
	}
	if q.Sort == "" && q.Near != nil && q.Text == "" {
		q.Sort = search.SortDistance
	}
	if q.Sort == search.SortDistance && q.Near == nil {
		q.Sort = ""
	}
	res, err := p.d.Search.Search(c.UserContext(), q)
	if err != nil {
		if apperr.KindOf(err) == apperr.KindInvalid {
			return err
		}
		return apperr.Wrap(err, apperr.KindUnavailable, "search_unavailable",
			"La recherche ne répond pas pour l'instant : réessayez dans un moment.", "Search is not answering right now: try again in a moment.")
	}
	cards, err := p.cards(c, v, t, res.Hits)
	if err != nil {
		return err
	}
	labels := map[string]string{}
	for _, cat := range cats.Categories {
		labels[cat.ID] = categoryLabel(cat, v.Lang)
	}
	facets := map[string][]facet{}
	for name, counts := range res.Facets {
		for value, n := range counts {
			f := facet{Value: value, Count: n}
			switch name {
			case "category":
				f.Label, f.Chosen = cmp.Or(labels[value], value), value == q.Category
			case "commune":
				f.Label, f.Chosen = p.communeName(value), value == near
			case "mode":
				f.Label, f.Chosen = v.T("mode."+value), value == q.Mode
			}
			facets[name] = append(facets[name], f)
		}
		slices.SortFunc(facets[name], func(a, b facet) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Label, b.Label)) })
	}
	var communes []facet
	if d, err := p.d.Territories.Get(c.UserContext(), t.Slug, false); err == nil {
		for _, code := range d.Communes {
			communes = append(communes, facet{Value: code.INSEE, Label: code.Name, Chosen: code.INSEE == near})
		}
		slices.SortFunc(communes, func(a, b facet) int { return strings.Compare(a.Label, b.Label) })
	}
	next := ""
	if q.Offset+len(res.Hits) < res.Total && q.Offset+20 <= search.MaxOffset {
		next = pageLink(c, q.Offset+20)
	}
	prev := ""
	if q.Offset > 0 {
		prev = pageLink(c, max(0, q.Offset-20))
	}
	v.Body = map[string]any{"Q": q, "Near": near, "NearName": p.communeName(near), "Radius": radius, "Cards": cards, "Total": res.Total,
		"Facets": facets, "Categories": cats.Categories, "Labels": labels, "Communes": communes, "Next": next, "Prev": prev,
		"Modes": []string{abi.ModeFree, abi.ModeTimeCredits, abi.ModeCESUDeclaratif, abi.ModeCESUPrefinance, abi.ModeProfessional}}
	return p.render(c, v, "search.html")
}

func pageLink(c *fiber.Ctx, offset int) string {
	args := c.Context().QueryArgs()
	out := fiber.AcquireArgs()
	defer fiber.ReleaseArgs(out)
	args.CopyTo(out)
	out.Set("offset", strconv.Itoa(offset))
	return c.Path() + "?" + string(out.QueryString())
}

func categoryLabel(cat abi.Category, lang string) string {
	if lang == "en" && cat.LabelEN != "" {
		return cat.LabelEN
	}
	return cat.Label
}

// price is the plugin's quote of one hour in one mode, for the listing page.
type price struct {
	Mode  string
	Quote *abi.Quote
}

// listing shows one listing: who offers (a professional or a resident),
// their reviews, the price of an hour in each mode from the plugin, and
// the form to ask for it.
func (p *pages) listing(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	viewer := ""
	if v.Actor != nil {
		viewer = v.Actor.ID
	}
	l, err := p.d.Listings.Get(c.UserContext(), t, viewer, false, c.Params("id"))
	if err != nil {
		return err
	}
	v.Title = l.Title
	owner, err := p.d.Accounts.Account(c.UserContext(), l.OwnerID)
	if err != nil {
		return err
	}
	rating, err := p.d.Exchanges.RatingOf(c.UserContext(), t, l.OwnerID)
	if err != nil {
		return err
	}
	cats, err := p.d.Rules.Categories(c.UserContext(), t.Slug)
	if err != nil {
		return err
	}
	catLabel := l.Category
	for _, cat := range cats.Categories {
		if cat.ID == l.Category {
			catLabel = categoryLabel(cat, v.Lang)
		}
	}
	var prices []price
	for _, mode := range l.Modes {
		res, err := p.d.Rules.ComputeQuote(c.UserContext(), t.Slug, rules.QuoteInput{Category: l.Category, Modality: l.Modality, Mode: mode,
			Minutes: 60, FromCommune: l.Commune, ToCommune: l.Commune})
		if err == nil {
			prices = append(prices, price{Mode: mode, Quote: res.Quote})
		}
	}
	company := ""
	if owner.Professional && owner.CompanyName != nil {
		company = *owner.CompanyName
	}
	v.Body = map[string]any{"L": l, "Owner": owner, "Company": company, "Rating": rating, "Category": catLabel, "Prices": prices,
		"Commune": p.communeName(l.Commune), "Mine": viewer == l.OwnerID, "Notice": c.Query("info")}
	return p.render(c, v, "listing.html")
}
