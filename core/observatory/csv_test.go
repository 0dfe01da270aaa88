package observatory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestWriteCSVNeutralises: every value that a spreadsheet would run as a
// formula is prefixed with an apostrophe; the rest is left alone.
func TestWriteCSVNeutralises(t *testing.T) {
	t.Parallel()
	values := []struct{ in, want string }{
		{"=cmd", "'=cmd"}, {"+33", "'+33"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'x"}, // encoding/csv drops a lone CR in CRLF mode {" =x", "' =x"}, {"＝x", "'＝x"},
		{"jardinage", "jardinage"}, {"a=b", "a=b"}, {"", ""},
	}
	var cats []Row
	for _, v := range values {
		cats = append(cats, Row{Key: v.in, Label: v.in, Stats: Stats{Needs: 1}})
	}
	r := &Report{Weeks: []Week{{Start: at("2026-10-19 00:00"), Year: 2026, Number: 43, Totals: Stats{Needs: 1}, ByCategory: cats,
		ByCommune: []Row{{Key: "01001", Label: "L'Abergement-Clémenciat", Stats: Stats{Needs: 1, Answered: 1,
			TimeToFirstAnswer: Latency{MedianHours: 1.26, P90Hours: 165.6}}}}}}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) || !utf8.Valid(b) || !bytes.Contains(b, []byte(";Valeur;")) {
		t.Fatal("not UTF-8 with a byte-order mark and ';' between cells")
	}
	cr := csv.NewReader(bytes.NewReader(b[3:]))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v", err)
	}
	if len(rows) != 1+1+len(values)+1 {
		t.Fatalf("%d rows, want header, total, %d categories and a commune", len(rows), len(values))
	}
	for i, v := range values {
		row := rows[2+i]
		if got := row[4]; got != v.want || row[3] != csvCategory {
			t.Errorf("category %q written as %q, want %q", v.in, row[4], v.want)
		}
	}
	last := rows[len(rows)-1]
	if strings.Join(last, "|") != "2026-S43|19/10/2026|25/10/2026|Commune|L'Abergement-Clémenciat|01001|1|0|0|1|0|1,3|165,6" {
		t.Errorf("commune row %q", last)
	}
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Error("lines do not end with CRLF")
	}
}

// failWriter fails once n bytes are written.
type failWriter struct{ n int }

var errFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestWriteCSVWriteError: a writer that fails is reported, wrapped, at
// the byte-order mark or while rows stream out.
func TestWriteCSVWriteError(t *testing.T) {
	t.Parallel()
	weeks := make([]Week, 200)
	for i := range weeks {
		weeks[i] = Week{Start: at("2026-01-05 00:00").AddDate(0, 0, 7*i), Year: 2026, Number: i + 2,
			ByCommune: []Row{{Key: "45146", Label: "La Ferté-Saint-Aubin"}}}
	}
	for _, n := range []int{0, 2, 100, 9000} {
		err := WriteCSV(&failWriter{n: n}, &Report{Weeks: weeks})
		if !errors.Is(err, errFull) || !strings.Contains(err.Error(), "observatory: write the CSV") {
			t.Errorf("after %d bytes: error %v, want the writer's, wrapped", n, err)
		}
	}
}
