package plugin

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestParseNowMatchesTimeParse holds the fast path of parseNow to
// time.Parse: same instant, same error or not, for valid and broken times.
func TestParseNowMatchesTimeParse(t *testing.T) {
	t.Parallel()
	cases := []string{
		"2026-11-27T10:00:00Z", "2026-11-27T10:00:00.5Z", "2026-11-27T10:00:00.123456789Z",
		"2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-12-31T23:59:59Z",
		"2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z",
		"2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2000-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2026-11-27T10:00:00.Z",
		"2026-11-27T10:00:00.1234567890Z", "2026-11-27t10:00:00Z", "2026-11-27T10:00:00z",
		"2026-11-27T10:00:00+01:00", "2026-11-27T10:00:00-00:00", "2026-11-27 10:00:00Z",
		"2026-1-27T10:00:00Z", "2026-11-27T10:00Z", "", "Z", "2026-11-27T1a:00:00Z", "２026-11-27T10:00:00Z",
		"2026-11-27T10:00:00,5Z",
	}
	for m := 1; m <= 12; m++ {
		for _, d := range []int{28, 29, 30, 31} {
			for _, y := range []int{2023, 2024, 2100} {
				cases = append(cases, fmt.Sprintf("%04d-%02d-%02dT12:34:56Z", y, m, d))
			}
		}
	}
	for _, s := range cases {
		want, wantErr := time.Parse(time.RFC3339Nano, s)
		got, err := parseNow(s)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("parseNow(%q) error %v, time.Parse error %v", s, err, wantErr)
			continue
		}
		if err == nil && !got.Equal(want) {
			t.Errorf("parseNow(%q) = %v, want %v", s, got, want)
		}
		if _, ok := parseUTC(s); ok && (wantErr != nil || want.Location() != time.UTC) {
			t.Errorf("parseUTC(%q) accepted what time.Parse gives as %v, %v", s, want, wantErr)
		}
	}
}

// TestClockMatchesParseNow feeds the clock a sequence of times that
// exercises its shortcuts (same string, same minute, other minute, other
// forms, errors) and checks every answer against parseNow.
func TestClockMatchesParseNow(t *testing.T) {
	t.Parallel()
	var k clock
	seq := []string{
		"2026-11-27T10:00:00Z", "2026-11-27T10:00:00Z", "2026-11-27T10:00:59Z", "2026-11-27T10:00:60Z",
		"2026-11-27T10:00:07Z", "2026-11-27T10:01:07Z", "2026-11-27T10:01:5xZ", "2026-11-27T10:01:08.5Z",
		"2026-11-27T10:01:09Z", "2026-11-27T10:01:09+01:00", "2026-11-27T10:01:10Z", "garbage",
		"2026-11-27T10:01:11Z", "2026-12-27T10:01:11Z", "2026-02-29T10:01:11Z", "2026-02-28T23:59:59Z",
	}
	for i, s := range seq {
		want, wantErr := parseNow(s)
		got, err := k.parse(strings.Clone(s)) // a new string each time, as the decoder makes
		if (err != nil) != (wantErr != nil) || err == nil && !got.Equal(want) {
			t.Errorf("step %d, %q: clock %v %v, parseNow %v %v", i, s, got, err, want, wantErr)
		}
		if err == nil {
			if again, _ := k.parse(k.text); !again.Equal(want) {
				t.Errorf("step %d, %q: the same string again gives %v", i, s, again)
			}
		}
	}
}

func TestTruncateKeepsRunes(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é", 10) // 20 bytes
	for n := 0; n <= 21; n++ {
		got := truncate(s, n)
		if len(got) > n || len(got) < n-1 || !strings.HasPrefix(s, got) || strings.ContainsRune(got, '\uFFFD') {
			t.Errorf("truncate(%d) = %q", n, got)
		}
	}
}
