package credential

import (
	"strings"
	"testing"
)

func TestSIRENAndSIRET(t *testing.T) {
	t.Parallel()
	n := 0
	for _, row := range readTSV(t, "siren_siret.tsv", 4) {
		kind, number, want, note := row[0], row[1], row[2] == "true", row[3]
		n++
		var got bool
		switch kind {
		case "siren":
			got = ValidSIREN(number)
		case "siret":
			got = ValidSIRET(number)
		default:
			t.Fatalf("bad kind %q", kind)
		}
		if got != want {
			t.Errorf("Valid%s(%q) = %v, want %v (%s)", strings.ToUpper(kind), number, got, want, note)
		}
	}
	if n < 20 {
		t.Fatalf("only %d cases read", n)
	}
}

func TestNormalizeSIRET(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"200 005 932", "200005932"},
		{"200\u00a0005\u00a0932\u202f00005", "20000593200005"},
		{" 200-005-932 ", "200005932"},
		{"sap 200 005 932", "SAP200005932"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeSIRET(tt.in); got != tt.want {
			t.Errorf("NormalizeSIRET(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if !ValidSIRET(NormalizeSIRET("200 005 932 00005")) {
		t.Error("normalized SIRET refused")
	}
	long := strings.Repeat(" 1", 100)
	if got := NormalizeSIRET(long); got != long {
		t.Error("oversized input was rewritten")
	}
}

func TestNAF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"88.10A", "88.10A", true},
		{"8810A", "88.10A", true},
		{"88.10a", "88.10A", true},
		{" 8810a ", "88.10A", true},
		{"01.11Z", "01.11Z", true},
		{"00.00Z", "", false},
		{"88.1A", "", false},
		{"8810", "", false},
		{"88.10", "", false},
		{"88,10A", "", false},
		{"88.10AB", "", false},
		{"88.10é", "", false},
		{"A8.10A", "", false},
		{"88.1OA", "", false},
		{"", "", false},
		{strings.Repeat("8", 1000), "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeNAF(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeNAF(%.20q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ValidNAF(tt.in) != tt.ok {
			t.Errorf("ValidNAF(%.20q) = %v, want %v", tt.in, !tt.ok, tt.ok)
		}
	}
}

func TestSAPNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"SAP200005932", true},
		{"SAP542051180", true},
		{"SAP200005933", false},
		{"SAP000000000", false},
		{"sap200005932", false},
		{"SAP 200 005 932", false},
		{"SAP20000593", false},
		{"SAP2000059320", false},
		{"SAS200005932", false},
		{"200005932", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidSAPNumber(tt.in); got != tt.want {
			t.Errorf("ValidSAPNumber(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if !ValidSAPNumber(NormalizeSIRET("sap 200 005 932")) {
		t.Error("normalized SAP number refused")
	}
}

func FuzzValidSIRET(f *testing.F) {
	for _, s := range []string{"20000593200005", "35600000000001", "00000000000000", "2000059320000X", "200 005 932 00005", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := ValidSIRET(s)
		if ok && (len(s) != 14 || !allDigits(s) || !ValidSIREN(s[:9])) {
			t.Fatalf("ValidSIRET(%q) = true for a malformed number", s)
		}
		if ok && s[:9] != sirenLaPoste && !luhn(s) {
			t.Fatalf("ValidSIRET(%q) = true without a Luhn key", s)
		}
		n := NormalizeSIRET(s)
		if ValidSIRET(n) && NormalizeSIRET(n) != n {
			t.Fatalf("NormalizeSIRET not idempotent on %q", s)
		}
		_ = ValidSIREN(s)
		_ = ValidNAF(s)
		_ = ValidSAPNumber(s)
	})
}
