package abi

import (
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
				if got := w.bytes(); !sameJSON(got, want) {
					t.Fatalf("str(%q) = %s, want %s", s, got, want)
				}
			}
		}
	}
}

// TestFastDigits checks the branch-free digit reader against a loop, for
// every count of leading digits and what may follow them.
func TestFastDigits(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0", "7", "90", "12400", "1234567", "9999999", "00000001", "12345678", "1000000", "5", "42"} {
		for _, tail := range []string{"", ",", "}", ".", "e", "/", ":", "\xff", "-", " ", "a"} {
			in := s + tail
			for len(in) < 8 {
				in += "x"
			}
			in = in[:8]
			want, n := uint64(0), 0
			for n < 8 && in[n] >= '0' && in[n] <= '9' {
				want = want*10 + uint64(in[n]-'0')
				n++
			}
			got, gotN := fastDigits(sloadLE(in, 0))
			if gotN != n || n < 8 && got != want {
				t.Errorf("fastDigits(%q) = %d, %d digits; want %d, %d digits", in, got, gotN, want, n)
			}
		}
	}
	for c := 0; c < 256; c++ { // every byte right after a digit
		in := string([]byte{'3', byte(c), 'x', 'x', 'x', 'x', 'x', 'x'})
		_, n := fastDigits(sloadLE(in, 0))
		if want := 1 + btoi(c >= '0' && c <= '9'); n != want {
			t.Errorf("fastDigits(%q): %d digits, want %d", in, n, want)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
