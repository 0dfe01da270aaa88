package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/referential"
)

const fixtures = "testdata/src"

// copySources copies the fixture sources to a new directory and applies
// edit to the file named in edit, if any.
func copySources(t *testing.T, file string, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(fixtures, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == file {
			data = []byte(edit(string(data)))
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRun(t *testing.T) {
	t.Parallel()
	outDir := t.TempDir()
	out := filepath.Join(outDir, "ref.tsv.gz")
	var log bytes.Buffer
	if err := run([]string{"-src", fixtures, "-out", out}, &log); err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	first, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r, err := referential.Parse(bytes.NewReader(first))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	// 13 current communes: the delegated commune and the Paris arrondissement are left out.
	if got := len(r.Communes()); got != 13 {
		t.Errorf("%d communes, want 13", got)
	}
	e, ok := r.EPCI("200005932")
	if !ok || len(e.Members) != 7 || e.Population != 15_994 {
		t.Errorf("EPCI 200005932 = %+v, want 7 communes and 15,994 inhabitants", e)
	}
	c, _ := r.Commune("45146")
	if c == nil || c.Population != 7473 || c.EPCI != "200005932" || !c.HasCentre || c.Lat != 47.71212 {
		t.Errorf("45146 = %+v, want the population of epci.json and the centre", c)
	}
	if c, _ := r.Commune("45234"); c == nil || c.Population != 116_357 || c.EPCI != "" {
		t.Errorf("45234 = %+v, want the population of communes.json and no EPCI", c)
	}
	if c, _ := r.Commune("85165"); c == nil || c.HasCentre {
		t.Errorf("85165 = %+v, want it kept without centre", c)
	}
	report := log.String()
	for _, want := range []string{"13 current communes", "1 EPCI with 7 member communes", "2 communes lack a centre",
		"85165 L'Oie", "98901 Île de Clipperton", "wrote"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	attribution, err := os.ReadFile(filepath.Join(outDir, "ATTRIBUTION.md"))
	if err != nil || !strings.Contains(string(attribution), referential.Attribution) {
		t.Errorf("ATTRIBUTION.md lacks the attribution (%v)", err)
	}
	license, err := os.ReadFile(filepath.Join(outDir, "LICENSE-decoupage-administratif"))
	if err != nil || !strings.Contains(string(license), "Etalab") {
		t.Errorf("licence not copied (%v)", err)
	}

	// A second run writes the same bytes.
	if err := run([]string{"-src", fixtures, "-out", out}, io.Discard); err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("two runs wrote different bytes")
	}
}

func TestRunRefusesMalformedInput(t *testing.T) {
	t.Parallel()
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				panic("fixture lacks " + old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	tests := []struct {
		name string
		file string
		edit func(string) string
		want string
	}{
		{"communes not JSON", "communes.json", replace("[", "{"), "communes.json: malformed JSON"},
		{"communes truncated", "communes.json", func(s string) string { return s[:len(s)/2] }, "communes.json"},
		{"population not a number", "communes.json", replace(`"population": 116357`, `"population": "many"`), "communes.json: unexpected JSON"},
		{"bad INSEE code", "communes.json", replace(`"code": "45234"`, `"code": "4523"`), `code "4523" is not an INSEE code`},
		{"duplicate commune", "communes.json", replace(`"code": "45234"`, `"code": "45146"`), "duplicate current commune"},
		{"bad postal code", "communes.json", replace(`"45240"`, `"4524"`), `postal code "4524"`},
		{"empty name", "communes.json", replace(`"nom": "Orléans"`, `"nom": ""`), "is empty"},
		{"bad département", "communes.json", replace(`"departement": "45"`, `"departement": "46"`), `département "46"`},
		{"no type", "communes.json", replace(`"type": "commune-actuelle"`, `"type": ""`), "no type"},
		{"EPCI not JSON", "epci.json", replace(`"membres"`, `membres`), "epci.json: malformed JSON"},
		{"EPCI unknown member", "epci.json", replace(`"code": "45146"`, `"code": "45999"`), `member "45999" is not a current commune`},
		{"EPCI population", "epci.json", replace(`"populationTotale": 15994`, `"populationTotale": 15995`), "differs from the sum"},
		{"EPCI member population", "epci.json", replace(`"populationTotale": 7473`, `"populationTotale": null`), "no valid populationTotale"},
		{"EPCI duplicate member", "epci.json", replace(`"code": "45193"`, `"code": "45146"`), "already belongs"},
		{"EPCI bad SIREN", "epci.json", replace(`"code": "200005932"`, `"code": "20000593"`), "not a SIREN code"},
		{"EPCI bad type", "epci.json", replace(`"type": "CC"`, `"type": "cc"`), "not a kind of EPCI"},
		{"centres header", "communes-centres.csv", replace("insee,lat,lon", "code,lat,lon"), "want insee,lat,lon"},
		{"centres field count", "communes-centres.csv", replace("45006,47.78763,1.88286", "45006,47.78763"), "wrong number of fields"},
		{"centres bad number", "communes-centres.csv", replace("47.78763", "47.78.763"), "invalid coordinates"},
		{"centres bad latitude", "communes-centres.csv", replace("47.78763", "147.78763"), "invalid coordinates"},
		{"centres not a number", "communes-centres.csv", replace("47.78763", "north"), "invalid coordinates"},
		{"centres unknown commune", "communes-centres.csv", replace("45006,", "45999,"), `"45999" is not a current commune`},
		{"centres duplicate", "communes-centres.csv", replace("45006,", "45146,"), "second centre"},
		{"attribution changed", "README.md", replace("GEOFLA 2016", "GEOFLA 2017"), "does not contain the attribution"},
		{"licence", "decoupage-administratif.LICENSE", replace("MIT License", "Other"), "not the MIT licence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := copySources(t, tt.file, tt.edit)
			out := filepath.Join(t.TempDir(), "ref.tsv.gz")
			err := run([]string{"-src", src, "-out", out}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run error = %v, want one containing %q", err, tt.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("run wrote %s despite the error", out)
			}
		})
	}
}

func TestRunBadArguments(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-nope"},
		{"-src", fixtures, "extra"},
		{"-src", filepath.Join(t.TempDir(), "missing"), "-out", filepath.Join(t.TempDir(), "x.gz")},
	} {
		if err := run(args, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

// TestCommittedFileIsUpToDate regenerates the embedded file from the real
// sources, when this machine has them, and compares its content with the
// committed one; it also checks that every current commune is there.
func TestCommittedFileIsUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates the referential")
	}
	src := filepath.Join("..", "..", "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(src, "communes.json")); err != nil {
		t.Skipf("no source data in %s", src)
	}
	out := filepath.Join(t.TempDir(), "referential.tsv.gz")
	if err := run([]string{"-src", src, "-out", out}, io.Discard); err != nil {
		t.Fatal(err)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "core", "referential", "data", "referential.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if gunzip(t, fresh) != gunzip(t, committed) {
		t.Error("core/referential/data/referential.tsv.gz is stale: run go generate ./core/referential/")
	}
	// Count the current communes of the source independently.
	communes, err := os.ReadFile(filepath.Join(src, "communes.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := strings.Count(string(communes), `"type":"commune-actuelle"`)
	if !strings.Contains(gunzip(t, committed), "# communes: "+strconv.Itoa(n)+"\n") || n < 34_000 {
		t.Errorf("the header does not record the %d current communes of the source", n)
	}
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
