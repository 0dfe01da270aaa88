package main

import (
	"testing"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/golden"
)

// TestGolden runs every case of testdata/golden ({"op", "input", "output"})
// natively, through the SDK's decode and encode path, checks each answer as
// the host would, and compares the envelopes as JSON values.
func TestGolden(t *testing.T) {
	golden.Run(t, handlers, "testdata/golden")
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
