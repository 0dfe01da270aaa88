package credential

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var tokenShape = regexp.MustCompile(`^cmp_[a-z]{2,12}_[A-Za-z0-9_-]{43}$`)

func TestNewToken(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, purpose := range []string{"verify", "reset", "api", "ab", "abcdefghijkl"} {
		plain, hash, err := NewToken(purpose)
		if err != nil {
			t.Fatalf("NewToken(%q): %v", purpose, err)
		}
		if !tokenShape.MatchString(plain) || !strings.HasPrefix(plain, "cmp_"+purpose+"_") {
			t.Errorf("NewToken(%q) plain %q has the wrong shape", purpose, plain)
		}
		if len(hash) != 64 || hash != HashToken(plain) {
			t.Errorf("NewToken(%q) hash %q is not HashToken(plain)", purpose, hash)
		}
		if seen[plain] {
			t.Errorf("token %q issued twice", plain)
		}
		seen[plain] = true
		got, err := ParseToken(plain)
		if err != nil || got != purpose {
			t.Errorf("ParseToken(%q) = %q, %v; want %q", plain, got, err, purpose)
		}
	}
	for _, purpose := range []string{"", "a", "Reset", "re_set", "reset1", "abcdefghijklm", "réinit"} {
		if _, _, err := NewToken(purpose); !errors.Is(err, ErrTokenPurpose) {
			t.Errorf("NewToken(%q) error = %v, want ErrTokenPurpose", purpose, err)
		}
	}
}

func TestHashTokenStable(t *testing.T) {
	t.Parallel()
	// SHA-256("abc"), FIPS 180-2 test vector.
	if got := HashToken("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("HashToken(abc) = %s", got)
	}
	plain := "cmp_reset_" + strings.Repeat("A", 43)
	if HashToken(plain) != HashToken(plain) {
		t.Error("HashToken is not deterministic")
	}
}

func TestParseTokenRefuses(t *testing.T) {
	t.Parallel()
	good := "cmp_reset_" + strings.Repeat("A", 42) + "E" // canonical: last char carries 2 zero bits
	if _, err := ParseToken(good); err != nil {
		t.Fatalf("ParseToken(good) = %v", err)
	}
	tests := []struct{ name, plain string }{
		{"empty", ""},
		{"no prefix", "xxx_reset_" + strings.Repeat("A", 43)},
		{"upper prefix", "CMP_reset_" + strings.Repeat("A", 43)},
		{"purpose upper", "cmp_Reset_" + strings.Repeat("A", 43)},
		{"purpose too short", "cmp_r_" + strings.Repeat("A", 43)},
		{"purpose too long", "cmp_abcdefghijklm_" + strings.Repeat("A", 43)},
		{"random too short", "cmp_reset_" + strings.Repeat("A", 42)},
		{"random too long", "cmp_reset_" + strings.Repeat("A", 44)},
		{"std base64 char", "cmp_reset_" + strings.Repeat("A", 42) + "+"},
		{"padding", "cmp_reset_" + strings.Repeat("A", 41) + "=="},
		{"non-canonical last char", "cmp_reset_" + strings.Repeat("A", 42) + "B"},
		{"space", "cmp_reset_" + strings.Repeat("A", 42) + " "},
		{"oversized", "cmp_reset_" + strings.Repeat("A", 10000)},
		{"session id alone", strings.Repeat("A", 43)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := ParseToken(tt.plain); !errors.Is(err, ErrMalformedToken) {
				t.Errorf("ParseToken(%.60q) = %q, %v; want ErrMalformedToken", tt.plain, p, err)
			}
		})
	}
}

func TestCheckToken(t *testing.T) {
	t.Parallel()
	plain, hash, err := NewToken("reset")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, plain, purpose string
		want                 error
	}{
		{"right purpose", plain, "reset", nil},
		{"purpose mismatch", plain, "verify", ErrWrongPurpose},
		{"malformed", plain[:len(plain)-1], "reset", ErrMalformedToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckToken(tt.plain, tt.purpose)
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckToken error = %v, want %v", err, tt.want)
			}
			if tt.want == nil && got != hash {
				t.Errorf("CheckToken hash = %s, want %s", got, hash)
			}
			if tt.want != nil && got != "" {
				t.Errorf("CheckToken returned hash %q with an error", got)
			}
		})
	}
}
