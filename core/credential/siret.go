package credential

import (
	"strings"
)

// sirenLaPoste is the SIREN of La Poste, whose establishments' SIRETs follow
// their own rule (the digit sum is a multiple of 5) instead of the Luhn key.
const sirenLaPoste = "356000000"

// NormalizeSIRET removes the spaces (including the non-breaking and narrow
// non-breaking spaces of French typography), tabs, dots and hyphens people
// type inside a SIREN, SIRET or SAP number, and upper-cases ASCII letters. It
// does not validate: pass its result to ValidSIREN, ValidSIRET or
// ValidSAPNumber. Input longer than 64 bytes is returned unchanged, and will
// then fail validation.
func NormalizeSIRET(s string) string {
	if len(s) > 64 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case ' ', '\t', '\u00a0', '\u202f', '.', '-':
			continue
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ValidSIREN reports whether s is exactly 9 ASCII digits whose Luhn key is
// right, the form INSEE gives a SIREN. "000000000" is refused. Spaces are not
// accepted: normalize with NormalizeSIRET first. The check says nothing of
// whether the company exists or is active.
func ValidSIREN(s string) bool {
	return len(s) == 9 && allDigits(s) && s != "000000000" && luhn(s)
}

// ValidSIRET reports whether s is exactly 14 ASCII digits forming a valid
// SIRET: its SIREN (first 9 digits) is valid and the 14 digits pass the Luhn
// check — except for La Poste (SIREN 356000000), whose establishments are
// valid when the sum of the 14 digits is a multiple of 5. Spaces are not
// accepted: normalize with NormalizeSIRET first.
func ValidSIRET(s string) bool {
	if len(s) != 14 || !allDigits(s) || !ValidSIREN(s[:9]) {
		return false
	}
	if s[:9] == sirenLaPoste {
		sum := 0
		for i := 0; i < len(s); i++ {
			sum += int(s[i] - '0')
		}
		if sum%5 == 0 {
			return true
		}
	}
	return luhn(s)
}

// NormalizeNAF returns the NAF/APE code s in the form "NN.NNL" (two digits, a
// dot, two digits, an upper-case letter) and true, accepting it with or
// without the dot, with a lower-case letter and surrounding spaces ("8810a" →
// "88.10A"). It checks the format only, not that the code exists in the
// nomenclature; division "00" is refused. It returns "", false otherwise.
func NormalizeNAF(s string) (string, bool) {
	if len(s) > 16 {
		return "", false
	}
	s = strings.TrimSpace(s)
	if len(s) == 5 {
		s = s[:2] + "." + s[2:]
	}
	if len(s) != 6 || s[2] != '.' || !allDigits(s[:2]) || !allDigits(s[3:5]) || s[:2] == "00" {
		return "", false
	}
	l := s[5]
	if l >= 'a' && l <= 'z' {
		l -= 'a' - 'A'
	}
	if l < 'A' || l > 'Z' {
		return "", false
	}
	return s[:5] + string(l), true
}

// ValidNAF reports whether s is a NAF/APE code in one of the forms
// NormalizeNAF accepts; store NormalizeNAF's result.
func ValidNAF(s string) bool {
	_, ok := NormalizeNAF(s)
	return ok
}

// ValidSAPNumber reports whether s is a services-à-la-personne declaration
// number as URSSAF (NOVA) issues it: "SAP" followed by the 9 digits of a valid
// SIREN, e.g. "SAP200005932". Spaces and lower case are not accepted:
// normalize with NormalizeSIRET first. The check says nothing of whether the
// declaration is current.
func ValidSAPNumber(s string) bool {
	return len(s) == 12 && s[:3] == "SAP" && ValidSIREN(s[3:])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// luhn reports whether the ASCII digits of s pass the Luhn check.
func luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
