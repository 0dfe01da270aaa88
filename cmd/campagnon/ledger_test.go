package main

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// TestLedgerCheckCommand: `ledger check` passes on a consistent ledger,
// for every territory or one, and exits 1 with a French message and the
// details when a balance was edited by hand.
func TestLedgerCheckCommand(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		s := schematest.Open(t, tg)
		ctx := context.Background()
		members := []string{"0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"}
		now := time.Now().UTC()
		write := func(q string, args ...any) {
			t.Helper()
			if err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, q, args...)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		for _, terr := range []string{"essai", "autre"} {
			write(`INSERT INTO territories (id, slug, name, kind, population, commune_count, created_at, updated_at)
				VALUES (?, ?, 'Essai', 'custom', 10, 1, ?, ?)`, "t-"+terr, terr, now, now)
		}
		for _, id := range members {
			write(`INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id, created_at, updated_at)
				VALUES (?, ?, 'x', 'x', '60620', 't-essai', ?, ?)`, id, id+"@example.fr", now, now)
		}
		svc := ledger.NewService(s, nil)
		lim := ledger.Limits{FloorMinutes: -300, CeilingMinutes: 600}
		for _, terr := range []string{"t-essai", "t-autre"} {
			for _, in := range []ledger.TransferInput{
				{Kind: ledger.KindWelcome, From: ledger.TerritoryAccount, To: members[0], Minutes: 120},
				{Kind: ledger.KindExchange, From: members[0], To: members[1], Minutes: 90},
			} {
				in.TerritoryID, in.Actor = terr, "test"
				if _, err := svc.Transfer(ctx, in, lim); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A mistaken transfer, corrected the only way: its reverse.
		wrong, err := svc.Transfer(ctx, ledger.TransferInput{TerritoryID: "t-essai", Kind: ledger.KindExchange, From: members[1], To: members[0],
			Minutes: 30, Actor: "test"}, lim)
		if err != nil {
			t.Fatal(err)
		}
		runSteps(t, tg, []step{
			{args: []string{"ledger", "reverse", wrong.ID}, code: 2, stderr: []string{"--memo"}},
			{args: []string{"ledger", "reverse", wrong.ID, "--memo", "saisie en double"}, stdout: []string{"annulé", "30 min"}},
			{args: []string{"ledger", "reverse", wrong.ID, "--memo", "saisie en double"}, code: 2},
		})
		runSteps(t, tg, []step{
			{args: []string{"ledger", "check"}, stdout: []string{"tous les territoires", "6 compte(s), 6 transfert(s), 12 écriture(s)", "Aucune différence"}},
			{args: []string{"ledger", "check", "--territory", "essai"}, stdout: []string{"territoire essai", "3 compte(s), 4 transfert(s), 8 écriture(s)", "Aucune différence"}},
			{args: []string{"ledger", "check", "--territory", "nulle-part"}, code: 2, stderr: []string{"introuvable"}},
			{args: []string{"ledger", "check", "en-trop"}, code: 2, stderr: []string{"en trop"}},
			{args: []string{"ledger"}, code: 2, stderr: []string{"Usage", "ledger check"}},
			{args: []string{"ledger", "balance"}, code: 2, stderr: []string{"sous-commande inconnue"}},
			{args: []string{"help"}, stdout: []string{"ledger", "crédits temps"}},
		})

		// A balance edited by hand in "autre", and a posting.
		write("UPDATE ledger_accounts SET balance_minutes = balance_minutes + 7 WHERE territory_id = 't-autre' AND member_id = ?", members[1])
		write(`UPDATE ledger_postings SET amount_minutes = amount_minutes - 60
			WHERE amount_minutes > 0 AND transfer_id IN (SELECT id FROM ledger_transfers WHERE territory_id = 't-autre' AND kind = 'welcome')`)
		runSteps(t, tg, []step{
			{args: []string{"ledger", "check"}, code: 1,
				stdout: []string{"Soldes différents", "autre", members[1], "1 h 37", "1 h 30", "7 min", "Transferts dont les écritures ne s'équilibrent pas", "1 h"},
				stderr: []string{"erreur : Le grand livre des crédits temps présente 3 anomalie(s)", "par une annulation"}},
			{args: []string{"ledger", "check", "--territory", "essai"}, stdout: []string{"Aucune différence"}},
			{args: []string{"ledger", "check", "--territory", "autre"}, code: 1, stdout: []string{members[1]}, noStdout: []string{"Aucune différence"}},
		})
	})
}
