package abi

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

func TestWriterInt(t *testing.T) {
	t.Parallel()
	values := []int64{0, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	for p := int64(1); p <= 1e18; p *= 10 {
		for _, v := range []int64{p - 1, p, p + 1, 2*p - 1, 5 * p, 9*p + 9} {
			values = append(values, v, -v)
		}
	}
	for _, v := range values {
		w := newWriter([]byte("x"), maxIntBytes)
		w.int(v)
		if got, want := string(w.bytes()), "x"+strconv.FormatInt(v, 10); got != want {
			t.Errorf("int(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestWriterStrMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	// Every length up to 40, with each kind of character at every place:
	// plain, escaped, two-, three- and four-byte UTF-8, invalid UTF-8,
	// the separators json.Marshal escapes.
	specials := []string{"", `"`, `\`, "<", "&", "\x00", "\x1f", "\x7f", "é", "€", "’", "😀", "\u2028", "\u2029", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\x80"}
	for n := 0; n <= 40; n++ {
		for _, sp := range specials {
			for at := 0; at <= n; at++ {
				b := make([]byte, 0, n+len(sp))
				for i := range n {
					if i == at {
						b = append(b, sp...)
					}
					b = append(b, 'a'+byte(i%26))
				}
				if at == n {
					b = append(b, sp...)
				}
				s := string(b)
				w := newWriter(nil, maxStringBytes(s))
				w.str(s)
				want, err := json.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				if got := w.bytes(); !bytes.Equal(got, want) {
					t.Fatalf("str(%q) = %s, want %s", s, got, want)
				}
			}
		}
	}
}
