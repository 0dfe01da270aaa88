package rules

import (
	"encoding/json"
	"testing"

	"github.com/campagnon/campagnon/sdk/abi"
)

// benchRequest is a typical quote: a declared professional, travel,
// commission, tax credit.
var benchRequest = []byte(`{"context":{"now":"2026-11-27T10:00:00Z","territory":{"slug":"pays-de-demo","name":"Territoire de démonstration"},"config_hash":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"category":"petits-travaux","modality":"professional","mode":"professional","minutes":90,"distance_m":12300,"occurrences":1,"provider_sap":true}`)

// BenchmarkQuote measures the rules alone, on a decoded request.
func BenchmarkQuote(b *testing.B) {
	p := compileT(b, "")
	var r abi.QuoteRequest
	if err := json.Unmarshal(benchRequest, &r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Quote(nov2026, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteEncodingJSON is the baseline: the same rules with the
// request decoded and the quote encoded by encoding/json, natively.
func BenchmarkQuoteEncodingJSON(b *testing.B) {
	p := compileT(b, "")
	b.ReportAllocs()
	for b.Loop() {
		var r abi.QuoteRequest
		if err := json.Unmarshal(benchRequest, &r); err != nil {
			b.Fatal(err)
		}
		q, err := p.Quote(nov2026, &r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile measures what a new configuration hash costs, once.
func BenchmarkCompile(b *testing.B) {
	def := standardDefault(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(nil, Options{Default: def}); err != nil {
			b.Fatal(err)
		}
	}
}
