package importer

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/campagnon/campagnon/core/cesu"
	"github.com/campagnon/campagnon/core/referential"
)

// Where names a problem's or notice's place: "Ligne 4, colonne C —
// Commune", "Fichier".
func Where(line int, column string) string {
	switch {
	case line == 0 && column == "":
		return "Fichier"
	case line == 0:
		return "Colonne " + column
	case column == "":
		return fmt.Sprintf("Ligne %d", line)
	}
	return fmt.Sprintf("Ligne %d, colonne %s", line, column)
}

// WriteText writes r for a person at a terminal: what was read, every
// problem (French, its suggestion, then English), the notices, and the
// counts.
func (r *Report) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "Fichier %s", r.FileName)
	if r.Format != "" {
		fmt.Fprintf(b, " — %s", r.Format)
	}
	if r.Format == FormatCSV {
		fmt.Fprintf(b, ", séparateur « %s », encodage %s", r.Delimiter, r.Encoding)
	}
	if r.Sheet != "" {
		fmt.Fprintf(b, ", feuille « %s »", r.Sheet)
	}
	if r.HeaderLine > 0 {
		fmt.Fprintf(b, " ; en-tête ligne %d, %d ligne(s) de réponses.\n", r.HeaderLine, r.Lines)
	} else {
		fmt.Fprintln(b, ".")
	}
	if len(r.Columns) > 0 {
		parts := make([]string, len(r.Columns))
		for i, c := range r.Columns {
			parts[i] = fmt.Sprintf("%s « %s » → %s", c.Letter, c.Header, strings.Join(c.Fields, ", "))
		}
		fmt.Fprintf(b, "Colonnes lues : %s.\n", strings.Join(parts, " ; "))
	}
	if r.ProblemCount > 0 {
		fmt.Fprintf(b, "\n%d problème(s) à corriger — rien ne sera importé tant qu'il en reste :\n", r.ProblemCount)
		for _, p := range r.Problems {
			fmt.Fprintf(b, "  %s", Where(p.Line, p.Column))
			if p.Value != "" {
				fmt.Fprintf(b, " : « %s »", p.Value)
			}
			fmt.Fprintf(b, "\n    %s\n", p.Message)
			if p.Suggestion != "" {
				fmt.Fprintf(b, "    Suggestion : %s\n", p.Suggestion)
			}
			fmt.Fprintf(b, "    [en] %s\n", p.MessageEN)
		}
		if n := r.ProblemCount - len(r.Problems); n > 0 {
			fmt.Fprintf(b, "  … et %d autre(s) problème(s), non listés : corrigez d'abord ceux-ci.\n", n)
		}
	}
	if r.NoticeCount > 0 {
		fmt.Fprintf(b, "\nRemarques (%d), sans correction nécessaire :\n", r.NoticeCount)
		for _, n := range r.Notices {
			fmt.Fprintf(b, "  %s : %s\n", Where(n.Line, n.Column), n.Message)
		}
		if n := r.NoticeCount - len(r.Notices); n > 0 {
			fmt.Fprintf(b, "  … et %d autre(s).\n", n)
		}
	}
	what := "besoin(s) ou offre(s)"
	if r.Kind == KindBusinesses {
		what = "entreprise(s)"
	}
	if r.OK() {
		fmt.Fprintf(b, "\nBilan : %d %s à importer, %d ligne(s) déjà importée(s), %d doublon(s) dans le fichier.\n", r.Ready, what, r.Already, r.Duplicates)
	} else {
		fmt.Fprintf(b, "\nBilan : %d problème(s) à corriger, rien n'est importé.\n", r.ProblemCount)
	}
	return b.Flush()
}

// newCSV returns a writer for a French spreadsheet: UTF-8 with a
// byte-order mark, ";" between cells, CRLF line ends.
func newCSV(w io.Writer) (*csv.Writer, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = ';', true
	return cw, nil
}

// writeSafe writes one row, each cell neutralised against formula
// injection (cesu.NeutraliseCell): the cells come from the imported file.
func writeSafe(cw *csv.Writer, cells ...string) error {
	for i, c := range cells {
		cells[i] = cesu.NeutraliseCell(c)
	}
	return cw.Write(cells)
}

// WriteProblemsCSV writes r's problems for a spreadsheet, to correct the
// file beside it: line, column, value, problem, suggestion, in English.
func (r *Report) WriteProblemsCSV(w io.Writer) error {
	cw, err := newCSV(w)
	if err != nil {
		return err
	}
	if err := writeSafe(cw, "Ligne", "Colonne", "Valeur", "Problème", "Suggestion", "Problem"); err != nil {
		return err
	}
	for _, p := range r.Problems {
		line := ""
		if p.Line > 0 {
			line = fmt.Sprint(p.Line)
		}
		if err := writeSafe(cw, line, p.Column, p.Value, p.Message, p.Suggestion, p.MessageEN); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write the problems CSV: %w", err)
	}
	return nil
}

// WriteBusinessesCSV writes a territory's census for a spreadsheet, the
// communes named from ref.
func WriteBusinessesCSV(w io.Writer, bs []Business, ref *referential.Referential) error {
	cw, err := newCSV(w)
	if err != nil {
		return err
	}
	if err := writeSafe(cw, "Raison sociale", "SIRET", "NAF", "Numéro SAP", "Commune", "Code INSEE", "Services", "Contact", "Courriel", "Téléphone", "Importée le"); err != nil {
		return err
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for _, b := range bs {
		name := b.Commune
		if ref != nil {
			if c, ok := ref.Commune(b.Commune); ok {
				name = c.Name
			}
		}
		if err := writeSafe(cw, b.CompanyName, b.SIRET, b.NAF, b.SAPNumber, name, b.Commune, b.Services,
			deref(b.ContactName), deref(b.ContactEmail), deref(b.ContactPhone), b.CreatedAt.In(paris).Format("02/01/2006")); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write the census CSV: %w", err)
	}
	return nil
}
