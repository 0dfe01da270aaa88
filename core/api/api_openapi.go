package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/idempotency"
)

// OpenAPIVersion is the version of the OpenAPI specification the document
// follows; its schemas are JSON Schema draft 2020-12.
const OpenAPIVersion = "3.1.0"

// routeDoc describes one route of the table for the OpenAPI document. Who
// may call it and its path come from the route table; what it takes and
// answers comes from here, the body and answer schemas from their Go types.
type routeDoc struct {
	// tag groups the route (one of openAPITags).
	tag string
	// fr and en say what the route does, French first.
	fr, en string
	// in is a value of the request body's Go type; nil for no body.
	in any
	// inOptional makes the body optional (an empty body is accepted).
	inOptional bool
	// status is the success status; 0 means 200.
	status int
	// out is a value of the success answer's Go type; nil for 204.
	out any
	// alt lists other media types of the success answer (text/csv, …).
	alt []string
	// query lists the query parameters.
	query []queryParam
	// errs lists the error statuses beyond those implied by the access,
	// the path parameters, the body, once and limited.
	errs []int
	// once marks a route that takes an Idempotency-Key.
	once bool
	// limited marks a route rate-limited per client address (429).
	limited bool
	// cookie marks a route whose answer sets or clears the session cookie.
	cookie bool
}

// queryParam is one query parameter.
type queryParam struct {
	name, fr, en string
	s            schema
}

// openAPITag is one group of routes.
type openAPITag struct{ name, fr, en string }

// OpenAPI returns the OpenAPI 3.1 document of routes, as JSON: every route
// of the table with its parameters, body, answers and security. It fails
// when a route has no description (routeDocs) or a description no route,
// so the document cannot fall behind the table.
func OpenAPI(routes []Route) ([]byte, error) {
	docs := routeDocs()
	r := newReflector(openAPIFields(), openAPIEnums())
	paths := schema{}
	seen := map[string]bool{}
	ids := map[string]string{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		d, ok := docs[key]
		if !ok {
			return nil, fmt.Errorf("openapi: route %s has no description in routeDocs (core/api/api_openapi_routes.go)", key)
		}
		if seen[key] {
			return nil, fmt.Errorf("openapi: route %s is twice in the table", key)
		}
		seen[key] = true
		op, err := operation(r, rt, d)
		if err != nil {
			return nil, err
		}
		id := op["operationId"].(string)
		if other, dup := ids[id]; dup {
			return nil, fmt.Errorf("openapi: routes %s and %s have the same operationId %s", other, key, id)
		}
		ids[id] = key
		p := openAPIPath(rt.Path)
		item, _ := paths[p].(schema)
		if item == nil {
			item = schema{}
			paths[p] = item
		}
		item[strings.ToLower(rt.Method)] = op
	}
	for key := range docs {
		if !seen[key] {
			return nil, fmt.Errorf("openapi: routeDocs describes %s, which is not in the route table", key)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	for key := range openAPIFields() {
		if !r.used[key] {
			return nil, fmt.Errorf("openapi: openAPIFields documents %s, which no schema of the document has", key)
		}
	}
	r.components["Error"] = errorSchema()
	tags := make([]any, 0, len(openAPITags))
	for _, t := range openAPITags {
		tags = append(tags, schema{"name": t.name, "description": t.fr + "\n\n" + t.en})
	}
	doc := schema{
		"openapi": OpenAPIVersion,
		"info": schema{
			"title":   "API Campagnon",
			"version": "1",
			"summary": "Échanges de services entre habitants des territoires ruraux. / Exchanging services among residents of rural territories.",
			"description": "API JSON de Campagnon sous /api/v1. Les erreurs répondent {\"error\":{\"code\",\"message\",\"request_id\"}} ; " +
				"le message est en français, ou en anglais quand Accept-Language le préfère. Les routes d'un territoire sont sous /api/v1/t/{territory}.\n\n" +
				"Campagnon's JSON API under /api/v1. Errors answer {\"error\":{\"code\",\"message\",\"request_id\"}}; the message is in French, " +
				"or in English when Accept-Language prefers it. A territory's routes are under /api/v1/t/{territory}.",
		},
		"tags":  tags,
		"paths": paths,
		"components": schema{
			"schemas":         r.components,
			"responses":       errorResponses(),
			"parameters":      schema{"AcceptLanguage": acceptLanguage()},
			"headers":         commonHeaders(),
			"securitySchemes": securitySchemes(),
		},
	}
	return json.Marshal(doc)
}

// openAPIPath turns a Fiber path ("/t/:territory") into an OpenAPI one ("/t/{territory}").
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

// pathParams returns the names of a Fiber path's parameters, in order.
func pathParams(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			out = append(out, name)
		}
	}
	return out
}

// operationID names a route from its method and path:
// "POST /api/v1/t/:territory/exchanges/:id/accept" → "postTerritoryExchangesByIdAccept".
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, s := range strings.Split(strings.TrimPrefix(path, "/api/v1"), "/") {
		switch {
		case s == "" || s == "t":
		case s == ":territory":
			b.WriteString("Territory")
		case strings.HasPrefix(s, ":"):
			b.WriteString("By" + upperFirst(s[1:]))
		default:
			for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
				b.WriteString(upperFirst(w))
			}
		}
	}
	return b.String()
}

// operation describes one route.
func operation(r *reflector, rt Route, d routeDoc) (schema, error) {
	if !slices.ContainsFunc(openAPITags, func(t openAPITag) bool { return t.name == d.tag }) {
		return nil, fmt.Errorf("openapi: route %s %s has the unknown tag %q", rt.Method, rt.Path, d.tag)
	}
	if d.fr == "" || d.en == "" {
		return nil, fmt.Errorf("openapi: route %s %s needs a French and an English description", rt.Method, rt.Path)
	}
	changes := rt.Method != fiber.MethodGet && rt.Method != fiber.MethodHead
	var access string
	switch rt.Access {
	case Public:
		access = "Accès : public. / Access: public."
	case Session:
		access = "Accès : session (cookie " + SessionCookie + ")"
		if changes {
			access += " et jeton CSRF (" + HeaderCSRF + ")"
		}
		access += ". / Access: a session (cookie " + SessionCookie + ")"
		if changes {
			access += " and the CSRF token (" + HeaderCSRF + ")"
		}
		access += "."
	case Member:
		right := rt.Object + ":" + rt.Action
		access = fmt.Sprintf("Accès : droit %s dans le territoire, par session (avec le jeton CSRF pour un changement) ou jeton d'API dont la portée couvre %s ; "+
			"un médiateur agit pour un habitant avec %s. / Access: the right %s in the territory, by session (with the CSRF token for a change) "+
			"or an API token whose scope covers %s; a mediator acts for a resident with %s.", right, right, HeaderActFor, right, right, HeaderActFor)
	default:
		return nil, fmt.Errorf("openapi: route %s %s has no access kind", rt.Method, rt.Path)
	}
	op := schema{
		"operationId": operationID(rt.Method, rt.Path),
		"tags":        []string{d.tag},
		"summary":     firstSentence(d.fr),
		"description": d.fr + "\n\n" + d.en + "\n\n" + access,
	}
	if rt.Access == Member {
		op["x-campagnon-right"] = schema{"object": rt.Object, "action": rt.Action}
	}

	params := []any{schema{"$ref": "#/components/parameters/AcceptLanguage"}}
	for _, name := range pathParams(rt.Path) {
		params = append(params, pathParam(name))
	}
	for _, q := range d.query {
		params = append(params, schema{"name": q.name, "in": "query", "required": false,
			"description": q.fr + " / " + q.en, "schema": q.s})
	}
	if rt.Access == Member {
		params = append(params, schema{"name": HeaderActFor, "in": "header", "required": false,
			"description": "Un médiateur agit pour cet habitant (identifiant de compte), sous un consentement en vigueur. / A mediator acts for this resident (account ID), under a consent in force.",
			"schema":      schema{"type": "string", "pattern": uuidPattern}})
	}
	if d.once {
		params = append(params, schema{"name": HeaderIdempotencyKey, "in": "header", "required": false,
			"description": "Rend la requête sûre à réessayer : la première réponse est gardée un jour et rejouée ; la même clé avec un autre corps est refusée (422). / " +
				"Makes the request safe to retry: the first answer is kept a day and replayed; the same key with another body is refused (422).",
			"schema": schema{"type": "string", "minLength": 1, "maxLength": idempotency.MaxKey, "pattern": "^[!-~]+$"}})
	}
	op["parameters"] = params

	errs := map[int]bool{}
	for _, s := range d.errs {
		errs[s] = true
	}
	if d.in != nil {
		op["requestBody"] = schema{"required": !d.inOptional, "content": schema{
			"application/json": schema{"schema": r.of(reflect.TypeOf(d.in), true)}}}
		errs[http.StatusBadRequest], errs[http.StatusRequestEntityTooLarge] = true, true
	}
	if len(pathParams(rt.Path)) > 0 {
		errs[http.StatusNotFound] = true
	}
	switch rt.Access {
	case Session:
		errs[http.StatusUnauthorized] = true
		if changes {
			errs[http.StatusForbidden] = true
		}
		op["security"] = []any{security(changes, "")}
	case Member:
		errs[http.StatusBadRequest], errs[http.StatusUnauthorized], errs[http.StatusForbidden] = true, true, true
		op["security"] = []any{security(changes, ""), security(false, rt.Object+":"+rt.Action)}
	}
	if d.limited {
		errs[http.StatusTooManyRequests] = true
	}
	if d.once {
		errs[http.StatusBadRequest], errs[http.StatusUnprocessableEntity] = true, true
	}

	responses := schema{}
	status := d.status
	if status == 0 {
		status = http.StatusOK
	}
	ok := schema{"description": firstSentence(d.fr) + " / " + firstSentence(d.en)}
	if d.out != nil {
		content := schema{"application/json": schema{"schema": r.of(reflect.TypeOf(d.out), false)}}
		for _, mt := range d.alt {
			content[mt] = schema{"schema": schema{"type": "string"}}
		}
		ok["content"] = content
	} else if status != http.StatusNoContent {
		return nil, fmt.Errorf("openapi: route %s %s answers %d without a body type", rt.Method, rt.Path, status)
	}
	if d.cookie {
		ok["headers"] = schema{"Set-Cookie": schema{
			"description": "Pose ou efface le cookie de session " + SessionCookie + " (Secure, HttpOnly, SameSite=Lax, Path=/). / Sets or clears the session cookie.",
			"schema":      schema{"type": "string"}}}
	}
	if d.once {
		ok["headers"] = schema{"Idempotent-Replayed": schema{
			"description": "« true » quand la réponse est celle, gardée, d'une requête précédente de même clé. / \"true\" when the answer is the kept one of an earlier request with the same key.",
			"schema":      schema{"type": "string", "enum": []string{"true"}}}}
	}
	if d.limited {
		headers, _ := ok["headers"].(schema)
		if headers == nil {
			headers = schema{}
		}
		for k, v := range rateLimitHeaders() {
			headers[k] = v
		}
		ok["headers"] = headers
	}
	responses[fmt.Sprint(status)] = ok
	codes := make([]int, 0, len(errs))
	for s := range errs {
		codes = append(codes, s)
	}
	sort.Ints(codes)
	for _, s := range codes {
		name, known := errorResponseNames[s]
		if !known {
			return nil, fmt.Errorf("openapi: route %s %s lists the status %d, which has no error answer", rt.Method, rt.Path, s)
		}
		responses[fmt.Sprint(s)] = schema{"$ref": "#/components/responses/" + name}
	}
	responses["5XX"] = schema{"$ref": "#/components/responses/ServerError"}
	op["responses"] = responses
	return op, nil
}

// firstSentence returns s up to its first full stop, without it.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

const uuidPattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

// pathParam describes a path parameter by its name.
func pathParam(name string) schema {
	p := schema{"name": name, "in": "path", "required": true}
	switch name {
	case "territory", "slug":
		p["description"] = "Identifiant du territoire dans les adresses (« portes-de-sologne »). / The territory's slug."
		p["schema"] = schema{"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 63}
	case "account", "author":
		p["description"] = "Identifiant du compte. / Account ID."
		p["schema"] = schema{"type": "string"}
	case "role":
		p["description"] = "Rôle. / Role."
		p["schema"] = schema{"type": "string"}
	case "object", "action":
		p["description"] = "Objet ou action d'un droit (lettres minuscules, chiffres, _). / A right's object or action."
		p["schema"] = schema{"type": "string"}
	default:
		p["description"] = "Identifiant de l'objet que désigne le chemin. / ID of the object the path names."
		p["schema"] = schema{"type": "string"}
	}
	return p
}

// security is one way to be let in: the session cookie (with the CSRF
// header on a change) or, with a right, an API token.
func security(changes bool, right string) schema {
	if right != "" {
		return schema{"apiToken": []string{right}}
	}
	if changes {
		return schema{"session": []string{}, "csrf": []string{}}
	}
	return schema{"session": []string{}}
}

func securitySchemes() schema {
	return schema{
		"session": schema{"type": "apiKey", "in": "cookie", "name": SessionCookie,
			"description": "Cookie de session posé par POST /api/v1/auth/login. / Session cookie set by POST /api/v1/auth/login."},
		"csrf": schema{"type": "apiKey", "in": "header", "name": HeaderCSRF,
			"description": "Jeton anti-falsification de la session (csrf_token de /auth/login et /auth/me), exigé sur toute requête qui change quelque chose avec le cookie. / " +
				"The session's anti-forgery token (csrf_token of /auth/login and /auth/me), required on every request that changes something with the cookie."},
		"apiToken": schema{"type": "http", "scheme": "bearer",
			"description": "Jeton d'API (POST /api/v1/auth/tokens) ; sa portée, des entrées « objet:action » (« * » pour tout), doit couvrir le droit de la route, indiqué comme portée requise. / " +
				"API token (POST /api/v1/auth/tokens); its scope, \"object:action\" entries (\"*\" for any), must cover the route's right, given as the required scope."},
	}
}

func acceptLanguage() schema {
	return schema{"name": "Accept-Language", "in": "header", "required": false,
		"description": "Langue des messages d'erreur : français par défaut, anglais quand l'en-tête le préfère. / Language of error messages: French by default, English when the header prefers it.",
		"schema":      schema{"type": "string"}}
}

// errorResponseNames names the error answer of each status.
var errorResponseNames = map[int]string{
	http.StatusBadRequest:            "BadRequest",
	http.StatusUnauthorized:          "Unauthorized",
	http.StatusForbidden:             "Forbidden",
	http.StatusNotFound:              "NotFound",
	http.StatusConflict:              "Conflict",
	http.StatusRequestEntityTooLarge: "TooLarge",
	http.StatusUnprocessableEntity:   "Refused",
	http.StatusTooManyRequests:       "RateLimited",
}

// errorResponses are the error answers, one per status (apperr's kinds).
func errorResponses() schema {
	body := schema{"application/json": schema{"schema": schema{"$ref": "#/components/schemas/Error"}}}
	out := schema{}
	for status, text := range map[int][2]string{
		http.StatusBadRequest:            {"Requête invalide : le message dit quoi corriger.", "Invalid request: the message says what to fix."},
		http.StatusUnauthorized:          {"Connexion requise, ou identifiants refusés.", "Sign in first, or the credentials were refused."},
		http.StatusForbidden:             {"Refusé : droits insuffisants, jeton CSRF absent ou faux, acteur non autorisé.", "Refused: not allowed, CSRF token missing or wrong, or not an allowed actor."},
		http.StatusNotFound:              {"Introuvable (ou invisible pour vous, ou d'un autre territoire).", "Not found (or not visible to you, or of another territory)."},
		http.StatusConflict:              {"L'état de l'objet interdit ce changement (ou un autre changement est passé avant).", "The object's state forbids this change (or another change came first)."},
		http.StatusRequestEntityTooLarge: {"Requête trop volumineuse.", "Request body too large."},
		http.StatusUnprocessableEntity:   {"Une règle refuse la demande (plugin du territoire, plancher de crédits temps, clé d'idempotence réutilisée) ; le message cite la règle.", "A rule refuses the request (the territory's plugin, the time-credit floor, a reused idempotency key); the message cites the rule."},
		http.StatusTooManyRequests:       {"Trop de demandes : attendez (en-tête Retry-After).", "Too many requests: wait (Retry-After header)."},
	} {
		r := schema{"description": text[0] + " / " + text[1], "content": body}
		if status == http.StatusTooManyRequests {
			headers := rateLimitHeaders()
			headers["Retry-After"] = schema{"$ref": "#/components/headers/RetryAfter"}
			r["headers"] = headers
		}
		out[errorResponseNames[status]] = r
	}
	out["ServerError"] = schema{"description": "Panne de la plateforme (500) ou d'une dépendance, base ou plugin (503) : réessayez plus tard. / " +
		"A fault of the platform (500) or of a dependency, database or plugin (503): try again later.", "content": body}
	return out
}

// commonHeaders are the answer headers several routes share.
func commonHeaders() schema {
	integer := schema{"type": "integer", "minimum": 0}
	return schema{
		"RetryAfter": schema{"description": "Secondes à attendre avant de réessayer. / Seconds to wait before trying again.", "schema": integer},
		"RateLimitLimit": schema{"description": "Demandes permises par minute depuis une même adresse sur cette route. / Requests allowed a minute from one address on this route.",
			"schema": integer},
		"RateLimitRemaining": schema{"description": "Demandes encore permises dans la minute. / Requests still allowed this minute.", "schema": integer},
		"RateLimitReset":     schema{"description": "Secondes avant que le compte reparte. / Seconds until the count starts again.", "schema": integer},
	}
}

// rateLimitHeaders are the headers of a rate-limited route's answers.
func rateLimitHeaders() schema {
	return schema{
		"X-RateLimit-Limit":     schema{"$ref": "#/components/headers/RateLimitLimit"},
		"X-RateLimit-Remaining": schema{"$ref": "#/components/headers/RateLimitRemaining"},
		"X-RateLimit-Reset":     schema{"$ref": "#/components/headers/RateLimitReset"},
	}
}

// errorSchema is the body of every error answer (core/server's handleError).
func errorSchema() schema {
	return schema{
		"type":        "object",
		"description": "Une erreur, avec un code stable et un message qui dit quoi faire. / An error, with a stable code and a message that says what to do.",
		"required":    []string{"error"},
		"properties": schema{"error": schema{
			"type":     "object",
			"required": []string{"code", "message"},
			"properties": schema{
				"code":       schema{"type": "string", "description": "Code stable, pour les programmes (« listing_invalid »). / Stable code, for programs.", "pattern": "^[a-z][a-z0-9_]*$"},
				"message":    schema{"type": "string", "description": "Message pour la personne, en français ou en anglais selon Accept-Language. / Message for the person, in French or English by Accept-Language."},
				"request_id": schema{"type": "string", "description": "Identifiant de la requête, aussi dans l'en-tête X-Request-ID et les journaux. / The request's ID, also in the X-Request-ID header and the logs."},
			},
		}},
	}
}

// openAPIHandler serves the document of the route table, built once on
// the first request (the table is complete by then).
func openAPIHandler(routes *[]Route) fiber.Handler {
	var once sync.Once
	var doc []byte
	var err error
	return func(c *fiber.Ctx) error {
		once.Do(func() { doc, err = OpenAPI(*routes) })
		if err != nil {
			return apperr.Wrap(err, apperr.KindInternal, "openapi_unavailable",
				"Le document OpenAPI n'a pas pu être construit.", "The OpenAPI document could not be built.")
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		return c.Send(doc)
	}
}
