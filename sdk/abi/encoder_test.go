package abi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestEncoderMatchesAppendQuoteEnvelope encodes a sequence of quotes with
// one Encoder, strings repeated, changed, rebuilt with the same text at
// another address, and needing escapes, and checks each envelope byte for
// byte against AppendQuoteEnvelope (itself held to encoding/json).
func TestEncoderMatchesAppendQuoteEnvelope(t *testing.T) {
	t.Parallel()
	var e Encoder
	var out []byte
	check := func(q *Quote) {
		t.Helper()
		out = e.AppendQuoteEnvelope(out[:0], q)
		if want := AppendQuoteEnvelope(nil, q); !bytes.Equal(out, want) {
			t.Fatalf("got  %s\nwant %s", out, want)
		}
	}
	quotes := sampleQuotes(t)
	for round := 0; round < 3; round++ {
		for i := range quotes {
			check(&quotes[i])
		}
	}
	q := quotes[0]
	q.Lines = append([]QuoteLine{}, q.Lines...)
	q.Notes = append([]string{}, q.Notes...)
	specials := []string{"plain", "é", "<b>", "a\"b", "\n", "\xff", "\u2028", "Main-d'œuvre", strings.Repeat("long é ", 40)}
	for round := 0; round < 3; round++ {
		for _, s := range specials {
			q.Lines[0].Label = s
			check(&q)
			q.Lines[0].Label = strings.Clone(s) // the same text at another address
			check(&q)
			q.Notes[0] = s
			q.Mode = s
			check(&q)
		}
	}
	// Many distinct strings and lines, numbers changing: the memories
	// evict, and stay right.
	codes := []string{"labour", "travel", "commission", "a<b", strings.Clone("labour")}
	for i := 0; i < 3*plainSlots; i++ {
		q.Lines[0].Label = strings.Repeat("x", i%50) + specials[i%len(specials)]
		for j := range q.Lines {
			l := &q.Lines[j]
			l.Code, l.Unit = codes[(i+j)%len(codes)], codes[(i*j)%len(codes)]
			l.Quantity, l.AmountCents = int64(i*7-100), int64(-13*i+j)
		}
		check(&q)
	}

	for _, r := range []Refusal{
		{Code: "cesu_not_eligible", Message: "Le CESU n'est pas accepté pour cette activité."},
		{Code: "x", Message: "<&>", MessageEN: "\"quoted\"\n"},
		{},
	} {
		for round := 0; round < 2; round++ {
			got := e.AppendRefusalEnvelope(nil, &r)
			if want := AppendRefusalEnvelope(nil, &r); !bytes.Equal(got, want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		}
	}
}

// TestEncoderGrowsTheBuffer writes into buffers too small, with a prefix to
// keep: every envelope must fit however the room is made.
func TestEncoderGrowsTheBuffer(t *testing.T) {
	t.Parallel()
	q := sampleQuotes(t)[0]
	q.Notes = []string{strings.Repeat("<é>", 300), strings.Repeat("n", 900)}
	q.TaxCreditBucket = strings.Repeat("\x01", 200)
	q.Lines = append([]QuoteLine{}, q.Lines...)
	for i := 0; i < 20; i++ {
		q.Lines = append(q.Lines, QuoteLine{Code: "labour", Label: strings.Repeat("\u2029", 100), Quantity: -1 << 63, Unit: "minute", AmountCents: 1<<63 - 1})
	}
	result, err := json.Marshal(&q)
	if err != nil {
		t.Fatal(err)
	}
	env, err := json.Marshal(Envelope{OK: true, Result: result})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte("prefix"), env...)
	var e Encoder
	for _, size := range []int{0, 6, 7, 64, 1000} {
		dst := make([]byte, 6, size+6)
		copy(dst, "prefix")
		if got := e.AppendQuoteEnvelope(dst, &q); !bytes.Equal(got, want) {
			t.Fatalf("cap %d: got  %s\nwant %s", size, got, want)
		}
		dst = make([]byte, 6, size+6)
		copy(dst, "prefix")
		if got := AppendQuoteEnvelope(dst, &q); !bytes.Equal(got, want) {
			t.Fatalf("cap %d, no Encoder: got  %s\nwant %s", size, got, want)
		}
	}
}

func TestEncoderDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are checked in the long run")
	}
	q := sampleQuotes(t)[0]
	var e Encoder
	buf := e.AppendQuoteEnvelope(nil, &q)
	if n := testing.AllocsPerRun(100, func() { buf = e.AppendQuoteEnvelope(buf[:0], &q) }); n != 0 {
		t.Errorf("Encoder.AppendQuoteEnvelope into a large enough buffer: %v allocations, want 0", n)
	}
}
