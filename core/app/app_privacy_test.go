package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// with returns headers plus extra ones.
func with(headers map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range headers {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// mustCall calls and fails the test unless the answer has the status.
func mustCall(t *testing.T, a *app.App, method, path, body string, headers map[string]string, status int) string {
	t.Helper()
	got, b, _ := call(t, a, method, path, body, headers)
	if got != status {
		t.Fatalf("%s %s = %d %s, want %d", method, path, got, b, status)
	}
	return b
}

const quoteBody = `{"category":"mobilite","modality":"resident","mode":"time_credits","minutes":45}`

// TestNothingOfAnotherTerritory: a new user of Picardie Verte can neither
// see nor touch anything of Portes de Sologne; an object of another
// territory answers 404 even to a territory admin.
func TestNothingOfAnotherTerritory(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	pv := member(t, a, "nouvelle@example.fr", "Songeons")
	ps := member(t, a, "solognot@example.fr", "45006")
	psID := memberID(t, a, ps)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/v1/t/portes-de-sologne/membership", ""},
		{"GET", "/api/v1/t/portes-de-sologne/members", ""},
		{"GET", "/api/v1/t/portes-de-sologne/members/" + psID, ""},
		{"POST", "/api/v1/t/portes-de-sologne/quotes", quoteBody},
		{"GET", "/api/v1/t/portes-de-sologne/mediation", ""},
		{"POST", "/api/v1/t/portes-de-sologne/policies", `{"role":"resident","object":"listing","action":"feature"}`},
	} {
		if status, b, _ := call(t, a, r.method, r.path, r.body, pv); status != 403 || codeOf(b) != "not_allowed" {
			t.Errorf("%s %s as a member of Picardie Verte = %d %s", r.method, r.path, status, b)
		}
	}
	// A Picardie Verte admin asks for a Portes de Sologne member through
	// their own territory: not found, as if it did not exist.
	admin := member(t, a, "admin-pv@example.fr", "Songeons")
	op := member(t, a, "op@example.fr", "Songeons")
	opID := memberID(t, a, op)
	if err := a.Authz.Bootstrap(ctx, opID); err != nil {
		t.Fatal(err)
	}
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/roles", `{"account_id":"`+memberID(t, a, admin)+`","role":"territory_admin"}`, op, 200)
	if status, b, _ := call(t, a, "GET", "/api/v1/t/picardie-verte/members/"+psID, "", admin); status != 404 {
		t.Errorf("another territory's member through mine = %d %s, want 404", status, b)
	}
	if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/members?q=solognot", "", admin, 200); strings.Contains(b, "solognot") {
		t.Errorf("a member search shows another territory's member: %s", b)
	}
	// The admin may not make themselves national, nor edit another territory.
	if status, b, _ := call(t, a, "POST", "/api/v1/t/picardie-verte/roles", `{"account_id":"`+memberID(t, a, admin)+`","role":"national_operator"}`, admin); status != 403 || codeOf(b) != "change_not_allowed" {
		t.Errorf("admin made themselves national operator: %d %s", status, b)
	}
	if status, _, _ := call(t, a, "POST", "/api/v1/t/portes-de-sologne/policies", `{"role":"resident","object":"listing","action":"feature"}`, admin); status != 403 {
		t.Errorf("admin of Picardie Verte edited Portes de Sologne's policies: %d", status)
	}
}

// TestAdminsEditPoliciesAudited: a territory admin adds a right to its
// territory over HTTP; it takes effect at once, appears in the audit log
// with its author, and can be removed.
func TestAdminsEditPoliciesAudited(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	op := operator(t, a)
	admin := member(t, a, "admin@example.fr", "Songeons")
	adminID := memberID(t, a, admin)
	resident := member(t, a, "habitant@example.fr", "Songeons")
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/roles", `{"account_id":"`+adminID+`","role":"territory_admin"}`, op, 200)

	if status, _, _ := call(t, a, "GET", "/api/v1/t/picardie-verte/policies", "", resident); status != 403 {
		t.Fatalf("a resident read the policies: %d", status)
	}
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/policies", `{"role":"resident","object":"policy","action":"read"}`, admin, 403)
	b := mustCall(t, a, "POST", "/api/v1/t/picardie-verte/policies", `{"role":"resident","object":"audit","action":"read"}`, admin, 403)
	if codeOf(b) != "change_not_allowed" {
		t.Errorf("widening the audit right: %s", b)
	}
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/policies", `{"role":"resident","object":"observatory","action":"read"}`, admin, 200)
	if ok, _ := a.Authz.Allowed(memberID(t, a, resident), "picardie-verte", "observatory", "read"); !ok {
		t.Error("the new right is not in force")
	}
	if ok, _ := a.Authz.Allowed(memberID(t, a, resident), "portes-de-sologne", "observatory", "read"); ok {
		t.Error("the new right leaked to another territory")
	}
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/policies", `{"role":"resident","object":"observatory","action":"read","territory":"*"}`, admin, 400)
	mustCall(t, a, "DELETE", "/api/v1/t/picardie-verte/policies/resident/observatory/read", "", admin, 200)
	b = mustCall(t, a, "GET", "/api/v1/t/picardie-verte/audit", "", admin, 200)
	var audit struct {
		Changes []struct {
			Actor, Action, PType, V0, V1, V2, V3 string
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(b), &audit); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, c := range audit.Changes {
		if c.Actor == adminID && c.V2 == "observatory" {
			seen = append(seen, c.Action)
		}
	}
	if strings.Join(seen, ",") != "remove,add" {
		t.Errorf("audit of the admin's changes = %v in %s", seen, b)
	}
}

// TestMediatorActsForConsentingResident: a mediator records a resident's
// consent, acts for them, the resident sees "done by X for Y" and revokes;
// the mediator can no longer act.
func TestMediatorActsForConsentingResident(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		a := openApp(t, tg)
		op := operator(t, a)
		medi := member(t, a, "mairie@example.fr", "Songeons")
		mediID := memberID(t, a, medi)
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/roles", `{"account_id":"`+mediID+`","role":"mediator"}`, op, 200)
		resident := member(t, a, "jeanne@example.fr", "Songeons")
		residentID := memberID(t, a, resident)
		other := member(t, a, "autre@example.fr", "45006")
		otherID := memberID(t, a, other)

		act := with(medi, "X-Act-For", residentID)
		b := mustCall(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, act, 403)
		if codeOf(b) != "no_consent" {
			t.Errorf("acting without consent: %s", b)
		}
		for _, bad := range []struct{ body, code string }{
			{`{"resident_id":"` + residentID + `","scope":["rules"],"method":"email"}`, "consent_method"},
			{`{"resident_id":"` + residentID + `","scope":["everything"],"method":"phone"}`, "consent_scope"},
			{`{"resident_id":"` + residentID + `","scope":[],"method":"phone"}`, "consent_scope"},
			{`{"resident_id":"` + residentID + `","scope":["rules"],"method":"phone","given_at":"2099-01-01T00:00:00Z"}`, "consent_given_at"},
			{`{"resident_id":"` + otherID + `","scope":["rules"],"method":"phone"}`, "resident_not_found"},
			{`{"resident_id":"` + mediID + `","scope":["rules"],"method":"phone"}`, "consent_self"},
		} {
			if status, b, _ := call(t, a, "POST", "/api/v1/t/picardie-verte/mediation/consents", bad.body, medi); status < 400 || codeOf(b) != bad.code {
				t.Errorf("consent %s = %d %s, want %s", bad.body, status, b, bad.code)
			}
		}
		// A consent for listings only does not cover quotes.
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/mediation/consents", `{"resident_id":"`+residentID+`","scope":["listing"],"method":"paper"}`, medi, 201)
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, act, 403)
		b = mustCall(t, a, "POST", "/api/v1/t/picardie-verte/mediation/consents", `{"resident_id":"`+residentID+`","scope":["rules","listing"],"method":"phone","days":30}`, medi, 201)
		var consent struct{ ID string }
		_ = json.Unmarshal([]byte(b), &consent)
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, act, 201)
		// Acting for someone else than the consenting resident fails.
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, with(medi, "X-Act-For", otherID), 403)
		// A resident cannot act for another.
		if status, b, _ := call(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, with(resident, "X-Act-For", mediID)); status != 403 || codeOf(b) != "not_mediator" {
			t.Errorf("a resident acted for someone: %d %s", status, b)
		}

		b = mustCall(t, a, "GET", "/api/v1/me/mediation", "", resident, 200)
		var rec struct {
			Consents []struct{ ID, MediatorID, Method string }
			Actions  []struct {
				MediatorID string `json:"mediator_id"`
				Object     string
				Action     string
				Status     int
			}
		}
		if err := json.Unmarshal([]byte(b), &rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.Consents) != 2 || len(rec.Actions) != 1 || rec.Actions[0].MediatorID != mediID ||
			rec.Actions[0].Object != "rules" || rec.Actions[0].Action != "quote" || rec.Actions[0].Status != 201 {
			t.Fatalf("the resident sees %s", b)
		}
		// Another resident cannot revoke it; its resident can.
		mustCall(t, a, "POST", "/api/v1/me/mediation/consents/"+consent.ID+"/revoke", "", other, 404)
		mustCall(t, a, "POST", "/api/v1/me/mediation/consents/"+consent.ID+"/revoke", "", resident, 200)
		b = mustCall(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, act, 403)
		if codeOf(b) != "no_consent" {
			t.Errorf("acting after revocation: %s", b)
		}
		b = mustCall(t, a, "GET", "/api/v1/t/picardie-verte/mediation", "", medi, 200)
		if !strings.Contains(b, `"revoked_by":"`+residentID+`"`) {
			t.Errorf("the mediator does not see the revocation: %s", b)
		}
	})
}

// TestAPITokens: an API token acts within its scope only, without a CSRF
// token, until it is revoked.
func TestAPITokens(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	m := member(t, a, "integ@example.fr", "Songeons")
	b := mustCall(t, a, "POST", "/api/v1/auth/tokens", `{"scope":"rules:quote","days":30}`, m, 201)
	var tok struct {
		Token string
		Info  struct{ ID string }
	}
	_ = json.Unmarshal([]byte(b), &tok)
	bearer := map[string]string{"Authorization": "Bearer " + tok.Token}
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, bearer, 201)
	if status, b, _ := call(t, a, "GET", "/api/v1/t/picardie-verte/membership", "", bearer); status != 403 || codeOf(b) != "api_token_scope" {
		t.Errorf("a token used beyond its scope: %d %s", status, b)
	}
	mustCall(t, a, "POST", "/api/v1/t/portes-de-sologne/quotes", quoteBody, bearer, 403)
	if b := mustCall(t, a, "GET", "/api/v1/auth/tokens", "", m, 200); !strings.Contains(b, tok.Info.ID) || strings.Contains(b, tok.Token) {
		t.Errorf("token list: %s", b)
	}
	mustCall(t, a, "POST", "/api/v1/auth/tokens", `{"scope":"Rules Quote","days":30}`, m, 400)
	mustCall(t, a, "POST", "/api/v1/auth/tokens", `{"scope":"rules:quote","days":400}`, m, 400)
	mustCall(t, a, "DELETE", "/api/v1/auth/tokens/"+tok.Info.ID, "", m, 204)
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, bearer, 401)
	mustCall(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, map[string]string{"Authorization": "Bearer cmp_api_forged"}, 401)
}

// syncBuffer is a log sink for the test's process.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// dumpDatabase returns every row of every table as text.
func dumpDatabase(t *testing.T, a *app.App) string {
	t.Helper()
	ctx := context.Background()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if a.Config.Database.Driver == "postgres" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	var tables []string
	if err := a.Store.DB().NewRaw(q).Scan(ctx, &tables); err != nil || len(tables) < 10 {
		t.Fatalf("list tables: %v (%d)", err, len(tables))
	}
	var out strings.Builder
	for _, table := range tables {
		rows, err := a.Store.DB().QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", table, err)
			}
			fmt.Fprintf(&out, "%s:", table)
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&out, " %v", v)
			}
			out.WriteByte('\n')
		}
		if err := rows.Err(); err != nil && err != sql.ErrNoRows {
			t.Fatalf("dump %s: %v", table, err)
		}
		_ = rows.Close()
	}
	return out.String()
}

// TestExportThenEraseLeavesNoTrace: a resident who used the platform
// (sessions, an API token, a mediator's help, a staff read of their data)
// exports their data, then erases their account: no row of the database
// and no line of the logs holds their email or name any more, the other
// party's history stays consistent, and they can no longer sign in.
func TestExportThenEraseLeavesNoTrace(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		logs := &syncBuffer{}
		a := openAppLog(t, tg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		ctx := context.Background()
		const email, name = "marguerite.duval-unique@example.fr", "Marguerite Duval-Unique"
		op := operator(t, a)
		medi := member(t, a, "mairie@example.fr", "Songeons")
		mediID := memberID(t, a, medi)
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/roles", `{"account_id":"`+mediID+`","role":"mediator"}`, op, 200)
		mustCall(t, a, "POST", "/api/v1/auth/signup", `{"email":"`+email+`","password":"bocage-verger-2026","display_name":"`+name+`","commune":"Songeons"}`, nil, 202)
		msgs, err := a.Accounts.Outbox(ctx, email, 10)
		if err != nil || len(msgs) == 0 {
			t.Fatalf("outbox: %v", err)
		}
		token := verifyToken.FindStringSubmatch(msgs[0].Body)
		mustCall(t, a, "POST", "/api/v1/auth/verify", `{"token":"`+token[1]+`"}`, nil, 200)
		me := login(t, a, email)
		meID := memberID(t, a, me)
		mustCall(t, a, "POST", "/api/v1/auth/tokens", `{"scope":"rules:quote","days":5}`, me, 201)
		listingID := idOf(t, mustCall(t, a, "POST", "/api/v1/t/picardie-verte/listings",
			strings.Replace(offer(true), "Tonte de pelouse à Songeons", "Jardinage avec Marguerite Duval-Unique", 1), me, 201))
		// A mediator finds her (a logged read) and helps her.
		if b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/members?q=marguerite", "", medi, 200); !strings.Contains(b, email) {
			t.Fatalf("the mediator cannot find her: %s", b)
		}
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/mediation/consents", `{"resident_id":"`+meID+`","scope":["rules"],"method":"in_person"}`, medi, 201)
		mustCall(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quoteBody, with(medi, "X-Act-For", meID), 201)

		b := mustCall(t, a, "GET", "/api/v1/me/data", "", me, 200)
		var export struct {
			AccountID string `json:"account_id"`
			Sections  []struct {
				Name string          `json:"name"`
				Data json.RawMessage `json:"data"`
			} `json:"sections"`
			StaffAccess []struct {
				StaffID string `json:"staff_id"`
				What    string `json:"what"`
			} `json:"staff_access"`
		}
		if err := json.Unmarshal([]byte(b), &export); err != nil {
			t.Fatal(err)
		}
		sections := map[string]string{}
		for _, s := range export.Sections {
			sections[s.Name] = string(s.Data)
		}
		for sec, want := range map[string]string{"account": email, "roles": `"role":"resident"`, "mediation": mediID, "listings": listingID} {
			if !strings.Contains(sections[sec], want) {
				t.Errorf("export section %s lacks %s: %s", sec, want, sections[sec])
			}
		}
		if strings.Contains(b, "password_hash") || strings.Contains(b, "argon2") {
			t.Error("the export shows the password hash")
		}
		if len(export.StaffAccess) != 1 || export.StaffAccess[0].StaffID != mediID || export.StaffAccess[0].What != "members.list" {
			t.Errorf("the export's staff reads = %+v", export.StaffAccess)
		}

		mustCall(t, a, "POST", "/api/v1/me/erase", `{"password":"bocage-verger-2026"}`, me, 400)
		mustCall(t, a, "POST", "/api/v1/me/erase", `{"password":"pas-le-bon","confirm":"SUPPRIMER"}`, me, 403)
		mustCall(t, a, "POST", "/api/v1/me/erase", `{"password":"bocage-verger-2026","confirm":"SUPPRIMER"}`, with(me, "X-CSRF-Token", ""), 403)
		if !strings.Contains(dumpDatabase(t, a), email) {
			t.Fatal("refused erasures changed the account")
		}
		mustCall(t, a, "POST", "/api/v1/me/erase", `{"password":"bocage-verger-2026","confirm":"SUPPRIMER"}`, me, 200)

		if !strings.Contains(logs.String(), meID) {
			t.Fatal("the logs were not captured (they name her pseudonymous ID, at least in the role changes)")
		}
		dump := dumpDatabase(t, a)
		for _, trace := range []string{email, name, "Marguerite", "duval-unique"} {
			if strings.Contains(strings.ToLower(dump), strings.ToLower(trace)) {
				for _, line := range strings.Split(dump, "\n") {
					if strings.Contains(strings.ToLower(line), strings.ToLower(trace)) {
						t.Errorf("after erasure the database still holds %q: %s", trace, line)
					}
				}
			}
			if strings.Contains(strings.ToLower(logs.String()), strings.ToLower(trace)) {
				t.Errorf("the logs hold %q", trace)
			}
		}
		// She can no longer sign in; her session is gone.
		mustCall(t, a, "GET", "/api/v1/auth/me", "", me, 401)
		mustCall(t, a, "POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"bocage-verger-2026"}`, nil, 401)
		// The mediator's history keeps the action, under a pseudonymous ID.
		b = mustCall(t, a, "GET", "/api/v1/t/picardie-verte/mediation", "", medi, 200)
		if !strings.Contains(b, meID) || !strings.Contains(b, `"revoked_by":"system:erasure"`) {
			t.Errorf("the mediator's history after erasure: %s", b)
		}
		// Her listing is withdrawn, under a neutral title.
		mustCall(t, a, "GET", "/api/v1/t/picardie-verte/listings/"+listingID, "", medi, 404)
		if roles, _ := a.Authz.RolesFor(meID, "picardie-verte"); len(roles) != 0 {
			t.Errorf("an erased account keeps roles %v", roles)
		}
		// The address is free again.
		mustCall(t, a, "POST", "/api/v1/auth/signup", `{"email":"`+email+`","password":"bocage-verger-2026","display_name":"Nouvelle","commune":"Songeons"}`, nil, 202)
	})
}

// TestProfessionalPublicProfile: a professional is shown publicly as
// "professionnel" with the business's identity; a resident is not a
// professional, and another territory's professional is not found.
func TestProfessionalPublicProfile(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	const signup = `{"email":"menuisier@example.fr","password":"bocage-verger-2026","display_name":"Paul","commune":"Songeons",` +
		`"professional":{"company_name":"Menuiserie du Bray","siret":"73282932000074","naf":"43.32A"}}`
	mustCall(t, a, "POST", "/api/v1/auth/signup", signup, nil, 202)
	msgs, err := a.Accounts.Outbox(ctx, "menuisier@example.fr", 10)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("outbox: %v", err)
	}
	mustCall(t, a, "POST", "/api/v1/auth/verify", `{"token":"`+verifyToken.FindStringSubmatch(msgs[0].Body)[1]+`"}`, nil, 200)
	pro := login(t, a, "menuisier@example.fr")
	proID := memberID(t, a, pro)
	b := mustCall(t, a, "GET", "/api/v1/t/picardie-verte/professionals/"+proID, "", nil, 200)
	for _, want := range []string{`"label":"professionnel"`, `"company_name":"Menuiserie du Bray"`, `"siret":"73282932000074"`} {
		if !strings.Contains(b, want) {
			t.Errorf("public profile lacks %s: %s", want, b)
		}
	}
	if strings.Contains(b, "menuisier@example.fr") {
		t.Errorf("the public profile shows the email: %s", b)
	}
	mustCall(t, a, "GET", "/api/v1/t/portes-de-sologne/professionals/"+proID, "", nil, 404)
	resident := member(t, a, "habitant@example.fr", "Songeons")
	mustCall(t, a, "GET", "/api/v1/t/picardie-verte/professionals/"+memberID(t, a, resident), "", nil, 404)
}

// TestMyDataPage: the readable "my data" page shows the signed-in person's
// data in French, with no script allowed and the JSON one link away;
// without a session it says to sign in.
func TestMyDataPage(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	m := member(t, a, "lucie@example.fr", "Songeons")
	req := func(headers map[string]string) (int, string, string) {
		t.Helper()
		r := httptest.NewRequest("GET", "/mon-compte/donnees", nil)
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		resp, err := a.Server().App().Test(r, 20000)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Content-Security-Policy")
	}
	status, body, csp := req(m)
	if status != 200 {
		t.Fatalf("my data page = %d %s", status, body)
	}
	for _, want := range []string{`<html lang="fr">`, "Mes données", "lucie@example.fr", "Mon compte", "Mes rôles", "resident", `href="/api/v1/me/data"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") || strings.Contains(csp, "script-src") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("scripts possible: CSP %q", csp)
	}
	// Without a valid session, the sign-in page, then back here.
	if status, _, _ := req(nil); status != 303 {
		t.Errorf("anonymous = %d", status)
	}
	if status, _, _ := req(map[string]string{"Cookie": "__Host-campagnon_session=forged"}); status != 303 {
		t.Errorf("forged cookie = %d", status)
	}
	if status, body := get(t, a, "/static/campagnon.css"); status != 200 || !strings.Contains(body, "font") {
		t.Errorf("stylesheet = %d", status)
	}
	if status, _ := get(t, a, "/static/..%2Fweb.go"); status != 404 {
		t.Errorf("static path traversal = %d", status)
	}
}
