package account_test

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
)

const (
	portesDeSologne = "200005932"
	picardieVerte   = "246000848"
	goodPassword    = "cheval agrafe pile correcte"
)

// testParams keep argon2id cheap in tests (64 KiB, one pass): the
// production parameters (credential.OWASPParams) cost tens of
// milliseconds per hash, which the many logins below do not need.
var testParams = credential.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

var (
	refOnce sync.Once
	ref     *referential.Referential
	refErr  error
)

func loadRef(t testing.TB) *referential.Referential {
	t.Helper()
	refOnce.Do(func() { ref, refErr = referential.Load() })
	if refErr != nil {
		t.Fatalf("load referential: %v", refErr)
	}
	return ref
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	svc   *account.Service
	st    *store.Store
	clk   *clock
	terrs *territory.Service
}

// newEnv opens a migrated database on the target with both pilot
// territories, and an account service over it with testParams and a clock.
func newEnv(t testing.TB, tg storetest.Target, o account.Options) *env {
	t.Helper()
	c := ctx(t)
	s := schematest.Open(t, tg)
	terrs := territory.NewService(s, loadRef(t))
	for _, siren := range []string{portesDeSologne, picardieVerte} {
		if _, err := terrs.CreateFromEPCI(c, siren, territory.CreateOptions{}); err != nil {
			t.Fatalf("create territory %s: %v", siren, err)
		}
	}
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	if o.Params == (credential.Params{}) {
		o.Params = testParams
	}
	o.Now = clk.Now
	return &env{svc: account.NewService(s, loadRef(t), o), st: s, clk: clk, terrs: terrs}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

var tokenInBody = regexp.MustCompile(`jeton=(cmp_[a-z]+_[A-Za-z0-9_-]{43})`)

// lastToken returns the token of the last email sent to addr.
func (e *env) lastToken(t *testing.T, addr string) string {
	t.Helper()
	ms, err := e.svc.Outbox(ctx(t), addr, 1)
	if err != nil || len(ms) == 0 {
		t.Fatalf("no email to %s: %v", addr, err)
	}
	m := tokenInBody.FindStringSubmatch(ms[0].Body)
	if m == nil {
		t.Fatalf("no token in the last email to %s: %q", addr, ms[0].Body)
	}
	return m[1]
}

func resident(email string) account.SignUpInput {
	return account.SignUpInput{Email: email, Password: goodPassword, DisplayName: "Marie Dupont", Commune: "Songeons"}
}

// signUpVerified signs up a resident of Songeons and verifies the address.
func (e *env) signUpVerified(t *testing.T, email string) *account.Account {
	t.Helper()
	if _, err := e.svc.SignUp(ctx(t), resident(email)); err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	a, err := e.svc.Verify(ctx(t), e.lastToken(t, email))
	if err != nil {
		t.Fatalf("verify %s: %v", email, err)
	}
	return a
}

func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	n, err := e.st.DB().NewSelect().Table(table).Count(ctx(t))
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}
