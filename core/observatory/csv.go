package observatory

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/campagnon/campagnon/core/cesu"
)

// csvHeader names the columns of WriteCSV, in French.
var csvHeader = []string{
	"Semaine", "Du", "Au", "Dimension", "Valeur", "Code",
	"Besoins publiés", "Offres publiées", "Mises en relation", "Besoins avec réponse", "Besoins sans réponse",
	"Délai médian de première réponse (h)", "Délai de première réponse, 9e décile (h)",
}

// Values of the "Dimension" column.
const (
	csvAll      = "Ensemble"
	csvCategory = "Catégorie"
	csvCommune  = "Commune"
	csvMode     = "Mode de paiement"
)

// WriteCSV writes r for a French spreadsheet: UTF-8 with a byte-order
// mark, ";" between cells, CRLF line ends, dates as dd/mm/yyyy, hours with
// a decimal comma. Each week gives one "Ensemble" row, then one row per
// category, commune and payment mode active that week (a pivot table reads
// it as is; the "Ensemble" rows must be filtered out before summing the
// others, and a listing with two modes is in two mode rows). The delays
// are empty when no need was answered. Every cell is neutralised against
// formula injection (cesu.NeutraliseCell): categories and modes come from
// plugins and could start with "=". The "Code" column holds INSEE codes
// as text: a spreadsheet may read "01001" as the number 1001 unless the
// column is imported as text (the commune's name is beside it).
//
// Rows are written as they are produced, through a small buffer; the
// output is bounded by the report (at most MaxYears of weeks, each with
// its active values).
func WriteCSV(w io.Writer, r *Report) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("observatory: write the CSV byte-order mark: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := writeRow(cw, csvHeader); err != nil {
		return err
	}
	for _, wk := range r.Weeks {
		lead := []string{fmt.Sprintf("%d-S%02d", wk.Year, wk.Number), wk.Start.Format("02/01/2006"), wk.End().Format("02/01/2006")}
		if err := writeRow(cw, csvCells(lead, csvAll, "", "", wk.Totals)); err != nil {
			return err
		}
		for _, d := range []struct {
			name string
			rows []Row
		}{{csvCategory, wk.ByCategory}, {csvCommune, wk.ByCommune}, {csvMode, wk.ByMode}} {
			for _, row := range d.rows {
				code := ""
				if d.name == csvCommune {
					code = row.Key
				}
				if err := writeRow(cw, csvCells(lead, d.name, row.Label, code, row.Stats)); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("observatory: write the CSV: %w", err)
	}
	return nil
}

// csvCells returns one row: the week's lead cells, the dimension, its
// value and code, and s.
func csvCells(lead []string, dimension, value, code string, s Stats) []string {
	row := make([]string, 0, len(csvHeader))
	row = append(row, lead...)
	row = append(row, dimension, value, code,
		strconv.Itoa(s.Needs), strconv.Itoa(s.Offers), strconv.Itoa(s.Matches), strconv.Itoa(s.Answered), strconv.Itoa(s.Unmet))
	if s.Answered == 0 {
		return append(row, "", "")
	}
	return append(row, hoursFR(s.TimeToFirstAnswer.MedianHours), hoursFR(s.TimeToFirstAnswer.P90Hours))
}

// hoursFR formats hours with one decimal and a decimal comma: "165,6".
func hoursFR(h float64) string {
	return strings.Replace(strconv.FormatFloat(h, 'f', 1, 64), ".", ",", 1)
}

// writeRow writes cells, each neutralised (into a copy: the header is
// shared).
func writeRow(cw *csv.Writer, cells []string) error {
	safe := make([]string, len(cells))
	for i, c := range cells {
		safe[i] = cesu.NeutraliseCell(c)
	}
	if err := cw.Write(safe); err != nil {
		return fmt.Errorf("observatory: write the CSV: %w", err)
	}
	return nil
}
