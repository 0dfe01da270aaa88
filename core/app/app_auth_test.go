package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// call is do with headers and the response's Set-Cookie.
func call(t *testing.T, a *app.App, method, path, body string, header map[string]string) (int, string, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := a.Server().App().Test(req, 20000)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Set-Cookie")
}

var verifyToken = regexp.MustCompile(`jeton=(cmp_verify_[A-Za-z0-9_-]+)`)

// TestSignUpVerifyLoginJourney: a resident signs up in Picardie Verte,
// verifies from the email, signs in (a cookie that only this site can
// read, a CSRF token), sees their account, and signs out; bad input and
// forged requests get clear answers.
func TestSignUpVerifyLoginJourney(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	signup := `{"email":"Claire.Martin@example.fr","password":"bocage-verger-2026","display_name":"Claire","commune":"Songeons"}`
	status, body, _ := call(t, a, "POST", "/api/v1/auth/signup", signup, nil)
	if status != 202 || !strings.Contains(body, "courriel") {
		t.Fatalf("signup = %d %s", status, body)
	}
	// The same address again: the same answer, nothing tells it exists.
	status2, body2, _ := call(t, a, "POST", "/api/v1/auth/signup", signup, nil)
	if status2 != status || body2 != body {
		t.Errorf("second signup answered differently: %d %s", status2, body2)
	}
	status, body, _ = call(t, a, "POST", "/api/v1/auth/signup", `{"email":"x","password":"court","display_name":"","commune":"Nulle-Part","territory":"portes-de-sologne"}`, nil)
	if status != 400 || !strings.Contains(body, "body_unknown_field") {
		t.Errorf("a client-chosen territory was not refused: %d %s", status, body)
	}
	msgs, err := a.Accounts.Outbox(ctx, "claire.martin@example.fr", 10)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no email in the outbox: %v", err)
	}
	var token string
	for _, m := range msgs {
		if mm := verifyToken.FindStringSubmatch(m.Body); mm != nil {
			token = mm[1]
		}
	}
	if token == "" {
		t.Fatalf("no verification link in %+v", msgs)
	}
	if status, body, _ := call(t, a, "POST", "/api/v1/auth/verify", `{"token":"`+token+`"}`, nil); status != 200 || !strings.Contains(body, `"email":"claire.martin@example.fr"`) {
		t.Fatalf("verify = %d %s", status, body)
	}
	if status, _, _ := call(t, a, "POST", "/api/v1/auth/verify", `{"token":"`+token+`"}`, nil); status < 400 {
		t.Error("a verification token was accepted twice")
	}

	wrong, wrongBody, _ := call(t, a, "POST", "/api/v1/auth/login", `{"email":"claire.martin@example.fr","password":"pas-le-bon-mot"}`, nil)
	unknown, unknownBody, _ := call(t, a, "POST", "/api/v1/auth/login", `{"email":"personne@example.fr","password":"pas-le-bon-mot"}`, nil)
	if wrong != 401 || unknown != 401 || codeOf(wrongBody) != codeOf(unknownBody) {
		t.Errorf("wrong password %d %s vs unknown email %d %s: must be the same answer", wrong, wrongBody, unknown, unknownBody)
	}

	status, body, cookie := call(t, a, "POST", "/api/v1/auth/login", `{"email":"Claire.Martin@example.fr","password":"bocage-verger-2026"}`, nil)
	if status != 200 {
		t.Fatalf("login = %d %s", status, body)
	}
	for _, want := range []string{"__Host-campagnon_session=", "secure", "HttpOnly", "SameSite=Lax", "path=/"} {
		if !strings.Contains(strings.ToLower(cookie), strings.ToLower(want)) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	_ = json.Unmarshal([]byte(body), &me)
	session := strings.SplitN(cookie, ";", 2)[0]
	status, body, _ = call(t, a, "GET", "/api/v1/auth/me", "", map[string]string{"Cookie": session})
	if status != 200 || !strings.Contains(body, `"display_name":"Claire"`) || me.CSRFToken == "" {
		t.Fatalf("me = %d %s", status, body)
	}
	if status, _, _ := call(t, a, "GET", "/api/v1/auth/me", "", nil); status != 401 {
		t.Errorf("me without a session = %d", status)
	}
	// A second login gets another session: no fixation.
	_, _, cookie2 := call(t, a, "POST", "/api/v1/auth/login", `{"email":"claire.martin@example.fr","password":"bocage-verger-2026"}`, nil)
	if strings.SplitN(cookie2, ";", 2)[0] == session {
		t.Error("two logins share a session ID")
	}
	// Signing out needs the CSRF token.
	if status, body, _ := call(t, a, "POST", "/api/v1/auth/logout", "", map[string]string{"Cookie": session}); status != 403 || !strings.Contains(body, "csrf_invalid") {
		t.Errorf("logout without CSRF token = %d %s", status, body)
	}
	if status, _, _ := call(t, a, "POST", "/api/v1/auth/logout", "", map[string]string{"Cookie": session, "X-CSRF-Token": me.CSRFToken + "x"}); status != 403 {
		t.Errorf("logout with a wrong CSRF token = %d", status)
	}
	if status, body, _ := call(t, a, "POST", "/api/v1/auth/logout", "", map[string]string{"Cookie": session, "X-CSRF-Token": me.CSRFToken}); status != 204 {
		t.Fatalf("logout = %d %s", status, body)
	}
	if status, _, _ := call(t, a, "GET", "/api/v1/auth/me", "", map[string]string{"Cookie": session}); status != 401 {
		t.Errorf("the session still works after logout: %d", status)
	}
}

// TestSignUpIsRateLimited: past the limit, sign-up answers 429 with a
// French message and Retry-After, before any work is done.
func TestSignUpIsRateLimited(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	srv := a.Server().App() // one server: the limits live in it
	limited := 0
	for i := 0; i < 12; i++ {
		req := httptest.NewRequest("POST", "/api/v1/auth/signup", strings.NewReader(`{"email":"a@b","password":"x","display_name":"","commune":""}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Test(req, 20000)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		status, body := resp.StatusCode, string(b)
		if status == 429 {
			if resp.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			limited++
			if !strings.Contains(body, "patientez une minute") {
				t.Errorf("429 body = %s", body)
			}
		}
	}
	if limited != 2 {
		t.Errorf("%d of 12 sign-ups were limited, want the 2 past the limit of 10", limited)
	}
}

func codeOf(body string) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return e.Error.Code
}

// member signs a resident of the commune up, verifies and signs them in,
// and returns the headers of their requests: the session cookie and the
// CSRF token.
func member(t *testing.T, a *app.App, email, commune string) map[string]string {
	t.Helper()
	body := `{"email":"` + email + `","password":"bocage-verger-2026","display_name":"Essai","commune":"` + commune + `"}`
	if status, b, _ := call(t, a, "POST", "/api/v1/auth/signup", body, nil); status != 202 {
		t.Fatalf("signup %s: %d %s", email, status, b)
	}
	msgs, err := a.Accounts.Outbox(context.Background(), strings.ToLower(email), 10)
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, m := range msgs {
		if mm := verifyToken.FindStringSubmatch(m.Body); mm != nil {
			token = mm[1]
		}
	}
	if status, b, _ := call(t, a, "POST", "/api/v1/auth/verify", `{"token":"`+token+`"}`, nil); status != 200 {
		t.Fatalf("verify %s: %d %s", email, status, b)
	}
	status, b, cookie := call(t, a, "POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"bocage-verger-2026"}`, nil)
	if status != 200 {
		t.Fatalf("login %s: %d %s", email, status, b)
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	_ = json.Unmarshal([]byte(b), &me)
	return map[string]string{"Cookie": strings.SplitN(cookie, ";", 2)[0], "X-CSRF-Token": me.CSRFToken}
}

// TestQuotesAreForMembers: a quote is computed and stored for a member of
// the territory only; anonymous callers, members of another territory and
// forged requests are refused, and nothing is stored for them.
func TestQuotesAreForMembers(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	pv := member(t, a, "pv@example.fr", "Songeons")
	ps := member(t, a, "ps@example.fr", "45006")
	quote := `{"category":"mobilite","modality":"resident","mode":"time_credits","minutes":45}`
	tests := []struct {
		name    string
		headers map[string]string
		status  int
		code    string
	}{
		{"anonymous", nil, 401, "sign_in_required"},
		{"member of another territory", ps, 403, "not_allowed"},
		{"member without the CSRF token", map[string]string{"Cookie": pv["Cookie"]}, 403, "csrf_invalid"},
		{"member of the territory", pv, 201, ""},
	}
	for _, tt := range tests {
		status, body, _ := call(t, a, "POST", "/api/v1/t/picardie-verte/quotes", quote, tt.headers)
		if status != tt.status || (tt.code != "" && codeOf(body) != tt.code) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, body, tt.status, tt.code)
		}
	}
	n, err := a.Store.DB().NewSelect().TableExpr("quotes").Count(context.Background())
	if err != nil || n != 1 {
		t.Errorf("%d quotes stored, want only the member's (%v)", n, err)
	}
}

// login signs an existing member in again and returns their headers.
func login(t *testing.T, a *app.App, email string) map[string]string {
	t.Helper()
	status, b, cookie := call(t, a, "POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"bocage-verger-2026"}`, nil)
	if status != 200 {
		t.Fatalf("login %s: %d %s", email, status, b)
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	_ = json.Unmarshal([]byte(b), &me)
	return map[string]string{"Cookie": strings.SplitN(cookie, ";", 2)[0], "X-CSRF-Token": me.CSRFToken}
}

// operator signs a member of Songeons up and names them national
// operator (as `campagnon operator add` does), returning their headers.
func operator(t *testing.T, a *app.App) map[string]string {
	t.Helper()
	op := member(t, a, "op@example.fr", "Songeons")
	if err := a.Authz.Bootstrap(context.Background(), memberID(t, a, op)); err != nil {
		t.Fatal(err)
	}
	return op
}

// memberID returns the account ID of the session in headers.
func memberID(t *testing.T, a *app.App, headers map[string]string) string {
	t.Helper()
	status, b, _ := call(t, a, "GET", "/api/v1/auth/me", "", headers)
	var me struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
	}
	if err := json.Unmarshal([]byte(b), &me); status != 200 || err != nil || me.Account.ID == "" {
		t.Fatalf("me = %d %s (%v)", status, b, err)
	}
	return me.Account.ID
}

// expectedRoles says, for each right a Member route needs, which roles of
// the territory (or national) get through under the default policies. A
// Member route whose right is missing here fails the matrix: say who may
// call it.
var expectedRoles = map[string][]string{
	"rules:quote":       {"resident", "professional", "mediator", "territory_admin", "national_operator", "integrator"},
	"territory:read":    {"resident", "professional", "mediator", "territory_admin", "national_operator", "integrator"},
	"member:read":       {"mediator", "territory_admin", "national_operator"},
	"member:grant":      {"territory_admin", "national_operator"},
	"member:act_for":    {"mediator", "national_operator"},
	"policy:read":       {"territory_admin", "national_operator"},
	"policy:edit":       {"territory_admin", "national_operator"},
	"audit:read":        {"territory_admin", "national_operator"},
	"listing:read":      {"resident", "professional", "mediator", "territory_admin", "national_operator"},
	"listing:create":    {"resident", "professional", "national_operator"},
	"listing:edit_own":  {"resident", "professional", "national_operator"},
	"listing:moderate":  {"territory_admin", "national_operator"},
	"exchange:create":   {"resident", "professional", "national_operator"},
	"exchange:read_own": {"resident", "professional", "national_operator"},
	"exchange:act":      {"resident", "professional", "national_operator"},
	"exchange:cancel":   {"resident", "professional", "national_operator"},
	"exchange:resolve":  {"territory_admin", "national_operator"},
	"review:create":     {"resident", "professional", "national_operator"},
	"review:read":       {"resident", "professional", "mediator", "territory_admin", "national_operator"},
	"review:moderate":   {"territory_admin", "national_operator"},
	"message:send":      {"resident", "professional", "mediator", "national_operator"},
	"message:read_own":  {"resident", "professional", "mediator", "national_operator"},
}

// TestRouteAccessMatrix walks every API route of the route table as an
// anonymous caller, as a holder of each role in the route's territory, and
// as a holder of each role in another territory, and checks who gets
// through (expectedRoles). A route registered without its line in the
// table fails the test.
func TestRouteAccessMatrix(t *testing.T) {
	a := openApp(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	op := member(t, a, "op@example.fr", "Songeons")
	opID := memberID(t, a, op)
	if err := a.Authz.Bootstrap(ctx, opID); err != nil {
		t.Fatal(err)
	}
	victimID := memberID(t, a, member(t, a, "victim@example.fr", "Songeons"))
	// Session routes include "log out everywhere": they get their own account.
	member(t, a, "sessions@example.fr", "45006")
	type caller struct {
		name, role string
		own        bool
		headers    map[string]string
	}
	callers := []caller{{"national_operator", "national_operator", true, op}}
	for _, tt := range []struct{ dom, commune string }{{"picardie-verte", "Songeons"}, {"portes-de-sologne", "45006"}} {
		for _, role := range []string{"resident", "professional", "mediator", "territory_admin"} {
			h := member(t, a, role+"@"+tt.dom+".example.fr", tt.commune)
			if role != "resident" {
				if err := a.Authz.AddRole(ctx, opID, memberID(t, a, h), role, tt.dom); err != nil {
					t.Fatal(err)
				}
			}
			callers = append(callers, caller{role + " of " + tt.dom, role, tt.dom == "picardie-verte", h})
		}
	}
	integ := member(t, a, "integ@example.fr", "45006")
	if err := a.Authz.AddRole(ctx, opID, memberID(t, a, integ), "integrator", "*"); err != nil {
		t.Fatal(err)
	}
	callers = append(callers, caller{"integrator", "integrator", true, integ})

	srv := a.Server()
	table := map[string]bool{}
	for _, r := range a.Routes {
		table[r.Method+" "+r.Path] = true
	}
	for _, r := range srv.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/") || r.Method == "HEAD" {
			continue
		}
		if !table[r.Method+" "+r.Path] {
			t.Errorf("route %s %s is not in the API route table (api.Register): say who may call it", r.Method, r.Path)
		}
	}
	if len(a.Routes) < 25 {
		t.Fatalf("route table has %d routes", len(a.Routes))
	}

	blocked := map[string]bool{"sign_in_required": true, "not_allowed": true, "csrf_invalid": true}
	// Parameters that change nothing: an unknown role assignment, a
	// policy not stored, an unknown consent or token.
	params := strings.NewReplacer(":territory", "picardie-verte", ":slug", "picardie-verte", ":account", victimID,
		":role", "integrator", ":object", "listing", ":action", "feature", ":id", victimID)
	for _, r := range a.Routes {
		path := params.Replace(r.Path)
		body := ""
		if r.Method != "GET" {
			body = "{}"
		}
		as := func(headers map[string]string) (int, string) {
			status, b, _ := call(t, a, r.Method, path, body, headers)
			return status, codeOf(b)
		}
		name := r.Method + " " + r.Path
		switch r.Access {
		case api.Public:
			if _, code := as(nil); blocked[code] {
				t.Errorf("%s is public but refused an anonymous caller (%s)", name, code)
			}
		case api.Session:
			if status, code := as(nil); status != 401 || code != "sign_in_required" {
				t.Errorf("%s let an anonymous caller through: %d %s", name, status, code)
			}
			if _, code := as(login(t, a, "sessions@example.fr")); blocked[code] {
				t.Errorf("%s refused a signed-in member (%s)", name, code)
			}
		case api.Member:
			want, ok := expectedRoles[r.Object+":"+r.Action]
			if !ok {
				t.Errorf("%s needs %s:%s, which expectedRoles does not list: say which roles may call it", name, r.Object, r.Action)
				continue
			}
			if status, code := as(nil); status != 401 || code != "sign_in_required" {
				t.Errorf("%s let an anonymous caller through: %d %s", name, status, code)
			}
			for _, c := range callers {
				national := c.role == "national_operator" || c.role == "integrator"
				// Every member of a territory is also a resident there
				// (verification makes them one).
				allowed := slices.Contains(want, c.role) && (c.own || national) ||
					c.own && !national && slices.Contains(want, "resident")
				if allowed && r.Method != "GET" {
					if status, code := as(map[string]string{"Cookie": c.headers["Cookie"]}); status != 403 || code != "csrf_invalid" {
						t.Errorf("%s accepted a change from %s without the CSRF token: %d %s", name, c.name, status, code)
					}
				}
				status, code := as(c.headers)
				switch {
				case allowed && blocked[code]:
					t.Errorf("%s refused %s (%d %s)", name, c.name, status, code)
				case !allowed && (status != 403 || code != "not_allowed"):
					t.Errorf("%s let %s through: %d %s", name, c.name, status, code)
				}
			}
		default:
			t.Errorf("%s has no access kind", name)
		}
	}
}
