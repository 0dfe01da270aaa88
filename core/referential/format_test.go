package referential

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/tiny.tsv.gz")

// tinyFixture is a small referential, unsorted, as a generator would pass
// it to Write.
func tinyFixture() ([]Commune, []EPCI) {
	communes := []Commune{
		{INSEE: "45193", Name: "Marcilly-en-Villette", Departement: "45", PostalCodes: []string{"45240"},
			Population: 2180, Lat: 47.77196, Lon: 2.03415, HasCentre: true, EPCI: "200005932"},
		{INSEE: "45146", Name: "La Ferté-Saint-Aubin", Departement: "45", PostalCodes: []string{"45240"},
			Population: 7284, Lat: 47.712123456, Lon: 1.9271, HasCentre: true, EPCI: "200005932"},
		{INSEE: "2A004", Name: "Ajaccio", Departement: "2A", PostalCodes: []string{"20090", "20000"},
			Population: 75_000, Lat: 41.9267, Lon: 8.7369, HasCentre: true, EPCI: "242010056"},
		{INSEE: "2A017", Name: "Alata", Departement: "2A", PostalCodes: []string{"20167"},
			Population: 3_500, Lat: 41.97, Lon: 8.74, HasCentre: true, EPCI: "242010056"},
		{INSEE: "85165", Name: "L'Oie", Departement: "85", PostalCodes: []string{"85140"}, Population: 1250},
		{INSEE: "97411", Name: "Saint-Denis", Departement: "974", PostalCodes: []string{"97400", "97490"},
			Population: 155_634, Lat: -20.93, Lon: 55.44, HasCentre: true},
		{INSEE: "98901", Name: "Île de Clipperton", Departement: "989", PostalCodes: []string{"98799"}},
	}
	epcis := []EPCI{
		{SIREN: "242010056", Name: "CA du Pays Ajaccien", Kind: "CA", Population: 78_500, Members: []string{"2A017", "2A004"}},
		{SIREN: "200005932", Name: "CC des Portes de Sologne", Kind: "CC", Population: 9464, Members: []string{"45146", "45193"}},
	}
	return communes, epcis
}

func writeBytes(t *testing.T, communes []Commune, epcis []EPCI) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, communes, epcis); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func gzipBytes(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWriteGolden checks that Write is deterministic and still writes
// testdata/tiny.tsv.gz byte for byte (go test -update rewrites it).
func TestWriteGolden(t *testing.T) {
	t.Parallel()
	communes, epcis := tinyFixture()
	got := writeBytes(t, communes, epcis)
	golden := filepath.Join("testdata", "tiny.tsv.gz")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	// The text is compared, not the compressed bytes: compress/flate's
	// output may change between Go releases.
	if g, w := gunzip(t, got), gunzip(t, want); g != w {
		t.Errorf("Write differs from %s:\n%s\nwant:\n%s", golden, g, w)
	}
	// The same input in another order gives the same bytes.
	slices.Reverse(communes)
	slices.Reverse(epcis)
	if again := writeBytes(t, communes, epcis); !bytes.Equal(again, got) {
		t.Error("Write depends on the order of its input")
	}
	// Write does not modify its input.
	c2, e2 := tinyFixture()
	slices.Reverse(c2)
	slices.Reverse(e2)
	if !reflect.DeepEqual(communes, c2) || !reflect.DeepEqual(epcis, e2) {
		t.Error("Write modified its input")
	}
	// The gzip header has no time and no name.
	zr, err := gzip.NewReader(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header has time %v, name %q", zr.ModTime, zr.Name)
	}
}

// TestRoundTrip parses the golden file written by Write and finds the
// fixture again.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "tiny.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	communes, epcis := tinyFixture()
	if got := len(r.Communes()); got != len(communes) || r.header.communes != got {
		t.Fatalf("%d communes, header %d, want %d", got, r.header.communes, len(communes))
	}
	for _, want := range communes {
		got, ok := r.Commune(want.INSEE)
		if !ok {
			t.Errorf("commune %s lost", want.INSEE)
			continue
		}
		want.PostalCodes = slices.Sorted(slices.Values(want.PostalCodes))
		want.Lat = math.Round(want.Lat*1e5) / 1e5
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("commune %s = %+v, want %+v", want.INSEE, *got, want)
		}
	}
	for _, want := range epcis {
		got, ok := r.EPCI(want.SIREN)
		if !ok {
			t.Errorf("EPCI %s lost", want.SIREN)
			continue
		}
		want.Members = slices.Sorted(slices.Values(want.Members))
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("EPCI %s = %+v, want %+v", want.SIREN, *got, want)
		}
	}
	// The indexes work on a parsed file too.
	if got := r.SearchName("ferte st aubin", 5); len(got) != 1 || got[0].INSEE != "45146" {
		t.Errorf("SearchName on the tiny referential = %v", inseeCodes(got))
	}
	if got := r.ByPostalCode("45240"); len(got) != 2 || got[0].INSEE != "45146" {
		t.Errorf("ByPostalCode on the tiny referential = %v", inseeCodes(got))
	}
	if got := r.SearchEPCI("ajaccien", 5); len(got) != 1 || got[0].SIREN != "242010056" {
		t.Errorf("SearchEPCI on the tiny referential = %v", got)
	}
	if got, err := r.Within("45146", 11); err != nil || len(got) != 2 {
		t.Errorf("Within on the tiny referential = %v, %v", got, err)
	}
}

// TestEmbeddedRoundTrip writes the embedded referential again and gets the
// same content: the format is defined by Write and Parse alone.
func TestEmbeddedRoundTrip(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	var communes []Commune
	for _, c := range r.Communes() {
		communes = append(communes, *c)
	}
	var epcis []EPCI
	for _, e := range r.EPCIs() {
		epcis = append(epcis, *e)
	}
	got := gunzip(t, writeBytes(t, communes, epcis))
	if want := gunzip(t, embedded); got != want {
		t.Error("writing the embedded referential again changes its content")
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want string // substring of the error, "" for success
	}{
		{"valid.tsv", ""},
		{"empty.tsv", "empty file"},
		{"no-final-newline.tsv", "truncated"},
		{"missing-format.tsv", `missing header "format"`},
		{"wrong-format.tsv", "unsupported format"},
		{"missing-count.tsv", `missing header "communes"`},
		{"bad-count.tsv", `header "communes": count "many"`},
		{"duplicate-header.tsv", "duplicate header"},
		{"too-few-communes.tsv", "3 commune records, the header declares 4"},
		{"too-many-communes.tsv", "more commune records than the 2"},
		{"unsorted.tsv", "records must be sorted"},
		{"duplicate-commune.tsv", "without duplicates"},
		{"bad-insee.tsv", "INSEE code must be"},
		{"bad-departement.tsv", `département "46"`},
		{"field-count.tsv", "must have 9 fields"},
		{"unknown-record.tsv", `unknown record type "X"`},
		{"header-after-records.tsv", "header line after the records"},
		{"bad-population.tsv", "population -7 out of range"},
		{"population-not-number.tsv", `population "7k" is not a number`},
		{"half-centre.tsv", "both be set or both be empty"},
		{"bad-latitude.tsv", "out of range"},
		{"latitude-not-number.tsv", `latitude "47,71212"`},
		{"without-centre-mismatch.tsv", "1 communes without centre, the header declares 0"},
		{"bad-postal-code.tsv", `postal code "4524"`},
		{"unsorted-postal-codes.tsv", "postal codes are not sorted"},
		{"unknown-epci.tsv", `unknown EPCI "200005933"`},
		{"epci-population.tsv", "its members total 9464 inhabitants, it declares 9465"},
		{"epci-member-count.tsv", "2 members, it declares 3"},
		{"bad-siren.tsv", "SIREN code must be 9 digits"},
		{"bad-kind.tsv", `kind "cc"`},
		{"empty-name.tsv", "name: empty"},
		{"control-character.tsv", "control character"},
		{"invalid-utf8.tsv", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			text, err := os.ReadFile(filepath.Join("testdata", "parse", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r, err := Parse(bytes.NewReader(gzipBytes(t, string(text))))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if len(r.Communes()) != 3 || len(r.EPCIs()) != 1 {
					t.Errorf("Parse: %d communes, %d EPCI", len(r.Communes()), len(r.EPCIs()))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
			if r != nil {
				t.Error("Parse returned a referential with its error")
			}
			if !strings.HasPrefix(err.Error(), "referential: parse: ") {
				t.Errorf("error %q lacks its context", err)
			}
		})
	}
}

func TestParseNotGzip(t *testing.T) {
	t.Parallel()
	valid, err := os.ReadFile(filepath.Join("testdata", "tiny.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "not a gzip stream"},
		{"plain text", "# format: campagnon-referential/1\n", "not a gzip stream"},
		{"truncated", string(valid[:len(valid)/2]), "decompress"},
		{"corrupt checksum", string(valid[:len(valid)-5]) + "\x00\x00\x00\x00\x00", "decompress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestWriteRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(cs []Commune, es []EPCI) ([]Commune, []EPCI)
		want   string
	}{
		{"duplicate commune", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			return append(cs, cs[4]), es
		}, `commune "85165": duplicate INSEE code`},
		{"bad INSEE", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			cs[4].INSEE = "8516"
			return cs, es
		}, "INSEE code must be"},
		{"tab in name", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			cs[4].Name = "L'\tOie"
			return cs, es
		}, "control character"},
		{"département", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			cs[4].Departement = "86"
			return cs, es
		}, `département "86"`},
		{"unknown EPCI", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			cs[4].EPCI = "200005933"
			return cs, es
		}, `unknown EPCI "200005933"`},
		{"members", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			es[1].Members = es[1].Members[:1]
			return cs, es
		}, "differ from the communes that name it"},
		{"EPCI population", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			es[1].Population++
			return cs, es
		}, "differs from the sum"},
		{"duplicate EPCI", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			return cs, append(es, es[0])
		}, "duplicate SIREN"},
		{"centre", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			cs[0].Lon = math.NaN()
			return cs, es
		}, "out of range"},
		{"duplicate postal code", func(cs []Commune, es []EPCI) ([]Commune, []EPCI) {
			cs[0].PostalCodes = []string{"45240", "45240"}
			return cs, es
		}, "duplicate postal code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs, es := tt.mutate(tinyFixture())
			var buf bytes.Buffer
			err := Write(&buf, cs, es)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write error = %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes with its error", buf.Len())
			}
		})
	}
}

// TestEmbeddedHeader reads the header of the embedded file as a person
// would.
func TestEmbeddedHeader(t *testing.T) {
	t.Parallel()
	text := gunzip(t, embedded)
	if !strings.HasPrefix(text, "# format: "+formatName+"\n# attribution: "+Attribution+"\n") {
		t.Errorf("embedded file starts with %q", text[:min(len(text), 300)])
	}
	r := testRef(t)
	for _, line := range []string{
		"# communes: " + strconv.Itoa(len(r.Communes())) + "\n",
		"# epci: 1255\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("embedded header lacks %q", line)
		}
	}
}
