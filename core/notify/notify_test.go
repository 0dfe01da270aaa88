package notify

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// Fixture: territory terr (Picardie Verte's communes), another open
// territory and a disabled one; members of terr in Songeons, Gerberoy
// (2.8 km away) and Abancourt (15.6 km away, beyond the radius).
const (
	terr, other, closed = "t-1", "t-2", "t-3"

	songeons      = "60623"
	gerberoy      = "60271"
	grandvilliers = "60286" // 13 km from Songeons
	abancourt     = "60001" // 15.6 km from Songeons
	laFerte       = "45146" // 206 km away

	alice = "0190a000-0000-7000-8000-00000000000a" // Songeons
	bob   = "0190a000-0000-7000-8000-00000000000b" // Gerberoy
	carl  = "0190a000-0000-7000-8000-00000000000c" // La Ferté-Saint-Aubin: nothing near
	dan   = "0190a000-0000-7000-8000-00000000000d" // unverified
	erin  = "0190a000-0000-7000-8000-00000000000e" // erased
	med   = "0190a000-0000-7000-8000-0000000000f1" // mediator of terr
	adm   = "0190a000-0000-7000-8000-0000000000f2" // admin of terr
	zoe   = "0190a000-0000-7000-8000-0000000000f3" // member of other
	yann  = "0190a000-0000-7000-8000-0000000000f4" // member of closed
)

// day is a time in November 2026, in Paris.
func day(d, hour int) time.Time { return time.Date(2026, 11, d, hour, 0, 0, 0, paris) }

// now is Wednesday 11 November 2026 at 10:00: the digest covers Monday 2 to
// Sunday 8 November (2026-W45).
var now = day(11, 10)

// outbox is a Notifier writing to the outbox table in the caller's
// transaction, as core/account's does; fail makes it refuse.
type outbox struct {
	mu   sync.Mutex
	fail bool
}

func (o *outbox) NotifyTx(ctx context.Context, tx bun.Tx, accountID, subject, body string) error {
	o.mu.Lock()
	fail := o.fail
	o.mu.Unlock()
	if fail {
		return errors.New("outbox refused")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (id, kind, recipient, subject, body, created_at) VALUES (?, 'email', ?, ?, ?, ?)`,
		uuid.Must(uuid.NewV7()).String(), accountID, subject, body, time.Now())
	return err
}

// staff gives the role assignments of each territory, as authz does.
type staff map[string][]authz.Assignment

func (s staff) Assignments(territory string) ([]authz.Assignment, error) { return s[territory], nil }

type email struct{ To, Subject, Body string }

// sent returns the emails written so far, oldest first.
func sent(t *testing.T, s *store.Store) []email {
	t.Helper()
	var rows []struct {
		Recipient string `bun:"recipient"`
		Subject   string `bun:"subject"`
		Body      string `bun:"body"`
	}
	if err := s.DB().NewRaw("SELECT recipient, subject, body FROM outbox ORDER BY id").Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	out := make([]email, len(rows))
	for i, r := range rows {
		out[i] = email{r.Recipient, r.Subject, r.Body}
	}
	return out
}

var (
	refOnce sync.Once
	ref     *referential.Referential
	refErr  error
)

func loadRef(t *testing.T) *referential.Referential {
	t.Helper()
	refOnce.Do(func() { ref, refErr = referential.Load() })
	if refErr != nil {
		t.Fatal(refErr)
	}
	return ref
}

// fixture opens a migrated database with the territories and members.
func fixture(t *testing.T, tg storetest.Target, roles staff) (*Service, *store.Store, *outbox) {
	t.Helper()
	s := schematest.Open(t, tg)
	ctx := context.Background()
	created := day(1, 9)
	err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, tr := range []struct{ id, status string }{{terr, "active"}, {other, "active"}, {closed, "disabled"}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO territories (id, slug, name, kind, status, population, commune_count, created_at, updated_at)
				VALUES (?, ?, ?, 'custom', ?, 10, 1, ?, ?)`, tr.id, "essai-"+tr.id, "Territoire "+tr.id, tr.status, created, created); err != nil {
				return err
			}
		}
		members := []struct {
			id, name, commune, territory string
			verified, erased             bool
		}{
			{alice, "Alice", songeons, terr, true, false}, {bob, "Bob", gerberoy, terr, true, false},
			{carl, "Carl", laFerte, terr, true, false}, {dan, "Dan", songeons, terr, false, false},
			{erin, "Erin", songeons, terr, true, true}, {med, "Médiatrice", grandvilliers, terr, true, false},
			{adm, "Admin", abancourt, terr, true, false}, {zoe, "Zoé", songeons, other, true, false},
			{yann, "Yann", songeons, closed, true, false},
		}
		for _, m := range members {
			var verified, erased *time.Time
			if m.verified {
				verified = &created
			}
			if m.erased {
				erased = &created
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, email_verified_at, password_hash, display_name, commune, territory_id, erased_at, created_at, updated_at)
				VALUES (?, ?, ?, 'x', ?, ?, ?, ?, ?, ?)`, m.id, m.id+"@example.fr", verified, m.name, m.commune, m.territory, erased, created, created); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o := &outbox{}
	return NewService(s, loadRef(t), o, roles, Options{BaseURL: "https://campagnon.example/"}), s, o
}

// listing is one listing of the fixtures.
type listing struct {
	id, territory, owner, kind, commune, status, title string
	published                                          time.Time
	hidden                                             bool
}

func insertListings(t *testing.T, s *store.Store, ls ...listing) {
	t.Helper()
	err := s.WriteTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		for _, l := range ls {
			var hidden *time.Time
			if l.hidden {
				hidden = &l.published
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO listings (id, territory_id, owner_id, kind, category, modality, title, description,
				modes, price_kind, commune, availability, availability_note, status, hidden_at, published_at, expires_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, 'jardinage', 'resident', ?, 'Description', 'free', 'free', ?, '[]', '', ?, ?, ?, ?, ?, ?)`,
				l.id, l.territory, l.owner, l.kind, l.title, l.commune, l.status, hidden, l.published, l.published.AddDate(0, 2, 0),
				l.published, l.published); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func insertExchange(t *testing.T, s *store.Store, id, territory, listingID string, created time.Time) {
	t.Helper()
	err := s.WriteTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO exchanges (id, territory_id, listing_id, seeker_id, provider_id, initiator, category,
		modality, mode, minutes, occurrences, from_commune, to_commune, state, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'seeker', 'x', 'resident', 'free', 60, 1, ?, ?, 'requested', 1, ?, ?)`,
			id, territory, listingID, carl, alice, songeons, songeons, created, created)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// week45 are the listings of the digest fixture.
var week45 = []listing{
	{"L1", terr, bob, "offer", gerberoy, "published", "Tonte de pelouse à Gerberoy", day(3, 9), false},              // near Alice
	{"L2", terr, alice, "need", songeons, "published", "Quelqu'un pour mes courses ?", day(4, 18), false},           // Alice's own; near Bob
	{"L3", terr, bob, "offer", abancourt, "published", "Bois de chauffage", day(5, 9), false},                       // 15.6 km from Alice
	{"L4", terr, carl, "offer", songeons, "published", "Aide informatique", day(10, 9), false},                      // this week: the next digest
	{"L5", terr, carl, "offer", songeons, "published", "Avant", day(1, 23), false},                                  // Sunday 1 Nov: the week before
	{"L6", terr, carl, "offer", songeons, "published", "Masquée", day(4, 9), true},                                  // hidden
	{"L7", terr, carl, "offer", songeons, "paused", "En pause", day(4, 9), false},                                   // paused
	{"L8", other, yann, "offer", songeons, "published", "Ailleurs", day(4, 9), false},                               // for Zoé only
	{"L9", closed, yann, "offer", gerberoy, "published", "Territoire fermé", day(4, 9), false},                      // disabled territory
	{"L10", terr, carl, "offer", grandvilliers, "published", "Cours de guitare à Grandvilliers", day(8, 23), false}, // Sunday 23:00: still W45, 13 km
}

// TestDigest: each verified member who has not opted out gets one email a
// week listing what was published near them (not their own, not hidden,
// not paused, not another territory's), none when there is nothing; a run
// again sends nothing more; opting back in gets the week's digest.
func TestDigest(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, s, _ := fixture(t, tg, nil)
		ctx := context.Background()
		insertListings(t, s, week45...)
		if err := svc.SetDigest(ctx, bob, false, now); err != nil {
			t.Fatal(err)
		}
		res, err := svc.Digest(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		// Alice and Zoé get one; Carl (nothing near) and the staff
		// (Grandvilliers: L1, L10; Abancourt: L3 is its own commune) …
		got := sent(t, s)
		to := map[string]email{}
		for _, e := range got {
			if _, dup := to[e.To]; dup {
				t.Errorf("two digests to %s", e.To)
			}
			to[e.To] = e
		}
		for _, who := range []string{bob, carl, dan, erin, yann} {
			if _, ok := to[who]; ok {
				t.Errorf("a digest went to %s", who)
			}
		}
		a, ok := to[alice]
		if !ok {
			t.Fatalf("no digest for Alice: %v", got)
		}
		if res.Week != "2026-W45" || res.Sent != len(got) || res.Empty < 1 {
			t.Errorf("result %+v with %d emails", res, len(got))
		}
		if a.Subject != "Campagnon : 2 nouvelles annonces près de chez vous" {
			t.Errorf("Alice's subject: %q", a.Subject)
		}
		for _, want := range []string{"Bonjour Alice", "du 02/11/2026 au 08/11/2026", "15 km de Songeons", "Tonte de pelouse à Gerberoy (Gerberoy, à 3 km)",
			"https://campagnon.example/t/essai-t-1/annonces/L1", "Cours de guitare", "https://campagnon.example/mon-compte/notifications",
			"recherche?commune=60623&radius_km=15&sort=recency"} {
			if !strings.Contains(a.Body, want) {
				t.Errorf("Alice's digest lacks %q:\n%s", want, a.Body)
			}
		}
		if strings.Index(a.Body, "Tonte") > strings.Index(a.Body, "guitare") {
			t.Errorf("the nearest comes first:\n%s", a.Body)
		}
		for _, not := range []string{"courses", "Bois de chauffage", "Aide informatique", "Avant", "Masquée", "En pause", "Ailleurs", "Bob"} {
			if strings.Contains(a.Body, not) {
				t.Errorf("Alice's digest holds %q:\n%s", not, a.Body)
			}
		}
		if z := to[zoe]; !strings.Contains(z.Body, "Ailleurs") || strings.Contains(z.Body, "Tonte") {
			t.Errorf("Zoé's digest:\n%s", z.Body)
		}
		if m := to[med]; !strings.Contains(m.Body, "Guitare") && !strings.Contains(m.Body, "guitare") {
			t.Errorf("the mediator of Grandvilliers misses the guitar lessons:\n%s", m.Body)
		}

		// Again the same week, even on another day: nothing more.
		for _, when := range []time.Time{now, day(15, 23)} {
			again, err := svc.Digest(ctx, when)
			if err != nil || again.Sent != 0 || again.Empty != 0 {
				t.Errorf("a second run on %v: %+v, %v", when, again, err)
			}
		}
		if n := len(sent(t, s)); n != len(got) {
			t.Errorf("%d emails after the second runs, want %d", n, len(got))
		}

		// Bob opts back in during the week: he gets its digest, once.
		if err := svc.SetDigest(ctx, bob, true, now); err != nil {
			t.Fatal(err)
		}
		if st, _ := svc.Settings(ctx, bob); !st.Digest || st.UpdatedAt == nil {
			t.Errorf("Bob's settings: %+v", st)
		}
		res, err = svc.Digest(ctx, now)
		if err != nil || res.Sent != 1 {
			t.Fatalf("after Bob opted in: %+v, %v", res, err)
		}
		b := sent(t, s)[len(got)]
		if b.To != bob || b.Subject != "Campagnon : 1 nouvelle annonce près de chez vous" || !strings.Contains(b.Body, "Quelqu'un pour mes courses ?") {
			t.Errorf("Bob's digest: %+v", b)
		}

		// The next week: Aide informatique, published on Tuesday 10.
		res, err = svc.Digest(ctx, day(16, 8))
		if err != nil || res.Week != "2026-W46" {
			t.Fatalf("next week: %+v, %v", res, err)
		}
		var next []string
		for _, e := range sent(t, s)[len(got)+1:] {
			next = append(next, e.To)
			if !strings.Contains(e.Body, "Aide informatique") {
				t.Errorf("W46 digest without the week's listing: %s", e.Body)
			}
		}
		slices.Sort(next)
		if want := []string{alice, bob, med}; !slices.Equal(next, want) {
			t.Errorf("W46 digests to %v, want %v", next, want)
		}
	})
}

// TestDigestAtomic: a digest is recorded with its email or not at all: when
// the outbox refuses, the next run sends it.
func TestDigestAtomic(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, s, o := fixture(t, tg, nil)
		ctx := context.Background()
		insertListings(t, s, week45[0])
		o.fail = true
		if _, err := svc.Digest(ctx, now); err == nil || !strings.Contains(err.Error(), "outbox refused") {
			t.Fatalf("Digest with the outbox refusing: %v", err)
		}
		var n int
		if err := s.DB().NewRaw("SELECT COUNT(*) FROM notify_digests").Scan(ctx, &n); err != nil || n != 0 {
			t.Fatalf("%d digests recorded without their email (%v)", n, err)
		}
		o.fail = false
		res, err := svc.Digest(ctx, now)
		if err != nil || res.Sent == 0 {
			t.Fatalf("after the outbox came back: %+v, %v", res, err)
		}
		if len(sent(t, s)) != res.Sent {
			t.Errorf("%d emails for %d digests", len(sent(t, s)), res.Sent)
		}
	})
}

// TestConcurrent: replicas running the jobs at once send each member's
// digest and each need's alert once.
func TestConcurrent(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		roles := staff{"essai-" + terr: {{User: adm, Role: authz.RoleTerritoryAdmin, Territory: "essai-" + terr}}}
		svc, s, _ := fixture(t, tg, roles)
		insertListings(t, s, week45...)
		insertListings(t, s, listing{"N1", terr, alice, "need", songeons, "published", "Besoin ancien", now.AddDate(0, 0, -10), false})
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 4 {
			wg.Go(func() {
				if _, err := svc.Digest(context.Background(), now); err != nil {
					errs <- err
				}
				if _, err := svc.Unanswered(context.Background(), now, 7); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		seen := map[string]bool{}
		alerts := 0
		for _, e := range sent(t, s) {
			if strings.Contains(e.Subject, "sans réponse") {
				alerts++
				continue
			}
			if seen[e.To] {
				t.Errorf("two digests to %s", e.To)
			}
			seen[e.To] = true
		}
		if alerts != 1 || !seen[alice] {
			t.Errorf("%d alerts (want 1), digests to %v", alerts, seen)
		}
	})
}

// TestDigestForgets: records older than DigestRetention are deleted.
func TestDigestForgets(t *testing.T) {
	svc, s, _ := fixture(t, storetest.New(t, "sqlite"), nil)
	ctx := context.Background()
	insertListings(t, s, week45[0])
	if _, err := svc.Digest(ctx, now); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Digest(ctx, now.Add(DigestRetention+8*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.DB().NewRaw("SELECT COUNT(*) FROM notify_digests WHERE week = '2026-W45'").Scan(ctx, &n); err != nil || n != 0 {
		t.Errorf("%d W45 records left 14 weeks later (%v)", n, err)
	}
}

// TestWeek: the digest covers the ISO week before now's, in Paris.
func TestWeek(t *testing.T) {
	tests := []struct {
		now      time.Time
		key      string
		from, to time.Time
	}{
		{day(11, 10), "2026-W45", day(2, 0), day(9, 0)},
		{day(9, 0), "2026-W45", day(2, 0), day(9, 0)},
		{day(8, 23), "2026-W44", time.Date(2026, 10, 26, 0, 0, 0, 0, paris), day(2, 0)},
		{time.Date(2026, 11, 8, 23, 30, 0, 0, time.UTC), "2026-W45", day(2, 0), day(9, 0)}, // Monday 00:30 in Paris
		{time.Date(2027, 1, 5, 12, 0, 0, 0, paris), "2026-W53", time.Date(2026, 12, 28, 0, 0, 0, 0, paris), time.Date(2027, 1, 4, 0, 0, 0, 0, paris)},
	}
	for _, tt := range tests {
		key, from, to := Week(tt.now)
		if key != tt.key || !from.Equal(tt.from) || !to.Equal(tt.to) {
			t.Errorf("Week(%v) = %s %v %v, want %s %v %v", tt.now, key, from, to, tt.key, tt.from, tt.to)
		}
	}
}

// TestUnanswered: the needs on line for more than N days without any
// request since their publication are told once to their territory's
// mediators and admins, one email each listing them, never their own; a
// territory without staff is reported and told once it has some.
func TestUnanswered(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		roles := staff{terr: {
			{User: med, Role: authz.RoleMediator, Territory: "essai-" + terr},
			{User: adm, Role: authz.RoleTerritoryAdmin, Territory: "essai-" + terr},
			{User: adm, Role: authz.RoleMediator, Territory: "essai-" + terr},
			{User: alice, Role: authz.RoleResident, Territory: "essai-" + terr},
		}}
		byslug := staff{}
		for k, v := range roles {
			byslug["essai-"+k] = v
		}
		svc, s, _ := fixture(t, tg, byslug)
		ctx := context.Background()
		old := now.AddDate(0, 0, -10)
		insertListings(t, s,
			listing{"N1", terr, alice, "need", songeons, "published", "Besoin d'aide pour le bois", old, false},    // alerted
			listing{"N2", terr, alice, "need", songeons, "published", "Déjà demandé", old, false},                  // has a request
			listing{"N3", terr, alice, "need", songeons, "published", "Trop récent", now.AddDate(0, 0, -3), false}, // too young
			listing{"N4", terr, bob, "need", gerberoy, "published", "Republié", old, false},                        // its request came before
			listing{"N5", terr, bob, "need", gerberoy, "published", "Masqué", old, true},                           // hidden
			listing{"N6", terr, bob, "need", gerberoy, "paused", "En pause", old, false},                           // paused
			listing{"N7", other, yann, "need", songeons, "published", "Chez Zoé", old, false},                      // no staff yet
			listing{"N8", terr, bob, "offer", gerberoy, "published", "Une offre", old, false},                      // an offer
			listing{"N9", terr, med, "need", grandvilliers, "published", "Le besoin de la médiatrice", old, false}, // not to herself
			listing{"N10", terr, bob, "need", gerberoy, "expired", "Expiré", old, false},                           // no longer on line
		)
		insertExchange(t, s, "X2", terr, "N2", old.Add(time.Hour))
		insertExchange(t, s, "X4", terr, "N4", old.Add(-time.Hour))

		if _, err := svc.Unanswered(ctx, now, 0); apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("0 days: %v", err)
		}
		if _, err := svc.Unanswered(ctx, now, MaxUnansweredDays+1); apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("%d days: %v", MaxUnansweredDays+1, err)
		}
		res, err := svc.Unanswered(ctx, now, 7)
		if err != nil {
			t.Fatal(err)
		}
		if res.Needs != 3 || res.Emails != 2 || !slices.Equal(res.NoStaff, []string{"essai-" + other}) {
			t.Errorf("result %+v, want 3 needs, 2 emails, no staff in essai-t-2", res)
		}
		got := sent(t, s)
		if len(got) != 2 {
			t.Fatalf("%d emails, want 2: %v", len(got), got)
		}
		for _, e := range got {
			switch e.To {
			case adm:
				if e.Subject != "Campagnon : 3 besoins sans réponse depuis 7 jours sur Territoire t-1" {
					t.Errorf("admin's subject: %q", e.Subject)
				}
				for _, want := range []string{"Besoin d'aide pour le bois (Songeons, publié le 01/11/2026)", "Republié", "Le besoin de la médiatrice",
					"https://campagnon.example/t/essai-t-1/annonces/N1", "https://campagnon.example/t/essai-t-1/bulletin"} {
					if !strings.Contains(e.Body, want) {
						t.Errorf("the admin's alert lacks %q:\n%s", want, e.Body)
					}
				}
			case med:
				if strings.Contains(e.Body, "Le besoin de la médiatrice") || !strings.Contains(e.Body, "Republié") {
					t.Errorf("the mediator's alert:\n%s", e.Body)
				}
			default:
				t.Errorf("an alert went to %s", e.To)
			}
			for _, not := range []string{"Déjà demandé", "Trop récent", "Masqué", "En pause", "Chez Zoé", "Une offre", "Expiré", "Alice", "Bob"} {
				if strings.Contains(e.Body, not) {
					t.Errorf("an alert holds %q:\n%s", not, e.Body)
				}
			}
		}

		// Again: nothing new; then Zoé's territory gets a mediator.
		again, err := svc.Unanswered(ctx, now.Add(time.Hour), 7)
		if err != nil || again.Needs != 0 || again.Emails != 0 || len(sent(t, s)) != 2 {
			t.Errorf("a second run: %+v, %v, %d emails", again, err, len(sent(t, s)))
		}
		byslug["essai-"+other] = []authz.Assignment{{User: zoe, Role: authz.RoleTerritoryAdmin, Territory: "essai-" + other}}
		res, err = svc.Unanswered(ctx, now.Add(2*time.Hour), 7)
		if err != nil || res.Needs != 1 || res.Emails != 1 || len(res.NoStaff) != 0 {
			t.Errorf("once Zoé is admin: %+v, %v", res, err)
		}
		if last := sent(t, s)[2]; last.To != zoe || !strings.Contains(last.Body, "Chez Zoé") || !strings.HasPrefix(last.Subject, "Campagnon : un besoin sans réponse") {
			t.Errorf("Zoé's alert: %+v", last)
		}
	})
}

// TestSettingsPrivacy: the settings default to the digest on; the export
// holds them and the digests sent; erasure deletes both.
func TestSettingsPrivacy(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		svc, s, _ := fixture(t, tg, nil)
		ctx := context.Background()
		if st, err := svc.Settings(ctx, alice); err != nil || !st.Digest || st.UpdatedAt != nil {
			t.Errorf("default settings: %+v, %v", st, err)
		}
		insertListings(t, s, week45[0])
		if _, err := svc.Digest(ctx, now); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetDigest(ctx, alice, false, now); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetDigest(ctx, alice, false, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		ex, err := svc.Export(ctx, s.DB(), alice)
		if err != nil {
			t.Fatal(err)
		}
		type export = struct {
			Settings Settings    `json:"settings"`
			Digests  []digestRow `json:"digests"`
		}
		e := ex.(export)
		if e.Settings.Digest || len(e.Digests) != 1 || e.Digests[0].Week != "2026-W45" || e.Digests[0].Listings != 1 {
			t.Errorf("export: %+v", e)
		}
		err = s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error { return svc.Erase(ctx, tx, alice, now) })
		if err != nil {
			t.Fatal(err)
		}
		ex, _ = svc.Export(ctx, s.DB(), alice)
		if e := ex.(export); !e.Settings.Digest || len(e.Digests) != 0 {
			t.Errorf("after erasure: %+v", e)
		}
	})
}
