package web

import (
	"bytes"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/observatory"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/territory"
)

func (p *pages) registerAdmin(add adder) {
	add(fiber.MethodGet, "/t/:territory/observatoire", api.Member, "observatory", "read", p.observatoryPage)
	add(fiber.MethodGet, "/t/:territory/observatoire.csv", api.Member, "observatory", "read", p.observatoryCSV)
	add(fiber.MethodGet, "/t/:territory/admin", api.Member, "member", "read", p.adminPage)
	add(fiber.MethodPost, "/t/:territory/admin/roles", api.Member, "member", "grant", p.grantRole)
	add(fiber.MethodGet, "/t/:territory/moderation", api.Member, "listing", "moderate", p.moderationPage)
	add(fiber.MethodPost, "/t/:territory/moderation/:id/masquer", api.Member, "listing", "moderate", p.moderate(true))
	add(fiber.MethodPost, "/t/:territory/moderation/:id/retablir", api.Member, "listing", "moderate", p.moderate(false))
}

// adminPage is the territory admins' desk: the members (a search), the
// referenced businesses, the plugin and configuration in force, and the
// links to the observatory and the moderation queue.
func (p *pages) adminPage(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("admin.title") + " — " + t.Name
	q := strings.TrimSpace(c.Query("q"))
	members, err := p.d.Accounts.Members(c.UserContext(), t.ID, q, 50)
	if err != nil {
		return err
	}
	var pros []account.Account
	for _, m := range members {
		if m.Professional {
			pros = append(pros, m)
		}
	}
	info, err := p.d.Rules.Info(c.UserContext(), t.Slug)
	if err != nil {
		return err
	}
	v.Body = map[string]any{"Q": q, "Members": members, "Pros": pros, "Info": info, "Roles": grantableRoles}
	if c.Query("info") == "role" {
		v.Notice = v.T("admin.role.done")
	}
	return p.render(c, v, "admin.html")
}

// grantableRoles are the roles the admin desk names: the territory's own
// (residents and professionals are named by their verification).
var grantableRoles = []string{"mediator", "territory_admin"}

// grantRole names a member (by email) mediator or territory admin of the
// territory; core/authz checks the admin may.
func (p *pages) grantRole(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	if !slices.Contains(grantableRoles, role) {
		return apperr.New(apperr.KindInvalid, "role_invalid", "Rôle inconnu : choisissez-le dans la liste.", "Unknown role: pick it from the list.")
	}
	acc, err := p.d.Accounts.ByEmail(c.UserContext(), strings.TrimSpace(c.FormValue("email")))
	if err != nil {
		return err
	}
	if err := p.d.Actions.ChangeRole(c.UserContext(), v.Account.ID, acc.ID, role, t.Slug, true); err != nil {
		return err
	}
	return redirect(c, "/t/"+t.Slug+"/admin?info=role")
}

// moderationPage lists the reported and hidden listings.
func (p *pages) moderationPage(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("mod.title") + " — " + t.Name
	if c.Query("info") != "" {
		v.Notice = v.T("mod.done")
	}
	queue, err := p.d.Listings.Queue(c.UserContext(), t)
	if err != nil {
		return err
	}
	v.Body = map[string]any{"Queue": queue}
	return p.render(c, v, "moderation.html")
}

// moderate hides (with a reason the author reads) or shows again a listing.
func (p *pages) moderate(hide bool) func(*fiber.Ctx, *view) error {
	return func(c *fiber.Ctx, v *view) error {
		t, err := p.territoryOf(c, v)
		if err != nil {
			return err
		}
		if _, err := p.d.Listings.Moderate(c.UserContext(), t, v.Account.ID, c.Params("id"), hide, strings.TrimSpace(c.FormValue("reason"))); err != nil {
			return err
		}
		return redirect(c, "/t/"+t.Slug+"/moderation?info=1")
	}
}

// unansweredAfter is how long a need waits before the observatory counts
// it unmet.
const unansweredAfter = 7 * 24 * time.Hour

// report computes the territory's observatory over the last ?semaines
// weeks (4 to 104, 12 by default).
func (p *pages) report(c *fiber.Ctx, v *view) (*territory.Territory, *observatory.Report, int, error) {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return nil, nil, 0, err
	}
	weeks := 12
	if n, err := strconv.Atoi(c.Query("semaines")); err == nil && n >= 1 && n <= 104 {
		weeks = n
	}
	d, err := p.d.Territories.Get(c.UserContext(), t.Slug, false)
	if err != nil {
		return nil, nil, 0, err
	}
	codes := make([]string, len(d.Communes))
	for i, cm := range d.Communes {
		codes[i] = cm.INSEE
	}
	to := time.Now()
	r, err := p.d.Observatory.Report(c.UserContext(), t.ID, codes, to.AddDate(0, 0, -7*weeks), to, unansweredAfter)
	return t, r, weeks, err
}

// observatoryPage is the needs observatory: totals, the map of unmet needs,
// the breakdowns and the weeks, with the CSV one link away.
func (p *pages) observatoryPage(c *fiber.Ctx, v *view) error {
	t, r, weeks, err := p.report(c, v)
	if err != nil {
		return err
	}
	v.Title = v.T("obs.title") + " — " + t.Name
	v.Body = map[string]any{"R": r, "Weeks": weeks, "Map": p.d.Observatory.Map(r), "Attribution": template.HTML(template.HTMLEscapeString(referential.Attribution))}
	return p.render(c, v, "observatory.html")
}

// observatoryCSV downloads the same report for a spreadsheet.
func (p *pages) observatoryCSV(c *fiber.Ctx, v *view) error {
	t, r, _, err := p.report(c, v)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := observatory.WriteCSV(&buf, r); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="observatoire-`+t.Slug+`-`+time.Now().Format("2006-01-02")+`.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// rowsOf is one breakdown of a report, by its field name, for the
// observatory's template.
func rowsOf(r *observatory.Report, dim string) []observatory.Row {
	switch dim {
	case "ByCategory":
		return r.ByCategory
	case "ByCommune":
		return r.ByCommune
	case "ByMode":
		return r.ByMode
	}
	return nil
}

func init() {
	funcs["rowsOf"] = rowsOf
	funcs["actionsFor"] = listing.ActionsFrom
}
