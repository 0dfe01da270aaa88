package importer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// File is a file to import.
type File struct {
	// Name is the file's name, as shown in reports.
	Name string
	// Data is its content, read once.
	Data io.Reader
	// Size is its length in bytes, -1 when unknown (for the progress).
	Size int64
}

// headerSearch is how many non-empty lines may come before the header.
const headerSearch = 10

// Validate reads f as m says and checks every line against territory t,
// writing nothing. A file that cannot be read, or has a problem anywhere,
// gives a report whose OK is false and that lists what to correct; the
// error is for what is not the file's fault (the database, the plugin
// unavailable, ctx done). progress may be nil.
func (s *Service) Validate(ctx context.Context, t *territory.Territory, f File, m *Mapping, progress Progress) (*Report, error) {
	if m == nil || m.headers[0] == nil {
		return nil, errors.New("importer: validate with a mapping from ParseMapping or DefaultMapping")
	}
	d, err := s.territories.Get(ctx, t.Slug, false)
	if err != nil {
		return nil, err
	}
	mj, err := mappingJSON(m)
	if err != nil {
		return nil, err
	}
	v := &validator{s: s, ctx: ctx, t: t, m: m, now: s.now(), seen: map[rowKey]seenRow{}, verdicts: map[string]bool{},
		rep:    &Report{Kind: m.Kind, TerritorySlug: t.Slug, FileName: fileName(f.Name), territoryID: t.ID, mapping: mj},
		places: newCommunes(s.ref, d)}
	if m.Kind == KindListings {
		if err := v.loadCategories(); err != nil {
			return nil, err
		}
	}
	hasher := sha256.New()
	tbl, err := openTable(io.TeeReader(f.Data, hasher), f.Size, m)
	var fe *fileError
	if errors.As(err, &fe) {
		v.fileProblem(fe)
		return v.rep, nil
	}
	if err != nil {
		return nil, err
	}
	if err := v.read(tbl, progress); err != nil {
		return nil, err
	}
	v.rep.SHA256 = hex.EncodeToString(hasher.Sum(nil))
	v.describe(tbl.info())
	if !v.rep.OK() {
		v.rep.listings, v.rep.businesses = nil, nil
		v.rep.Ready = 0
		return v.rep, nil
	}
	if err := s.skipImported(ctx, v.rep); err != nil {
		return nil, err
	}
	return v.rep, nil
}

// fileName is the last element of a file's name as a browser or a shell
// gave it, printable, at most 200 characters.
func fileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" {
		return "fichier"
	}
	return name
}

// validator is the state of one Validate.
type validator struct {
	s      *Service
	ctx    context.Context
	t      *territory.Territory
	m      *Mapping
	rep    *Report
	now    time.Time
	places *communes

	cats     map[string]*abi.Category // by ID
	catKeys  map[string]string        // answer, ID or label key → ID
	catNames []string                 // labels, for suggestions
	modeKeys map[string]string        // answer, ID or label key → mode

	header []string
	col    map[string]int // field → column
	// headerBad is set when a required column is missing: the lines are
	// still checked, but not by the plugin (they lack a field).
	headerBad bool
	// verdicts are the combinations the plugin accepted (see accepted).
	verdicts map[string]bool
	// seen are the keys of the lines read, for duplicates.
	seen map[rowKey]seenRow
	// fatal stops the reading: the plugin did not answer.
	fatal error
}

// seenRow is a key met earlier in the file: its line and (the start
// of) the digest of its content.
type seenRow struct {
	line int32
	sum  uint64
}

// fileProblem makes fe the report's problem about the whole file.
func (v *validator) fileProblem(fe *fileError) {
	v.rep.problem(Problem{Message: sentence(fe.fr), MessageEN: sentence(fe.en), Suggestion: fe.suggestion})
}

// loadCategories asks the plugin for the territory's categories and
// checks the mapping's category answers against them.
func (v *validator) loadCategories() error {
	cats, err := v.s.rules.Categories(v.ctx, v.t.Slug)
	if err != nil {
		return fmt.Errorf("import: categories of %s: %w", v.t.Slug, err)
	}
	v.cats, v.catKeys = map[string]*abi.Category{}, map[string]string{}
	for i := range cats.Categories {
		c := &cats.Categories[i]
		v.cats[c.ID] = c
		v.catNames = append(v.catNames, fmt.Sprintf("« %s » (%s)", c.Label, c.ID))
		for _, k := range []string{key(c.ID), key(c.Label), key(c.LabelEN)} {
			if k != "" {
				v.catKeys[k] = c.ID
			}
		}
	}
	for answer, id := range defaultCategories {
		if v.cats[id] != nil {
			v.catKeys[answer] = id
		}
	}
	for answer, id := range v.m.Values[FieldCategory] {
		if v.cats[id] == nil {
			return mappingError(fmt.Sprintf("« values.category » traduit « %s » en %q, qui n'est pas une catégorie du territoire (catégories : %s)", answer, id, strings.Join(v.catNames, ", ")),
				fmt.Sprintf(`"values.category" translates %q into %q, which is not a category of the territory`, answer, id))
		}
		v.catKeys[key(answer)] = id
	}
	v.modeKeys = map[string]string{}
	for _, md := range abi.Modes {
		v.modeKeys[key(md)] = md
		v.modeKeys[key(modeLabels[md][0])] = md
		v.modeKeys[key(modeLabels[md][1])] = md
	}
	for answer, md := range v.m.values[FieldModes] {
		v.modeKeys[answer] = md
	}
	return nil
}

// read goes through the file: the header, then every line.
func (v *validator) read(tbl table, progress Progress) error {
	var before []int
	rows := 0
	for {
		cells, line, err := tbl.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *lineError
		var fe *fileError
		switch {
		case errors.As(err, &le):
			v.rep.problem(Problem{Line: le.line, Message: sentence(le.fr), MessageEN: sentence(le.en),
				Suggestion: "vérifiez les guillemets de cette ligne, ou enregistrez de nouveau le fichier depuis le tableur"})
			continue
		case errors.As(err, &fe):
			v.fileProblem(fe)
			return nil
		case err != nil:
			return fmt.Errorf("import: read %s: %w", v.rep.FileName, err)
		}
		if err := v.ctx.Err(); err != nil {
			return err
		}
		if v.header == nil {
			if v.bindHeader(cells, line) {
				for _, l := range before {
					v.rep.notice(Notice{Line: l, Message: "Ligne ignorée : elle précède l'en-tête.", MessageEN: "Line ignored: it comes before the header."})
				}
				continue
			}
			before = append(before, line)
			if len(before) == headerSearch {
				v.noHeader(before[0])
				return nil
			}
			continue
		}
		if rows++; rows > MaxRows {
			v.fileProblem(errTooManyRows)
			return nil
		}
		v.rep.Lines++
		v.row(cells, line)
		if v.fatal != nil {
			return v.fatal
		}
		if progress != nil && rows%500 == 0 {
			done, total := tbl.progress()
			progress(PhaseRead, done, total)
		}
	}
	if v.header == nil {
		if len(before) == 0 {
			v.fileProblem(errEmpty)
		} else {
			v.noHeader(before[0])
		}
		return nil
	}
	if v.rep.Lines == 0 {
		v.rep.problem(Problem{Line: v.rep.HeaderLine, Message: "Le fichier n'a que son en-tête : aucune réponse à importer.",
			MessageEN: "The file has only its header: no answer to import.", Suggestion: "exportez de nouveau les réponses du formulaire"})
	}
	if progress != nil {
		done, total := tbl.progress()
		progress(PhaseRead, done, max(done, total))
	}
	return nil
}

// noHeader reports a file whose first lines name none of the columns.
func (v *validator) noHeader(line int) {
	var want []string
	for _, f := range v.m.required {
		name := fieldLabels[f][0]
		if own := v.m.Columns[f]; len(own) > 0 {
			name = own[0]
		} else if def := defaultColumns[f]; len(def) > 0 {
			name = def[0]
		}
		want = append(want, "« "+name+" »")
	}
	v.rep.problem(Problem{Line: line, Message: fmt.Sprintf("En-tête introuvable : aucune des %d premières lignes ne nomme deux colonnes connues.", headerSearch),
		MessageEN: fmt.Sprintf("Header not found: none of the first %d lines names two known columns.", headerSearch),
		Suggestion: "la première ligne doit nommer les colonnes, par exemple : " + strings.Join(want, ", ") +
			" ; ou ajoutez les noms de vos colonnes dans « columns » du fichier de correspondance"})
}

// bindHeader reads cells as the header when it names at least two of the
// mapping's fields, binding each field to its column.
func (v *validator) bindHeader(cells []string, line int) bool {
	col := map[string]int{}
	colFields := make([][]string, len(cells))
	for pass := range 2 {
		for i, h := range cells {
			for _, f := range v.m.headers[pass][key(h)] {
				if _, bound := col[f]; !bound {
					col[f] = i
					colFields[i] = append(colFields[i], f)
				}
			}
		}
	}
	bound := 0
	for _, fs := range colFields {
		if len(fs) > 0 {
			bound++
		}
	}
	if bound < 2 {
		return false
	}
	v.header, v.col, v.rep.HeaderLine = cells, col, line
	for i, h := range cells {
		h = strings.TrimSpace(h)
		if len(colFields[i]) == 0 {
			if h != "" {
				v.rep.notice(Notice{Line: line, Column: v.colNameAt(i), Message: "Colonne ignorée : elle ne correspond à aucun champ.",
					MessageEN: "Column ignored: it matches no field."})
			}
			continue
		}
		c := Column{Letter: columnName(i), Header: h}
		for _, f := range colFields[i] {
			c.Fields = append(c.Fields, fieldLabels[f][0])
			c.FieldsEN = append(c.FieldsEN, fieldLabels[f][1])
		}
		v.rep.Columns = append(v.rep.Columns, c)
	}
	for _, f := range v.m.required {
		if _, ok := col[f]; ok || (f == FieldCommune && hasKey(col, FieldPostalCode)) {
			continue
		}
		v.headerBad = true
		v.rep.problem(Problem{Line: line, Message: fmt.Sprintf("Colonne « %s » introuvable.", fieldLabels[f][0]),
			MessageEN: fmt.Sprintf("Column %q not found.", fieldLabels[f][1]), Suggestion: v.headerSuggestion(f, colFields)})
	}
	return true
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// headerSuggestion names the unbound column that probably carries f, or
// the names the mapping knows for it.
func (v *validator) headerSuggestion(f string, colFields [][]string) string {
	aliases := v.m.Aliases(f)
	for i, h := range v.header {
		if len(colFields[i]) > 0 || strings.TrimSpace(h) == "" {
			continue
		}
		hk := key(h)
		for _, a := range aliases {
			if strings.Contains(hk, a) || distance(hk, a, closeEnough(len(a))) <= closeEnough(len(a)) {
				return fmt.Sprintf("la colonne %s « %s » ? Renommez-la, ou ajoutez ce nom à « columns.%s » du fichier de correspondance",
					columnName(i), strings.TrimSpace(h), f)
			}
		}
	}
	if len(aliases) > 4 {
		aliases = aliases[:4]
	}
	return fmt.Sprintf("nommez la colonne par exemple « %s », ou donnez son nom dans « columns.%s » du fichier de correspondance",
		strings.Join(aliases, " », « "), f)
}

// colName is field's column as reports name it: letter and header.
func (v *validator) colName(f string) string {
	i, ok := v.col[f]
	if !ok {
		return ""
	}
	return v.colNameAt(i)
}

func (v *validator) colNameAt(i int) string {
	h := ""
	if i < len(v.header) {
		h = strings.TrimSpace(v.header[i])
	}
	if h == "" {
		return columnName(i)
	}
	return columnName(i) + " — " + h
}

// cells gives a line's values by field.
type cells struct {
	v    *validator
	vals []string
	line int
	bad  bool
}

// get returns field's cell, trimmed, and whether the file has its column.
func (c *cells) get(f string) (string, bool) {
	i, ok := c.v.col[f]
	if !ok {
		return "", false
	}
	if i >= len(c.vals) {
		return "", true
	}
	return strings.TrimSpace(c.vals[i]), true
}

// fail records a problem of field's cell.
func (c *cells) fail(f, value string, is *issue) {
	c.bad = true
	c.v.rep.problem(Problem{Line: c.line, Column: c.v.colName(f), Value: value, Message: sentence(is.fr), MessageEN: sentence(is.en), Suggestion: is.suggestion})
}

// require returns field's cell, failing when it is empty.
func (c *cells) require(f string) string {
	s, has := c.get(f)
	if s == "" && has {
		c.fail(f, "", &issue{fieldLabels[f][0] + " manquant(e)", fieldLabels[f][1] + " missing", ""})
	}
	return s
}

// row checks one data line and keeps its record when it is clean.
func (v *validator) row(vals []string, line int) {
	c := &cells{v: v, vals: vals, line: line}
	if len(vals) > MaxColumns {
		c.bad = true
		v.rep.problem(Problem{Line: line, Message: fmt.Sprintf("La ligne a %d cellules ; au plus %d sont lues.", len(vals), MaxColumns),
			MessageEN: fmt.Sprintf("The line has %d cells; at most %d are read.", len(vals), MaxColumns)})
		return
	}
	if extra := len(vals) - len(v.header); extra > 0 && !blank(vals[len(v.header):]) {
		c.bad = true
		v.rep.problem(Problem{Line: line, Value: strings.Join(vals[len(v.header):], string(v.sepRune())),
			Message:    fmt.Sprintf("La ligne a %d cellule(s) de plus que l'en-tête : une valeur contient sans doute le séparateur.", extra),
			MessageEN:  fmt.Sprintf("The line has %d more cell(s) than the header: a value probably holds the separator.", extra),
			Suggestion: "entourez de guillemets la valeur qui contient le séparateur, ou enregistrez de nouveau le fichier depuis le tableur"})
	}
	for i, val := range vals {
		if len(val) > MaxCellBytes {
			c.bad = true
			v.rep.problem(Problem{Line: line, Column: v.colNameAt(i), Value: val,
				Message:    fmt.Sprintf("Cellule trop longue (%d octets, au plus %d) : un guillemet n'est-il pas refermé ?", len(val), MaxCellBytes),
				MessageEN:  fmt.Sprintf("Cell too long (%d bytes, at most %d): is a quote left open?", len(val), MaxCellBytes),
				Suggestion: "raccourcissez la cellule ou refermez le guillemet"})
			return
		}
	}
	if v.m.Kind == KindListings {
		v.listing(c)
	} else {
		v.business(c)
	}
}

func (v *validator) sepRune() rune {
	if v.m.delim != 0 {
		return v.m.delim
	}
	return ';'
}

// first reports whether k is met for the first time in the file; a
// repeat saying the same is a duplicate (noted), one saying something else
// a problem.
func (v *validator) first(c *cells, k, sum rowKey) bool {
	prev, seen := v.seen[k]
	s := binary.LittleEndian.Uint64(sum[:8])
	switch {
	case !seen:
		v.seen[k] = seenRow{line: int32(c.line), sum: s}
		return true
	case prev.sum == s:
		v.rep.Duplicates++
		v.rep.notice(Notice{Line: c.line, Message: fmt.Sprintf("Doublon de la ligne %d : importé une seule fois.", prev.line),
			MessageEN: fmt.Sprintf("Duplicate of line %d: imported once.", prev.line)})
	default:
		what := "même identifiant de réponse"
		whatEN := "same answer ID"
		if v.m.Kind == KindBusinesses {
			what, whatEN = "même SIRET", "same SIRET"
		}
		v.rep.problem(Problem{Line: c.line, Message: fmt.Sprintf("%s que la ligne %d, avec d'autres valeurs.", capital(what), prev.line),
			MessageEN:  fmt.Sprintf("%s as line %d, with other values.", capital(whatEN), prev.line),
			Suggestion: fmt.Sprintf("gardez une seule des lignes %d et %d", prev.line, c.line)})
	}
	return false
}

// digest is the key of a row's values.
func digest(parts ...string) rowKey {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0x1f})
	}
	var k rowKey
	copy(k[:], h.Sum(nil))
	return k
}

// commune resolves the line's commune (or its postal code).
func (v *validator) commune(c *cells) string {
	name, hasName := c.get(FieldCommune)
	postal, _ := c.get(FieldPostalCode)
	if name == "" && postal == "" {
		if hasName {
			c.require(FieldCommune)
		} else {
			c.require(FieldPostalCode)
		}
		return ""
	}
	res := v.places.resolve(name, postal)
	field, value := FieldCommune, name
	if !hasName || name == "" {
		field, value = FieldPostalCode, postal
	}
	if res.issue != nil {
		c.fail(field, value, res.issue)
	}
	if res.note != nil {
		v.rep.notice(Notice{Line: c.line, Column: v.colName(FieldPostalCode), Message: sentence(res.note.fr), MessageEN: sentence(res.note.en)})
	}
	return res.insee
}

// contact returns the line's contact when it may be kept: with the
// consent column saying yes, or without a consent column when keep is
// set (a business's contact). It checks only what it keeps.
func (v *validator) contact(c *cells, nameF, emailF, phoneF string, keep bool) *contact {
	if raw, has := c.get(FieldConsent); has {
		keep = false
		if raw != "" {
			switch v.m.values[FieldConsent][key(raw)] {
			case "yes":
				keep = true
			case "no":
			default:
				c.fail(FieldConsent, raw, &issue{"réponse d'accord illisible", "unreadable consent answer", "« oui » ou « non »"})
			}
		}
	}
	if !keep {
		return nil
	}
	var ct contact
	if name, _ := c.get(nameF); name != "" {
		ct.name = cleanText(name, true)
		if len(ct.name) > 100 || !printable(ct.name) {
			c.fail(nameF, name, &issue{"nom trop long (100 caractères au plus) ou illisible", "name too long (100 characters at most) or unreadable", ""})
		}
	}
	if email, _ := c.get(emailF); email != "" {
		e, ok := normalizeEmail(email)
		if !ok {
			c.fail(emailF, email, &issue{"adresse électronique invalide", "invalid email address", emailSuggestion(email)})
		}
		ct.email = e
	}
	if phone, _ := c.get(phoneF); phone != "" {
		p, is := parsePhone(phone)
		if is != nil {
			c.fail(phoneF, phone, is)
		}
		ct.phone = p
	}
	if ct == (contact{}) {
		return nil
	}
	return &ct
}

// describe completes the report with what the reader learnt.
func (v *validator) describe(src *source) {
	r := v.rep
	r.Format, r.Sheet = src.format, src.sheet
	if src.format == FormatCSV {
		r.Encoding = src.encoding
		switch {
		case src.cp1252 > 0 && src.utf8 == 0 && src.encoding == EncodingUTF8:
			r.Encoding = EncodingCP1252
		case src.cp1252 > 0:
			r.Encoding = EncodingMixed
			lines := make([]string, len(src.cp1252Lines))
			for i, l := range src.cp1252Lines {
				lines[i] = fmt.Sprint(l)
			}
			more := ""
			if src.cp1252 > len(lines) {
				more = fmt.Sprintf(" (et %d autres)", src.cp1252-len(lines))
			}
			r.notice(Notice{Message: fmt.Sprintf("Le fichier mêle deux encodages : %d ligne(s) lue(s) en Windows-1252, le reste en UTF-8 — lignes %s%s. Vérifiez leurs accents.",
				src.cp1252, strings.Join(lines, ", "), more),
				MessageEN: fmt.Sprintf("The file mixes two encodings: %d line(s) read as Windows-1252, the rest as UTF-8. Check their accents.", src.cp1252)})
		}
		r.Delimiter = map[rune]string{';': ";", ',': ",", '\t': "tab"}[src.delimiter]
	}
	if src.blank > 0 {
		r.notice(Notice{Message: fmt.Sprintf("%d ligne(s) vide(s) ignorée(s).", src.blank), MessageEN: fmt.Sprintf("%d empty line(s) skipped.", src.blank)})
	}
	if len(src.merged) > 0 {
		refs := src.merged
		if len(refs) > 10 {
			refs = refs[:10]
		}
		r.notice(Notice{Message: fmt.Sprintf("%d bloc(s) de cellules fusionnées (%s) : leur valeur compte pour chaque ligne qu'ils couvrent.", len(src.merged), strings.Join(refs, ", ")),
			MessageEN: fmt.Sprintf("%d merged block(s) (%s): their value counts for each line they cover.", len(src.merged), strings.Join(refs, ", "))})
	}
	slices.SortStableFunc(r.Problems, func(a, b Problem) int { return a.Line - b.Line })
	slices.SortStableFunc(r.Notices, func(a, b Notice) int { return a.Line - b.Line })
	r.Ready = len(r.listings) + len(r.businesses)
}

// sentence makes s a sentence: a capital, and a full stop unless it ends
// with a mark already.
func sentence(s string) string {
	s = capital(s)
	if strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// capital upper-cases the first letter of s.
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return strings.ToUpper(string(r)) + s[n:]
}
