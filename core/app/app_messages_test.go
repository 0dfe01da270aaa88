package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// threadOf decodes a page of a thread.
type threadOf struct {
	Messages []struct {
		ID         string
		Seq        int64
		AuthorID   string `json:"author_id"`
		MediatorID string `json:"mediator_id"`
		Body       string
		Erased     bool
	}
	NextAfter *int64 `json:"next_after"`
}

func decodeThread(t *testing.T, b string) threadOf {
	t.Helper()
	var th threadOf
	if err := json.Unmarshal([]byte(b), &th); err != nil {
		t.Fatalf("not a thread: %s (%v)", b, err)
	}
	return th
}

// unreadOf returns the total of GET /me/unread and the count of exchange id.
func unreadOf(t *testing.T, a *app.App, slug string, headers map[string]string, id string) (total, of int) {
	t.Helper()
	var u struct {
		Total     int
		Exchanges []struct {
			ExchangeID string `json:"exchange_id"`
			Count      int
		}
	}
	if err := json.Unmarshal([]byte(mustCall(t, a, "GET", "/api/v1/t/"+slug+"/me/unread", "", headers, 200)), &u); err != nil {
		t.Fatal(err)
	}
	for _, e := range u.Exchanges {
		if e.ExchangeID == id {
			of = e.Count
		}
	}
	return u.Total, of
}

// messageEmails returns the emails about new messages sent to address.
func messageEmails(t *testing.T, a *app.App, address string) []string {
	t.Helper()
	msgs, err := a.Accounts.Outbox(context.Background(), address, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if strings.Contains(m.Subject, "nouveau message") {
			out = append(out, m.Body)
		}
	}
	return out
}

// TestMessagesJourney: a seeker requests a neighbour's offer and writes a
// first message right after; the provider gets one email however many
// messages follow, sees them unread, reads them page by page; a reply
// notifies the seeker; a mediator writes for the seeker under a consent
// and is recorded; nobody else reads or writes the thread, and nothing
// crosses territories.
func TestMessagesJourney(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		alice := member(t, a, "alice@example.fr", "Songeons")
		bob := member(t, a, "bob@example.fr", "Formerie")
		bobID := memberID(t, a, bob)
		offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", offer(true), alice, 201))
		x := decodeExchange(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges",
			`{"listing_id":"`+offerID+`","mode":"free","minutes":60}`, bob, 201))
		path := "/api/v1/t/picardie-verte/exchanges/" + x.ID + "/messages"

		// The first-contact message, then two more.
		for i, body := range []string{"Bonjour, votre offre de tonte m'intéresse.", "Je suis libre samedi matin.", "Le portail est vert."} {
			var m struct {
				Seq      int64
				AuthorID string `json:"author_id"`
				Body     string
			}
			if err := json.Unmarshal([]byte(mustCall(t, a, "POST", path, `{"body":"`+body+`"}`, bob, 201)), &m); err != nil ||
				m.Seq != int64(i+1) || m.AuthorID != bobID || m.Body != body {
				t.Fatalf("message %d = %+v (%v)", i, m, err)
			}
		}
		emails := messageEmails(t, a, "alice@example.fr")
		if len(emails) != 1 {
			t.Fatalf("the provider got %d emails for three messages, want 1", len(emails))
		}
		if !strings.Contains(emails[0], "/t/picardie-verte/echanges/"+x.ID) || strings.Contains(emails[0], "portail") {
			t.Errorf("the email: %s", emails[0])
		}
		for _, bad := range []struct{ body, code string }{
			{`{"body":"   "}`, "message_empty"},
			{`{"body":"` + strings.Repeat("a", 2001) + `"}`, "message_too_long"},
			{`{"body":"a\tb"}`, "message_control"},
			{`{"body":"Bonjour","to":"x"}`, "body_unknown_field"},
		} {
			if b := mustCall(t, a, "POST", path, bad.body, bob, 400); codeOf(b) != bad.code {
				t.Errorf("POST %.40s: %s, want %s", bad.body, b, bad.code)
			}
		}
		mustCall(t, a, "GET", path+"?after=-1", "", alice, 400)
		mustCall(t, a, "GET", path+"?limit=0", "", alice, 400)

		if total, of := unreadOf(t, a, "picardie-verte", alice, x.ID); total != 3 || of != 3 {
			t.Fatalf("the provider's unread: %d, %d for the exchange; want 3", total, of)
		}
		if total, _ := unreadOf(t, a, "picardie-verte", bob, x.ID); total != 0 {
			t.Errorf("the seeker's own messages count as unread: %d", total)
		}
		th := decodeThread(t, mustCall(t, a, "GET", path+"?limit=2", "", alice, 200))
		if len(th.Messages) != 2 || th.NextAfter == nil || *th.NextAfter != 2 || th.Messages[0].Body != "Bonjour, votre offre de tonte m'intéresse." {
			t.Fatalf("first page: %+v", th)
		}
		if total, _ := unreadOf(t, a, "picardie-verte", alice, x.ID); total != 1 {
			t.Errorf("after the first page, %d unread, want 1", total)
		}
		th = decodeThread(t, mustCall(t, a, "GET", path+"?after=2", "", alice, 200))
		if len(th.Messages) != 1 || th.NextAfter != nil || th.Messages[0].Seq != 3 {
			t.Fatalf("second page: %+v", th)
		}
		if total, _ := unreadOf(t, a, "picardie-verte", alice, x.ID); total != 0 {
			t.Errorf("after reading the thread, %d unread", total)
		}
		mustCall(t, a, "POST", path, `{"body":"Samedi 10 h, c'est noté."}`, alice, 201)
		if n := len(messageEmails(t, a, "bob@example.fr")); n != 1 {
			t.Errorf("the seeker got %d emails for the reply, want 1", n)
		}
		if total, of := unreadOf(t, a, "picardie-verte", bob, x.ID); total != 1 || of != 1 {
			t.Errorf("the seeker's unread after the reply: %d, %d", total, of)
		}

		// A mediator writes for the seeker once he consented, and is recorded.
		op := operator(t, a)
		medi := member(t, a, "mairie@example.fr", "Songeons")
		mediID := memberID(t, a, medi)
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/roles", `{"account_id":"`+mediID+`","role":"mediator"}`, op, 200)
		act := with(medi, "X-Act-For", bobID)
		if b := mustCall(t, a, "POST", path, `{"body":"Il viendra avec sa fille."}`, act, 403); codeOf(b) != "no_consent" {
			t.Errorf("a mediator wrote without consent: %s", b)
		}
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/mediation/consents", `{"resident_id":"`+bobID+`","scope":["message"],"method":"phone"}`, medi, 201)
		mustCall(t, a, "POST", path, `{"body":"Il viendra avec sa fille."}`, act, 201)
		// Without X-Act-For, the thread is not the mediator's.
		mustCall(t, a, "GET", path, "", medi, 404)
		th = decodeThread(t, mustCall(t, a, "GET", path, "", act, 200))
		last := th.Messages[len(th.Messages)-1]
		if len(th.Messages) != 5 || last.AuthorID != bobID || last.MediatorID != mediID || last.Body != "Il viendra avec sa fille." {
			t.Fatalf("the thread after the mediator wrote: %+v", th)
		}
		if b := mustCall(t, a, "GET", "/api/v1/me/mediation", "", bob, 200); !strings.Contains(b, `"object":"message"`) {
			t.Errorf("the seeker does not see what the mediator did: %s", b)
		}

		// Nobody else reads or writes it; nothing crosses territories.
		carol := member(t, a, "carol@example.fr", "Songeons")
		mustCall(t, a, "GET", path, "", carol, 404)
		mustCall(t, a, "POST", path, `{"body":"Bonjour"}`, carol, 404)
		if total, _ := unreadOf(t, a, "picardie-verte", carol, x.ID); total != 0 {
			t.Errorf("a third member has %d unread", total)
		}
		ps := member(t, a, "ps@example.fr", "45006")
		other := strings.Replace(path, "picardie-verte", "portes-de-sologne", 1)
		mustCall(t, a, "GET", other, "", ps, 404)
		mustCall(t, a, "POST", other, `{"body":"Bonjour"}`, ps, 404)
		mustCall(t, a, "GET", other, "", alice, 403)
		mustCall(t, a, "GET", path, "", ps, 403)
	})
}

// TestErasureClearsMessages: a member who wrote in a thread exports their
// messages, then erases their account: no row holds what they wrote; the
// other party's thread keeps its order and their own reply.
func TestErasureClearsMessages(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		alice := member(t, a, "alice@example.fr", "Songeons")
		const secret = "Le code du portail est 48-27-Zephyrine."
		me := member(t, a, "zephyrine@example.fr", "Formerie")
		offerID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings", offer(true), alice, 201))
		x := decodeExchange(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/exchanges",
			`{"listing_id":"`+offerID+`","mode":"free","minutes":60}`, me, 201))
		path := "/api/v1/t/picardie-verte/exchanges/" + x.ID + "/messages"
		mustCall(t, a, "POST", path, `{"body":"`+secret+`"}`, me, 201)
		mustCall(t, a, "POST", path, `{"body":"Bien reçu, merci."}`, alice, 201)
		mustCall(t, a, "GET", path, "", me, 200)

		if b := mustCall(t, a, "GET", "/api/v1/me/data", "", me, 200); !strings.Contains(b, `"name":"messages"`) || !strings.Contains(b, secret) ||
			strings.Contains(b, "Bien reçu") {
			t.Errorf("the export's messages: %s", b)
		}
		if !strings.Contains(dumpDatabase(t, a), "48-27-Zephyrine") {
			t.Fatal("the message is not in the database before erasure")
		}
		mustCall(t, a, "POST", "/api/v1/me/erase", `{"password":"bocage-verger-2026","confirm":"SUPPRIMER"}`, me, 200)
		if dump := dumpDatabase(t, a); strings.Contains(dump, "48-27-Zephyrine") {
			t.Errorf("after erasure the database still holds the message")
		}
		th := decodeThread(t, mustCall(t, a, "GET", path, "", alice, 200))
		if len(th.Messages) != 2 || !th.Messages[0].Erased || th.Messages[0].Body != "" || th.Messages[0].Seq != 1 ||
			th.Messages[1].Body != "Bien reçu, merci." || th.Messages[1].Erased {
			t.Errorf("the other party's thread after erasure: %+v", th)
		}
	})
}
