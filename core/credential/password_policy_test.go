package credential

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"passphrase", "cheval agrafe pile correcte", nil},
		{"exactly 12 ASCII", "Tr0ub4dor&3x", nil},
		{"12 accented characters (more than 12 bytes)", "éàèùâêîôûçëï", nil},
		{"11 characters", "Tr0ub4dor&3", ErrPasswordShort},
		{"11 accented characters, 22 bytes", "éàèùâêîôûçë", ErrPasswordShort},
		{"empty", "", ErrPasswordShort},
		{"128 characters", strings.Repeat("ab", 64), nil},
		{"129 characters", strings.Repeat("ab", 64) + "c", ErrPasswordLong},
		{"huge", strings.Repeat("ab", 1<<20), ErrPasswordLong},
		{"invalid UTF-8", "abcdefghijkl\xff", ErrPasswordInvalid},
		{"one char repeated", "aaaaaaaaaaaaaaaa", ErrPasswordRepeat},
		{"one accented char repeated", "éééééééééééé", ErrPasswordRepeat},
		{"common", "azertyuiop123", ErrPasswordCommon},
		{"common, other case", "MotDePasse123", ErrPasswordCommon},
		{"common, surrounding spaces", "  123456789012 ", ErrPasswordCommon},
		{"common French phrase", "mon mot de passe", ErrPasswordCommon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckPassword(tt.pw); !errors.Is(err, tt.want) {
				t.Errorf("CheckPassword(%.20q) = %v, want %v", tt.pw, err, tt.want)
			}
		})
	}
}

func TestCommonPasswordsList(t *testing.T) {
	t.Parallel()
	if len(commonPasswords) < 50 {
		t.Fatalf("embedded list has %d entries, want at least 50", len(commonPasswords))
	}
	for pw := range commonPasswords {
		if pw != strings.ToLower(strings.TrimSpace(pw)) {
			t.Errorf("entry %q is not normalized", pw)
		}
	}
}

func TestPolicyMessagesAreFrenchAndActionable(t *testing.T) {
	t.Parallel()
	for _, err := range []error{ErrPasswordShort, ErrPasswordLong, ErrPasswordInvalid, ErrPasswordRepeat, ErrPasswordCommon} {
		msg := err.Error()
		if !strings.HasPrefix(msg, "mot de passe") {
			t.Errorf("%q does not start with \"mot de passe\"", msg)
		}
		if !strings.Contains(msg, "choisissez") && !strings.Contains(msg, "saisissez") && !strings.Contains(msg, "mélangez") {
			t.Errorf("%q does not say what to do", msg)
		}
	}
}
