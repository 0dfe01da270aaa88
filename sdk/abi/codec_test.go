package abi

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The codec is held to encoding/json: same accepted inputs, same values,
// and, for the encoders, the same bytes.

// refDecodeQuoteRequest is what DecodeQuoteRequest must match.
func refDecodeQuoteRequest(data []byte) (QuoteRequest, error) {
	var r QuoteRequest
	err := json.Unmarshal(data, &r)
	return r, err
}

// refDecodeQuoteEnvelope is what DecodeQuoteEnvelope must match.
func refDecodeQuoteEnvelope(data []byte) (Quote, *Refusal, error) {
	var env Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return Quote{}, nil, err
	}
	hasResult := len(env.Result) > 0 && string(env.Result) != "null"
	switch {
	case env.OK && env.Refusal != nil:
		return Quote{}, nil, errors.New("ok with refusal")
	case env.OK && !hasResult:
		return Quote{}, nil, errors.New("ok without result")
	case env.OK:
		var q Quote
		if err := json.Unmarshal(env.Result, &q); err != nil {
			return Quote{}, nil, err
		}
		return q, nil, nil
	case hasResult:
		return Quote{}, nil, errors.New("not ok with result")
	case env.Refusal == nil:
		return Quote{}, nil, errors.New("not ok without refusal")
	}
	return Quote{}, env.Refusal, nil
}

// dirtyRequest is a request to decode into, full of other values, to
// prove that nothing of it leaks into the result.
func dirtyRequest() QuoteRequest {
	return QuoteRequest{
		Context: Context{
			Now: "2020-01-01T00:00:00Z", ConfigHash: "old", Config: json.RawMessage(`{"old":1}`),
			Territory: Territory{Slug: "old", Name: "Old", EPCI: "123456789"},
		},
		Category: "old", Modality: "old", Mode: "free", Minutes: 9, DistanceMeters: 9,
		Occurrences: 9, HourlyCents: 9, ProviderSAP: true, Solidarity: true,
	}
}

// dirtyQuote is a quote to decode into, with slices longer than most
// inputs' so that stale elements would show.
func dirtyQuote() Quote {
	return Quote{
		Currency: "XXX", Mode: "old", TotalCents: 1, SubsidyCents: 1, PayableCents: 1, CommissionCents: 1,
		TimeCreditMinutes: 1, TaxCreditEligibleCents: 1, TaxCreditBucket: "old",
		Lines: []QuoteLine{
			{Code: "a", Label: "A", Quantity: 1, Unit: "km", AmountCents: 1},
			{Code: "b", Label: "B", Quantity: 2, Unit: "km", AmountCents: 2},
			{Code: "c", Label: "C", Quantity: 3, Unit: "km", AmountCents: 3},
		},
		Notes: []string{"x", "y", "z"},
	}
}

// checkDecodeQuoteRequest compares DecodeQuoteRequest with encoding/json on
// data, decoding into a zero and into a dirty request.
func checkDecodeQuoteRequest(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := refDecodeQuoteRequest(data)
	for _, start := range []QuoteRequest{{}, dirtyRequest()} {
		got := start
		err := DecodeQuoteRequest(data, &got)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("input %q:\nerror %v\nencoding/json error %v", data, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("input %q:\ngot  %#v\nwant %#v", data, got, want)
		}
	}
}

// checkDecodeQuoteEnvelope compares DecodeQuoteEnvelope with
// refDecodeQuoteEnvelope on data.
func checkDecodeQuoteEnvelope(t *testing.T, data []byte) {
	t.Helper()
	want, wantRef, wantErr := refDecodeQuoteEnvelope(data)
	for _, start := range []Quote{{}, dirtyQuote()} {
		got := start
		ref, err := DecodeQuoteEnvelope(data, &got)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("input %q:\nerror %v\nreference error %v", data, err, wantErr)
		}
		if err != nil {
			continue
		}
		if !reflect.DeepEqual(ref, wantRef) {
			t.Fatalf("input %q:\nrefusal %#v\nwant    %#v", data, ref, wantRef)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("input %q:\ngot  %#v\nwant %#v", data, got, want)
		}
	}
}

// readExamples returns the testdata files whose names match pattern.
func readExamples(t testing.TB, pattern string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(names) == 0 {
		t.Fatalf("no testdata matches %s (%v)", pattern, err)
	}
	out := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = b
	}
	return out
}

// requestCases are inputs for DecodeQuoteRequest: valid, odd, and broken.
var requestCases = []string{
	// Plain and empty.
	`{}`, `null`, ` {} `, "\t\r\n{}\n",
	`{"category":"jardinage","modality":"resident","mode":"free","minutes":60,"occurrences":1}`,
	// Field order, whitespace, duplicates (the last wins; objects merge).
	`{ "minutes" : 60 , "category" : "a" , "category" : "b" }`,
	`{"context":{"now":"a","territory":{"slug":"s"}},"context":{"config_hash":"h","territory":{"name":"n"}}}`,
	`{"minutes":60,"minutes":null}`,
	`{"category":"x","category":null}`,
	`{"context":null}`, `{"context":{"territory":null}}`,
	// Case-insensitive names, like encoding/json (including the Kelvin sign and long s).
	`{"CATEGORY":"a","Minutes":5,"Mode":"free"}`,
	`{"context":{"territory":{"\u017flug":"long-s","name":"n"}}}`,
	`{"context":{"territory":{"SLUG":"up"}}}`,
	"{\"\u212aey\":1,\"mode\":\"free\"}",
	`{"mod\u0065":"escaped-key"}`,
	`{"catégorie":"x"}`,
	// Escapes, surrogates, invalid UTF-8.
	`{"category":"a\"b\\c\/d\be\ff\ng\rh\ti"}`,
	`{"category":"\u00e9\u20ac\ud83d\ude00"}`,
	`{"category":"\ud83d"}`, `{"category":"\ud83dx"}`, `{"category":"\ude00\ud83d"}`,
	`{"category":"\ud83d\u0041"}`, `{"category":"\ud83d\ud83d\ude00"}`,
	"{\"category\":\"\xff\xfe\"}", "{\"category\":\"a\xc3\"}", "{\"category\":\"\xed\xa0\x80\"}",
	`{"category":"Déplacement à 12 km — « aller-retour »"}`,
	`{"category":"0123456789abcdef0123456789abcdef0123456789\u0041"}`,
	// Numbers.
	`{"minutes":0}`, `{"minutes":-0}`, `{"minutes":-12}`,
	`{"hourly_cents":9223372036854775807}`, `{"hourly_cents":-9223372036854775808}`,
	`{"hourly_cents":9223372036854775808}`, `{"hourly_cents":-9223372036854775809}`,
	`{"hourly_cents":12345678901234567890}`, `{"hourly_cents":00}`, `{"minutes":01}`,
	`{"minutes":1.0}`, `{"minutes":1e2}`, `{"minutes":1E2}`, `{"minutes":-}`, `{"minutes":+1}`,
	`{"minutes":.5}`, `{"minutes":"60"}`, `{"minutes":true}`, `{"minutes":[]}`, `{"minutes":{}}`,
	`{"minutes":1x}`, `{"minutes":0x10}`,
	// Booleans.
	`{"provider_sap":true,"solidarity":false}`, `{"provider_sap":null}`, `{"provider_sap":1}`,
	`{"provider_sap":tru}`, `{"provider_sap":falsey}`, `{"provider_sap":"true"}`,
	// Config: any JSON value, kept raw.
	`{"context":{"config":{"a":[1,2.5e3,{"b":null}],"c":"\u00e9"}}}`,
	`{"context":{"config": { "a" : 1 } }}`,
	`{"context":{"config":null}}`, `{"context":{"config":[]}}`, `{"context":{"config":"x"}}`,
	`{"context":{"config":-1.5E-3}}`, `{"context":{"config":{"a":1,}}}`, `{"context":{"config":{"a"}}}`,
	`{"context":{"config":[1,]}}`, `{"context":{"config":{"a":1}x}}`, `{"context":{"config":}}`,
	`{"context":{"config":{"a":"\x"}}}`, `{"context":{"config":{"a":"\u12"}}}`, `{"context":{"config":01}}`,
	`{"context":{"config":1.}}`, `{"context":{"config":1e}}`, `{"context":{"config":1e+}}`,
	// Unknown fields: skipped, but validated.
	`{"extra":{"deep":[1,{"x":[true,false,null,"s\n"]}]},"mode":"free"}`,
	`{"extra":[}`, `{"extra":{]}`, `{"extra":"unterminated}`, `{"extra":nul}`, `{"extra":[1 2]}`,
	`{"extra":{"a" 1}}`, `{"extra":{"a":1 "b":2}}`, `{"extra":{1:2}}`,
	// Wrong types.
	`[]`, `"x"`, `1`, `true`, `{"context":[]}`, `{"context":"x"}`, `{"category":1}`,
	`{"category":["a"]}`, `{"category":{}}`, `{"context":{"territory":"x"}}`, `{"context":{"now":5}}`,
	// Broken syntax.
	``, ` `, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{"a":1}}`, `{"a":1} x`, `{} {}`,
	`{'a':1}`, `{"a\x":1}`, "{\"a\":\"\x01\"}", `{"category":"abc`, `{"category":"abc\`, "\xef\xbb\xbf{}",
	`{"category":"a"` + "\x00" + `}`, `nul`, `{"category":"\'"}`,
}

func TestDecodeQuoteRequestMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, c := range requestCases {
		checkDecodeQuoteRequest(t, []byte(c))
	}
	for name, b := range readExamples(t, "examples/quote_request*.json") {
		t.Run(name, func(t *testing.T) { checkDecodeQuoteRequest(t, b) })
	}
}

func TestDecodeQuoteRequestDepth(t *testing.T) {
	t.Parallel()
	for _, n := range []int{9998, 9999, 10000, 10001} {
		// The request object is level 1, extra's value level 2.
		data := `{"extra":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}`
		checkDecodeQuoteRequest(t, []byte(data))
		data = `{"extra":` + strings.Repeat(`{"a":`, n-1) + "1" + strings.Repeat("}", n-1) + `}`
		checkDecodeQuoteRequest(t, []byte(data))
		// The configuration in the canonical layout, at level 3.
		r := sampleRequests(t)[0]
		r.Context.Config = json.RawMessage(strings.Repeat("[", n-2) + strings.Repeat("]", n-2))
		checkDecodeQuoteRequest(t, AppendQuoteRequest(nil, &r))
	}
}

// envelopeCases are inputs for DecodeQuoteEnvelope.
var envelopeCases = []string{
	`{"ok":true,"result":{}}`,
	`{"result":{"currency":"EUR"},"ok":true}`,
	`{"ok":true,"result":{"lines":[],"notes":[]}}`,
	`{"ok":true,"result":{"lines":null,"notes":null}}`,
	`{"ok":true,"result":{"lines":[{"code":"a"},null,{}],"notes":["a",null,"c"]}}`,
	`{"ok":true,"result":{"lines":[{"code":"a","label":"A"},{"code":"b"}],"lines":[{"unit":"km"}]}}`,
	`{"ok":true,"result":{"lines":[{"code":"a"},{"code":"b"}],"lines":[{"unit":"km"}],"lines":[{},{},{}]}}`,
	`{"ok":true,"result":{"lines":[{"code":"a"}],"lines":null,"lines":[{}]}}`,
	`{"ok":true,"result":{"notes":["a","b"],"notes":["c"],"notes":[null,null]}}`,
	`{"ok":true,"result":{"currency":"EUR"},"result":{"mode":"free"}}`,
	`{"ok":true,"result":1,"result":{"mode":"free"}}`,
	`{"ok":true,"result":{"mode":"free"},"result":1}`,
	`{"ok":true,"result":{"mode":"free"},"result":null}`,
	`{"ok":true,"result":null}`, `{"ok":true}`, `{"ok":true,"result":[]}`, `{"ok":true,"result":"x"}`,
	`{"ok":true,"result":{"total_cents":1.5}}`, `{"ok":true,"result":{"lines":{}}}`,
	`{"ok":true,"result":{"lines":[1]}}`, `{"ok":true,"result":{"notes":[1]}}`,
	`{"ok":true,"result":{"lines":[{"amount_cents":-500,"code":"reduction"}]}}`,
	`{"OK":true,"RESULT":{"CURRENCY":"EUR","Total_Cents":5}}`,
	`{"ok":true,"result":{},"refusal":{"code":"x","message":"m"}}`,
	`{"ok":true,"result":{},"refusal":null}`,
	`{"ok":false,"refusal":{"code":"no","message":"Non."}}`,
	`{"refusal":{"code":"no","message":"Non.","message_en":"No."}}`,
	`{"ok":false,"refusal":{"code":"a"},"refusal":{"message":"b"}}`,
	`{"ok":false,"refusal":{"code":"a"},"refusal":null,"refusal":{"message":"b"}}`,
	`{"ok":false,"refusal":{"code":"a"},"refusal":null}`,
	`{"ok":false,"refusal":null}`, `{"ok":false}`, `{}`, `null`,
	`{"ok":false,"refusal":{"code":"a","message":"b"},"result":{}}`,
	`{"ok":false,"refusal":{"code":"a","message":"b"},"result":null}`,
	`{"ok":false,"refusal":{"code":"a","message":"b"},"result":5}`,
	`{"ok":false,"refusal":"x"}`, `{"ok":false,"refusal":{"code":1}}`, `{"ok":"true","result":{}}`,
	`{"ok":true,"result":{},"error":"boom","extra":[1,{"x":null}]}`,
	`{"ok":true,"result":{"currency":"EUR"}`, `{"ok":true,"result":{"currency":"EUR"}}x`,
	`{"ok":true,"result":{"currency":"EUR",}}`, `{"ok":true,"result":{"notes":["a",]}}`,
	`{"ok":true,"result":{"notes":["a" "b"]}}`, `{"ok":true,"result":{"lines":[{}{}]}}`,
	`{"ok":true,"result":{"mode":"\u00e9\ud83d\ude00\ud800"}}`,
	`{"ok":true,"result":{"mode":"bad` + "\xff" + `utf8"}}`,
	`{"ok":true,"result":{"time_credit_minutes":90,"tax_credit_bucket":"diy"}}`,
	`[]`, `""`, ``, `{"ok":tru}`,
}

func TestDecodeQuoteEnvelopeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, c := range envelopeCases {
		checkDecodeQuoteEnvelope(t, []byte(c))
	}
	for name, b := range readExamples(t, "examples/envelope*.json") {
		t.Run(name, func(t *testing.T) { checkDecodeQuoteEnvelope(t, b) })
	}
}

func TestDecodeQuoteEnvelopeReusesStorage(t *testing.T) {
	t.Parallel()
	q := dirtyQuote()
	lines := &q.Lines[0]
	if _, err := DecodeQuoteEnvelope([]byte(`{"ok":true,"result":{"lines":[{"code":"x"}]}}`), &q); err != nil {
		t.Fatal(err)
	}
	if &q.Lines[0] != lines {
		t.Error("the lines' storage was not reused")
	}
	if q.Lines[0] != (QuoteLine{Code: "x"}) {
		t.Errorf("line 0 = %+v, want only code x", q.Lines[0])
	}
}

// sampleRequests are requests for the encoders, with every optional field
// on and off and strings that need escaping.
func sampleRequests(t testing.TB) []QuoteRequest {
	var full QuoteRequest
	if err := json.Unmarshal(readExamples(t, "examples/quote_request.json")["quote_request.json"], &full); err != nil {
		t.Fatal(err)
	}
	compact := full
	var buf bytes.Buffer
	if err := json.Compact(&buf, full.Context.Config); err != nil {
		t.Fatal(err)
	}
	compact.Context.Config = buf.Bytes()
	minimal := QuoteRequest{Category: "c", Modality: ModalityResident, Mode: ModeFree, Minutes: 1, Occurrences: 1}
	odd := compact
	odd.Category = "<script>&\"quoted\"\\ \u2028\u2029 \x00\x1f\x7f é \xff"
	odd.Context.Territory.Name = "CC des Portes de Sologne — « Sud »"
	odd.Context.Territory.EPCI = ""
	odd.Solidarity, odd.ProviderSAP = true, false
	odd.DistanceMeters, odd.HourlyCents = 0, -5
	return []QuoteRequest{compact, minimal, odd, {}}
}

func TestAppendQuoteRequestMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for i, r := range sampleRequests(t) {
		got := AppendQuoteRequest([]byte("prefix"), &r)
		if !bytes.HasPrefix(got, []byte("prefix")) {
			t.Fatalf("case %d: the prefix was overwritten", i)
		}
		got = got[len("prefix"):]
		want, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(got, want) {
			t.Errorf("case %d:\ngot  %s\nwant %s", i, got, want)
		}
		var back QuoteRequest
		if err := DecodeQuoteRequest(got, &back); err != nil {
			t.Fatalf("case %d: decode own output: %v", i, err)
		}
		ref, _ := refDecodeQuoteRequest(got)
		if !reflect.DeepEqual(back, ref) {
			t.Errorf("case %d: round trip\ngot  %#v\nwant %#v", i, back, ref)
		}
	}
}

// TestCanonicalFastPath checks that what AppendQuoteRequest writes takes
// the fast path when its strings are plain, and that the fast path gives
// what the general decoder gives.
func TestCanonicalFastPath(t *testing.T) {
	t.Parallel()
	for i, r := range sampleRequests(t) {
		in := AppendQuoteRequest(nil, &r)
		var fast, prev QuoteRequest
		took := decodeQuoteRequestCanonical(in, &fast, &prev)
		plain := i != 2 // sample 2 has strings that need escaping
		if took != plain {
			t.Errorf("case %d: fast path taken = %v, want %v", i, took, plain)
		}
		if !took {
			continue
		}
		var general QuoteRequest
		d := decoder{data: in}
		if err := d.quoteRequest(&general, &prev); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, general) {
			t.Errorf("case %d:\nfast    %#v\ngeneral %#v", i, fast, general)
		}
		// Decoding again reuses every string.
		again := fast
		if !decodeQuoteRequestCanonical(in, &again, &fast) || !reflect.DeepEqual(again, fast) {
			t.Errorf("case %d: second decode differs", i)
		}
	}
	// Every prefix of a canonical input leaves the fast path.
	in := AppendQuoteRequest(nil, &sampleRequests(t)[0])
	for n := range len(in) {
		var r, prev QuoteRequest
		if decodeQuoteRequestCanonical(in[:n], &r, &prev) {
			t.Fatalf("prefix of %d bytes accepted", n)
		}
	}
}

func TestAppendQuoteRequestKeepsConfigBytes(t *testing.T) {
	t.Parallel()
	r := sampleRequests(t)[0]
	r.Context.Config = json.RawMessage("{ \"a\" : \"<b>\" }")
	out := AppendQuoteRequest(nil, &r)
	if !bytes.Contains(out, []byte(`"config":{ "a" : "<b>" }`)) {
		t.Errorf("config not written verbatim: %s", out)
	}
}

// sampleQuotes are quotes for the encoders.
func sampleQuotes(t testing.TB) []Quote {
	var full Quote
	if err := json.Unmarshal(readExamples(t, "examples/quote.json")["quote.json"], &full); err != nil {
		t.Fatal(err)
	}
	odd := full
	odd.Lines = append([]QuoteLine{}, full.Lines...)
	odd.Lines[0].Label = "a < b & c > d \"q\" \\ \n\t\u2028 \xc3 €"
	odd.Notes = nil
	odd.TimeCreditMinutes = 90
	odd.TaxCreditBucket = ""
	empty := Quote{Currency: Currency, Mode: ModeFree, Lines: []QuoteLine{}, Notes: []string{}}
	return []Quote{full, odd, empty, {}}
}

func TestAppendQuoteEnvelopeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for i, q := range sampleQuotes(t) {
		got := AppendQuoteEnvelope(nil, &q)
		result, err := json.Marshal(&q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(Envelope{OK: true, Result: result})
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(got, want) {
			t.Errorf("case %d:\ngot  %s\nwant %s", i, got, want)
		}
		checkDecodeQuoteEnvelope(t, got)
	}
}

func TestAppendRefusalEnvelopeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for i, r := range []Refusal{
		{Code: "cesu_not_eligible", Message: "Le CESU n'est pas accepté pour cette activité."},
		{Code: "x", Message: "<&>", MessageEN: "\"quoted\"\n"},
		{},
	} {
		got := AppendRefusalEnvelope(nil, &r)
		want, err := json.Marshal(Envelope{Refusal: &r})
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(got, want) {
			t.Errorf("case %d:\ngot  %s\nwant %s", i, got, want)
		}
		var q Quote
		ref, err := DecodeQuoteEnvelope(got, &q)
		if err != nil || *ref != r {
			t.Errorf("case %d: decode = %+v, %v", i, ref, err)
		}
	}
}

func TestValidJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, c := range append(append([]string{}, requestCases...), envelopeCases...) {
		if got, want := ValidJSON([]byte(c)) == nil, json.Valid([]byte(c)); got != want {
			t.Errorf("ValidJSON(%q) = %v, json.Valid = %v", c, got, want)
		}
	}
}

func TestCodecErrorsSayWhere(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{`{"minutes":1x}`, "offset 12: invalid character 'x'"},
		{`{"minutes":"60"}`, "cannot decode a JSON string into integer"},
		{`{"hourly_cents":9223372036854775808}`, "overflows int64"},
		{`{"category":"a`, "unexpected end of input"},
		{`[]`, "cannot decode a JSON array into quote request"},
	}
	for _, c := range cases {
		var r QuoteRequest
		err := DecodeQuoteRequest([]byte(c.in), &r)
		var ce *CodecError
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DecodeQuoteRequest(%q) = %v, want a CodecError containing %q", c.in, err, c.want)
		}
	}
}

func TestCodecDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are checked in the long run")
	}
	in := AppendQuoteRequest(nil, &sampleRequests(t)[0])
	var r QuoteRequest
	if err := DecodeQuoteRequest(in, &r); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = DecodeQuoteRequest(in, &r) }); n != 0 {
		t.Errorf("DecodeQuoteRequest of an unchanged request: %v allocations, want 0", n)
	}
	q := sampleQuotes(t)[0]
	buf := AppendQuoteEnvelope(nil, &q)
	if n := testing.AllocsPerRun(100, func() { buf = AppendQuoteEnvelope(buf[:0], &q) }); n != 0 {
		t.Errorf("AppendQuoteEnvelope into a large enough buffer: %v allocations, want 0", n)
	}
	var got Quote
	if _, err := DecodeQuoteEnvelope(buf, &got); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = DecodeQuoteEnvelope(buf, &got) }); n != 0 {
		t.Errorf("DecodeQuoteEnvelope of an unchanged quote: %v allocations, want 0", n)
	}
}

// sameJSON reports whether our encoder's bytes equal encoding/json's, up to
// how invalid UTF-8 is replaced: both write U+FFFD, encoding/json as the
// escape \ufffd since Go 1.27 and as the character itself before, and we as
// the character. Everything else must be byte for byte the same.
func sameJSON(got, want []byte) bool {
	esc := []byte(`\ufffd`)
	return bytes.Equal(bytes.ReplaceAll(got, esc, []byte("\uFFFD")), bytes.ReplaceAll(want, esc, []byte("\uFFFD")))
}
