package importer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/golden"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// TestReports validates every file of testdata/ — the messy exports real
// forms produce — and compares its report with testdata/golden/NAME.txt:
// adding a case is adding a file. A file whose name starts with
// "entreprises" is read as a census, the others as needs and offers; a
// NAME.mapping.json beside it is its mapping.
func TestReports(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		if st, err := os.Stat(path); err != nil || st.IsDir() || strings.HasSuffix(name, ".json") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			kind := KindListings
			if strings.HasPrefix(name, "entreprises") {
				kind = KindBusinesses
			}
			m := mustMapping(t, kind)
			if data, err := os.ReadFile(strings.TrimSuffix(path, filepath.Ext(path)) + ".mapping.json"); err == nil {
				if m, err = ParseMapping(data); err != nil {
					t.Fatal(err)
				}
			}
			rep := f.validate(t, name, nil, m)
			var buf bytes.Buffer
			if err := rep.WriteText(&buf); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("golden", strings.TrimSuffix(name, filepath.Ext(name))+".txt"), buf.Bytes())
		})
	}
}

// TestNothingWrittenByValidate: validating writes no row.
func TestNothingWrittenByValidate(t *testing.T) {
	f := newFixture(t, storetest.New(t, "sqlite"))
	rep := f.validate(t, "besoins-propre.csv", nil, mustMapping(t, KindListings))
	if !rep.OK() || rep.Ready != 6 {
		t.Fatalf("report: ok %v, ready %d, problems %+v", rep.OK(), rep.Ready, rep.Problems)
	}
	for _, table := range []string{"listings", "imports", "import_rows", "census_businesses"} {
		if n := f.count(t, table); n != 0 {
			t.Errorf("%s: %d rows after a validation", table, n)
		}
	}
	_ = context.Background()
}
