package credential

import (
	"strings"
	"testing"
)

func TestNewSessionID(t *testing.T) {
	t.Parallel()
	a, ha, err := NewSessionID()
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := NewSessionID()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two session IDs are equal")
	}
	if len(a) != 43 || !ValidSessionID(a) || ha != HashToken(a) {
		t.Errorf("session ID %q / hash %q have the wrong shape", a, ha)
	}
	for _, bad := range []string{"", a[:42], a + "A", strings.Repeat("A", 42) + "B", "cmp_reset_" + a, strings.Repeat("A", 1<<16)} {
		if ValidSessionID(bad) {
			t.Errorf("ValidSessionID(%.50q) = true", bad)
		}
	}
}

func TestCSRFToken(t *testing.T) {
	t.Parallel()
	secret := []byte(strings.Repeat("s", 32))
	other := []byte(strings.Repeat("t", 32))
	tok := NewCSRFToken(secret, "session-a")
	if tok == "" || len(tok) != 43 {
		t.Fatalf("NewCSRFToken = %q", tok)
	}
	if tok != NewCSRFToken(secret, "session-a") {
		t.Error("CSRF token is not stable for one session")
	}
	tests := []struct {
		name      string
		secret    []byte
		sessionID string
		token     string
		want      bool
	}{
		{"own session", secret, "session-a", tok, true},
		{"other session", secret, "session-b", tok, false},
		{"session ID prefix", secret, "session-", tok, false},
		{"other secret", other, "session-a", tok, false},
		{"short secret", secret[:31], "session-a", tok, false},
		{"nil secret", nil, "session-a", tok, false},
		{"empty session", secret, "", NewCSRFToken(secret, ""), false},
		{"empty token", secret, "session-a", "", false},
		{"truncated token", secret, "session-a", tok[:42], false},
		{"extended token", secret, "session-a", tok + "A", false},
		{"padded token", secret, "session-a", tok + "=", false},
		{"flipped char", secret, "session-a", flip(tok), false},
		{"oversized token", secret, "session-a", strings.Repeat(tok, 1000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifyCSRFToken(tt.secret, tt.sessionID, tt.token); got != tt.want {
				t.Errorf("VerifyCSRFToken = %v, want %v", got, tt.want)
			}
		})
	}
	if NewCSRFToken(secret[:31], "session-a") != "" {
		t.Error("NewCSRFToken accepted a short secret")
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}
