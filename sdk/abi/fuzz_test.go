package abi

import (
	"reflect"
	"testing"
)

// The fuzz targets hold the codec to encoding/json on arbitrary input, and
// check that what it encodes decodes back to the same value. Seeds: the
// table cases and testdata/fuzz/<target>/.

func FuzzDecodeQuoteRequest(f *testing.F) {
	for _, c := range requestCases {
		f.Add([]byte(c))
	}
	// Canonical inputs, so that mutations exercise the fast path's exits.
	for _, r := range sampleRequests(f) {
		f.Add(AppendQuoteRequest(nil, &r))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeQuoteRequest(t, data)
		var r QuoteRequest
		if DecodeQuoteRequest(data, &r) != nil {
			return
		}
		out := AppendQuoteRequest(nil, &r)
		var back QuoteRequest
		if err := DecodeQuoteRequest(out, &back); err != nil {
			t.Fatalf("decode own output %q: %v", out, err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip of %q through %q:\ngot  %#v\nwant %#v", data, out, back, r)
		}
		checkDecodeQuoteRequest(t, out)
	})
}

func FuzzDecodeQuoteEnvelope(f *testing.F) {
	for _, c := range envelopeCases {
		f.Add([]byte(c))
	}
	for _, q := range sampleQuotes(f) {
		f.Add(AppendQuoteEnvelope(nil, &q))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeQuoteEnvelope(t, data)
		var q Quote
		ref, err := DecodeQuoteEnvelope(data, &q)
		if err != nil {
			return
		}
		var out []byte
		if ref != nil {
			out = AppendRefusalEnvelope(nil, ref)
		} else {
			out = AppendQuoteEnvelope(nil, &q)
		}
		var back Quote
		backRef, err := DecodeQuoteEnvelope(out, &back)
		if err != nil {
			t.Fatalf("decode own output %q: %v", out, err)
		}
		if len(q.Notes) == 0 {
			q.Notes = nil // omitempty
		}
		if !reflect.DeepEqual(back, q) || !reflect.DeepEqual(backRef, ref) {
			t.Fatalf("round trip of %q through %q:\ngot  %#v %#v\nwant %#v %#v", data, out, back, backRef, q, ref)
		}
		checkDecodeQuoteEnvelope(t, out)
	})
}
