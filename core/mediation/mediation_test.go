package mediation

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// Fixture IDs: one territory, a mediator and two residents.
const (
	terr   = "t-1"
	medi   = "0190a000-0000-7000-8000-000000000001"
	jeanne = "0190a000-0000-7000-8000-000000000002"
	paul   = "0190a000-0000-7000-8000-000000000003"
)

func fixture(t *testing.T, tg storetest.Target) (*Service, *store.Store, *time.Time) {
	t.Helper()
	ctx := context.Background()
	s := schematest.Open(t, tg)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO territories (id, slug, name, kind, population, commune_count, created_at, updated_at)
			VALUES (?, 'essai', 'Essai', 'custom', 10, 1, ?, ?)`, terr, now, now); err != nil {
			return err
		}
		for _, id := range []string{medi, jeanne, paul} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id, created_at, updated_at)
				VALUES (?, ?, 'x', 'x', '60620', ?, ?, ?)`, id, id+"@example.fr", terr, now, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewService(s, func() time.Time { return now }), s, &now
}

func resident(id string) Member { return Member{ID: id, TerritoryID: terr, Usable: true} }

func TestRecordConsentValidation(t *testing.T) {
	svc, _, now := fixture(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	ok := ConsentInput{ResidentID: jeanne, Scope: []string{"rules"}, Method: MethodPhone}
	tests := []struct {
		name     string
		resident Member
		in       func(ConsentInput) ConsentInput
		code     string
	}{
		{"valid", resident(jeanne), func(in ConsentInput) ConsentInput { return in }, ""},
		{"unverified resident", Member{ID: jeanne, TerritoryID: terr}, func(in ConsentInput) ConsentInput { return in }, "resident_not_found"},
		{"resident of another territory", Member{ID: jeanne, TerritoryID: "t-2", Usable: true}, func(in ConsentInput) ConsentInput { return in }, "resident_not_found"},
		{"self", resident(medi), func(in ConsentInput) ConsentInput { return in }, "consent_self"},
		{"method", resident(jeanne), func(in ConsentInput) ConsentInput { in.Method = "email"; return in }, "consent_method"},
		{"no scope", resident(jeanne), func(in ConsentInput) ConsentInput { in.Scope = nil; return in }, "consent_scope"},
		{"unknown scope", resident(jeanne), func(in ConsentInput) ConsentInput { in.Scope = []string{"rules", "*"}; return in }, "consent_scope"},
		{"too long", resident(jeanne), func(in ConsentInput) ConsentInput { in.Days = 366; return in }, "consent_days"},
		{"negative days", resident(jeanne), func(in ConsentInput) ConsentInput { in.Days = -1; return in }, "consent_days"},
		{"future", resident(jeanne), func(in ConsentInput) ConsentInput { in.GivenAt = now.Add(time.Hour); return in }, "consent_given_at"},
		{"too old", resident(jeanne), func(in ConsentInput) ConsentInput { in.GivenAt = now.Add(-100 * 24 * time.Hour); return in }, "consent_given_at"},
		{"paper brought in later", resident(jeanne), func(in ConsentInput) ConsentInput {
			in.Method, in.GivenAt = MethodPaper, now.Add(-10*24*time.Hour)
			return in
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := svc.RecordConsent(ctx, terr, medi, tt.resident, tt.in(ok))
			if tt.code == "" {
				if err != nil || c.ID == "" || !c.Active(*now) {
					t.Fatalf("RecordConsent = %+v, %v", c, err)
				}
				return
			}
			if got := apperr.As(err).Code; got != tt.code {
				t.Errorf("code = %q (%v), want %q", got, err, tt.code)
			}
		})
	}
}

// TestActionsUnderConsent: actions need a consent in force covering their
// object; they are recorded with their status; revocation, expiry and
// erasure end the consent.
func TestActionsUnderConsent(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, s, now := fixture(t, tg)
		ctx := context.Background()
		if _, err := svc.Begin(ctx, terr, medi, jeanne, "rules", "quote", "POST /q"); apperr.As(err).Code != "no_consent" {
			t.Fatalf("Begin without consent: %v", err)
		}
		c, err := svc.RecordConsent(ctx, terr, medi, resident(jeanne), ConsentInput{Scope: []string{"rules", "listing"}, Method: MethodInPerson, Days: 10})
		if err != nil {
			t.Fatal(err)
		}
		id, err := svc.Begin(ctx, terr, medi, jeanne, "rules", "quote", "POST /q")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Finish(ctx, id, 201); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct{ mediator, resident, obj string }{
			{medi, jeanne, "message"}, {medi, paul, "rules"}, {paul, jeanne, "rules"},
		} {
			if _, err := svc.Begin(ctx, terr, bad.mediator, bad.resident, bad.obj, "x", "POST /x"); apperr.As(err).Code != "no_consent" {
				t.Errorf("Begin(%v) = %v", bad, err)
			}
		}
		r, err := svc.ForResident(ctx, jeanne)
		if err != nil || len(r.Actions) != 1 || r.Actions[0].Status != 201 || r.Actions[0].MediatorID != medi || len(r.Consents) != 1 {
			t.Fatalf("ForResident = %+v, %v", r, err)
		}
		if _, err := svc.Revoke(ctx, paul, c.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("another resident revoked: %v", err)
		}
		if _, err := svc.Revoke(ctx, jeanne, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Revoke(ctx, jeanne, c.ID); err != nil {
			t.Errorf("revoking twice: %v", err)
		}
		if _, err := svc.Begin(ctx, terr, medi, jeanne, "rules", "quote", "POST /q"); apperr.As(err).Code != "no_consent" {
			t.Errorf("Begin after revocation: %v", err)
		}
		// Expiry.
		if _, err := svc.RecordConsent(ctx, terr, medi, resident(paul), ConsentInput{Scope: []string{"rules"}, Method: MethodPaper, Days: 1}); err != nil {
			t.Fatal(err)
		}
		*now = now.Add(25 * time.Hour)
		if _, err := svc.Begin(ctx, terr, medi, paul, "rules", "quote", "POST /q"); apperr.As(err).Code != "no_consent" {
			t.Errorf("Begin after expiry: %v", err)
		}
		// Erasure revokes what is in force, keeps the history.
		if _, err := svc.RecordConsent(ctx, terr, medi, resident(paul), ConsentInput{Scope: []string{"rules"}, Method: MethodPaper}); err != nil {
			t.Fatal(err)
		}
		if err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error { return svc.Erase(ctx, tx, paul, *now) }); err != nil {
			t.Fatal(err)
		}
		r, err = svc.ForResident(ctx, paul)
		if err != nil || len(r.Consents) != 2 {
			t.Fatalf("ForResident(paul) = %+v, %v", r, err)
		}
		for _, c := range r.Consents {
			if c.Active(*now) {
				t.Errorf("consent %s in force after erasure", c.ID)
			}
		}
	})
}
