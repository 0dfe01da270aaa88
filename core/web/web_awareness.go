package web

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/awareness"
	"github.com/campagnon/campagnon/core/notify"
	"github.com/campagnon/campagnon/core/territory"
)

// Awareness are the services of the awareness pages that Deps does not
// carry: the territories' agendas and the members' notification settings.
type Awareness struct {
	Agenda *awareness.Service
	Notify *notify.Service
}

// registerAwareness adds the awareness pages: the printable A5 flyer of a
// territory with its QR code and live figures, its public figures the
// local papers may quote, its public agenda, the admins' agenda, and each
// member's notification settings.
func (p *pages) registerAwareness(add adder) {
	(&awarenessPages{pages: p, aw: p.d.Awareness}).register(add)
}

// awarenessPages are the pages with their services.
type awarenessPages struct {
	*pages
	aw Awareness
}

func (p *awarenessPages) register(add adder) {
	add(fiber.MethodGet, "/t/:territory/flyer", api.Public, "", "", p.flyer)
	add(fiber.MethodGet, "/t/:territory/chiffres", api.Public, "", "", p.figures)
	add(fiber.MethodGet, "/t/:territory/evenements", api.Public, "", "", p.events)
	add(fiber.MethodGet, "/t/:territory/agenda", api.Member, "territory", "edit", p.agenda)
	add(fiber.MethodPost, "/t/:territory/agenda", api.Member, "territory", "edit", p.createEvent)
	add(fiber.MethodGet, "/t/:territory/agenda/:id", api.Member, "territory", "edit", p.editEvent)
	add(fiber.MethodPost, "/t/:territory/agenda/:id", api.Member, "territory", "edit", p.updateEvent)
	add(fiber.MethodPost, "/t/:territory/agenda/:id/supprimer", api.Member, "territory", "edit", p.deleteEvent)
	add(fiber.MethodGet, "/mon-compte/notifications", api.Session, "", "", p.notifications)
	add(fiber.MethodPost, "/mon-compte/notifications", api.Session, "", "", p.setNotifications)
}

// awQRWidthMM is the printed width of the QR code of the bulletin (the
// flyer's is larger).
const awQRWidthMM = 30

// The template helper qr draws the QR code of an address as inline SVG,
// for any printed page: {{qr .Body.URL}}.
func init() {
	funcs["qr"] = func(text string) template.HTML {
		h, err := awareness.QRSVG(text, awQRWidthMM)
		if err != nil {
			return ""
		}
		return h
	}
}

// awarenessURL is the territory's address on the site, as printed
// material gives it (security.public_url, never the request's Host).
func (p *pages) awarenessURL(t *territory.Territory) string {
	return strings.TrimRight(p.d.PublicURL, "/") + "/t/" + t.Slug
}

// awCategory is one category on the flyer.
type awCategory struct {
	Label string
	// Total counts its offers and needs on line.
	Total int
}

// awFlyerCategories is how many categories the flyer lists.
const awFlyerCategories = 5

// flyer is the territory's printable A5 flyer: what is on offer now, how
// it works, the next events, and the QR code of its page with the address
// in words.
func (p *awarenessPages) flyer(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("aw.flyer.title") + " — " + t.Name
	live, err := p.aw.Agenda.Live(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	labels, err := p.categoryLabels(c.UserContext(), t, v.Lang)
	if err != nil {
		return err
	}
	var cats []awCategory
	for _, cc := range live.Categories[:min(len(live.Categories), awFlyerCategories)] {
		cats = append(cats, awCategory{Label: awLabel(labels, cc.ID), Total: cc.Offers + cc.Needs})
	}
	next, err := p.agendaNext(c.UserContext(), p.aw.Agenda, v.Lang, t, 3)
	if err != nil {
		return err
	}
	url := p.awarenessURL(t)
	qr, err := awareness.QRSVG(url, 40)
	if err != nil {
		return err
	}
	v.Body = map[string]any{"Live": live, "Categories": cats, "Next": next, "URL": url, "QR": qr,
		"Date": time.Now().In(paris).Format("02/01/2006")}
	return p.render(c, v, "awareness_flyer.html")
}

// categoryLabels names the territory's categories from its plugin.
func (p *awarenessPages) categoryLabels(ctx context.Context, t *territory.Territory, lang string) (map[string]string, error) {
	cats, err := p.d.Rules.Categories(ctx, t.Slug)
	if err != nil {
		return nil, err
	}
	labels := make(map[string]string, len(cats.Categories))
	for _, cat := range cats.Categories {
		labels[cat.ID] = categoryLabel(cat, lang)
	}
	return labels, nil
}

func awLabel(labels map[string]string, id string) string {
	if l, ok := labels[id]; ok {
		return l
	}
	return id
}

// awPublicRow is a row of the public figures with its label.
type awPublicRow struct {
	Label string
	awareness.PublicRow
}

// awFiguresWait is how long a need waits before the figures count it
// unanswered, as on the admins' observatory page.
const awFiguresWait = 7 * 24 * time.Hour

// figures are the territory's anonymised figures over the last ?semaines
// weeks (4 to 52, 12 by default), for the local papers: needs and offers
// by category and week, the share of needs answered, no name, no commune,
// and a count of 1 or 2 shown as "fewer than 3"; with the date and the
// line to cite.
func (p *awarenessPages) figures(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	weeks := 12
	if n, err := strconv.Atoi(c.Query("semaines")); err == nil && n >= 4 && n <= 52 {
		weeks = n
	}
	d, err := p.d.Territories.Get(c.UserContext(), t.Slug, false)
	if err != nil {
		return err
	}
	codes := make([]string, len(d.Communes))
	for i, cm := range d.Communes {
		codes[i] = cm.INSEE
	}
	to := time.Now()
	r, err := p.d.Observatory.Report(c.UserContext(), t.ID, codes, to.AddDate(0, 0, -7*weeks), to, awFiguresWait)
	if err != nil {
		return err
	}
	pub := awareness.Anonymise(r)
	labels, err := p.categoryLabels(c.UserContext(), t, v.Lang)
	if err != nil {
		return err
	}
	rows := make([]awPublicRow, len(pub.ByCategory))
	for i, row := range pub.ByCategory {
		rows[i] = awPublicRow{Label: awLabel(labels, row.Key), PublicRow: row}
	}
	v.Title = v.T("aw.fig.title") + " — " + t.Name
	last := pub.To.AddDate(0, 0, -1) // the Sunday of the current week …
	if last.After(pub.AsOf) {
		last = pub.AsOf // … which has not come yet
	}
	v.Body = map[string]any{"P": pub, "Rows": rows, "Weeks": weeks, "URL": p.awarenessURL(t) + "/chiffres",
		"From": pub.From.In(paris).Format("02/01/2006"), "To": last.In(paris).Format("02/01/2006"),
		"AsOf": pub.AsOf.In(paris).Format("02/01/2006 15:04")}
	return p.render(c, v, "awareness_figures.html")
}

// awEvent is an event as pages show it.
type awEvent struct {
	ID, Kind, KindLabel, Title, Description string
	// Place is the address and the commune; When the dates in words; ISO
	// the start for <time datetime>. Short and CommuneName are the
	// flyer's shorter forms (no year, no address).
	Place, When, ISO   string
	Short, CommuneName string
	// Commune, Address, Date, Start, EndDate, End fill the edit form.
	Commune, Address, Date, Start, EndDate, End string
}

// awNext is the next events of a territory, for its home page and the
// flyer (template "awarenessNext").
type awNext struct {
	Lang, Slug string
	Events     []awEvent
}

// agendaNext returns the next n events of t (an empty box when none).
// The territory's home page shows them:
//
//	box, err := p.agendaNext(ctx, agenda, v.Lang, t, 3)
//	body["Events"] = box // {{template "awarenessNext" .Body.Events}}
func (p *pages) agendaNext(ctx context.Context, agenda *awareness.Service, lang string, t *territory.Territory, n int) (*awNext, error) {
	box := &awNext{Lang: lang, Slug: t.Slug}
	if agenda == nil {
		return box, nil
	}
	es, err := agenda.Upcoming(ctx, t.ID, n)
	if err != nil {
		return nil, err
	}
	for i := range es {
		box.Events = append(box.Events, p.agendaEvent(&es[i], lang))
	}
	return box, nil
}

func (p *pages) agendaEvent(e *awareness.Event, lang string) awEvent {
	start, end := e.StartsAt.In(paris), e.EndsAt.In(paris)
	place := p.communeName(e.Commune)
	if e.Address != "" {
		place = e.Address + ", " + place
	}
	return awEvent{ID: e.ID, Kind: e.Kind, KindLabel: tr(lang, "aw.kind."+e.Kind), Title: e.Title, Description: e.Description,
		Place: place, When: awWhen(start, end, lang), ISO: start.Format(time.RFC3339),
		Short: awShort(start, end, lang), CommuneName: p.communeName(e.Commune),
		Commune: e.Commune, Address: e.Address, Date: start.Format(time.DateOnly), Start: start.Format("15:04"),
		EndDate: end.Format(time.DateOnly), End: end.Format("15:04")}
}

var (
	awDays   = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	awMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// awLongDate writes t's date in words: "samedi 14 novembre 2026",
// "Saturday 14 November 2026".
func awLongDate(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("Monday 2 January 2006")
	}
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %s %d", awDays[t.Weekday()], day, awMonths[t.Month()-1], t.Year())
}

// awClock writes t's time: "9 h 30", "09:30".
func awClock(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("15:04")
	}
	if t.Minute() == 0 {
		return fmt.Sprintf("%d h", t.Hour())
	}
	return fmt.Sprintf("%d h %02d", t.Hour(), t.Minute())
}

// awWhen writes an event's dates in words, its end's date only when it is
// another day.
func awWhen(start, end time.Time, lang string) string {
	to := "à"
	if lang == "en" {
		to = "to"
	}
	if start.Format(time.DateOnly) == end.Format(time.DateOnly) {
		return fmt.Sprintf("%s, %s – %s", awLongDate(start, lang), awClock(start, lang), awClock(end, lang))
	}
	return fmt.Sprintf("%s, %s %s %s, %s", awLongDate(start, lang), awClock(start, lang), to, awLongDate(end, lang), awClock(end, lang))
}

// awShort writes an event's dates without the year: "lundi 30 novembre,
// 9 h – 12 h 30", or its days only when it lasts several.
func awShort(start, end time.Time, lang string) string {
	day := func(t time.Time) string {
		d := awLongDate(t, lang)
		return d[:strings.LastIndexByte(d, ' ')]
	}
	if start.Format(time.DateOnly) == end.Format(time.DateOnly) {
		return fmt.Sprintf("%s, %s – %s", day(start), awClock(start, lang), awClock(end, lang))
	}
	return day(start) + " – " + day(end)
}

// awMaxPublicEvents is how many upcoming events the public agenda lists.
const awMaxPublicEvents = 50

// events is the territory's public agenda: its upcoming events.
func (p *awarenessPages) events(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	box, err := p.agendaNext(c.UserContext(), p.aw.Agenda, v.Lang, t, awMaxPublicEvents)
	if err != nil {
		return err
	}
	v.Title = v.T("aw.events.title") + " — " + t.Name
	v.Body = map[string]any{"Box": box}
	return p.render(c, v, "awareness_events.html")
}

// agenda is the admins' agenda: the upcoming events with their edit
// links, the last past ones, and the form of a new event.
func (p *awarenessPages) agenda(c *fiber.Ctx, v *view) error {
	return p.agendaPage(c, v, nil, "")
}

// agendaPage renders the agenda, with form in the form (an event being
// edited, or what was typed) and id the event edited ("" for a new one).
func (p *awarenessPages) agendaPage(c *fiber.Ctx, v *view, form *awEvent, id string) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("aw.agenda.title") + " — " + t.Name
	if info := c.Query("info"); info == "cree" || info == "modifie" || info == "supprime" {
		v.Notice = v.T("aw.agenda.info." + info)
	}
	ctx := c.UserContext()
	up, err := p.aw.Agenda.Upcoming(ctx, t.ID, awareness.MaxUpcoming)
	if err != nil {
		return err
	}
	past, err := p.aw.Agenda.Past(ctx, t.ID, 10)
	if err != nil {
		return err
	}
	d, err := p.d.Territories.Get(ctx, t.Slug, false)
	if err != nil {
		return err
	}
	views := func(es []awareness.Event) []awEvent {
		out := make([]awEvent, len(es))
		for i := range es {
			out[i] = p.agendaEvent(&es[i], v.Lang)
		}
		return out
	}
	if form == nil {
		form = &awEvent{Kind: awareness.KindMarketStand}
	}
	kinds := make([][2]string, len(awareness.Kinds))
	for i, k := range awareness.Kinds {
		kinds[i] = [2]string{k, v.T("aw.kind." + k)}
	}
	v.Body = map[string]any{"Upcoming": views(up), "Past": views(past), "Form": form, "EditID": id, "Communes": d.Communes, "Kinds": kinds}
	return p.render(c, v, "awareness_agenda.html")
}

// awEventInput reads the event form: the times are in Europe/Paris; an
// empty end date is the start's.
func awEventInput(c *fiber.Ctx) (awareness.Input, *awEvent) {
	f := &awEvent{Kind: c.FormValue("kind"), Title: c.FormValue("title"), Commune: c.FormValue("commune"),
		Address: c.FormValue("address"), Description: c.FormValue("description"),
		Date: strings.TrimSpace(c.FormValue("date")), Start: strings.TrimSpace(c.FormValue("start")),
		EndDate: strings.TrimSpace(c.FormValue("end_date")), End: strings.TrimSpace(c.FormValue("end"))}
	in := awareness.Input{Kind: f.Kind, Title: f.Title, Commune: f.Commune, Address: f.Address, Description: f.Description}
	endDate := f.EndDate
	if endDate == "" {
		endDate = f.Date
	}
	if s, err := time.ParseInLocation("2006-01-02 15:04", f.Date+" "+f.Start, paris); err == nil {
		in.StartsAt = s
	}
	if e, err := time.ParseInLocation("2006-01-02 15:04", endDate+" "+f.End, paris); err == nil {
		in.EndsAt = e
	}
	return in, f
}

// createEvent adds an event; a form with problems comes back with them
// and what was typed.
func (p *awarenessPages) createEvent(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	in, form := awEventInput(c)
	if _, err := p.aw.Agenda.Create(c.UserContext(), t.ID, v.Account.ID, in); err != nil {
		if kindInvalid(err) {
			v.Errors = problems(err, v.Lang)
			v.status = fiber.StatusUnprocessableEntity
			return p.agendaPage(c, v, form, "")
		}
		return err
	}
	return redirect(c, "/t/"+t.Slug+"/agenda?info=cree")
}

// editEvent shows the agenda with an event's form filled in.
func (p *awarenessPages) editEvent(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	e, err := p.aw.Agenda.Get(c.UserContext(), t.ID, c.Params("id"))
	if err != nil {
		return err
	}
	form := p.agendaEvent(e, v.Lang)
	return p.agendaPage(c, v, &form, e.ID)
}

// updateEvent saves an event's form.
func (p *awarenessPages) updateEvent(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	in, form := awEventInput(c)
	if _, err := p.aw.Agenda.Update(c.UserContext(), t.ID, c.Params("id"), in); err != nil {
		if kindInvalid(err) {
			v.Errors = problems(err, v.Lang)
			v.status = fiber.StatusUnprocessableEntity
			return p.agendaPage(c, v, form, c.Params("id"))
		}
		return err
	}
	return redirect(c, "/t/"+t.Slug+"/agenda?info=modifie")
}

// deleteEvent removes an event from the agenda.
func (p *awarenessPages) deleteEvent(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	if err := p.aw.Agenda.Delete(c.UserContext(), t.ID, c.Params("id")); err != nil {
		return err
	}
	return redirect(c, "/t/"+t.Slug+"/agenda?info=supprime")
}

// notifications lets a member switch the weekly digest off and on; the
// digest's emails link here.
func (p *awarenessPages) notifications(c *fiber.Ctx, v *view) error {
	v.Title = v.T("notif.title")
	if t, err := p.d.Territories.ByID(c.UserContext(), v.Account.TerritoryID); err == nil {
		v.Territory = t
	}
	if c.Query("info") != "" {
		v.Notice = v.T("notif.saved")
	}
	s, err := p.aw.Notify.Settings(c.UserContext(), v.Account.ID)
	if err != nil {
		return err
	}
	v.Body = map[string]any{"Digest": s.Digest}
	return p.render(c, v, "awareness_notifications.html")
}

// setNotifications saves the member's choice.
func (p *awarenessPages) setNotifications(c *fiber.Ctx, v *view) error {
	if err := p.aw.Notify.SetDigest(c.UserContext(), v.Account.ID, c.FormValue("digest") == "on", time.Now()); err != nil {
		return err
	}
	return redirect(c, "/mon-compte/notifications?info=1")
}
