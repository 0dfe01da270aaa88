package cesu

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csvHeader names the columns of WriteCSV, in French.
var csvHeader = []string{
	"Mois", "Employeur", "Salarié", "Premier jour travaillé", "Dernier jour travaillé",
	"Ligne", "Activité", "Interventions", "Nombre d'heures (centièmes)", "Durée",
	"Salaire horaire net (€)", "Salaire net total (€)", "À déclarer au plus tard le", "Remarque",
}

// Values of the "Ligne" column and remarks.
const (
	csvLineWage      = "Salaire horaire"
	csvLineTotal     = "Total du mois"
	remarkRounded    = "Heures arrondies au centième : déclarez le salaire net total."
	remarkSeveral    = "Plusieurs salaires horaires : une déclaration par ligne, ou une seule avec ces heures et ce salaire net total."
	csvActivitiesSep = ", "
)

// WriteCSV writes summaries as a spreadsheet for a French office suite:
// UTF-8 with a byte-order mark, ";" between cells, CRLF line ends, decimal
// comma, dates as dd/mm/yyyy, amounts in euros without a unit so that they
// stay numbers. One row per summary line; a month with several wages gets
// a "Total du mois" row after its lines. Every cell is neutralised against
// formula injection (see NeutraliseCell).
func WriteCSV(w io.Writer, summaries []MonthlySummary) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("write the CSV byte-order mark: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := writeRow(cw, csvHeader); err != nil {
		return err
	}
	for _, s := range summaries {
		common := []string{s.Month.French(), s.employerLabel(), s.employeeLabel(), dateNumeric(s.FirstDay), dateNumeric(s.LastDay)}
		due := dateNumeric(s.Declaration.DueDate)
		for _, l := range s.Lines {
			remark := ""
			if !l.HoursExact() {
				remark = remarkRounded
			}
			row := append(append([]string{}, common...), csvLineWage, strings.Join(l.Activities, csvActivitiesSep),
				strconv.Itoa(l.Interventions), decimalFR(l.HoursHundredths()), durationFR(l.Minutes),
				decimalFR(l.NetHourlyCents), decimalFR(l.NetCents), due, remark)
			if err := writeRow(cw, row); err != nil {
				return err
			}
		}
		if len(s.Lines) < 2 {
			continue
		}
		n := 0
		for _, l := range s.Lines {
			n += l.Interventions
		}
		row := append(append([]string{}, common...), csvLineTotal, strings.Join(s.activities(), csvActivitiesSep),
			strconv.Itoa(n), decimalFR(s.HoursHundredths()), durationFR(s.Minutes),
			"", decimalFR(s.NetCents), due, remarkSeveral)
		if err := writeRow(cw, row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write the CESU summary CSV: %w", err)
	}
	return nil
}

// activities returns the distinct activities of every line, sorted.
func (s MonthlySummary) activities() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range s.Lines {
		for _, a := range l.Activities {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

func writeRow(cw *csv.Writer, cells []string) error {
	safe := make([]string, len(cells))
	for i, c := range cells {
		safe[i] = NeutraliseCell(c)
	}
	if err := cw.Write(safe); err != nil {
		return fmt.Errorf("write the CESU summary CSV: %w", err)
	}
	return nil
}

// NeutraliseCell returns cell made safe for a spreadsheet: invalid UTF-8
// is replaced, and a cell that a spreadsheet could run as a formula —
// starting, after any spaces or control characters, with = + - @ (or
// their full-width forms), or starting with a tab or a carriage return —
// is prefixed with an apostrophe, so that it shows as text (OWASP, "CSV
// Injection"). Quoting for ";" and line breaks is left to encoding/csv.
func NeutraliseCell(cell string) string {
	cell = strings.ToValidUTF8(cell, "\uFFFD")
	if formulaLike(cell) {
		return "'" + cell
	}
	return cell
}

// formulaLike reports whether a spreadsheet could read s as a formula.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '\t' || s[0] == '\r' {
		return true
	}
	t := strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	r, _ := utf8.DecodeRuneInString(t)
	switch r {
	case '=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20':
		return true
	}
	return false
}
