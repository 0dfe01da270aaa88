package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// readAll reads every line of data as the importer does.
func readAll(t testing.TB, data []byte, m *Mapping) (rows [][]string, lines []int, src *source, err error) {
	tbl, err := openTable(bytes.NewReader(data), int64(len(data)), m)
	if err != nil {
		return nil, nil, nil, err
	}
	for {
		cells, line, err := tbl.next()
		if errors.Is(err, io.EOF) {
			return rows, lines, tbl.info(), nil
		}
		var le *lineError
		if errors.As(err, &le) {
			continue
		}
		if err != nil {
			return rows, lines, tbl.info(), err
		}
		rows, lines = append(rows, cells), append(lines, line)
	}
}

func TestSniffDelimiter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want rune
	}{
		{"a;b;c\n1;2;3\n", ';'},
		{"a,b,c\n1,2,3\n", ','},
		{"a\tb\tc\n1\t2\t3\n", '\t'},
		{"nom;prix\n\"Dupont, Jean\";\"12,50\"\n", ';'},
		{"nom,prix\n\"Dupont; Jean\",\"12,50\"\n", ','},
		{"seule colonne\nvaleur\n", ';'},
		{"a;b,c;d\n1;2,5;3\n", ';'},
	} {
		if got := sniffDelimiter([]byte(c.in)); got != c.want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestReaderEncodings: the same answers, whatever the encoding and the
// line ends, read the same cells on the same lines.
func TestReaderEncodings(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, KindListings)
	want, wantLines, _, err := readAll(t, mustRead(t, "besoins-propre.csv"), m)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"besoins-windows1252.csv", "besoins-encodages-melanges.csv"} {
		got, lines, _, err := readAll(t, mustRead(t, name), m)
		if err != nil || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(lines, wantLines) {
			t.Errorf("%s: %v\n%q %v\nwant %q %v", name, err, got, lines, want, wantLines)
		}
	}
	if want[2][3] != "Ferté St Aubin" || want[4][7] != "Deux soirs par semaine,\nplutôt le mardi et le jeudi." || wantLines[5] != 7 {
		t.Errorf("cells: %q, lines %v", want, wantLines)
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestColumnName(t *testing.T) {
	t.Parallel()
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA"} {
		if got := columnName(i); got != want {
			t.Errorf("columnName(%d) = %s, want %s", i, got, want)
		}
	}
}

// TestReaderBounds: a file over MaxFileBytes is refused as such.
func TestReaderBounds(t *testing.T) {
	t.Parallel()
	big := io.MultiReader(strings.NewReader("Date;Commune\n"), &zeros{n: MaxFileBytes + 10})
	tbl, err := openTable(big, -1, mustMapping(t, KindListings))
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, _, err = tbl.next()
		if err != nil {
			break
		}
	}
	if !errors.Is(err, errTooBig) {
		t.Errorf("reading %d bytes: %v", MaxFileBytes+10, err)
	}
}

// zeros yields n bytes of "0;0\n" lines.
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), z.n)
	for i := range n {
		p[i] = "0;0\n"[i%4]
	}
	z.n -= n
	return n, nil
}

// FuzzCSVReader: any bytes read without panic into valid UTF-8 cells on
// increasing lines, within the bounds; a plain UTF-8 file reads the
// records encoding/csv reads, blank lines left out.
func FuzzCSVReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("a;b\n\"x\"\"y\";\"multi\nline\"\n"))
	f.Add([]byte("\xef\xbb\xbfa,b\r\n1,2\r\n"))
	f.Add([]byte("a\tb\rc\td\r"))
	f.Add([]byte("\xff\xfea\x00;\x00b\x00\n\x00"))
	f.Add([]byte("\"unterminated;a\nb;c\n"))
	m, err := DefaultMapping(KindListings)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, lines, src, err := readAll(t, data, m)
		var fe *fileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("error %v", err)
		}
		prev := 0
		for i, r := range rows {
			if lines[i] <= prev && src.format == FormatCSV {
				t.Fatalf("line %d after line %d", lines[i], prev)
			}
			prev = lines[i]
			for _, c := range r {
				if !utf8.ValidString(c) {
					t.Fatalf("invalid UTF-8 cell %q", c)
				}
			}
		}
		if err != nil || !utf8.Valid(data) || bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) || bytes.ContainsRune(data, '\r') || src == nil || src.format != FormatCSV {
			return
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.Comma, r.FieldsPerRecord, r.LazyQuotes = src.delimiter, -1, true
		var want [][]string
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return // the importer reports the line and goes on
			}
			if !blank(rec) {
				want = append(want, rec)
			}
		}
		if len(want) != len(rows) {
			t.Fatalf("%d records, encoding/csv reads %d", len(rows), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(want[i], rows[i]) {
				t.Fatalf("record %d: %q, encoding/csv reads %q", i, rows[i], want[i])
			}
		}
	})
}
