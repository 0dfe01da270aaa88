package awareness

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/observatory"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// Fixture: territory terr with two communes, another territory, one admin.
const (
	terr    = "t-1"
	other   = "t-2"
	admin   = "0190a000-0000-7000-8000-000000000001"
	songeon = "60623"
	gerbero = "60271"
	elsewh  = "45146"
)

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}()

// now is the fixture's clock: Thursday 5 November 2026, 10:00 in Paris.
var now = time.Date(2026, 11, 5, 10, 0, 0, 0, paris)

func fixture(t *testing.T, tg storetest.Target) (*Service, *store.Store) {
	t.Helper()
	s := schematest.Open(t, tg)
	ctx := context.Background()
	err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, id := range []string{terr, other} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO territories (id, slug, name, kind, population, commune_count, created_at, updated_at)
				VALUES (?, ?, 'Essai', 'custom', 10, 1, ?, ?)`, id, "essai-"+id, now, now); err != nil {
				return err
			}
		}
		for _, c := range []struct{ t, insee string }{{terr, songeon}, {terr, gerbero}, {other, elsewh}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO territory_communes (territory_id, insee) VALUES (?, ?)`, c.t, c.insee); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id, created_at, updated_at)
			VALUES (?, 'admin@example.fr', 'x', 'Admin', ?, ?, ?, ?)`, admin, songeon, terr, now, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewService(s).WithClock(func() time.Time { return now }), s
}

// at is a time in Paris on the fixture's days.
func at(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, paris) }

func market(title string, day int) Input {
	return Input{Kind: KindMarketStand, Title: title, Commune: songeon, Address: "place de la mairie",
		Description: "Venez nous voir.\nCafé offert.", StartsAt: at(day, 8), EndsAt: at(day, 12)}
}

// TestAgenda: an admin creates, reads, corrects and deletes events; the
// upcoming ones come soonest first, the past ones apart; everything is
// scoped to the territory.
func TestAgenda(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, _ := fixture(t, tg)
		ctx := context.Background()
		later, err := svc.Create(ctx, terr, admin, market("Marché de Songeons", 21))
		if err != nil {
			t.Fatal(err)
		}
		sooner, err := svc.Create(ctx, terr, admin, Input{Kind: KindBusinessMeeting, Title: "  Réunion des artisans  ", Commune: gerbero,
			StartsAt: at(12, 18), EndsAt: at(12, 20)})
		if err != nil {
			t.Fatal(err)
		}
		if sooner.Title != "Réunion des artisans" || sooner.CreatedBy != admin || !sooner.StartsAt.Equal(at(12, 18)) {
			t.Errorf("created %+v", sooner)
		}
		up, err := svc.Upcoming(ctx, terr, 10)
		if err != nil || len(up) != 2 || up[0].ID != sooner.ID || up[1].ID != later.ID {
			t.Fatalf("upcoming = %v, %v; want the meeting then the market", up, err)
		}
		if up[1].Description != "Venez nous voir.\nCafé offert." || up[1].Address != "place de la mairie" {
			t.Errorf("read back %+v", up[1])
		}
		if up, _ := svc.Upcoming(ctx, other, 10); len(up) != 0 {
			t.Errorf("the other territory sees %v", up)
		}
		if _, err := svc.Get(ctx, other, later.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("Get from the other territory: %v", err)
		}

		in := market("Marché de Songeons, stand 12", 21)
		in.EndsAt = at(21, 13)
		upd, err := svc.Update(ctx, terr, later.ID, in)
		if err != nil || upd.Title != "Marché de Songeons, stand 12" || !upd.EndsAt.Equal(at(21, 13)) {
			t.Fatalf("update: %+v, %v", upd, err)
		}
		if got, _ := svc.Get(ctx, terr, later.ID); got.Title != upd.Title || !got.CreatedAt.Equal(later.CreatedAt) {
			t.Errorf("after update: %+v", got)
		}
		if _, err := svc.Update(ctx, other, later.ID, in); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("update from the other territory: %v", err)
		}
		if err := svc.Delete(ctx, other, later.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("delete from the other territory: %v", err)
		}

		// A week later the meeting is over: it moves to the past.
		week := svc.WithClock(func() time.Time { return at(13, 9) })
		if up, _ := week.Upcoming(ctx, terr, 10); len(up) != 1 || up[0].ID != later.ID {
			t.Errorf("upcoming a week later = %v", up)
		}
		if past, _ := week.Past(ctx, terr, 10); len(past) != 1 || past[0].ID != sooner.ID {
			t.Errorf("past a week later = %v", past)
		}
		if err := svc.Delete(ctx, terr, later.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.Delete(ctx, terr, later.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("deleting twice: %v", err)
		}
		ex, err := svc.Export(ctx, svc.store.DB(), admin)
		if evs, ok := ex.([]Event); err != nil || !ok || len(evs) != 1 {
			t.Errorf("export = %v, %v", ex, err)
		}

		// A year and a day after it ended, the meeting is purged.
		if n, err := svc.WithClock(func() time.Time { return at(12, 21).Add(Retention + time.Hour) }).Purge(ctx); err != nil || n != 1 {
			t.Errorf("purge = %d, %v", n, err)
		}
	})
}

// TestAgendaValidation: every problem of an input is reported at once, in
// French and English; a commune of another territory is refused.
func TestAgendaValidation(t *testing.T) {
	svc, _ := fixture(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	tests := []struct {
		name string
		edit func(*Input)
		want []string
	}{
		{"kind", func(in *Input) { in.Kind = "rave" }, []string{"type d'événement"}},
		{"short title", func(in *Input) { in.Title = "Ab" }, []string{"titre"}},
		{"two-line title", func(in *Input) { in.Title = "Marché\nde nuit" }, []string{"titre"}},
		{"long title", func(in *Input) { in.Title = strings.Repeat("é", 121) }, []string{"titre"}},
		{"no commune", func(in *Input) { in.Commune = "" }, []string{"commune"}},
		{"long address", func(in *Input) { in.Address = strings.Repeat("a", 201) }, []string{"adresse"}},
		{"control character", func(in *Input) { in.Description = "a\x00b" }, []string{"description"}},
		{"long description", func(in *Input) { in.Description = strings.Repeat("a", 2001) }, []string{"description"}},
		{"no date", func(in *Input) { in.StartsAt = time.Time{} }, []string{"date"}},
		{"end before start", func(in *Input) { in.EndsAt = in.StartsAt.Add(-time.Hour) }, []string{"fin"}},
		{"too long", func(in *Input) { in.EndsAt = in.StartsAt.Add(MaxDuration + time.Hour) }, []string{"4 jours"}},
		{"too far", func(in *Input) { in.StartsAt, in.EndsAt = now.AddDate(3, 0, 0), now.AddDate(3, 0, 0).Add(time.Hour) }, []string{"deux ans"}},
		{"over", func(in *Input) { in.StartsAt, in.EndsAt = at(1, 8), at(1, 12) }, []string{"terminé"}},
		{"all at once", func(in *Input) { in.Kind, in.Title, in.StartsAt = "", "", time.Time{} }, []string{"type", "titre", "date"}},
		{"commune elsewhere", func(in *Input) { in.Commune = elsewh }, []string{"l'une de celles du territoire"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := market("Marché", 21)
			tt.edit(&in)
			_, err := svc.Create(ctx, terr, admin, in)
			e := apperr.As(err)
			if e.Kind != apperr.KindInvalid || e.MessageEN == "" {
				t.Fatalf("Create = %v, want an invalid-input error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("%q lacks %q", e.Message, w)
				}
			}
		})
	}
	// A past event may be corrected, not created.
	ev, err := svc.WithClock(func() time.Time { return at(1, 7) }).Create(ctx, terr, admin, market("Marché", 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Update(ctx, terr, ev.ID, market("Marché du 1er", 1)); err != nil {
		t.Errorf("correcting a past event: %v", err)
	}
}

// TestAgendaFull: a territory holds at most MaxUpcoming upcoming events.
func TestAgendaFull(t *testing.T) {
	svc, s := fixture(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for i := range MaxUpcoming {
			e := &Event{ID: fmt.Sprintf("e%04d", i), TerritoryID: terr, Kind: KindOther, Title: "Essai",
				Commune: songeon, StartsAt: at(20, 8), EndsAt: at(20, 9), CreatedBy: admin, CreatedAt: now, UpdatedAt: now}
			if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, terr, admin, market("Un de trop", 21)); apperr.KindOf(err) != apperr.KindTooLarge {
		t.Errorf("the %dth event: %v", MaxUpcoming+1, err)
	}
	if _, err := svc.Create(ctx, other, admin, Input{Kind: KindOther, Title: "Ailleurs", Commune: elsewh, StartsAt: at(20, 8), EndsAt: at(20, 9)}); err != nil {
		t.Errorf("another territory's agenda is not full: %v", err)
	}
	if up, _ := svc.Upcoming(ctx, terr, 0); len(up) != MaxUpcoming {
		t.Errorf("Upcoming(0) returned %d, want the bound %d", len(up), MaxUpcoming)
	}
}

// TestLive counts the listings on line by kind and category: not the
// drafts, the hidden, the expired or another territory's.
func TestLive(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, s := fixture(t, tg)
		ctx := context.Background()
		rows := []struct {
			id, territory, kind, category, status string
			hidden                                bool
			expires                               time.Time
		}{
			{"L1", terr, "offer", "jardinage", "published", false, at(30, 0)},
			{"L2", terr, "offer", "jardinage", "published", false, at(30, 0)},
			{"L3", terr, "need", "jardinage", "published", false, at(30, 0)},
			{"L4", terr, "need", "courses", "published", false, at(30, 0)},
			{"L5", terr, "offer", "courses", "draft", false, at(30, 0)},
			{"L6", terr, "offer", "courses", "published", true, at(30, 0)},
			{"L7", terr, "offer", "courses", "published", false, at(1, 0)}, // expired, not swept yet
			{"L8", other, "offer", "courses", "published", false, at(30, 0)},
			{"L9", terr, "offer", "bricolage", "paused", false, at(30, 0)},
		}
		err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			for _, r := range rows {
				var hidden *time.Time
				if r.hidden {
					hidden = &now
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO listings (id, territory_id, owner_id, kind, category, modality, title, description,
					modes, price_kind, commune, availability, availability_note, status, hidden_at, published_at, expires_at, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, 'resident', 'Titre', 'Description', 'free', 'free', ?, '[]', '', ?, ?, ?, ?, ?, ?)`,
					r.id, r.territory, admin, r.kind, r.category, songeon, r.status, hidden, now, r.expires, now, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		live, err := svc.Live(ctx, terr)
		if err != nil {
			t.Fatal(err)
		}
		want := []CategoryCount{{"jardinage", 2, 1}, {"courses", 0, 1}}
		if live.Offers != 2 || live.Needs != 2 || len(live.Categories) != 2 || live.Categories[0] != want[0] || live.Categories[1] != want[1] {
			t.Errorf("live = %+v, want 2 offers, 2 needs, %v", live, want)
		}
	})
}

// TestAnonymise: counts of 1 and 2 are masked (their value zeroed), 0 and
// 3 and more shown; the share of needs answered only from 3 needs; no
// commune in the public figures.
func TestAnonymise(t *testing.T) {
	r := &observatory.Report{
		Totals: observatory.Stats{Needs: 7, Offers: 2, Matches: 0, Answered: 5},
		ByCategory: []observatory.Row{
			{Key: "courses", Stats: observatory.Stats{Needs: 2, Offers: 0, Answered: 2}},
			{Key: "jardinage", Stats: observatory.Stats{Needs: 5, Offers: 2, Matches: 3, Answered: 3}},
		},
		ByCommune: []observatory.Row{{Key: songeon, Label: "Songeons", Stats: observatory.Stats{Needs: 7}}},
		Weeks:     []observatory.Week{{Year: 2026, Number: 45, Totals: observatory.Stats{Needs: 1, Offers: 3}}},
	}
	p := Anonymise(r)
	if p.Totals.Needs != (Count{Value: 7}) || p.Totals.Offers != (Count{Small: true}) || p.Totals.Matches != (Count{}) {
		t.Errorf("totals = %+v", p.Totals)
	}
	if p.Totals.Answered != (Share{Percent: 71, Known: true}) {
		t.Errorf("share = %+v, want 71 %%", p.Totals.Answered)
	}
	if c := p.ByCategory[0]; c.Key != "courses" || c.Needs != (Count{Small: true}) || c.Answered.Known {
		t.Errorf("courses = %+v: 2 needs are masked, and so is their share", c)
	}
	if c := p.ByCategory[1]; c.Needs.Value != 5 || c.Offers != (Count{Small: true}) || c.Matches.Value != 3 || c.Answered.Percent != 60 {
		t.Errorf("jardinage = %+v", c)
	}
	if w := p.Weeks[0]; w.Needs != (Count{Small: true}) || w.Offers.Value != 3 || w.Number != 45 {
		t.Errorf("week = %+v", w)
	}
}
