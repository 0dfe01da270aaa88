package credential

import (
	"crypto/sha256"
	"testing"
)

const benchPassword = "cheval agrafe pile correcte"

// BenchmarkHashOWASP is the cost a login pays (one argon2id derivation with
// OWASPParams); compare with BenchmarkSHA256 of the same input in the same run.
func BenchmarkHashOWASP(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Hash(benchPassword, OWASPParams); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
}

// BenchmarkVerifyOWASP is Verify of a matching password with OWASPParams.
func BenchmarkVerifyOWASP(b *testing.B) {
	h, err := Hash(benchPassword, OWASPParams)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := Verify(benchPassword, h, OWASPParams); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
}

// BenchmarkSHA256 is the baseline: one SHA-256 of the same password.
func BenchmarkSHA256(b *testing.B) {
	b.ReportAllocs()
	in := []byte(benchPassword)
	for b.Loop() {
		sum := sha256.Sum256(in)
		_ = sum
	}
}

// BenchmarkVerifyToken is the check an email-verification or reset link pays
// before its lookup: shape, purpose and hash.
func BenchmarkVerifyToken(b *testing.B) {
	plain, hash, err := NewToken("reset")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		got, err := CheckToken(plain, "reset")
		if err != nil || got != hash {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyCSRFToken is the check every state-changing request pays.
func BenchmarkVerifyCSRFToken(b *testing.B) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	tok := NewCSRFToken(secret, "session")
	b.ReportAllocs()
	for b.Loop() {
		if !VerifyCSRFToken(secret, "session", tok) {
			b.Fatal("refused")
		}
	}
}
