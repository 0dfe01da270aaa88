package abi

import (
	"encoding/json"
	"testing"
)

// The codec against encoding/json on the hot path: the guest decodes a
// request (without its configuration, which the host sends once per
// instance) and encodes a quote envelope; the host does the reverse.

// hotRequest is a quote input as the host sends it once the instance holds
// the configuration.
func hotRequest(b *testing.B) []byte {
	r := sampleRequests(b)[0]
	r.Context.Config = nil
	return AppendQuoteRequest(nil, &r)
}

func BenchmarkDecodeQuoteRequest(b *testing.B) {
	in := hotRequest(b)
	b.Run("codec", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		var r QuoteRequest
		for b.Loop() {
			if err := DecodeQuoteRequest(in, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			var r QuoteRequest
			if err := json.Unmarshal(in, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAppendQuoteEnvelope(b *testing.B) {
	q := sampleQuotes(b)[0]
	b.Run("codec", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = AppendQuoteEnvelope(buf[:0], &q)
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			result, err := json.Marshal(&q)
			if err != nil {
				b.Fatal(err)
			}
			out, err := json.Marshal(Envelope{OK: true, Result: result})
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
}

func BenchmarkAppendQuoteRequest(b *testing.B) {
	r := sampleRequests(b)[0]
	r.Context.Config = nil
	b.Run("codec", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = AppendQuoteRequest(buf[:0], &r)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeQuoteEnvelope(b *testing.B) {
	q := sampleQuotes(b)[0]
	in := AppendQuoteEnvelope(nil, &q)
	b.Run("codec", func(b *testing.B) {
		b.ReportAllocs()
		var got Quote
		for b.Loop() {
			if _, err := DecodeQuoteEnvelope(in, &got); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := refDecodeQuoteEnvelope(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
