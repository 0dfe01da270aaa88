package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// TestGolden runs every case of testdata/golden ({"op", "input", "output"})
// natively, through the SDK's decode and encode path, and compares the
// output envelopes as JSON values. The AssemblyScript example answers the
// same cases the same way.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden case (%v)", err)
	}
	r := plugin.NewRunner(handlers)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var g struct {
				Op     abi.Op          `json:"op"`
				Input  json.RawMessage `json:"input"`
				Output json.RawMessage `json:"output"`
			}
			if err := json.Unmarshal(raw, &g); err != nil {
				t.Fatal(err)
			}
			out, err := r.Call(g.Op, g.Input)
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if err := json.Unmarshal(g.Output, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s answered\n%s\nwant\n%s", g.Op, out, g.Output)
			}
		})
	}
}

func TestManifest(t *testing.T) {
	if err := manifest.Check(); err != nil {
		t.Fatal(err)
	}
	if err := categories.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestQuoteIsFree(t *testing.T) {
	for _, occ := range []int{1, 3, 1000} {
		r := &abi.QuoteRequest{Category: categoryID, Modality: abi.ModalityResident, Mode: abi.ModeFree, Minutes: 45, Occurrences: occ}
		q, err := quote(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Check(r); err != nil {
			t.Fatal(err)
		}
		if q.TotalCents != 0 || q.Lines[0].Quantity != int64(45*occ) {
			t.Errorf("%d occurrences: %+v", occ, q)
		}
	}
}
