package privacy

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// TestAccessLogIsAppendOnly: staff reads are recorded once per person and
// the database itself refuses to change or delete them, on both engines.
func TestAccessLogIsAppendOnly(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		s := schematest.Open(t, tg)
		svc := NewService(s, nil)
		if err := svc.RecordAccess(ctx, Access{StaffID: "staff-1", Territory: "essai", What: "members.list", RequestID: "r1"}, "a", "b"); err != nil {
			t.Fatal(err)
		}
		if err := svc.RecordAccess(ctx, Access{StaffID: "staff-1", Territory: "autre", What: "members.list", RequestID: "r2"}); err != nil {
			t.Fatal(err)
		}
		got, err := svc.AccessesIn(ctx, "essai", 10)
		if err != nil || len(got) != 2 || *got[0].SubjectID == *got[1].SubjectID {
			t.Fatalf("AccessesIn = %+v, %v", got, err)
		}
		for _, q := range []string{"UPDATE personal_data_access SET what = 'rien'", "DELETE FROM personal_data_access"} {
			err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, q)
				return err
			})
			if err == nil {
				t.Errorf("%s was allowed", q)
			}
		}
		if got, _ := svc.AccessesIn(ctx, "essai", 10); len(got) != 2 || got[0].What != "members.list" {
			t.Errorf("the log changed: %+v", got)
		}
	})
}

// TestEraseIsAllOrNothing: when one section fails, the others' changes are
// rolled back and no AfterErase step runs.
func TestEraseIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := schematest.Open(t, storetest.New(t, "sqlite"))
	wrote, after := false, 0
	write := Section{Name: "writes", Erase: func(ctx context.Context, tx bun.Tx, id string, now time.Time) error {
		wrote = true
		_, err := tx.ExecContext(ctx, `INSERT INTO personal_data_access (id, at, staff_id, territory, what, request_id) VALUES ('x', ?, 's', 't', 'w', 'r')`, now)
		return err
	}, AfterErase: func(context.Context, string) error { after++; return nil }}
	fail := Section{Name: "fails", Erase: func(context.Context, bun.Tx, string, time.Time) error { return errors.New("boom") }}
	if err := NewService(s, nil, write, fail).Erase(ctx, "acct"); err == nil {
		t.Fatal("a failing section did not fail the erasure")
	}
	n, err := s.DB().NewSelect().TableExpr("personal_data_access").Count(ctx)
	if !wrote || err != nil || n != 0 || after != 0 {
		t.Errorf("wrote=%v rows=%d (%v) after=%d: want the first section rolled back and no AfterErase", wrote, n, err, after)
	}
	if err := NewService(s, nil, write).Erase(ctx, "acct"); err != nil || after != 1 {
		t.Errorf("Erase = %v, after = %d", err, after)
	}
}
