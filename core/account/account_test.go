package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/schema"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

func code(err error) string {
	if err == nil {
		return ""
	}
	return apperr.As(err).Code
}

// TestSignUpVerifyLogin is the path of a new resident of Picardie Verte:
// sign up in Songeons, verify once, log in.
func TestSignUpVerifyLogin(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		res, err := e.svc.SignUp(ctx(t), resident(" Marie.Dupont@Exemple.FR "))
		if err != nil {
			t.Fatalf("sign up: %v", err)
		}
		if !strings.Contains(res.Message, "courriel") {
			t.Errorf("sign-up message = %q", res.Message)
		}
		const addr = "marie.dupont@exemple.fr"
		if n := e.count(t, "outbox"); n != 1 {
			t.Fatalf("outbox has %d messages, want 1", n)
		}
		token := e.lastToken(t, addr)
		if _, err := e.svc.Login(ctx(t), addr, goodPassword, "192.0.2.1:5555"); code(err) != "email_not_verified" {
			t.Errorf("login before verification: %v", err)
		}
		a, err := e.svc.Verify(ctx(t), token)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		pv, err := e.terrs.Lookup(ctx(t), "picardie-verte", false)
		if err != nil {
			t.Fatal(err)
		}
		songeons := loadRef(t).SearchName("Songeons", 1)[0]
		if a.TerritoryID != pv.ID || a.Commune != songeons.INSEE || !a.Verified() || !a.Resident || a.Professional || a.Staff {
			t.Errorf("account = %+v, want a verified resident of Songeons in picardie-verte", a)
		}
		if _, err := e.svc.Verify(ctx(t), token); code(err) != "token_invalid" {
			t.Errorf("second use of the verification token: %v", err)
		}
		s, err := e.svc.Login(ctx(t), "MARIE.DUPONT@exemple.fr", goodPassword, "192.0.2.1:5555")
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		got, err := e.svc.Session(ctx(t), s.ID)
		if err != nil || got.Account.ID != a.ID {
			t.Fatalf("session = %+v, %v", got, err)
		}
	})
}

func TestVerifyTokenExpiresAndRefusesOthers(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{VerifyTTL: time.Hour})
		if _, err := e.svc.SignUp(ctx(t), resident("late@exemple.fr")); err != nil {
			t.Fatal(err)
		}
		token := e.lastToken(t, "late@exemple.fr")
		e.clk.Add(time.Hour)
		other, _, _ := credential.NewToken("verify")
		reset, _, _ := credential.NewToken("reset")
		for name, tok := range map[string]string{"expired": token, "unknown": other, "wrong purpose": reset, "malformed": "abc", "empty": ""} {
			if _, err := e.svc.Verify(ctx(t), tok); code(err) != "token_invalid" || apperr.KindOf(err) != apperr.KindInvalid {
				t.Errorf("%s token: %v", name, err)
			}
		}
	})
}

func TestLoginFailuresLookAlike(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		e.signUpVerified(t, "known@exemple.fr")
		var msgs []string
		for _, tt := range []struct{ name, email, password string }{
			{"wrong password", "known@exemple.fr", "pas le bon mot de passe"},
			{"unknown email", "unknown@exemple.fr", goodPassword},
			{"malformed email", "not an email", goodPassword},
			{"huge password", "known@exemple.fr", strings.Repeat("x", credential.MaxVerifyPasswordBytes+1)},
		} {
			_, err := e.svc.Login(ctx(t), tt.email, tt.password, "192.0.2.7")
			if code(err) != "login_failed" || apperr.KindOf(err) != apperr.KindUnauthenticated {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			msgs = append(msgs, apperr.As(err).Message)
		}
		for _, m := range msgs[1:] {
			if m != msgs[0] {
				t.Errorf("messages differ: %q vs %q", m, msgs[0])
			}
		}
	})
}

// TestSessionFixationAndLogout: every login gets a new session ID; logout
// closes one session, LogoutEverywhere all of them.
func TestSessionFixationAndLogout(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		a := e.signUpVerified(t, "fix@exemple.fr")
		var ids []string
		for range 3 {
			s, err := e.svc.Login(ctx(t), "fix@exemple.fr", goodPassword, "192.0.2.2")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
		}
		if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
			t.Fatalf("session IDs repeat across logins: %v", ids)
		}
		if err := e.svc.Logout(ctx(t), ids[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Session(ctx(t), ids[0]); code(err) != "session_invalid" {
			t.Errorf("session after logout: %v", err)
		}
		if _, err := e.svc.Session(ctx(t), ids[1]); err != nil {
			t.Errorf("other session after logout of one: %v", err)
		}
		if err := e.svc.LogoutEverywhere(ctx(t), a.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if _, err := e.svc.Session(ctx(t), id); code(err) != "session_invalid" {
				t.Errorf("session after LogoutEverywhere: %v", err)
			}
		}
		for _, bad := range []string{"", "x", strings.Repeat("A", 43), strings.Repeat("é", 100)} {
			if _, err := e.svc.Session(ctx(t), bad); code(err) != "session_invalid" {
				t.Errorf("session %q: %v", bad, err)
			}
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{SessionIdle: 30 * time.Minute, SessionAbsolute: 2 * time.Hour})
		e.signUpVerified(t, "exp@exemple.fr")
		login := func() string {
			s, err := e.svc.Login(ctx(t), "exp@exemple.fr", goodPassword, "192.0.2.3")
			if err != nil {
				t.Fatal(err)
			}
			return s.ID
		}
		// Idle: unused for 30 minutes.
		idle := login()
		e.clk.Add(30 * time.Second)
		s, err := e.svc.Session(ctx(t), idle)
		if err != nil {
			t.Fatal(err)
		}
		if !s.LastSeenAt.Equal(s.CreatedAt) {
			t.Errorf("last_seen_at moved after 30 s (at most once a minute): %v", s.LastSeenAt)
		}
		e.clk.Add(30 * time.Second)
		if s, err = e.svc.Session(ctx(t), idle); err != nil || s.LastSeenAt.Equal(s.CreatedAt) {
			t.Fatalf("last_seen_at not moved after a minute: %+v, %v", s, err)
		}
		e.clk.Add(29*time.Minute + 59*time.Second)
		if _, err := e.svc.Session(ctx(t), idle); err != nil {
			t.Fatalf("session used within the idle limit: %v", err)
		}
		e.clk.Add(30 * time.Minute)
		if _, err := e.svc.Session(ctx(t), idle); code(err) != "session_invalid" {
			t.Errorf("idle session: %v", err)
		}
		// Absolute: used every 20 minutes, still ends 2 hours after login.
		abs := login()
		for range 5 {
			e.clk.Add(20 * time.Minute)
			if _, err := e.svc.Session(ctx(t), abs); err != nil {
				t.Fatalf("active session: %v", err)
			}
		}
		e.clk.Add(20 * time.Minute)
		if _, err := e.svc.Session(ctx(t), abs); code(err) != "session_invalid" {
			t.Errorf("session past its absolute expiry: %v", err)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{Throttle: account.Throttle{EmailFailures: 3, AddressFailures: 5, Window: 10 * time.Minute, Lockout: 15 * time.Minute}})
		e.signUpVerified(t, "victim@exemple.fr")
		for _, email := range []string{"victim@exemple.fr", "nobody@exemple.fr"} {
			for i := range 3 {
				addr := "198.51.100." + string(rune('1'+i)) // different addresses: only the email counts
				if _, err := e.svc.Login(ctx(t), email, "mauvais mot de passe", addr); code(err) != "login_failed" {
					t.Fatalf("%s failure %d: %v", email, i, err)
				}
			}
			_, err := e.svc.Login(ctx(t), email, goodPassword, "198.51.100.9")
			wait, ok := account.RetryAfter(err)
			if code(err) != "login_throttled" || apperr.KindOf(err) != apperr.KindRateLimited || !ok || wait != 15*time.Minute {
				t.Errorf("%s after 3 failures: %v (retry after %v)", email, err, wait)
			}
			if !strings.Contains(apperr.As(err).Message, "réessayez dans 15 minute") {
				t.Errorf("throttle message = %q", apperr.As(err).Message)
			}
		}
		e.clk.Add(15 * time.Minute)
		if _, err := e.svc.Login(ctx(t), "victim@exemple.fr", goodPassword, "198.51.100.9"); err != nil {
			t.Errorf("login after the lockout: %v", err)
		}
		// Per address: 5 failures on 5 emails from one address lock the address.
		for i := range 5 {
			email := "spray" + string(rune('a'+i)) + "@exemple.fr"
			if _, err := e.svc.Login(ctx(t), email, "mauvais mot de passe", "[2001:db8:1:2::1]:443"); code(err) != "login_failed" {
				t.Fatalf("spray %d: %v", i, err)
			}
		}
		// Same /64, another host.
		if _, err := e.svc.Login(ctx(t), "victim@exemple.fr", goodPassword, "[2001:db8:1:2::99]:443"); code(err) != "login_throttled" {
			t.Errorf("login from a locked address: %v", err)
		}
		if _, err := e.svc.Login(ctx(t), "victim@exemple.fr", goodPassword, "203.0.113.5"); err != nil {
			t.Errorf("login from another address: %v", err)
		}
	})
}

// TestDuplicateEmailNeutral: signing up with a registered address answers
// exactly as a new sign-up, creates nothing, and warns the owner.
func TestDuplicateEmailNeutral(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		first, err := e.svc.SignUp(ctx(t), resident("dup@exemple.fr"))
		if err != nil {
			t.Fatal(err)
		}
		in := resident("DUP@exemple.fr")
		in.Commune = "La Ferté-Saint-Aubin"
		second, err := e.svc.SignUp(ctx(t), in)
		if err != nil {
			t.Fatalf("duplicate sign-up: %v", err)
		}
		if *first != *second {
			t.Errorf("answers differ: %+v vs %+v", first, second)
		}
		if n := e.count(t, "accounts"); n != 1 {
			t.Errorf("%d accounts, want 1", n)
		}
		if n := e.count(t, "account_tokens"); n != 1 {
			t.Errorf("%d tokens, want 1", n)
		}
		// A third attempt within the hour sends no second warning; one later does.
		if _, err := e.svc.SignUp(ctx(t), in); err != nil {
			t.Fatal(err)
		}
		ms, err := e.svc.Outbox(ctx(t), "dup@exemple.fr", 10)
		if err != nil || len(ms) != 2 || !strings.Contains(ms[0].Subject, "tentative d'inscription") || tokenInBody.MatchString(ms[0].Body) {
			t.Errorf("outbox = %+v, %v; want the verification email then one warning without a token", ms, err)
		}
		e.clk.Add(time.Hour + time.Second)
		if _, err := e.svc.SignUp(ctx(t), in); err != nil {
			t.Fatal(err)
		}
		if ms, _ := e.svc.Outbox(ctx(t), "dup@exemple.fr", 10); len(ms) != 3 {
			t.Errorf("%d emails after a sign-up attempt an hour later, want 3", len(ms))
		}
	})
}

// TestSignUpRefusals: every problem reported at once, and nothing written.
func TestSignUpRefusals(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		goodPro := &account.ProfessionalInput{CompanyName: "Aide à domicile du Bray", SIRET: "200 005 932 00005", NAF: "8810a", SAPNumber: "SAP200005932"}
		tests := []struct {
			name   string
			in     account.SignUpInput
			fields []string
		}{
			{"all bad professional fields", account.SignUpInput{Email: "pro@@exemple", Password: "court", DisplayName: " ", Commune: "Songeons",
				Professional: &account.ProfessionalInput{CompanyName: "", SIRET: "20000593200006", NAF: "8810", SAPNumber: "SAP123"}},
				[]string{"email", "password", "display_name", "professional.company_name", "professional.siret", "professional.naf", "professional.sap_number"}},
			{"common password", account.SignUpInput{Email: "a@exemple.fr", Password: "motdepasse123", DisplayName: "A", Commune: "songeons"}, []string{"password"}},
			{"unknown commune", account.SignUpInput{Email: "a@exemple.fr", Password: goodPassword, DisplayName: "A", Commune: "Atlantide-sur-Mer"}, []string{"commune"}},
			{"commune outside any territory", account.SignUpInput{Email: "a@exemple.fr", Password: goodPassword, DisplayName: "A", Commune: "Vierzon"}, []string{"commune"}},
			{"bad SIRET and commune outside any territory", account.SignUpInput{Email: "a@exemple.fr", Password: goodPassword, DisplayName: "A", Commune: "Vierzon",
				Professional: &account.ProfessionalInput{CompanyName: "X", SIRET: "123", NAF: "88.10A"}}, []string{"professional.siret", "commune"}},
			{"ambiguous commune name", account.SignUpInput{Email: "a@exemple.fr", Password: goodPassword, DisplayName: "A", Commune: "Saint-Martin"}, []string{"commune"}},
			{"missing commune", account.SignUpInput{Email: "a@exemple.fr", Password: goodPassword, DisplayName: "A", Professional: goodPro}, []string{"commune"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.svc.SignUp(ctx(t), tt.in)
				if code(err) != "signup_invalid" || apperr.KindOf(err) != apperr.KindInvalid {
					t.Fatalf("err = %v", err)
				}
				var ps account.Problems
				if !errors.As(err, &ps) {
					t.Fatalf("no Problems in %v", err)
				}
				var got []string
				for _, p := range ps {
					got = append(got, p.Field)
					if p.Message == "" || p.MessageEN == "" {
						t.Errorf("problem %s lacks a message", p.Field)
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
					t.Errorf("fields = %v, want %v (%v)", got, tt.fields, err)
				}
			})
		}
		for _, table := range []string{"accounts", "account_tokens", "outbox"} {
			if n := e.count(t, table); n != 0 {
				t.Errorf("%s has %d rows after refused sign-ups", table, n)
			}
		}
		pro := resident("pro@exemple.fr")
		pro.Commune = loadRef(t).SearchName("ferte st aubin", 1)[0].INSEE // Portes de Sologne
		pro.Professional = goodPro
		if _, err := e.svc.SignUp(ctx(t), pro); err != nil {
			t.Fatalf("professional sign-up: %v", err)
		}
		a, err := e.svc.Verify(ctx(t), e.lastToken(t, "pro@exemple.fr"))
		if err != nil {
			t.Fatal(err)
		}
		pds, _ := e.terrs.Lookup(ctx(t), "portes-de-sologne", false)
		if !a.Professional || !a.Resident || a.TerritoryID != pds.ID || *a.SIRET != "20000593200005" || *a.NAF != "88.10A" || *a.SAPNumber != "SAP200005932" {
			t.Errorf("professional account = %+v", a)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		e.signUpVerified(t, "forgot@exemple.fr")
		s, err := e.svc.Login(ctx(t), "forgot@exemple.fr", goodPassword, "192.0.2.4")
		if err != nil {
			t.Fatal(err)
		}
		before := e.count(t, "outbox")
		unknown, err := e.svc.RequestPasswordReset(ctx(t), "nobody@exemple.fr")
		if err != nil || e.count(t, "outbox") != before {
			t.Fatalf("reset for an unknown address: %v, outbox %d → %d", err, before, e.count(t, "outbox"))
		}
		known, err := e.svc.RequestPasswordReset(ctx(t), "Forgot@exemple.fr")
		if err != nil || *known != *unknown {
			t.Fatalf("reset answers differ: %+v vs %+v (%v)", known, unknown, err)
		}
		token := e.lastToken(t, "forgot@exemple.fr")
		if err := e.svc.ResetPassword(ctx(t), token, "court"); code(err) != "password_invalid" {
			t.Errorf("weak new password: %v", err)
		}
		const newPassword = "une autre phrase bien longue"
		if err := e.svc.ResetPassword(ctx(t), token, newPassword); err != nil {
			t.Fatalf("reset: %v", err)
		}
		if err := e.svc.ResetPassword(ctx(t), token, newPassword); code(err) != "token_invalid" {
			t.Errorf("second use of the reset token: %v", err)
		}
		if _, err := e.svc.Session(ctx(t), s.ID); code(err) != "session_invalid" {
			t.Errorf("session survived the reset: %v", err)
		}
		if _, err := e.svc.Login(ctx(t), "forgot@exemple.fr", goodPassword, "192.0.2.4"); code(err) != "login_failed" {
			t.Errorf("old password: %v", err)
		}
		if _, err := e.svc.Login(ctx(t), "forgot@exemple.fr", newPassword, "192.0.2.4"); err != nil {
			t.Errorf("new password: %v", err)
		}
		ms, _ := e.svc.Outbox(ctx(t), "forgot@exemple.fr", 1)
		if len(ms) != 1 || !strings.Contains(ms[0].Subject, "a changé") {
			t.Errorf("no password-changed email: %+v", ms)
		}
	})
}

func TestRehashOnLogin(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		a := e.signUpVerified(t, "old@exemple.fr")
		stronger := testParams
		stronger.Iterations = 2
		svc2 := account.NewService(e.st, loadRef(t), account.Options{Params: stronger, Now: e.clk.Now})
		if _, err := svc2.Login(ctx(t), "old@exemple.fr", goodPassword, "192.0.2.5"); err != nil {
			t.Fatal(err)
		}
		var hash string
		if err := e.st.DB().NewSelect().Table("accounts").Column("password_hash").Where("id = ?", a.ID).Scan(ctx(t), &hash); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(hash, "t=2") {
			t.Errorf("hash not upgraded: %s", hash)
		}
		if _, err := svc2.Login(ctx(t), "old@exemple.fr", goodPassword, "192.0.2.5"); err != nil {
			t.Errorf("login with the rehashed password: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		a := e.signUpVerified(t, "integ@exemple.fr")
		b := e.signUpVerified(t, "other@exemple.fr")
		plain, tok, err := e.svc.CreateAPIToken(ctx(t), a.ID, "territory:read", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := e.st.DB().NewSelect().Table("account_tokens").Where("hash = ?", plain).Count(ctx(t))
		if stored != 0 || tok.ID == plain {
			t.Error("plain API token stored")
		}
		got, err := e.svc.AuthenticateAPIToken(ctx(t), plain)
		if err != nil || got.AccountID != a.ID || got.Scope != "territory:read" {
			t.Fatalf("authenticate = %+v, %v", got, err)
		}
		for _, bad := range []struct {
			scope string
			ttl   time.Duration
		}{{"", time.Hour}, {"Tout Faire", time.Hour}, {"x", time.Second}, {"x", 400 * 24 * time.Hour}} {
			if _, _, err := e.svc.CreateAPIToken(ctx(t), a.ID, bad.scope, bad.ttl); apperr.KindOf(err) != apperr.KindInvalid {
				t.Errorf("CreateAPIToken(%q, %v): %v", bad.scope, bad.ttl, err)
			}
		}
		if err := e.svc.RevokeAPIToken(ctx(t), b.ID, tok.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("revoke by another account: %v", err)
		}
		if err := e.svc.RevokeAPIToken(ctx(t), a.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuthenticateAPIToken(ctx(t), plain); code(err) != "api_token_invalid" {
			t.Errorf("revoked token: %v", err)
		}
		short, _, err := e.svc.CreateAPIToken(ctx(t), a.ID, "rules:write", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.clk.Add(time.Hour)
		if _, err := e.svc.AuthenticateAPIToken(ctx(t), short); code(err) != "api_token_invalid" {
			t.Errorf("expired token: %v", err)
		}
		verify, _, _ := credential.NewToken("verify")
		for _, bad := range []string{"", "cmp_api_x", verify} {
			if _, err := e.svc.AuthenticateAPIToken(ctx(t), bad); code(err) != "api_token_invalid" {
				t.Errorf("token %q: %v", bad, err)
			}
		}
	})
}

// TestNoPartialWrite breaks the last insert of the sign-up transaction (the
// outbox) and checks that the account and its token were rolled back.
func TestNoPartialWrite(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		err := e.st.WriteTx(ctx(t), func(c context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(c, "DROP TABLE outbox")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SignUp(ctx(t), resident("half@exemple.fr")); err == nil {
			t.Fatal("sign-up succeeded without an outbox")
		}
		for _, table := range []string{"accounts", "account_tokens"} {
			if n := e.count(t, table); n != 0 {
				t.Errorf("%s has %d rows after a failed sign-up", table, n)
			}
		}
	})
}

// TestMigrationDown rolls the accounts migration back and applies it again.
func TestMigrationDown(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		e.signUpVerified(t, "down@exemple.fr")
		ms, err := store.LoadMigrations(schema.Migrations())
		if err != nil {
			t.Fatal(err)
		}
		m := store.NewMigrator(e.st, ms)
		for m.Latest() > 5 { // later migrations of other packages first
			if _, err := m.Down(ctx(t)); err != nil {
				t.Fatal(err)
			}
			ms = ms[:len(ms)-1]
			m = store.NewMigrator(e.st, ms)
		}
		got, err := m.Down(ctx(t))
		if err != nil || got.Version != 5 {
			t.Fatalf("down = %+v, %v", got, err)
		}
		if _, err := m.Up(ctx(t)); err != nil {
			t.Fatalf("up again: %v", err)
		}
		if n := e.count(t, "accounts"); n != 0 {
			t.Errorf("accounts has %d rows after down and up", n)
		}
	})
}

func TestPurge(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{SessionIdle: time.Hour, SessionAbsolute: 24 * time.Hour})
		e.signUpVerified(t, "kept@exemple.fr")
		if _, err := e.svc.SignUp(ctx(t), resident("never@exemple.fr")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Login(ctx(t), "kept@exemple.fr", goodPassword, "192.0.2.8"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Login(ctx(t), "kept@exemple.fr", "mauvais mot de passe", "192.0.2.8"); code(err) != "login_failed" {
			t.Fatal(err)
		}
		msgs, _ := e.svc.Pending(ctx(t), 10)
		for _, m := range msgs {
			if err := e.svc.MarkSent(ctx(t), m.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		if p, err := e.svc.Purge(ctx(t)); err != nil || p != (account.Purged{}) {
			t.Fatalf("purge of fresh rows = %+v, %v", p, err)
		}
		e.clk.Add(8 * 24 * time.Hour)
		p, err := e.svc.Purge(ctx(t))
		if err != nil || p.Accounts != 1 || p.Throttle != 2 || p.Sessions != 0 || p.Outbox != 0 {
			t.Fatalf("purge after 8 days = %+v, %v", p, err)
		}
		e.clk.Add(30 * 24 * time.Hour)
		p, err = e.svc.Purge(ctx(t))
		if err != nil || p.Accounts != 0 || p.Tokens != 1 || p.Sessions != 1 || p.Outbox != 2 {
			t.Fatalf("purge after 38 days = %+v, %v", p, err)
		}
		if n := e.count(t, "accounts"); n != 1 {
			t.Errorf("%d accounts left, want the verified one", n)
		}
	})
}

// TestOutboxAttemptsAndRetention: a message that failed MaxSendAttempts
// times is no longer pending but can still be read; unsent messages are
// purged with the sent ones after SpentRetention.
func TestOutboxAttemptsAndRetention(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		if _, err := e.svc.SignUp(ctx(t), resident("echec@exemple.fr")); err != nil {
			t.Fatal(err)
		}
		msgs, err := e.svc.Pending(ctx(t), 10)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("Pending = %v, %v", msgs, err)
		}
		id := msgs[0].ID
		for i := 0; i < account.MaxSendAttempts; i++ {
			if err := e.svc.MarkSent(ctx(t), id, false); err != nil {
				t.Fatal(err)
			}
		}
		if msgs, err := e.svc.Pending(ctx(t), 10); err != nil || len(msgs) != 0 {
			t.Errorf("an abandoned message is still pending: %v, %v", msgs, err)
		}
		m, err := e.svc.Message(ctx(t), id)
		if err != nil || m.Attempts != account.MaxSendAttempts || m.SentAt != nil {
			t.Errorf("Message = %+v, %v", m, err)
		}
		if _, err := e.svc.Message(ctx(t), "inconnu"); code(err) != "message_not_found" {
			t.Errorf("unknown message: %v", err)
		}
		e.clk.Add(31 * 24 * time.Hour)
		if p, err := e.svc.Purge(ctx(t)); err != nil || p.Outbox != 1 {
			t.Errorf("purge of an old unsent message = %+v, %v", p, err)
		}
	})
}
