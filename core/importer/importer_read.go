package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Bounds of a file.
const (
	// MaxFileBytes is the largest file read.
	MaxFileBytes = 50 << 20
	// MaxRows is the most data lines a file may have.
	MaxRows = 200_000
	// MaxColumns is the most cells a line may have.
	MaxColumns = 200
	// MaxCellBytes is the longest cell, in bytes.
	MaxCellBytes = 16 << 10
	// maxMerged bounds the merged ranges of an XLSX sheet.
	maxMerged = 10_000
	// sniffBytes is how much of a CSV file is looked at to find its
	// separator.
	sniffBytes = 64 << 10
)

// Formats of files, as reports name them.
const (
	FormatCSV  = "CSV"
	FormatXLSX = "XLSX"
)

// Encodings of CSV files, as reports name them.
const (
	EncodingUTF8    = "UTF-8"
	EncodingUTF8BOM = "UTF-8 (BOM)"
	EncodingCP1252  = "Windows-1252"
	EncodingMixed   = "UTF-8 + Windows-1252"
	EncodingUTF16   = "UTF-16"
)

// source is what a reader tells of the file it read.
type source struct {
	format, encoding, sheet string
	delimiter               rune
	// cp1252 counts the lines decoded as Windows-1252 and keeps the first
	// of them; utf8 counts the lines with non-ASCII UTF-8.
	cp1252, utf8 int
	cp1252Lines  []int
	// merged are the XLSX merged ranges that were spread.
	merged []string
	// blank counts the empty lines skipped (spaces and separators only).
	blank int
}

// table yields the lines of a file.
type table interface {
	// next returns the cells of the next line that has any, with its
	// number as a spreadsheet shows it, or io.EOF. An error of type
	// *lineError concerns that line only: the caller reports it and goes
	// on; any other error ends the reading.
	next() (cells []string, line int, err error)
	// info describes the file (complete once next returned io.EOF).
	info() *source
	// done is how far the reading is: done of total units (bytes or rows).
	progress() (done, total int64)
}

// lineError is a line the reader could not split into cells.
type lineError struct {
	line   int
	fr, en string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.en) }

// fileError is a file that cannot be read at all: its message says why
// and what to do. It becomes the report's only problem.
type fileError struct{ fr, en, suggestion string }

func (e *fileError) Error() string { return e.en }

var (
	errTooBig = &fileError{fmt.Sprintf("le fichier dépasse %d Mo", MaxFileBytes>>20), fmt.Sprintf("the file exceeds %d MB", MaxFileBytes>>20),
		"coupez-le en plusieurs fichiers et importez-les l'un après l'autre"}
	errXLS = &fileError{"ce fichier est au format Excel 97-2003 (.xls), qui n'est pas lu", "this file is in the Excel 97-2003 format (.xls), which is not read",
		"ouvrez-le dans votre tableur et enregistrez-le au format .xlsx ou CSV"}
	errODS = &fileError{"ce fichier est au format OpenDocument (.ods), qui n'est pas lu", "this file is in the OpenDocument format (.ods), which is not read",
		"ouvrez-le dans votre tableur et enregistrez-le au format .xlsx ou CSV"}
	errEmpty = &fileError{"le fichier est vide", "the file is empty", "exportez de nouveau les réponses du formulaire"}
)

// openTable reads the start of r to tell CSV from XLSX and returns the
// matching reader; size is r's length (-1 when unknown) for the progress.
func openTable(r io.Reader, size int64, m *Mapping) (table, error) {
	cr := &countingReader{r: io.LimitReader(r, MaxFileBytes+1)}
	br := bufio.NewReaderSize(cr, sniffBytes)
	head, err := br.Peek(8)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read the file: %w", err)
	}
	switch {
	case len(head) == 0:
		return nil, errEmpty
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, errXLS
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		sample, _ := br.Peek(120)
		if bytes.Contains(sample, []byte("opendocument")) {
			return nil, errODS
		}
		return openXLSX(br, cr, size, m)
	}
	return openCSV(br, cr, size, m)
}

// countingReader counts the bytes read, for the progress and the size
// bound.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > MaxFileBytes {
		return n, errTooBig
	}
	return n, err
}

// csvTable reads a CSV file through a lineDecoder.
type csvTable struct {
	r     *csv.Reader
	dec   *lineDecoder
	src   source
	count *countingReader
	size  int64
	end   int // last line of the previous record
}

func openCSV(br *bufio.Reader, cr *countingReader, size int64, m *Mapping) (table, error) {
	t := &csvTable{count: cr, size: size, src: source{format: FormatCSV, encoding: EncodingUTF8}}
	var in io.Reader = br
	switch head, _ := br.Peek(3); {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
		t.src.encoding = EncodingUTF8BOM
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		// Excel's "Unicode text" export: UTF-16 with its byte-order mark.
		in = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Reader(br)
		t.src.encoding = EncodingUTF16
	}
	sample, _ := br.Peek(sniffBytes)
	t.dec = &lineDecoder{r: bufio.NewReaderSize(in, 64<<10), src: &t.src,
		// Old Mac files end lines with a lone CR.
		crOnly: t.src.encoding != EncodingUTF16 && bytes.IndexByte(sample, '\n') < 0 && bytes.IndexByte(sample, '\r') >= 0}
	dbr := bufio.NewReaderSize(t.dec, sniffBytes)
	t.src.delimiter = m.delim
	if t.src.delimiter == 0 {
		decoded, _ := dbr.Peek(sniffBytes)
		t.src.delimiter = sniffDelimiter(decoded)
	}
	t.r = csv.NewReader(dbr)
	t.r.Comma = t.src.delimiter
	t.r.FieldsPerRecord = -1
	t.r.LazyQuotes = true
	return t, nil
}

func (t *csvTable) info() *source { return &t.src }

func (t *csvTable) progress() (int64, int64) { return t.count.n, t.size }

func (t *csvTable) next() ([]string, int, error) {
	for {
		rec, err := t.r.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(pe.Err, errTooBig) {
				return nil, pe.StartLine, &lineError{line: pe.StartLine,
					fr: "ligne illisible (" + pe.Err.Error() + ")", en: "unreadable line (" + pe.Err.Error() + ")"}
			}
			var fe *fileError
			if errors.As(err, &fe) {
				return nil, 0, fe
			}
			return nil, 0, err
		}
		line, _ := t.r.FieldPos(0)
		end, _ := t.r.FieldPos(len(rec) - 1)
		if line > t.end+1 {
			t.src.blank += line - t.end - 1 // encoding/csv skips empty lines
		}
		t.end = end
		if blank(rec) {
			t.src.blank++
			continue
		}
		return rec, line, nil
	}
}

// blank reports a line whose cells are all empty or spaces (";;;;" lines
// of spreadsheets).
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// lineDecoder turns a file's lines into UTF-8, each line on its own: valid
// UTF-8 stays, anything else is read as Windows-1252. It keeps the line
// count unchanged, so that line numbers are the file's.
type lineDecoder struct {
	r      *bufio.Reader
	src    *source
	crOnly bool
	line   int
	buf    []byte // the decoded line
	out    []byte // what is left of buf to read
	err    error
}

func (d *lineDecoder) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		d.fill()
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// fill decodes the next line into d.out.
func (d *lineDecoder) fill() {
	sep := byte('\n')
	if d.crOnly {
		sep = '\r'
	}
	raw, err := d.r.ReadSlice(sep)
	if errors.Is(err, bufio.ErrBufferFull) {
		// A long line: gather it whole (the file's size bounds it).
		buf := slices.Clone(raw)
		for errors.Is(err, bufio.ErrBufferFull) {
			raw, err = d.r.ReadSlice(sep)
			buf = append(buf, raw...)
		}
		raw = buf
	}
	if err != nil {
		d.err = err
	}
	if len(raw) == 0 {
		return
	}
	d.line++
	d.out = d.buf[:0]
	ascii := true
	for _, b := range raw {
		if b >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	switch {
	case ascii:
		d.out = append(d.out, raw...)
	case utf8.Valid(raw):
		d.src.utf8++
		d.out = append(d.out, raw...)
	default:
		d.src.cp1252++
		if len(d.src.cp1252Lines) < 10 {
			d.src.cp1252Lines = append(d.src.cp1252Lines, d.line)
		}
		for _, b := range raw {
			if b < utf8.RuneSelf {
				d.out = append(d.out, b)
			} else {
				d.out = utf8.AppendRune(d.out, charmap.Windows1252.DecodeByte(b))
			}
		}
	}
	if d.crOnly && d.out[len(d.out)-1] == '\r' {
		d.out[len(d.out)-1] = '\n'
	}
	d.buf = d.out
}

// sniffDelimiter picks the separator of a CSV sample: of ";", "," and
// tab, the one found the same number of times (outside quotes) on the
// most lines among the first twenty, then the most frequent; ";" when
// nothing tells (a one-column file), as French spreadsheets write it.
func sniffDelimiter(sample []byte) rune {
	lines := bytes.Split(sample, []byte("\n"))
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last may be cut
	}
	if len(lines) > 20 {
		lines = lines[:20]
	}
	best, bestLines, bestCount := ';', 0, 0
	for _, cand := range []byte{';', ',', '\t'} {
		freq := map[int]int{}
		for _, l := range lines {
			if n := countOutsideQuotes(l, cand); n > 0 {
				freq[n]++
			}
		}
		for count, nLines := range freq {
			if nLines > bestLines || (nLines == bestLines && count > bestCount) {
				best, bestLines, bestCount = rune(cand), nLines, count
			}
		}
	}
	return best
}

func countOutsideQuotes(line []byte, c byte) int {
	n, quoted := 0, false
	for _, b := range line {
		switch {
		case b == '"':
			quoted = !quoted
		case b == c && !quoted:
			n++
		}
	}
	return n
}

// columnName is a column's letter as spreadsheets show it: A, Z, AA.
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}
