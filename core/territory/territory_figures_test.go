package territory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store/storetest"
	"github.com/campagnon/campagnon/core/territory"
)

// TestFigures: each territory's members (verified, not erased), published
// listings (not hidden) and exchanges since a date; a territory without
// any is absent from the map.
func TestFigures(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, s := newService(t, tg)
		ids := map[string]string{}
		for _, siren := range []string{portesDeSologne, picardieVerte} {
			d, err := svc.CreateFromEPCI(ctx(t), siren, territory.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids[d.Slug] = d.ID
		}
		sologne, picardie := ids["portes-de-sologne"], ids["picardie-verte"]
		now := time.Now().UTC()
		since := now.Add(-24 * time.Hour)
		err := s.WriteTx(ctx(t), func(ctx context.Context, tx bun.Tx) error {
			// Sologne: three verified members, one unverified, one erased.
			accounts := []struct {
				verified, erased bool
			}{{true, false}, {true, false}, {true, false}, {false, false}, {true, true}}
			for i, a := range accounts {
				var verified, erased *time.Time
				if a.verified {
					verified = &now
				}
				if a.erased {
					erased = &now
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id,
					email_verified_at, erased_at, created_at, updated_at) VALUES (?, ?, 'x', 'x', '45146', ?, ?, ?, ?, ?)`,
					accountID(i), fmt.Sprintf("p%d@example.fr", i), sologne, verified, erased, now, now); err != nil {
					return err
				}
			}
			// Sologne: two published listings, one hidden, one draft, one paused.
			listings := []struct {
				status string
				hidden bool
			}{{"published", false}, {"published", false}, {"published", true}, {"draft", false}, {"paused", false}}
			for i, l := range listings {
				var hidden *time.Time
				if l.hidden {
					hidden = &now
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO listings (id, territory_id, owner_id, kind, category, modality, title, description,
					modes, price_kind, commune, availability, availability_note, status, hidden_at, published_at, created_at, updated_at)
					VALUES (?, ?, ?, 'offer', 'x', 'resident', 'Titre', 'Description', 'free', 'free', '45146', '[]', '', ?, ?, ?, ?, ?)`,
					listingID(i), sologne, accountID(0), l.status, hidden, now, now, now); err != nil {
					return err
				}
			}
			// Sologne: two exchanges today, one last month.
			for i, created := range []time.Time{now, now.Add(-time.Hour), now.AddDate(0, -1, 0)} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO exchanges (id, territory_id, listing_id, seeker_id, provider_id, initiator, category,
					modality, mode, minutes, occurrences, from_commune, to_commune, state, version, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, 'seeker', 'x', 'resident', 'free', 60, 1, '45146', '45146', 'requested', 1, ?, ?)`,
					fmt.Sprintf("0190a000-0000-7000-8000-%012d", 200+i), sologne, listingID(0), accountID(1), accountID(0), created, created); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.Figures(ctx(t), since)
		if err != nil {
			t.Fatal(err)
		}
		if want := (territory.Figures{Members: 3, PublishedListings: 2, ExchangesSince: 2}); got[sologne] != want {
			t.Errorf("Portes de Sologne: %+v, want %+v", got[sologne], want)
		}
		if f, ok := got[picardie]; ok {
			t.Errorf("Picardie Verte has no figure, got %+v", f)
		}
		if all, err := svc.Figures(ctx(t), now.AddDate(0, -2, 0)); err != nil || all[sologne].ExchangesSince != 3 {
			t.Errorf("exchanges over two months: %+v, %v", all[sologne], err)
		}
	})
}

func accountID(i int) string { return fmt.Sprintf("0190a000-0000-7000-8000-%012d", i) }
func listingID(i int) string { return fmt.Sprintf("0190a000-0000-7000-8000-%012d", 100+i) }
