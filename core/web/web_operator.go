package web

import (
	"cmp"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/territory"
)

// The national operators' pages: every territory with its key figures, and
// opening a new one from the national referential in two forms (find the
// EPCI; check its communes, choose its address and rules, name its
// admins). They need a session and the national right to create
// territories, checked in the handler: the route's access kinds decide in
// the territory of the path, and these rights are national.
func (p *pages) registerOperator(add adder) {
	add(fiber.MethodGet, "/operateur", api.Session, "", "", p.operator(p.operatorHome))
	add(fiber.MethodGet, "/operateur/ouvrir", api.Session, "", "", p.operator(p.operatorSearch))
	add(fiber.MethodGet, "/operateur/ouvrir/:siren", api.Session, "", "", p.operator(p.operatorOpenForm))
	add(fiber.MethodPost, "/operateur/ouvrir/:siren", api.Session, "", "", p.operator(p.operatorOpen))
}

// These are core/authz's National scope, the right that makes a national
// operator (their role holds "*:*" there; no territory role reaches it)
// and the role the first admins get; core/web does not import core/authz
// (docs/architecture.md), it calls the enforcer the API gives it.
const (
	nationalScope      = "*"
	operatorObject     = "territory"
	operatorAction     = "create"
	roleTerritoryAdmin = "territory_admin"
)

// Bounds of the operators' forms.
const (
	maxEPCIQueryRunes = 100
	maxEPCIResults    = 20
	maxFirstAdmins    = 10
	maxTerritoryName  = 200
)

var errOperatorOnly = apperr.New(apperr.KindForbidden, "operator_only",
	"Ces pages sont réservées aux opérateurs nationaux de Campagnon. Si vous devez en être, demandez à un opérateur de vous nommer.",
	"These pages are for Campagnon's national operators. If you should be one, ask an operator to name you.")

// operator runs h for a national operator only.
func (p *pages) operator(h func(*fiber.Ctx, *view) error) func(*fiber.Ctx, *view) error {
	return func(c *fiber.Ctx, v *view) error {
		ok, err := p.d.Authz.Allowed(v.Account.ID, nationalScope, operatorObject, operatorAction)
		if err != nil {
			return err
		}
		if !ok {
			return errOperatorOnly
		}
		return h(c, v)
	}
}

// territoryFigures is one line of the operators' list.
type territoryFigures struct {
	T territory.Territory
	F territory.Figures
}

// monthStart is the first instant of t's month in France.
func monthStart(t time.Time) time.Time {
	t = t.In(paris)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, paris)
}

// operatorHome lists every territory, active and disabled, with its key
// figures and their totals.
func (p *pages) operatorHome(c *fiber.Ctx, v *view) error {
	v.Title = v.T("op.title")
	ts, err := p.d.Territories.List(c.UserContext(), territory.ListOptions{IncludeDisabled: true})
	if err != nil {
		return err
	}
	since := monthStart(time.Now())
	figures, err := p.d.Territories.Figures(c.UserContext(), since)
	if err != nil {
		return err
	}
	rows := make([]territoryFigures, len(ts))
	var total territoryFigures
	for i, t := range ts {
		f := figures[t.ID]
		rows[i] = territoryFigures{T: t, F: f}
		total.T.CommuneCount += t.CommuneCount
		total.T.Population += t.Population
		total.F.Members += f.Members
		total.F.PublishedListings += f.PublishedListings
		total.F.ExchangesSince += f.ExchangesSince
	}
	v.Body = map[string]any{"Rows": rows, "Total": total, "Since": &since}
	return p.render(c, v, "operator.html")
}

// epciResult is one EPCI found, with its territory when it is open.
type epciResult struct {
	E    *referential.EPCI
	Kind string
	Open *territory.Territory
}

var sirenPattern = regexp.MustCompile(`^[0-9]{9}$`)

// operatorSearch finds EPCI of the national referential by name or SIREN
// and says which are open already.
func (p *pages) operatorSearch(c *fiber.Ctx, v *view) error {
	v.Title = v.T("op.open.title")
	q := strings.TrimSpace(c.Query("q"))
	body := map[string]any{"Query": q}
	if len([]rune(q)) > maxEPCIQueryRunes {
		return apperr.New(apperr.KindInvalid, "epci_query_invalid",
			fmt.Sprintf("Recherche trop longue : %d caractères au plus.", maxEPCIQueryRunes),
			fmt.Sprintf("Search too long: at most %d characters.", maxEPCIQueryRunes))
	}
	if q != "" {
		var found []*referential.EPCI
		if digits := strings.ReplaceAll(q, " ", ""); sirenPattern.MatchString(digits) {
			if e, ok := p.d.Referential.EPCI(digits); ok {
				found = append(found, e)
			}
		} else {
			found = p.d.Referential.SearchEPCI(q, maxEPCIResults)
		}
		results := make([]epciResult, len(found))
		for i, e := range found {
			open, err := p.territoryOfEPCI(c, e.SIREN)
			if err != nil {
				return err
			}
			results[i] = epciResult{E: e, Kind: epciKind(v, e.Kind), Open: open}
		}
		body["Results"], body["Searched"] = results, true
	}
	v.Body = body
	return p.render(c, v, "operator_open.html")
}

// epciKind names an EPCI's legal form in the page's language.
func epciKind(v *view, kind string) string {
	if s := v.T("op.kind." + kind); s != "op.kind."+kind {
		return s
	}
	return kind
}

// territoryOfEPCI is the EPCI's territory, active or disabled, or nil.
func (p *pages) territoryOfEPCI(c *fiber.Ctx, siren string) (*territory.Territory, error) {
	slug, err := p.d.Territories.SlugOfEPCI(c.UserContext(), siren)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return p.d.Territories.Lookup(c.UserContext(), slug, true)
}

// epciOf is the EPCI of the path's SIREN.
func (p *pages) epciOf(c *fiber.Ctx) (*referential.EPCI, error) {
	siren := c.Params("siren")
	if sirenPattern.MatchString(siren) {
		if e, ok := p.d.Referential.EPCI(siren); ok {
			return e, nil
		}
	}
	siren = clip(siren, 20)
	return nil, apperr.New(apperr.KindNotFound, "epci_unknown",
		fmt.Sprintf("Aucun EPCI n'a le numéro SIREN %q dans le référentiel national : cherchez-le par son nom sur /operateur/ouvrir.", siren),
		fmt.Sprintf("No EPCI has the SIREN %q in the national referential: look it up by name at /operateur/ouvrir.", siren))
}

// openInput is what the opening form holds, as typed.
type openInput struct {
	Slug, Name, Plugin, Admins string
}

// operatorOpenForm shows an EPCI's communes to check and the form that
// opens it, or says where it is open already.
func (p *pages) operatorOpenForm(c *fiber.Ctx, v *view) error {
	e, err := p.epciOf(c)
	if err != nil {
		return err
	}
	open, err := p.territoryOfEPCI(c, e.SIREN)
	if err != nil {
		return err
	}
	in := openInput{Name: e.Name}
	if open == nil {
		if in.Slug, err = p.freeSlug(c, e); err != nil {
			return err
		}
	}
	return p.openForm(c, v, e, open, in)
}

// freeSlug is the first of the EPCI's slugs no territory has, else its first.
func (p *pages) freeSlug(c *fiber.Ctx, e *referential.EPCI) (string, error) {
	slugs := p.d.Territories.EPCISlugs(e)
	for _, s := range slugs {
		_, err := p.d.Territories.Lookup(c.UserContext(), s, true)
		if apperr.KindOf(err) == apperr.KindNotFound {
			return s, nil
		}
		if err != nil {
			return "", err
		}
	}
	return slugs[0], nil
}

// openForm renders the opening form of e with in (open: where it is open
// already, and then no form).
func (p *pages) openForm(c *fiber.Ctx, v *view, e *referential.EPCI, open *territory.Territory, in openInput) error {
	v.Title = fmt.Sprintf(v.T("op.form.title"), e.Name)
	communes := make([]*referential.Commune, 0, len(e.Members))
	for _, code := range e.Members {
		if cm, ok := p.d.Referential.Commune(code); ok {
			communes = append(communes, cm)
		}
	}
	slices.SortFunc(communes, func(a, b *referential.Commune) int {
		return cmp.Or(strings.Compare(referential.Normalize(a.Name), referential.Normalize(b.Name)), strings.Compare(a.INSEE, b.INSEE))
	})
	plugins, err := p.territoryPlugins()
	if err != nil {
		return err
	}
	v.Body = map[string]any{"E": e, "Kind": epciKind(v, e.Kind), "Communes": communes, "Open": open, "In": in,
		"Plugins": plugins, "Default": p.d.Rules.DefaultModule()}
	return p.render(c, v, "operator_epci.html")
}

// territoryPlugins are the modules an operator may give a territory by
// name, besides the default one (the standard configuration).
func (p *pages) territoryPlugins() ([]string, error) {
	all, err := p.d.Rules.Modules()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(m string) bool { return m == p.d.Rules.DefaultModule() }), nil
}

var listSeparators = regexp.MustCompile(`[\s,;]+`)

// operatorOpen opens the EPCI's territory: everything is checked first
// (the address is free, the plugin loads, each admin has a verified
// account), then the territory is created with its communes, its plugin
// assigned and its admins named. Problems come back on the form with what
// was typed, and nothing is created; a step that fails after the creation
// is reported with what was done and what to do.
func (p *pages) operatorOpen(c *fiber.Ctx, v *view) error {
	e, err := p.epciOf(c)
	if err != nil {
		return err
	}
	in := openInput{Slug: strings.ToLower(strings.TrimSpace(c.FormValue("slug"))), Name: strings.TrimSpace(c.FormValue("name")),
		Plugin: strings.TrimSpace(c.FormValue("plugin")), Admins: strings.TrimSpace(c.FormValue("admins"))}
	open, err := p.territoryOfEPCI(c, e.SIREN)
	if err != nil {
		return err
	}
	if open != nil {
		v.Errors = []string{fmt.Sprintf(v.T("op.err.already"), e.Name, open.Name, open.Slug)}
		v.status = fiber.StatusConflict
		return p.openForm(c, v, e, open, in)
	}
	admins, errs, err := p.checkOpening(c, v, in)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		v.Errors = errs
		v.status = fiber.StatusUnprocessableEntity
		return p.openForm(c, v, e, nil, in)
	}
	d, err := p.d.Territories.CreateFromEPCI(c.UserContext(), e.SIREN, territory.CreateOptions{Slug: in.Slug, Name: in.Name})
	if err != nil {
		switch apperr.KindOf(err) {
		case apperr.KindInvalid:
			v.status = fiber.StatusUnprocessableEntity
		case apperr.KindConflict:
			v.status = fiber.StatusConflict
		default:
			return err
		}
		v.Errors = problems(err, v.Lang)
		open, _ = p.territoryOfEPCI(c, e.SIREN) // opened meanwhile by someone else?
		return p.openForm(c, v, e, open, in)
	}
	done := []string{fmt.Sprintf(v.T("op.done.created"), d.Name, d.Slug, d.CommuneCount, d.Population)}
	var failed []string
	var firstErr error
	fail := func(msg string, err error) {
		failed = append(failed, msg)
		if firstErr == nil {
			firstErr = err
		}
	}
	if in.Plugin == "" {
		done = append(done, v.T("op.done.standard"))
	} else if _, err := p.d.Rules.AssignFile(c.UserContext(), d.Slug, in.Plugin, nil, "operator:"+v.Account.ID); err != nil {
		fail(fmt.Sprintf(v.T("op.failed.plugin"), in.Plugin, message(err, v.Lang), d.Slug, in.Plugin), err)
	} else {
		done = append(done, fmt.Sprintf(v.T("op.done.plugin"), in.Plugin))
	}
	for _, a := range admins {
		if err := p.d.Authz.AddRole(c.UserContext(), v.Account.ID, a.ID, roleTerritoryAdmin, d.Slug); err != nil {
			fail(fmt.Sprintf(v.T("op.failed.admin"), a.Email, message(err, v.Lang), d.Slug, a.ID), err)
			continue
		}
		done = append(done, fmt.Sprintf(v.T("op.done.admin"), a.Email))
	}
	if len(failed) == 0 {
		return redirect(c, "/t/"+d.Slug+"?info=ouvert")
	}
	// The territory is open, but not as asked: say what was done and what
	// is left, and log the cause with the request's ID.
	slog.ErrorContext(c.UserContext(), "territory opened partly", "slug", d.Slug,
		"request_id", c.GetRespHeader(fiber.HeaderXRequestID), "error", firstErr)
	v.Title = v.T("op.partial.title")
	v.status = fiber.StatusInternalServerError
	v.Body = map[string]any{"Done": done, "Failed": failed, "Slug": d.Slug, "Name": d.Name}
	return p.render(c, v, "operator_opened.html")
}

// checkOpening checks the form before anything is written: the address,
// the name, the plugin (known, and loadable) and the admins (each with a
// verified account). It returns the admins' accounts and the problems.
func (p *pages) checkOpening(c *fiber.Ctx, v *view, in openInput) ([]*account.Account, []string, error) {
	ctx := c.UserContext()
	var errs []string
	switch {
	case in.Slug == "":
		errs = append(errs, v.T("op.err.slug.empty"))
	case !territory.ValidSlug(in.Slug):
		errs = append(errs, fmt.Sprintf(v.T("op.err.slug.invalid"), in.Slug))
	default:
		t, err := p.d.Territories.Lookup(ctx, in.Slug, true)
		switch {
		case err == nil:
			errs = append(errs, fmt.Sprintf(v.T("op.err.slug.taken"), in.Slug, t.Name))
		case apperr.KindOf(err) != apperr.KindNotFound:
			return nil, nil, err
		}
	}
	if in.Name == "" || len(in.Name) > maxTerritoryName {
		errs = append(errs, fmt.Sprintf(v.T("op.err.name"), maxTerritoryName))
	}
	pluginKnown := in.Plugin == ""
	if !pluginKnown {
		plugins, err := p.territoryPlugins()
		if err != nil {
			return nil, nil, err
		}
		if pluginKnown = slices.Contains(plugins, in.Plugin); !pluginKnown {
			errs = append(errs, fmt.Sprintf(v.T("op.err.plugin.unknown"), clip(in.Plugin, 60)))
		}
	}
	var admins []*account.Account
	emails := listSeparators.Split(in.Admins, -1)
	emails = slices.DeleteFunc(emails, func(s string) bool { return s == "" })
	switch {
	case len(emails) == 0:
		errs = append(errs, v.T("op.err.admins.none"))
	case len(emails) > maxFirstAdmins:
		errs = append(errs, fmt.Sprintf(v.T("op.err.admins.many"), maxFirstAdmins))
	default:
		seen := map[string]bool{}
		for _, email := range emails {
			a, err := p.d.Accounts.ByEmail(ctx, email)
			if apperr.KindOf(err) == apperr.KindNotFound {
				errs = append(errs, fmt.Sprintf(v.T("op.err.admin.unknown"), clip(email, 100)))
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			if !seen[a.ID] {
				seen[a.ID] = true
				admins = append(admins, a)
			}
		}
	}
	if len(errs) == 0 && in.Plugin != "" && pluginKnown {
		// The module is loaded (and its signature checked) before the
		// territory exists: stored by its hash, it is what the assignment
		// will use.
		if _, err := p.d.Rules.InstallFile(ctx, in.Plugin); err != nil {
			if k := apperr.KindOf(err); k == apperr.KindInternal {
				return nil, nil, err
			}
			errs = append(errs, fmt.Sprintf(v.T("op.err.plugin.load"), in.Plugin, message(err, v.Lang)))
		}
	}
	return admins, errs, nil
}

// message is err's public message in lang.
func message(err error, lang string) string {
	return strings.Join(problems(err, lang), " ")
}

// groupDigits writes n with its thousands grouped as lang does: 32 777
// (narrow no-break space) in French, 32,777 in English.
func groupDigits(lang string, n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "\u202f"
	if lang == "en" {
		sep = ","
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

func init() { funcs["groupDigits"] = groupDigits }

// clip shortens s to n runes at most, for a message that repeats it.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
