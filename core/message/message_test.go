package message

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// Fixture: two territories; a seeker, a provider, a third member and a
// mediator of the first.
const (
	terr     = "t-1"
	other    = "t-2"
	seeker   = "0190a000-0000-7000-8000-000000000001"
	provider = "0190a000-0000-7000-8000-000000000002"
	third    = "0190a000-0000-7000-8000-000000000003"
	medi     = "0190a000-0000-7000-8000-000000000004"
)

// notes is a Notifier that keeps who was told what; fail makes it refuse.
type notes struct {
	mu     sync.Mutex
	to     []string
	bodies []string
	fail   error
}

func (n *notes) NotifyTx(_ context.Context, _ bun.Tx, accountID, subject, body string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.to, n.bodies = append(n.to, accountID), append(n.bodies, subject+"\n"+body)
	return nil
}

// count returns how many emails accountID got.
func (n *notes) count(accountID string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, to := range n.to {
		if to == accountID {
			c++
		}
	}
	return c
}

type fixture struct {
	svc   *Service
	store *store.Store
	notes *notes
	now   *time.Time
	seq   int
}

// open migrates a database on tg with the fixture's territories and members.
func open(t *testing.T, tg storetest.Target) *fixture {
	t.Helper()
	ctx := context.Background()
	s := schematest.Open(t, tg)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, id := range []string{terr, other} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO territories (id, slug, name, kind, population, commune_count, created_at, updated_at)
				VALUES (?, ?, 'Essai', 'custom', 10, 1, ?, ?)`, id, "essai-"+id, now, now); err != nil {
				return err
			}
		}
		for _, id := range []string{seeker, provider, third, medi} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, password_hash, display_name, commune, territory_id, created_at, updated_at)
				VALUES (?, ?, 'x', 'x', '60620', ?, ?, ?)`, id, id+"@example.fr", terr, now, now); err != nil {
				return err
			}
		}
		for _, tid := range []string{terr, other} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO listings (id, territory_id, owner_id, kind, category, modality, title, description,
				modes, price_kind, commune, availability, availability_note, status, created_at, updated_at)
				VALUES (?, ?, ?, 'offer', 'jardinage', 'resident', 'Tonte', 'Tonte', 'free', 'free', '60620', '[]', '', 'published', ?, ?)`,
				"listing-"+tid, tid, provider, now, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: s, notes: &notes{}, now: &now}
	f.svc = NewService(s, f.notes, "https://campagnon.example/", func() time.Time { return *f.now })
	return f
}

// exchange stores an exchange between seeker and provider in territory
// tid, in state st since updated.
func (f *fixture) exchange(t *testing.T, tid string, st exchange.State, updated time.Time) *exchange.Exchange {
	t.Helper()
	f.seq++
	x := &exchange.Exchange{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", f.seq), TerritoryID: tid, ListingID: "listing-" + tid,
		SeekerID: seeker, ProviderID: provider, Initiator: exchange.Seeker, Category: "jardinage", Modality: "resident",
		Mode: "free", Minutes: 60, Occurrences: 1, FromCommune: "60620", ToCommune: "60620", State: st, Version: 1,
		CreatedAt: updated, UpdatedAt: updated}
	err := f.store.WriteTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(x).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return apperr.As(err).Code
}

// unread returns reader's total of unread messages in territory tid.
func (f *fixture) unread(t *testing.T, tid, reader string) int {
	t.Helper()
	u, err := f.svc.Unread(context.Background(), tid, reader)
	if err != nil {
		t.Fatal(err)
	}
	return u.Total
}

func TestCheckBody(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", MaxBody)
	tests := []struct {
		name, in, want, code string
	}{
		{"plain", "Bonjour, je peux venir samedi.", "Bonjour, je peux venir samedi.", ""},
		{"trimmed", "  \n Bonjour \n\n", "Bonjour", ""},
		{"line ends kept, CRLF made LF", "Bonjour,\r\nà samedi\rJeanne", "Bonjour,\nà samedi\nJeanne", ""},
		{"longest", long, long, ""},
		{"longest after trimming", " " + long + "\n", long, ""},
		{"empty", "", "", "message_empty"},
		{"blanks only", " \n\r\n ", "", "message_empty"},
		{"too long", long + "e", "", "message_too_long"},
		{"tab", "Bonjour\tJeanne", "", "message_control"},
		{"nul", "Bonjour\x00", "", "message_control"},
		{"escape", "Bonjour \x1b[31mrouge", "", "message_control"},
		{"C1 control", "Bonjour \u0085 Jeanne", "", "message_control"},
		{"bidi override", "facture\u202Efdp.exe", "", "message_control"},
		{"bidi isolate", "a\u2066b", "", "message_control"},
		{"invalid UTF-8", "Bonjour \xff", "", "message_encoding"},
		{"emoji", "Merci 🙂", "Merci 🙂", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckBody(tt.in)
			if code(err) != tt.code || got != tt.want {
				t.Errorf("CheckBody(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.code)
			}
			if err != nil && (apperr.As(err).Message == "" || apperr.As(err).MessageEN == "") {
				t.Errorf("%s: no French or English message: %+v", tt.name, apperr.As(err))
			}
		})
	}
}

// FuzzCheckBody: what CheckBody accepts is trimmed, within bounds, free of
// control characters but line ends, and accepted again unchanged.
func FuzzCheckBody(f *testing.F) {
	for _, s := range []string{"Bonjour", " a\r\nb ", "\t", "\u202e", strings.Repeat("é", MaxBody+1), "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := CheckBody(in)
		if err != nil {
			return
		}
		if got != strings.TrimSpace(got) || got == "" || len([]rune(got)) > MaxBody || strings.ContainsAny(got, "\r\t\x00") {
			t.Fatalf("CheckBody(%q) accepted %q", in, got)
		}
		if again, err := CheckBody(got); err != nil || again != got {
			t.Fatalf("CheckBody(%q) = %q, %v; not stable", got, again, err)
		}
	})
}

// TestThreadJourney: the seeker writes three messages, the provider is
// emailed once; the provider reads page by page and the unread count
// follows; a reply notifies the seeker; an hour later a new message
// notifies again; someone else is refused; counts stay in their territory.
func TestThreadJourney(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := open(t, tg)
		ctx := context.Background()
		x := f.exchange(t, terr, exchange.Requested, *f.now)
		elsewhere := f.exchange(t, other, exchange.Requested, *f.now)

		for i, body := range []string{"Bonjour, votre offre m'intéresse.", "Je suis libre samedi.", "  Mon portail est vert.\n"} {
			m, err := f.svc.Send(ctx, x, seeker, "", body)
			if err != nil {
				t.Fatal(err)
			}
			if m.Seq != int64(i+1) || m.AuthorID != seeker || m.MediatorID != nil || m.Body != strings.TrimSpace(body) {
				t.Fatalf("message %d = %+v", i, m)
			}
		}
		if _, err := f.svc.Send(ctx, elsewhere, seeker, "", "Ailleurs"); err != nil {
			t.Fatal(err)
		}
		if got := f.notes.count(provider); got != 2 {
			t.Fatalf("the provider got %d emails, want one per exchange", got)
		}
		if b := f.notes.bodies[0]; !strings.Contains(b, "https://campagnon.example/t/essai-t-1/echanges/"+x.ID) ||
			strings.Contains(b, "portail") || strings.Contains(b, "m'intéresse") {
			t.Errorf("the email: %s", b)
		}
		for _, tt := range []struct {
			reader, territory string
			want              int
		}{{provider, terr, 3}, {provider, other, 1}, {seeker, terr, 0}, {third, terr, 0}} {
			if got := f.unread(t, tt.territory, tt.reader); got != tt.want {
				t.Errorf("unread of %s in %s = %d, want %d", tt.reader, tt.territory, got, tt.want)
			}
		}
		for _, who := range []string{third, medi} {
			if _, err := f.svc.Send(ctx, x, who, "", "Bonjour"); code(err) != "message_not_party" {
				t.Errorf("%s wrote in another's thread: %v", who, err)
			}
			if _, err := f.svc.Thread(ctx, x, who, Page{}); code(err) != "message_not_party" {
				t.Errorf("%s read another's thread: %v", who, err)
			}
		}

		page, err := f.svc.Thread(ctx, x, provider, Page{Limit: 2})
		if err != nil || len(page.Messages) != 2 || page.NextAfter == nil || *page.NextAfter != 2 || page.Messages[0].Seq != 1 {
			t.Fatalf("first page = %+v, %v", page, err)
		}
		if got := f.unread(t, terr, provider); got != 1 {
			t.Errorf("after the first page, %d unread, want 1", got)
		}
		// Reading the first page again does not unread the rest nor move back.
		if _, err := f.svc.Thread(ctx, x, provider, Page{Limit: 1}); err != nil {
			t.Fatal(err)
		}
		if got := f.unread(t, terr, provider); got != 1 {
			t.Errorf("after reading an old page, %d unread, want 1", got)
		}
		page, err = f.svc.Thread(ctx, x, provider, Page{After: *page.NextAfter, Limit: 2})
		if err != nil || len(page.Messages) != 1 || page.NextAfter != nil || page.Messages[0].Body != "Mon portail est vert." {
			t.Fatalf("last page = %+v, %v", page, err)
		}
		if got := f.unread(t, terr, provider); got != 0 {
			t.Errorf("after reading everything, %d unread", got)
		}

		if _, err := f.svc.Send(ctx, x, provider, "", "Samedi 10 h, c'est noté."); err != nil {
			t.Fatal(err)
		}
		if f.notes.count(seeker) != 1 || f.unread(t, terr, seeker) != 1 {
			t.Errorf("the reply: %d emails, %d unread for the seeker", f.notes.count(seeker), f.unread(t, terr, seeker))
		}
		// Within the hour: no email; an hour after the last one: one more.
		*f.now = f.now.Add(59 * time.Minute)
		if _, err := f.svc.Send(ctx, x, seeker, "", "Parfait."); err != nil || f.notes.count(provider) != 2 {
			t.Fatalf("59 minutes later: %d emails (%v)", f.notes.count(provider), err)
		}
		*f.now = f.now.Add(time.Minute)
		if _, err := f.svc.Send(ctx, x, seeker, "", "À samedi !"); err != nil || f.notes.count(provider) != 3 {
			t.Fatalf("an hour later: %d emails (%v)", f.notes.count(provider), err)
		}
		page, err = f.svc.Thread(ctx, x, seeker, Page{})
		if err != nil || len(page.Messages) != 6 {
			t.Fatalf("whole thread = %+v, %v", page, err)
		}
		for i, m := range page.Messages {
			if m.Seq != int64(i+1) {
				t.Errorf("message %d has seq %d", i, m.Seq)
			}
		}
	})
}

// TestThreadClosesAfterFinalState: a thread accepts messages until
// ThreadOpenAfterFinal after a final state, and always while the exchange
// is alive.
func TestThreadClosesAfterFinalState(t *testing.T) {
	f := open(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	day := 24 * time.Hour
	tests := []struct {
		state exchange.State
		since time.Duration
		code  string
	}{
		{exchange.Requested, 0, ""},
		{exchange.Requested, 60 * day, ""},
		{exchange.Confirmed, 60 * day, ""},
		{exchange.Disputed, 60 * day, ""},
		{exchange.Declined, 29 * day, ""},
		{exchange.Declined, ThreadOpenAfterFinal, ""},
		{exchange.Declined, ThreadOpenAfterFinal + time.Second, "message_thread_closed"},
		{exchange.Expired, 31 * day, "message_thread_closed"},
		{exchange.Cancelled, 31 * day, "message_thread_closed"},
		{exchange.Reviewed, 31 * day, "message_thread_closed"},
		{exchange.Resolved, 31 * day, "message_thread_closed"},
	}
	for _, tt := range tests {
		x := f.exchange(t, terr, tt.state, f.now.Add(-tt.since))
		_, err := f.svc.Send(ctx, x, provider, "", "Merci encore !")
		if code(err) != tt.code {
			t.Errorf("%s for %s: %v, want %q", tt.state, tt.since, err, tt.code)
		}
		if tt.code != "" && apperr.As(err).Kind != apperr.KindConflict {
			t.Errorf("%s: kind %v", tt.state, apperr.As(err).Kind)
		}
		// A closed thread is still read.
		if page, err := f.svc.Thread(ctx, x, seeker, Page{}); err != nil || (tt.code == "") != (len(page.Messages) == 1) {
			t.Errorf("%s: thread %+v, %v", tt.state, page, err)
		}
	}
}

// TestSendIsAtomicWithItsEmail: when the email cannot be enqueued, the
// message is not stored either.
func TestSendIsAtomicWithItsEmail(t *testing.T) {
	f := open(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	x := f.exchange(t, terr, exchange.Requested, *f.now)
	f.notes.fail = errors.New("outbox unavailable")
	if _, err := f.svc.Send(ctx, x, seeker, "", "Bonjour"); err == nil {
		t.Fatal("Send succeeded without its email")
	}
	if got := f.unread(t, terr, provider); got != 0 {
		t.Fatalf("a message was stored without its email: %d unread", got)
	}
	f.notes.fail = nil
	if _, err := f.svc.Send(ctx, x, seeker, "", "Bonjour"); err != nil || f.notes.count(provider) != 1 {
		t.Fatalf("after the outbox came back: %v, %d emails", err, f.notes.count(provider))
	}
}

// TestMediatorAndErasure: a mediator writes for the seeker (recorded); the
// seeker's export holds their messages; erasure clears what they wrote and
// keeps the thread's order and the other party's words.
func TestMediatorAndErasure(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := open(t, tg)
		ctx := context.Background()
		x := f.exchange(t, terr, exchange.Accepted, *f.now)
		m, err := f.svc.Send(ctx, x, seeker, medi, "Madame Lenoir vous attend mardi.")
		if err != nil || m.MediatorID == nil || *m.MediatorID != medi || m.AuthorID != seeker {
			t.Fatalf("mediated message = %+v, %v", m, err)
		}
		if !strings.Contains(f.notes.bodies[0], "médiateur") {
			t.Errorf("the email does not say a mediator helped: %s", f.notes.bodies[0])
		}
		if _, err := f.svc.Send(ctx, x, provider, "", "Très bien, à mardi."); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Thread(ctx, x, seeker, Page{}); err != nil {
			t.Fatal(err)
		}
		exp, err := f.svc.Export(ctx, f.store.DB(), seeker)
		if err != nil {
			t.Fatal(err)
		}
		if s := fmt.Sprintf("%+v", exp); !strings.Contains(s, "Lenoir") || strings.Contains(s, "à mardi") || !strings.Contains(s, "LastReadSeq:2") {
			t.Errorf("export = %s", s)
		}
		err = f.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error { return f.svc.Erase(ctx, tx, seeker, *f.now) })
		if err != nil {
			t.Fatal(err)
		}
		page, err := f.svc.Thread(ctx, x, provider, Page{})
		if err != nil || len(page.Messages) != 2 {
			t.Fatalf("thread after erasure = %+v, %v", page, err)
		}
		if a, b := page.Messages[0], page.Messages[1]; a.Body != "" || !a.Erased || a.Seq != 1 || b.Body != "Très bien, à mardi." || b.Erased {
			t.Errorf("thread after erasure: %+v", page.Messages)
		}
		var markers int64
		if markers, err = f.store.DB().NewSelect().Model((*readMarker)(nil)).Where("reader_id = ?", seeker).Count(ctx); err != nil || markers != 0 {
			t.Errorf("%d read markers of the erased member (%v)", markers, err)
		}
	})
}

// TestConcurrentSendsHammer: both parties write at once from many
// goroutines; every message gets its own place in the thread, numbered
// without gap, and each party is emailed once.
func TestConcurrentSendsHammer(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		f := open(t, tg)
		ctx := context.Background()
		x := f.exchange(t, terr, exchange.Accepted, *f.now)
		const P, N = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, P*N)
		start := make(chan struct{})
		for p := range P {
			who := []string{seeker, provider}[p%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := range N {
					if _, err := f.svc.Send(ctx, x, who, "", fmt.Sprintf("message %d-%d", p, i)); err != nil {
						errs <- err
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var seqs []int64
		if err := f.store.DB().NewSelect().Model((*Message)(nil)).Column("seq").Where("exchange_id = ?", x.ID).OrderExpr("seq").Scan(ctx, &seqs); err != nil {
			t.Fatal(err)
		}
		if len(seqs) != P*N {
			t.Fatalf("%d messages stored, want %d", len(seqs), P*N)
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("seq %d at position %d", s, i)
			}
		}
		if f.notes.count(seeker) != 1 || f.notes.count(provider) != 1 {
			t.Errorf("emails: seeker %d, provider %d; want one each", f.notes.count(seeker), f.notes.count(provider))
		}
		if got := f.unread(t, terr, provider); got != P*N/2 {
			t.Errorf("provider has %d unread, want %d", got, P*N/2)
		}
	})
}
