package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Bounds of an XLSX file once unzipped: the whole, and the part of a sheet
// kept in memory (excelize spills the rest to a temporary file).
const (
	maxUnzipped       = 512 << 20
	maxUnzippedMemory = 16 << 20
)

// xlsxTable reads one sheet of an XLSX file, row by row, raw values.
type xlsxTable struct {
	f       *excelize.File
	rows    *excelize.Rows
	src     source
	row     int // number of the current row
	total   int64
	merged  []mergedRange
	active  []*mergedRange
	pending int // first range of merged not yet active
}

// mergedRange is a merged block of cells: its top-left value is spread
// over it.
type mergedRange struct {
	ref                    string
	col1, row1, col2, row2 int // 1-based, inclusive
	value                  string
	used                   bool
}

func openXLSX(r io.Reader, cr *countingReader, size int64, m *Mapping) (table, error) {
	data, err := io.ReadAll(r) // bounded by cr, and excelize reads it all anyway
	if err != nil {
		var fe *fileError
		if errors.As(err, &fe) {
			return nil, fe
		}
		return nil, fmt.Errorf("read the file: %w", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzippedMemory})
	if err != nil {
		var fe *fileError
		if errors.As(err, &fe) {
			return nil, fe
		}
		return nil, &fileError{"fichier XLSX illisible (" + err.Error() + ")", "unreadable XLSX file (" + err.Error() + ")",
			"ouvrez-le dans votre tableur et enregistrez-le de nouveau au format .xlsx, ou exportez-le en CSV"}
	}
	t := &xlsxTable{f: f, src: source{format: FormatXLSX}}
	sheets := f.GetSheetList()
	switch {
	case m.Sheet != "" && !slices.Contains(sheets, m.Sheet):
		_ = f.Close()
		return nil, &fileError{fmt.Sprintf("le classeur n'a pas de feuille %q (feuilles : %s)", m.Sheet, strings.Join(sheets, ", ")),
			fmt.Sprintf("the workbook has no sheet %q (sheets: %s)", m.Sheet, strings.Join(sheets, ", ")),
			"corrigez « sheet » dans le fichier de correspondance"}
	case m.Sheet != "":
		t.src.sheet = m.Sheet
	case len(sheets) == 0:
		_ = f.Close()
		return nil, errEmpty
	default:
		t.src.sheet = sheets[0]
	}
	if dim, err := f.GetSheetDimension(t.src.sheet); err == nil {
		if _, end, ok := strings.Cut(dim, ":"); ok {
			if _, rows, err := excelize.CellNameToCoordinates(end); err == nil {
				t.total = int64(rows)
			}
		}
	}
	if err := t.loadMerged(data); err != nil {
		_ = f.Close()
		return nil, err
	}
	if t.rows, err = f.Rows(t.src.sheet); err != nil {
		_ = f.Close()
		return nil, &fileError{"feuille illisible (" + err.Error() + ")", "unreadable sheet (" + err.Error() + ")",
			"enregistrez de nouveau le fichier au format .xlsx, ou exportez-le en CSV"}
	}
	return t, nil
}

// loadMerged reads the sheet's merged ranges, sorted by their first row.
// excelize's GetMergeCells would load the whole sheet into memory (800 MB
// for 100,000 rows): the ranges are read from the sheet's XML as a stream
// instead (mergedRefs).
func (t *xlsxTable) loadMerged(data []byte) error {
	refs, err := mergedRefs(data, t.src.sheet)
	if err != nil {
		return &fileError{"cellules fusionnées illisibles (" + err.Error() + ")", "unreadable merged cells (" + err.Error() + ")",
			"défusionnez les cellules dans votre tableur, ou exportez le fichier en CSV"}
	}
	if len(refs) > maxMerged {
		return &fileError{fmt.Sprintf("la feuille a %d blocs de cellules fusionnées, au plus %d sont lus", len(refs), maxMerged),
			fmt.Sprintf("the sheet has %d merged blocks, at most %d are read", len(refs), maxMerged),
			"défusionnez les cellules (Format, Fusionner, Annuler) ou exportez le fichier en CSV"}
	}
	for _, ref := range refs {
		start, end, ok := strings.Cut(ref, ":")
		if !ok {
			continue
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(start)
		c2, r2, err2 := excelize.CellNameToCoordinates(end)
		if err1 != nil || err2 != nil || c1 > MaxColumns || c2 < c1 || r2 < r1 {
			continue
		}
		t.merged = append(t.merged, mergedRange{ref: ref, col1: c1, row1: r1, col2: min(c2, MaxColumns), row2: r2})
	}
	slices.SortFunc(t.merged, func(a, b mergedRange) int { return a.row1 - b.row1 })
	return nil
}

func (t *xlsxTable) info() *source {
	if t.src.merged == nil {
		for i := range t.merged {
			if t.merged[i].used {
				t.src.merged = append(t.src.merged, t.merged[i].ref)
			}
		}
	}
	return &t.src
}

func (t *xlsxTable) progress() (int64, int64) { return int64(t.row), t.total }

func (t *xlsxTable) next() ([]string, int, error) {
	for t.rows.Next() {
		t.row++
		if t.row > MaxRows+100 {
			return nil, 0, errTooManyRows
		}
		cells, err := t.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, t.row, &lineError{line: t.row, fr: "ligne illisible (" + err.Error() + ")", en: "unreadable row (" + err.Error() + ")"}
		}
		cells = t.spread(cells)
		if blank(cells) {
			t.src.blank++
			continue
		}
		return cells, t.row, nil
	}
	if err := t.rows.Error(); err != nil {
		return nil, 0, &fileError{"feuille illisible (" + err.Error() + ")", "unreadable sheet (" + err.Error() + ")",
			"enregistrez de nouveau le fichier au format .xlsx, ou exportez-le en CSV"}
	}
	_ = t.rows.Close()
	_ = t.f.Close()
	return nil, 0, io.EOF
}

// spread writes the value of each merged range over the current row's
// cells it covers.
func (t *xlsxTable) spread(cells []string) []string {
	for t.pending < len(t.merged) && t.merged[t.pending].row1 <= t.row {
		t.active = append(t.active, &t.merged[t.pending])
		t.pending++
	}
	if len(t.active) == 0 {
		return cells
	}
	kept := t.active[:0]
	for _, mr := range t.active {
		if mr.row2 < t.row {
			continue
		}
		kept = append(kept, mr)
		if mr.row1 == t.row {
			if mr.col1-1 < len(cells) {
				mr.value = cells[mr.col1-1]
			}
		}
		if mr.value == "" {
			continue
		}
		for len(cells) < mr.col2 {
			cells = append(cells, "")
		}
		for c := mr.col1; c <= mr.col2; c++ {
			if (c != mr.col1 || t.row != mr.row1) && cells[c-1] == "" {
				cells[c-1] = mr.value
				mr.used = true
			}
		}
	}
	t.active = kept
	return cells
}

var errTooManyRows = &fileError{fmt.Sprintf("le fichier a plus de %d lignes", MaxRows), fmt.Sprintf("the file has more than %d lines", MaxRows),
	"coupez-le en plusieurs fichiers et importez-les l'un après l'autre"}
