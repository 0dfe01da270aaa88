package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/importer"
	"github.com/campagnon/campagnon/core/territory"
)

// registerImport adds the import pages of territory admins: upload a form
// export, read its report, import it when it is clean; the census CSV.
// Territory admins hold territory:edit.
func (p *pages) registerImport(add adder) {
	add(fiber.MethodGet, "/t/:territory/import", api.Member, "territory", "edit", p.importPage)
	add(fiber.MethodPost, "/t/:territory/import", api.Member, "territory", "edit", p.importCheck)
	add(fiber.MethodGet, "/t/:territory/import/entreprises.csv", api.Member, "territory", "edit", p.importCensusCSV)
	add(fiber.MethodPost, "/t/:territory/import/:id", api.Member, "territory", "edit", p.importApply)
}

// importService is Deps.Importer, looked up by name so that this file
// compiles before web.go's Deps has the field (the wiring adds it with
// core/app's); without it the pages say the import is not available.
// Once the field is there, the body is `return p.d.Importer, nil`.
func (p *pages) importService() (*importer.Service, error) {
	if p.d.Importer != nil {
		return p.d.Importer, nil
	}
	return nil, apperr.New(apperr.KindUnavailable, "import_unavailable",
		"L'import des formulaires n'est pas disponible sur ce serveur.", "Importing forms is not available on this server.")
}

// maxMappingUpload bounds an uploaded mapping file.
const maxMappingUpload = 256 << 10

// importKinds are the kinds an admin picks, with their catalogue keys.
var importKinds = []struct{ Value, Label string }{
	{importer.KindListings, "import.kind.listings"},
	{importer.KindBusinesses, "import.kind.businesses"},
}

// importPage is the upload form, with the territory's past imports.
func (p *pages) importPage(c *fiber.Ctx, v *view) error {
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	if n := c.Query("crees"); n != "" {
		v.Notice = fmt.Sprintf(v.T("import.done"), n)
	}
	return p.renderImport(c, v, t, nil, "", importer.KindListings)
}

// importCheck validates the uploaded file and shows its report; a clean
// file is held for the second step.
func (p *pages) importCheck(c *fiber.Ctx, v *view) error {
	svc, err := p.importService()
	if err != nil {
		return err
	}
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	kind := c.FormValue("kind")
	m, err := p.importMapping(c, kind)
	if err != nil {
		if !kindInvalid(err) {
			return err
		}
		v.Errors, v.status = problems(err, v.Lang), fiber.StatusUnprocessableEntity
		return p.renderImport(c, v, t, nil, "", kind)
	}
	fh, err := c.FormFile("fichier")
	if err != nil {
		v.Errors, v.status = []string{v.T("import.nofile")}, fiber.StatusUnprocessableEntity
		return p.renderImport(c, v, t, nil, "", kind)
	}
	data, err := readUpload(fh, importer.MaxFileBytes)
	if err != nil {
		return err
	}
	rep, err := svc.Validate(c.UserContext(), t, importer.File{Name: fh.Filename, Data: bytes.NewReader(data), Size: int64(len(data))}, m, nil)
	if err != nil {
		if !kindInvalid(err) {
			return err
		}
		v.Errors, v.status = problems(err, v.Lang), fiber.StatusUnprocessableEntity
		return p.renderImport(c, v, t, nil, "", kind)
	}
	held := ""
	if rep.OK() && rep.Ready > 0 {
		if held, err = svc.Hold(c.UserContext(), t, rep, data, v.Account.ID); err != nil {
			return err
		}
	}
	if !rep.OK() {
		v.status = fiber.StatusUnprocessableEntity
	}
	return p.renderImport(c, v, t, rep, held, m.Kind)
}

// importApply imports a held file, then goes back to the form with the
// count; a file no longer clean shows its new report.
func (p *pages) importApply(c *fiber.Ctx, v *view) error {
	svc, err := p.importService()
	if err != nil {
		return err
	}
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	rep, done, err := svc.ApplyHeld(c.UserContext(), t, c.Params("id"), v.Account.ID, nil)
	if err != nil {
		return err
	}
	if done == nil {
		v.status = fiber.StatusUnprocessableEntity
		return p.renderImport(c, v, t, rep, "", rep.Kind)
	}
	return redirect(c, fmt.Sprintf("/t/%s/import?crees=%d", t.Slug, done.Created))
}

// importCensusCSV downloads the territory's census for a spreadsheet.
func (p *pages) importCensusCSV(c *fiber.Ctx, v *view) error {
	svc, err := p.importService()
	if err != nil {
		return err
	}
	t, err := p.territoryOf(c, v)
	if err != nil {
		return err
	}
	bs, err := svc.Businesses(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := importer.WriteBusinessesCSV(&buf, bs, p.d.Referential); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="entreprises-`+t.Slug+`-`+time.Now().Format("2006-01-02")+`.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// importMapping reads the uploaded mapping file, or the default of kind.
func (p *pages) importMapping(c *fiber.Ctx, kind string) (*importer.Mapping, error) {
	fh, err := c.FormFile("correspondance")
	if err != nil || fh.Size == 0 {
		if kind != importer.KindBusinesses {
			kind = importer.KindListings
		}
		return importer.DefaultMapping(kind)
	}
	if fh.Size > maxMappingUpload {
		return nil, apperr.New(apperr.KindInvalid, "import_mapping_size", "Le fichier de correspondance dépasse 256 Kio.", "The mapping file exceeds 256 KiB.")
	}
	data, err := readUpload(fh, maxMappingUpload)
	if err != nil {
		return nil, err
	}
	return importer.ParseMapping(data)
}

// readUpload reads an uploaded file, at most limit bytes.
func readUpload(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	if fh.Size > limit {
		return nil, apperr.New(apperr.KindTooLarge, "import_too_large",
			fmt.Sprintf("Fichier trop gros : %d Mo au plus. Coupez-le, ou importez-le avec la commande « campagnon import ».", limit>>20),
			fmt.Sprintf("File too large: %d MB at most. Split it, or import it with the `campagnon import` command.", limit>>20))
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open the upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read the upload: %w", err)
	}
	return data, nil
}

// importRow is one past import, for the page.
type importRow struct {
	When, File, Kind        string
	Lines, Created, Skipped int
}

// renderImport shows the form, a report when there is one (and the button
// to import a held file), and the past imports.
func (p *pages) renderImport(c *fiber.Ctx, v *view, t *territory.Territory, rep *importer.Report, held, kind string) error {
	svc, err := p.importService()
	if err != nil {
		return err
	}
	v.Title = v.T("import.title") + " — " + t.Name
	imps, err := svc.Imports(c.UserContext(), t.ID, 20)
	if err != nil {
		return err
	}
	rows := make([]importRow, len(imps))
	for i, im := range imps {
		k := v.T("import.kind.listings")
		if im.Kind == importer.KindBusinesses {
			k = v.T("import.kind.businesses")
		}
		rows[i] = importRow{When: im.CreatedAt.In(paris).Format("02/01/2006 15:04"), File: im.FileName, Kind: k,
			Lines: im.LineCount, Created: im.CreatedCount, Skipped: im.SkippedCount}
	}
	body := map[string]any{"Kinds": importKinds, "Kind": kind, "Imports": rows, "Held": held, "MaxMB": importer.MaxFileBytes >> 20}
	if rep != nil {
		body["R"] = rep
		body["Problems"] = importProblems(rep, v.Lang)
		body["Notices"] = importNotices(rep, v.Lang)
		cols := make([][3]string, len(rep.Columns))
		for i, col := range rep.Columns {
			fields := col.Fields
			if v.Lang == "en" {
				fields = col.FieldsEN
			}
			cols[i] = [3]string{col.Letter, col.Header, strings.Join(fields, ", ")}
		}
		body["Columns"] = cols
	}
	v.Body = body
	return p.render(c, v, "import.html")
}

// importProblem is a report's problem in the page's language.
type importProblem struct {
	Line                               string
	Column, Value, Message, Suggestion string
}

func importProblems(r *importer.Report, lang string) []importProblem {
	out := make([]importProblem, len(r.Problems))
	for i, pr := range r.Problems {
		line := "—"
		if pr.Line > 0 {
			line = fmt.Sprint(pr.Line)
		}
		msg := pr.Message
		if lang == "en" {
			msg = pr.MessageEN
		}
		out[i] = importProblem{Line: line, Column: pr.Column, Value: pr.Value, Message: msg, Suggestion: pr.Suggestion}
	}
	return out
}

func importNotices(r *importer.Report, lang string) []string {
	out := make([]string, len(r.Notices))
	for i, n := range r.Notices {
		msg := n.Message
		if lang == "en" {
			msg = n.MessageEN
		}
		out[i] = where(lang, n.Line, n.Column) + " : " + msg
	}
	return out
}

// where names a place of the file: "Ligne 4, colonne C — Commune".
func where(lang string, line int, column string) string {
	switch {
	case line == 0 && column == "":
		return tr(lang, "import.where.file")
	case line == 0:
		return tr(lang, "import.where.column") + " " + column
	case column == "":
		return fmt.Sprintf(tr(lang, "import.where.line"), line)
	}
	return fmt.Sprintf(tr(lang, "import.where.line"), line) + ", " + tr(lang, "import.where.column.lower") + " " + column
}
