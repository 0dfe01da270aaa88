package account_test

import (
	"testing"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// BenchmarkLoginFailure compares, with the production argon2id parameters,
// a wrong password for a known email with an unknown email: the two must
// cost the same (account enumeration by timing). Throttling is set out of
// the way. Run with -benchtime=50x; compare the two ns/op of the same run.
func BenchmarkLoginFailure(b *testing.B) {
	for _, tt := range []struct{ name, email string }{
		{"known-email-wrong-password", "known@exemple.fr"},
		{"unknown-email", "unknown@exemple.fr"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			e := newBenchEnv(b)
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.svc.Login(b.Context(), tt.email, "pas le bon mot de passe", "192.0.2.1"); err == nil {
					b.Fatal("login succeeded")
				}
			}
		})
	}
}

func newBenchEnv(b *testing.B) *env {
	b.Helper()
	e := newEnv(b, storetest.New(b, "sqlite"), account.Options{Params: credential.OWASPParams,
		Throttle: account.Throttle{EmailFailures: 1 << 30, AddressFailures: 1 << 30}})
	if _, err := e.svc.SignUp(b.Context(), resident("known@exemple.fr")); err != nil {
		b.Fatal(err)
	}
	return e
}
