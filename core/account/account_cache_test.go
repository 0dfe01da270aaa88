package account_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// login signs email in from a fixed address and returns the plain session ID.
func (e *env) login(t *testing.T, email string) string {
	t.Helper()
	s, err := e.svc.Login(ctx(t), email, goodPassword, "192.0.2.10")
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return s.ID
}

// dropSessionRows deletes every session row behind the service's back, as
// another replica's erasure would: a session still answered afterwards was
// answered from the cache.
func (e *env) dropSessionRows(t *testing.T) {
	t.Helper()
	err := e.st.WriteTx(ctx(t), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().TableExpr("sessions").Where("1 = 1").Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// replica returns another Service over the same database and clock: a
// second replica of the platform.
func (e *env) replica(t *testing.T, o account.Options) *account.Service {
	t.Helper()
	o.Params, o.Now = testParams, e.clk.Now
	return account.NewService(e.st, loadRef(t), o)
}

// TestSessionCacheServesFromMemory: a validated session is answered
// without reading the database for the cache's TTL, then read again.
func TestSessionCacheServesFromMemory(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		e.signUpVerified(t, "cache@exemple.fr")
		id := e.login(t, "cache@exemple.fr")
		first, err := e.svc.Session(ctx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		e.dropSessionRows(t)
		e.clk.Add(account.DefaultSessionCacheTTL - time.Second)
		got, err := e.svc.Session(ctx(t), id)
		if err != nil {
			t.Fatalf("cached session within the TTL: %v", err)
		}
		if got.ID != id || got.Account.ID != first.Account.ID || !got.LastSeenAt.Equal(first.LastSeenAt) || !got.ExpiresAt.Equal(first.ExpiresAt) {
			t.Errorf("cached session %+v differs from %+v", got, first)
		}
		got.Account.DisplayName = "changed by a caller"
		if again, _ := e.svc.Session(ctx(t), id); again == nil || again.Account.DisplayName == "changed by a caller" {
			t.Error("a caller's change to the account reached the cache")
		}
		e.clk.Add(time.Second)
		if _, err := e.svc.Session(ctx(t), id); code(err) != "session_invalid" {
			t.Errorf("session past the TTL was not read again: %v", err)
		}
	})
}

// TestSessionCacheRevocationsAtOnce: on the replica that makes them,
// Logout, LogoutEverywhere, ResetPassword and erasure end cached sessions
// at once.
func TestSessionCacheRevocationsAtOnce(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(t *testing.T, e *env, a *account.Account, id string)
	}{
		{"logout", func(t *testing.T, e *env, _ *account.Account, id string) {
			if err := e.svc.Logout(ctx(t), id); err != nil {
				t.Fatal(err)
			}
		}},
		{"logout everywhere", func(t *testing.T, e *env, a *account.Account, _ string) {
			if err := e.svc.LogoutEverywhere(ctx(t), a.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"password reset", func(t *testing.T, e *env, a *account.Account, _ string) {
			if _, err := e.svc.RequestPasswordReset(ctx(t), a.Email); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.ResetPassword(ctx(t), e.lastToken(t, a.Email), "une autre phrase bien longue"); err != nil {
				t.Fatal(err)
			}
		}},
		{"erasure", func(t *testing.T, e *env, a *account.Account, _ string) {
			err := e.st.WriteTx(ctx(t), func(ctx context.Context, tx bun.Tx) error {
				return e.svc.EraseData(ctx, tx, a.ID, e.clk.Now())
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
	}
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, storetest.New(t, tg.Driver), account.Options{SessionCacheTTL: account.MaxSessionCacheTTL})
				a := e.signUpVerified(t, "revoke@exemple.fr")
				id, other := e.login(t, "revoke@exemple.fr"), e.login(t, "revoke@exemple.fr")
				for _, s := range []string{id, other} {
					if _, err := e.svc.Session(ctx(t), s); err != nil {
						t.Fatal(err)
					}
				}
				tt.revoke(t, e, a, id)
				if _, err := e.svc.Session(ctx(t), id); code(err) != "session_invalid" {
					t.Errorf("session answered from the cache after the revocation: %v", err)
				}
			})
		}
	})
}

// TestSessionCacheOtherReplica: a revocation made on one replica reaches
// another after at most the TTL; without the cache, at once.
func TestSessionCacheOtherReplica(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg, account.Options{})
		e.signUpVerified(t, "replica@exemple.fr")
		cached, uncached := e.replica(t, account.Options{}), e.replica(t, account.Options{SessionCacheTTL: -1})
		id := e.login(t, "replica@exemple.fr")
		for _, svc := range []*account.Service{cached, uncached} {
			if _, err := svc.Session(ctx(t), id); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.svc.Logout(ctx(t), id); err != nil {
			t.Fatal(err)
		}
		if _, err := uncached.Session(ctx(t), id); code(err) != "session_invalid" {
			t.Errorf("replica without a cache: %v", err)
		}
		if _, err := cached.Session(ctx(t), id); err != nil {
			t.Errorf("within the TTL the other replica answers from its cache (documented): %v", err)
		}
		e.clk.Add(account.DefaultSessionCacheTTL)
		if _, err := cached.Session(ctx(t), id); code(err) != "session_invalid" {
			t.Errorf("the other replica still honours the session after the TTL: %v", err)
		}
	})
}

// TestSessionCacheKeepsIdleAndLastSeen: a cached session goes back to the
// database when last_seen_at is due to move and when the idle limit may be
// reached, whatever the TTL.
func TestSessionCacheKeepsIdleAndLastSeen(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		t.Run("last seen", func(t *testing.T) {
			e := newEnv(t, storetest.New(t, tg.Driver), account.Options{SessionCacheTTL: account.MaxSessionCacheTTL})
			e.signUpVerified(t, "seen@exemple.fr")
			id := e.login(t, "seen@exemple.fr")
			e.clk.Add(30 * time.Second)
			s, err := e.svc.Session(ctx(t), id) // read, not touched, cached for a minute
			if err != nil || !s.LastSeenAt.Equal(s.CreatedAt) {
				t.Fatalf("%+v, %v", s, err)
			}
			e.clk.Add(31 * time.Second) // cached, but a minute since last seen
			if s, err = e.svc.Session(ctx(t), id); err != nil || !s.LastSeenAt.Equal(e.clk.Now()) {
				t.Fatalf("last_seen_at not moved after a minute: %+v, %v", s, err)
			}
		})
		t.Run("idle", func(t *testing.T) {
			e := newEnv(t, storetest.New(t, tg.Driver), account.Options{SessionIdle: 45 * time.Second, SessionCacheTTL: account.MaxSessionCacheTTL})
			e.signUpVerified(t, "idle@exemple.fr")
			id := e.login(t, "idle@exemple.fr")
			e.clk.Add(10 * time.Second)
			if _, err := e.svc.Session(ctx(t), id); err != nil {
				t.Fatal(err)
			}
			e.clk.Add(35 * time.Second) // cached until +70 s, idle since login
			if _, err := e.svc.Session(ctx(t), id); code(err) != "session_invalid" {
				t.Errorf("idle session answered from the cache: %v", err)
			}
		})
		t.Run("absolute", func(t *testing.T) {
			e := newEnv(t, storetest.New(t, tg.Driver), account.Options{SessionAbsolute: 2 * time.Minute, SessionCacheTTL: account.MaxSessionCacheTTL})
			e.signUpVerified(t, "abs@exemple.fr")
			id := e.login(t, "abs@exemple.fr")
			e.clk.Add(119 * time.Second)
			if _, err := e.svc.Session(ctx(t), id); err != nil {
				t.Fatal(err)
			}
			e.dropSessionRows(t) // from here only the cache answers
			e.clk.Add(time.Second)
			if _, err := e.svc.Session(ctx(t), id); code(err) != "session_invalid" {
				t.Errorf("session past its absolute expiry answered from the cache: %v", err)
			}
		})
	})
}

// TestSessionCacheBounded: the cache holds at most SessionCacheSize
// sessions, and a revoked account is kept out of it for a while.
func TestSessionCacheBounded(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		t.Run("size", func(t *testing.T) {
			e := newEnv(t, storetest.New(t, tg.Driver), account.Options{SessionCacheSize: 2})
			e.signUpVerified(t, "size@exemple.fr")
			var ids []string
			for range 5 {
				id := e.login(t, "size@exemple.fr")
				if _, err := e.svc.Session(ctx(t), id); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			e.dropSessionRows(t)
			served := 0
			for _, id := range ids {
				if _, err := e.svc.Session(ctx(t), id); err == nil {
					served++
				}
			}
			if served != 2 {
				t.Errorf("%d sessions answered from a cache of 2", served)
			}
		})
		t.Run("hold after a revocation", func(t *testing.T) {
			e := newEnv(t, storetest.New(t, tg.Driver), account.Options{})
			a := e.signUpVerified(t, "hold@exemple.fr")
			if err := e.svc.LogoutEverywhere(ctx(t), a.ID); err != nil {
				t.Fatal(err)
			}
			id := e.login(t, "hold@exemple.fr")
			if _, err := e.svc.Session(ctx(t), id); err != nil {
				t.Fatal(err)
			}
			e.dropSessionRows(t)
			if _, err := e.svc.Session(ctx(t), id); code(err) != "session_invalid" {
				t.Errorf("a session of a just-revoked account was cached: %v", err)
			}
			e.clk.Add(2 * time.Minute) // the hold is over: cached again
			id = e.login(t, "hold@exemple.fr")
			if _, err := e.svc.Session(ctx(t), id); err != nil {
				t.Fatal(err)
			}
			e.dropSessionRows(t)
			if _, err := e.svc.Session(ctx(t), id); err != nil {
				t.Errorf("after the hold the session should be cached: %v", err)
			}
		})
	})
}

// TestSessionCacheHammer: lookups race logouts; once Logout has returned, no
// lookup that starts afterwards may succeed, whatever it read before.
// P goroutines × N lookups per session, released together.
func TestSessionCacheHammer(t *testing.T) {
	e := newEnv(t, storetest.New(t, "sqlite"), account.Options{SessionCacheTTL: account.MaxSessionCacheTTL})
	e.signUpVerified(t, "hammer@exemple.fr")
	const sessions, P, N = 8, 4, 50
	for i := range sessions {
		id := e.login(t, "hammer@exemple.fr")
		var out atomic.Bool
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, P*N)
		for range P {
			wg.Go(func() {
				<-start
				for range N {
					after := out.Load()
					_, err := e.svc.Session(ctx(t), id)
					switch {
					case after && err == nil:
						errs <- fmt.Errorf("session %d answered after its logout returned", i)
					case err != nil && code(err) != "session_invalid":
						errs <- err
					}
				}
			})
		}
		close(start)
		if err := e.svc.Logout(ctx(t), id); err != nil {
			t.Fatal(err)
		}
		out.Store(true)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}
