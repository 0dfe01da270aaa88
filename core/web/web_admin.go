package web

import (
	"bytes"
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/observatory"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/territory"
)

func (p *pages) registerAdmin(add adder) {
	add(fiber.MethodGet, "/t/:territory/observatoire", api.Member, "observatory", "read", p.observatoryPage)
	add(fiber.MethodGet, "/t/:territory/observatoire.csv", api.Member, "observatory", "read", p.observatoryCSV)
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

func init() { funcs["rowsOf"] = rowsOf }
