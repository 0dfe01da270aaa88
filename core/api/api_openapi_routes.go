package api

import (
	"fmt"
	"net/http"
	"reflect"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/cesu"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/core/message"
	"github.com/campagnon/campagnon/core/privacy"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// The bodies below are what the handlers decode into, and the answers the
// shapes of what they answer as fiber.Map. The OpenAPI test in core/app
// checks real answers against them.

// verifyInput is the body of POST /auth/verify.
type verifyInput struct {
	Token string `json:"token"`
}

// resetInput is the body of POST /auth/password-reset.
type resetInput struct {
	Email string `json:"email"`
}

// resetConfirmInput is the body of POST /auth/password-reset/confirm.
type resetConfirmInput struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// accountAnswer is the answer of POST /auth/verify.
type accountAnswer struct {
	Account *account.Account `json:"account"`
}

// messageAnswer is an answer that only says what happened, French then English.
type messageAnswer struct {
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
}

// tokenList is the answer of GET /auth/tokens.
type tokenList struct {
	Tokens []account.APIToken `json:"tokens"`
}

// tokenCreated is the answer of POST /auth/tokens.
type tokenCreated struct {
	// Token is the plain token, shown this once.
	Token     string            `json:"token"`
	Info      *account.APIToken `json:"info"`
	Message   string            `json:"message"`
	MessageEN string            `json:"message_en"`
}

// eraseAnswer is the answer of POST /me/erase.
type eraseAnswer struct {
	Erased    bool   `json:"erased"`
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
}

// membershipAnswer is the answer of GET /t/{territory}/membership.
type membershipAnswer struct {
	Territory  string   `json:"territory"`
	AccountID  string   `json:"account_id"`
	Roles      []string `json:"roles"`
	MediatorID string   `json:"mediator_id"`
}

// memberList is the answer of GET /t/{territory}/members.
type memberList struct {
	Members []memberView `json:"members"`
	Count   int          `json:"count"`
}

// rolesAnswer is the answer of a change of roles.
type rolesAnswer struct {
	AccountID string   `json:"account_id"`
	Territory string   `json:"territory"`
	Roles     []string `json:"roles"`
}

// policyList is the answer of GET and changes of /t/{territory}/policies.
type policyList struct {
	Policies []authz.Policy `json:"policies"`
	Count    int            `json:"count"`
}

// auditAnswer is the answer of GET /t/{territory}/audit.
type auditAnswer struct {
	Changes     []authz.AuditEntry `json:"changes"`
	StaffAccess []privacy.Access   `json:"staff_access"`
}

// listingList is a page of listings.
type listingList struct {
	Listings []*listing.View `json:"listings"`
	Count    int             `json:"count"`
}

// exchangeList is a page of exchanges.
type exchangeList struct {
	Exchanges []exchange.Exchange `json:"exchanges"`
	Count     int                 `json:"count"`
}

// reviewList is the answer of GET /t/{territory}/moderation/reviews.
type reviewList struct {
	Reviews []exchange.ReviewRow `json:"reviews"`
	Count   int                  `json:"count"`
}

// ledgerAnswer is the answer of GET /t/{territory}/me/ledger.
type ledgerAnswer struct {
	Statement *ledger.Statement `json:"statement"`
	Limits    ledger.Limits     `json:"limits"`
}

// openAPIDocument stands for the document itself, as GET /openapi.json
// answers it: the OpenAPI 3.1 specification describes the rest.
type openAPIDocument struct {
	OpenAPI    string `json:"openapi"`
	Info       any    `json:"info"`
	Tags       any    `json:"tags"`
	Paths      any    `json:"paths"`
	Components any    `json:"components"`
}

// openAPITags groups the routes, in the document's order.
var openAPITags = []openAPITag{
	{"Territoires", "Les territoires (EPCI ou ensembles de communes) et leurs communes.", "Territories (EPCI or sets of communes) and their communes."},
	{"Comptes", "Inscription, vérification, connexion, sessions, mot de passe, jetons d'API.", "Sign-up, verification, login, sessions, password, API tokens."},
	{"Mes données", "Les données d'une personne (RGPD) : export, effacement, médiation faite pour elle.", "A person's data (GDPR): export, erasure, the mediation done for them."},
	{"Membres et droits", "Membres d'un territoire, rôles, droits, journal d'audit, professionnels.", "A territory's members, roles, rights, audit log, professionals."},
	{"Médiation", "Les médiateurs qui agissent pour des habitants, avec leur consentement.", "Mediators acting for residents, with their consent."},
	{"Annonces", "Offres et besoins : publication, cycle de vie, signalement, modération.", "Offers and needs: posting, life cycle, reports, moderation."},
	{"Échanges", "Les mises en relation et leur machine à états, avis, CESU, crédits temps.", "Exchanges and their state machine, reviews, CESU, time credits."},
	{"Règles", "Les règles du territoire, calculées par son plugin : catégories, modes de paiement, devis.", "The territory's rules, computed by its plugin: categories, payment modes, quotes."},
	{"Documentation", "Ce document.", "This document."},
}

// limitQuery is the limit query parameter, 1 to max (def when absent).
func limitQuery(def, max int) queryParam {
	return queryParam{"limit", fmt.Sprintf("Taille de la page, de 1 à %d (%d par défaut)", max, def),
		fmt.Sprintf("Page size, 1 to %d (%d by default)", max, def), schema{"type": "integer", "minimum": 1, "maximum": max, "default": def}}
}

// enumOf is a string schema with these values.
func enumOf(values ...string) schema { return schema{"type": "string", "enum": values} }

// routeDocs describes every route of the table, by "METHOD path" as
// Register adds it. A route without its line here fails OpenAPI, and so
// the OpenAPI test.
func routeDocs() map[string]routeDoc {
	const v1, t = "/api/v1", "/api/v1/t/:territory"
	const (
		bad, forbidden, notFound, conflict, refused = http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity
		unauthorized, created, accepted, noContent  = http.StatusUnauthorized, http.StatusCreated, http.StatusAccepted, http.StatusNoContent
	)
	d := map[string]routeDoc{
		"GET " + v1 + "/openapi.json": {tag: "Documentation", fr: "Ce document OpenAPI 3.1 de l'API.", en: "This OpenAPI 3.1 document of the API.",
			out: openAPIDocument{}},

		"GET " + v1 + "/territories": {tag: "Territoires", fr: "Liste les territoires actifs.", en: "Lists the active territories.",
			out: territoryList{}},
		"GET " + v1 + "/territories/:slug": {tag: "Territoires", fr: "Un territoire avec ses communes et l'attribution des données.", en: "A territory with its communes and the data's attribution.",
			out: territoryDetail{}},

		"POST " + v1 + "/auth/signup": {tag: "Comptes", fr: "Crée un compte et envoie le courriel de vérification ; la réponse est la même si l'adresse a déjà un compte. Le territoire est celui de la commune.",
			en: "Creates an account and sends the verification email; the answer is the same when the address already has an account. The territory is the commune's.",
			in: account.SignUpInput{}, status: accepted, out: account.SignUpResult{}, limited: true},
		"POST " + v1 + "/auth/verify": {tag: "Comptes", fr: "Vérifie l'adresse avec le jeton du courriel ; le compte devient membre du territoire de sa commune.",
			en: "Verifies the address with the email's token; the account becomes a member of its commune's territory.",
			in: verifyInput{}, out: accountAnswer{}, limited: true},
		"POST " + v1 + "/auth/login": {tag: "Comptes", fr: "Ouvre une session : pose le cookie de session et donne le jeton CSRF. Trop d'échecs : 429 avec Retry-After.",
			en: "Opens a session: sets the session cookie and gives the CSRF token. Too many failures: 429 with Retry-After.",
			in: loginInput{}, out: meAnswer{}, errs: []int{unauthorized, forbidden}, limited: true, cookie: true},
		"POST " + v1 + "/auth/password-reset": {tag: "Comptes", fr: "Envoie un lien de réinitialisation du mot de passe ; même réponse que l'adresse ait un compte ou non.",
			en: "Sends a password-reset link; the same answer whether the address has an account or not.",
			in: resetInput{}, status: accepted, out: account.SignUpResult{}, limited: true},
		"POST " + v1 + "/auth/password-reset/confirm": {tag: "Comptes", fr: "Change le mot de passe avec le jeton du courriel et ferme les autres sessions.",
			en: "Changes the password with the email's token and closes the other sessions.",
			in: resetConfirmInput{}, out: messageAnswer{}, limited: true},
		"GET " + v1 + "/auth/me": {tag: "Comptes", fr: "Le compte de la session, son jeton CSRF et sa fin.", en: "The session's account, its CSRF token and its expiry.",
			out: meAnswer{}},
		"POST " + v1 + "/auth/logout": {tag: "Comptes", fr: "Ferme la session et efface le cookie.", en: "Closes the session and clears the cookie.",
			status: noContent, cookie: true},
		"POST " + v1 + "/auth/logout-everywhere": {tag: "Comptes", fr: "Ferme toutes les sessions du compte.", en: "Closes every session of the account.",
			status: noContent, cookie: true},
		"GET " + v1 + "/auth/tokens": {tag: "Comptes", fr: "Les jetons d'API du compte (sans leur valeur).", en: "The account's API tokens (without their value).",
			out: tokenList{}},
		"POST " + v1 + "/auth/tokens": {tag: "Comptes", fr: "Crée un jeton d'API d'une portée et d'une durée données ; sa valeur n'est montrée qu'une fois.",
			en: "Creates an API token with a scope and a lifetime; its value is shown once.",
			in: tokenInput{}, status: created, out: tokenCreated{}},
		"DELETE " + v1 + "/auth/tokens/:id": {tag: "Comptes", fr: "Révoque un jeton d'API du compte.", en: "Revokes an API token of the account.",
			status: noContent},

		"GET " + v1 + "/me/data": {tag: "Mes données", fr: "Toutes mes données, à garder (RGPD art. 15 et 20), avec les consultations par le personnel.",
			en: "All my data, to keep (GDPR art. 15 and 20), with the reads by staff.", out: privacy.Export{}},
		"POST " + v1 + "/me/erase": {tag: "Mes données", fr: "Efface mon compte et mes données (RGPD art. 17), confirmé par le mot de passe et « SUPPRIMER ».",
			en: "Erases my account and my data (GDPR art. 17), confirmed with the password and \"ERASE\".",
			in: eraseInput{}, out: eraseAnswer{}, limited: true, cookie: true},
		"GET " + v1 + "/me/mediation": {tag: "Mes données", fr: "Les consentements que j'ai donnés à des médiateurs et tout ce qui a été fait pour moi.",
			en: "The consents I gave mediators and everything done for me.", out: mediation.Record{}},
		"POST " + v1 + "/me/mediation/consents/:id/revoke": {tag: "Mes données", fr: "Révoque un de mes consentements.", en: "Revokes one of my consents.",
			out: mediation.Consent{}},

		"GET " + t + "/membership": {tag: "Membres et droits", fr: "Mes rôles dans le territoire (et le médiateur qui agit pour moi, le cas échéant).",
			en: "My roles in the territory (and the mediator acting for me, if any).", out: membershipAnswer{}},
		"GET " + t + "/members": {tag: "Membres et droits", fr: "Cherche des membres (personnel du territoire) ; chaque lecture est journalisée.",
			en: "Finds members (territory staff); every read is logged.", out: memberList{},
			query: []queryParam{{"q", "Texte cherché dans le nom ou l'adresse", "Text searched in the name or address", schema{"type": "string"}}, limitQuery(50, account.MaxMembersPage)}},
		"GET " + t + "/members/:id": {tag: "Membres et droits", fr: "Un membre et ses rôles ; la lecture est journalisée.", en: "A member and their roles; the read is logged.",
			out: memberView{}},
		"POST " + t + "/roles": {tag: "Membres et droits", fr: "Donne un rôle dans le territoire.", en: "Grants a role in the territory.",
			in: roleInput{}, out: rolesAnswer{}},
		"DELETE " + t + "/roles/:account/:role": {tag: "Membres et droits", fr: "Retire un rôle dans le territoire.", en: "Revokes a role in the territory.",
			out: rolesAnswer{}},
		"GET " + t + "/policies": {tag: "Membres et droits", fr: "Les droits en vigueur dans le territoire (nationaux et propres).", en: "The rights in force in the territory (national and its own).",
			out: policyList{}},
		"POST " + t + "/policies": {tag: "Membres et droits", fr: "Ajoute un droit propre au territoire.", en: "Adds a right of the territory's own.",
			in: policyInput{}, out: policyList{}},
		"DELETE " + t + "/policies/:role/:object/:action": {tag: "Membres et droits", fr: "Retire un droit du territoire.", en: "Removes a right of the territory.",
			out: policyList{}},
		"GET " + t + "/audit": {tag: "Membres et droits", fr: "Le journal des changements de droits et des consultations de données personnelles.",
			en: "The log of rights changes and of reads of personal data.", out: auditAnswer{}, query: []queryParam{limitQuery(100, 1000)}},
		"GET " + t + "/professionals/:id": {tag: "Membres et droits", fr: "La fiche publique d'un professionnel (raison sociale, SIRET), qui signale ses offres comme professionnelles.",
			en: "A professional's public profile (company name, SIRET), which marks their offers as a professional's.", out: account.PublicProfessional{}},

		"POST " + t + "/mediation/consents": {tag: "Médiation", fr: "Un médiateur enregistre le consentement qu'un habitant lui a donné (qui, quand, pour quoi, comment).",
			en: "A mediator records the consent a resident gave them (who, when, for what, how).",
			in: mediation.ConsentInput{}, status: created, out: mediation.Consent{}},
		"GET " + t + "/mediation": {tag: "Médiation", fr: "Les consentements reçus par le médiateur et les actions qu'il a faites.",
			en: "The consents the mediator received and the actions they took.", out: mediation.Record{}},

		"GET " + t + "/search": {tag: "Annonces", fr: "Recherche dans les annonces publiées du territoire : texte en français (accents, formes des mots, fautes de frappe, synonymes), filtres, rayon autour d'une commune ou d'un point, compteurs par catégorie, commune et mode, tris, pages.",
			en:  "Searches the territory's published listings: French text (accents, word forms, typos, synonyms), filters, radius around a commune or a point, counts per category, commune and mode, sorts, pages.",
			out: searchAnswer{}, errs: []int{bad}, query: []queryParam{
				{"q", "Texte recherché, 200 caractères au plus", "Text searched, at most 200 characters", schema{"type": "string", "maxLength": 200}},
				{"kind", "Offres ou besoins", "Offers or needs", enumOf(abi.ListingOffer, abi.ListingNeed)},
				{"category", "Catégorie du plugin", "The plugin's category", schema{"type": "string"}},
				{"commune", "Code INSEE de la commune", "The commune's INSEE code", schema{"type": "string"}},
				{"modality", "Entre particuliers ou professionnelle", "Resident to resident or professional", enumOf(abi.ModalityResident, abi.ModalityProfessional)},
				{"mode", "Mode de paiement accepté", "Accepted payment mode", enumOf(abi.Modes...)},
				{"near", "Centre : code INSEE d'une commune, ou latitude,longitude", "Centre: a commune's INSEE code, or latitude,longitude", schema{"type": "string"}},
				{"radius_km", "Rayon autour du centre, en km (0 à 200)", "Radius around the centre, in km (0 to 200)", schema{"type": "number", "exclusiveMinimum": 0, "maximum": 200}},
				{"sort", "Tri", "Sort", enumOf(search.SortRelevance, search.SortDistance, search.SortRecency, search.SortRating)},
				{"facets", "Compteurs par catégorie, commune et mode", "Counts per category, commune and mode", schema{"type": "boolean"}},
				limitQuery(20, search.MaxLimit),
				{"offset", "Rang du premier résultat (0 à 10 000)", "Rank of the first hit (0 to 10,000)", schema{"type": "integer", "minimum": 0, "maximum": search.MaxOffset}},
			}},
		"GET " + t + "/listings": {tag: "Annonces", fr: "Les annonces publiées du territoire, les plus récentes d'abord.", en: "The territory's published listings, newest first.",
			out: listingList{}, errs: []int{bad}, query: []queryParam{
				{"kind", "Offres ou besoins", "Offers or needs", enumOf(abi.ListingOffer, abi.ListingNeed)},
				{"category", "Catégorie du plugin", "The plugin's category", schema{"type": "string"}},
				{"commune", "Code INSEE de la commune", "The commune's INSEE code", schema{"type": "string"}},
				{"modality", "Entre particuliers ou professionnelle", "Resident to resident or professional", enumOf(abi.ModalityResident, abi.ModalityProfessional)},
				{"mode", "Mode de paiement accepté", "Accepted payment mode", enumOf(abi.Modes...)},
				limitQuery(20, listing.MaxPage),
				{"before", "Identifiant de la dernière annonce de la page précédente", "ID of the previous page's last listing", schema{"type": "string"}},
			}},
		"GET " + t + "/listings/:id": {tag: "Annonces", fr: "Une annonce ; son auteur (et la modération) voit aussi ses brouillons et annonces masquées.",
			en: "A listing; its author (and moderators) also see drafts and hidden listings.", out: listing.View{}},
		"GET " + t + "/my/listings": {tag: "Annonces", fr: "Mes annonces, quel que soit leur statut.", en: "My listings, whatever their status.",
			out: listingList{}, query: []queryParam{limitQuery(50, listing.MaxPage),
				{"before", "Identifiant de la dernière annonce de la page précédente", "ID of the previous page's last listing", schema{"type": "string"}}}},
		"POST " + t + "/listings": {tag: "Annonces", fr: "Publie une offre ou un besoin (brouillon sauf publish), vérifié par le plugin du territoire.",
			en: "Posts an offer or a need (a draft unless publish), checked by the territory's plugin.",
			in: listing.Input{}, status: created, out: listing.View{}, errs: []int{refused}, limited: true},
		"PUT " + t + "/listings/:id": {tag: "Annonces", fr: "Modifie mon annonce (vérifiée à nouveau par le plugin).", en: "Updates my listing (checked again by the plugin).",
			in: listing.Input{}, out: listing.View{}, errs: []int{conflict, refused}},
		"POST " + t + "/listings/:id/publish": {tag: "Annonces", fr: "Publie mon annonce (brouillon ou en pause).", en: "Publishes my listing (draft or paused).",
			out: listing.View{}, errs: []int{conflict}},
		"POST " + t + "/listings/:id/pause": {tag: "Annonces", fr: "Met mon annonce en pause.", en: "Pauses my listing.",
			out: listing.View{}, errs: []int{conflict}},
		"POST " + t + "/listings/:id/close": {tag: "Annonces", fr: "Clôt mon annonce.", en: "Closes my listing.",
			out: listing.View{}, errs: []int{conflict}},
		"POST " + t + "/listings/:id/report": {tag: "Annonces", fr: "Signale une annonce à l'équipe du territoire.", en: "Reports a listing to the territory's team.",
			in: reasonInput{}, status: accepted, out: messageAnswer{}, errs: []int{conflict}, limited: true},
		"POST " + t + "/listings/:id/hide": {tag: "Annonces", fr: "Masque une annonce (modération), avec la raison donnée à l'auteur.", en: "Hides a listing (moderation), with the reason given to its author.",
			in: reasonInput{}, out: listing.View{}},
		"POST " + t + "/listings/:id/unhide": {tag: "Annonces", fr: "Rend visible une annonce masquée.", en: "Shows a hidden listing again.",
			in: reasonInput{}, inOptional: true, out: listing.View{}},
		"GET " + t + "/moderation/listings": {tag: "Annonces", fr: "Les annonces signalées ou masquées, à examiner.", en: "Reported or hidden listings, to review.",
			out: listingList{}},

		"POST " + t + "/exchanges": {tag: "Échanges", fr: "Demande un échange sur une offre (ou répond à un besoin) ; le plugin chiffre la demande.",
			en: "Asks for an exchange on an offer (or answers a need); the plugin prices the request.",
			in: exchange.RequestInput{}, status: created, out: exchange.Exchange{}, errs: []int{refused}, once: true, limited: true},
		"GET " + t + "/exchanges": {tag: "Échanges", fr: "Mes échanges, les plus récents d'abord.", en: "My exchanges, newest first.",
			out: exchangeList{}, query: []queryParam{{"state", "État", "State", enumOf(stringsOf(exchange.States)...)}, limitQuery(50, exchange.MaxPage)}},
		"GET " + t + "/exchanges/:id": {tag: "Échanges", fr: "Un de mes échanges avec son historique (chaque transition, son acteur et le médiateur).",
			en: "One of my exchanges with its history (every transition, its actor and the mediator).", out: exchange.Detail{}},
		"GET " + t + "/members/:id/reviews": {tag: "Échanges", fr: "Les avis publiés sur un membre et leur moyenne.", en: "A member's published reviews and their average.",
			out: exchange.Rating{}},
		"GET " + t + "/me/cesu": {tag: "Échanges", fr: "Mes récapitulatifs CESU déclaratif du mois, à saisir sur le site CESU de l'URSSAF (JSON, CSV ou page imprimable), et l'obligation de contrat écrit.",
			en:  "My CESU déclaratif summaries for the month, to enter on URSSAF's CESU site (JSON, CSV or a printable page), and whether a written contract is mandatory.",
			out: exchange.CESUView{}, alt: []string{"text/csv", "text/html"}, errs: []int{bad}, query: []queryParam{
				{"month", "Mois, AAAA-MM (le mois en cours par défaut)", "Month, YYYY-MM (the current month by default)", schema{"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}},
				{"format", "json, csv ou html", "json, csv or html", schema{"type": "string", "enum": []string{"json", "csv", "html"}, "default": "json"}},
			}},
		"GET " + t + "/me/ledger": {tag: "Échanges", fr: "Mon solde de crédits temps et mon relevé, les plus récents d'abord, avec le plancher et le plafond.",
			en:  "My time-credit balance and statement, newest first, with the floor and the ceiling.",
			out: ledgerAnswer{}, query: []queryParam{limitQuery(ledger.DefaultPageSize, ledger.MaxPageSize)}},

		"GET " + t + "/me/tax-credit": {tag: "Échanges", fr: "Le compteur de crédit d'impôt services à la personne du foyer pour l'année : dépenses éligibles, plafonds et sous-plafonds ; toujours une simulation.",
			en:  "The household's tax-credit meter for the year: eligible spending, caps and sub-caps; always a simulation.",
			out: cesu.TaxCreditMeter{}, errs: []int{bad}, query: []queryParam{
				{"year", "Année civile (l'année en cours par défaut)", "Calendar year (the current one by default)", schema{"type": "integer", "minimum": 2017, "maximum": 2100}},
				{"children", "Enfants à charge, 0 à 20", "Dependent children, 0 to 20", schema{"type": "integer", "minimum": 0, "maximum": 20}},
				{"over65", "Membres du foyer de plus de 65 ans, 0 à 20", "Household members over 65, 0 to 20", schema{"type": "integer", "minimum": 0, "maximum": 20}},
				{"first_year", "Première année d'emploi direct", "First year of direct employment", schema{"type": "boolean"}},
				{"disability", "Membre du foyer en situation d'invalidité", "A disabled household member", schema{"type": "boolean"}},
			}},
		"POST " + t + "/exchanges/:id/months": {tag: "Échanges", fr: "Le prestataire d'un accord régulier (chaque semaine) déclare les séances d'un mois ; les deux parties les confirment ensuite.",
			en: "The provider of a recurring (weekly) agreement records a month's sessions; both parties then confirm them.",
			in: exchange.MonthInput{}, status: created, out: exchange.MonthRow{}, errs: []int{forbidden, conflict}, once: true},
		"POST " + t + "/exchanges/:id/months/:month/confirm": {tag: "Échanges", fr: "Une partie confirme un mois d'un accord régulier ; confirmé par les deux, le mois est réglé (crédits temps, travail CESU du mois).",
			en:  "A party confirms a month of a recurring agreement; confirmed by both, the month is settled (time credits, the month's CESU work).",
			out: exchange.MonthRow{}, errs: []int{forbidden, conflict, refused}, once: true},
		"POST " + t + "/exchanges/:id/payments": {tag: "Échanges", fr: "Enregistre un paiement d'un échange accepté : titres CESU préfinancés, devis, facture ou règlement d'un professionnel (la plateforme ne détient aucun argent).",
			en: "Records a payment of an accepted exchange: CESU préfinancé titles, a professional's quote, invoice or payment (the platform holds no money).",
			in: exchange.PaymentInput{}, status: created, out: exchange.Payment{}, errs: []int{refused}, once: true},
		"GET " + t + "/exchanges/:id/messages": {tag: "Échanges", fr: "Le fil de messages d'un échange, du plus ancien au plus récent, pour ses deux parties ; les messages lus sont marqués lus.",
			en:  "An exchange's message thread, oldest first, for its two parties; the messages read are marked read.",
			out: message.Thread{}, errs: []int{forbidden}, query: []queryParam{
				{"after", "Numéro (seq) du dernier message déjà lu", "Number (seq) of the last message already read", schema{"type": "integer", "minimum": 0}},
				limitQuery(message.DefaultPage, message.MaxPage),
			}},
		"POST " + t + "/exchanges/:id/messages": {tag: "Échanges", fr: "Écrit dans le fil d'un échange ; l'autre partie est prévenue par courriel.",
			en: "Writes in an exchange's thread; the other party is told by email.",
			in: sendInput{}, status: created, out: message.Message{}, errs: []int{forbidden, conflict}, limited: true},
		"POST " + t + "/exchanges/:id/reviews/:author/report": {tag: "Échanges", fr: "Signale l'avis d'un auteur sur un échange à l'équipe du territoire.",
			en: "Reports an author's review of an exchange to the territory's team.",
			in: reasonInput{}, status: accepted, out: messageAnswer{}, errs: []int{conflict}, limited: true},
		"POST " + t + "/exchanges/:id/reviews/:author/hide": {tag: "Échanges", fr: "Masque un avis (modération).", en: "Hides a review (moderation).",
			status: noContent},
		"POST " + t + "/exchanges/:id/reviews/:author/unhide": {tag: "Échanges", fr: "Rend visible un avis masqué.", en: "Shows a hidden review again.",
			status: noContent},
		"GET " + t + "/moderation/reviews": {tag: "Échanges", fr: "Les avis signalés ou masqués, à examiner.", en: "Reported or hidden reviews, to review.",
			out: reviewList{}},
		"GET " + t + "/me/unread": {tag: "Échanges", fr: "Mes messages non lus, par échange et en tout.", en: "My unread messages, per exchange and in all.",
			out: message.Unread{}},
		"GET " + t + "/rules": {tag: "Règles", fr: "Le plugin et la configuration que le territoire applique.", en: "The plugin and configuration the territory runs.",
			out: rules.Info{}},
		"GET " + t + "/categories": {tag: "Règles", fr: "Les catégories de services du territoire.", en: "The territory's service categories.",
			out: abi.Categories{}},
		"GET " + t + "/payment-modes": {tag: "Règles", fr: "Les modes de paiement permis pour une catégorie et une modalité.", en: "The payment modes allowed for a category and a modality.",
			out: abi.PaymentModes{}, errs: []int{bad, refused}, query: []queryParam{
				{"category", "Catégorie", "Category", schema{"type": "string"}},
				{"modality", "Modalité (resident par défaut)", "Modality (resident by default)", schema{"type": "string", "enum": []string{abi.ModalityResident, abi.ModalityProfessional}, "default": abi.ModalityResident}},
				{"provider_sap", "Le prestataire est un professionnel déclaré services à la personne", "The provider is a professional declared for services à la personne", schema{"type": "boolean"}},
			}},
		"POST " + t + "/quotes": {tag: "Règles", fr: "Chiffre un service avec le plugin du territoire et garde le devis (avec l'empreinte du plugin et de la configuration).",
			en: "Prices a service with the territory's plugin and keeps the quote (with the plugin's and configuration's hashes).",
			in: rules.QuoteInput{}, status: created, out: rules.QuoteResult{}, errs: []int{refused}},
		"POST " + t + "/listing-checks": {tag: "Règles", fr: "Vérifie une annonce avec le plugin du territoire, sans l'enregistrer.", en: "Checks a listing with the territory's plugin, without storing it.",
			in: abi.Listing{}, out: abi.ListingVerdict{}, errs: []int{refused}},
	}
	transitions := []struct {
		ev     exchange.Event
		fr, en string
		errs   []int
	}{
		{exchange.Accept, "La contrepartie accepte la demande : le devis du plugin est calculé et figé (identifiant, version et empreinte du plugin).",
			"The counterpart accepts the request: the plugin's quote is computed and frozen (the plugin's id, version and hash).", nil},
		{exchange.Decline, "La contrepartie refuse la demande.", "The counterpart declines the request.", nil},
		{exchange.Schedule, "Fixe la date du service (scheduled_at, des 90 derniers jours à l'année qui vient).", "Sets the service's date (scheduled_at, from 90 days ago to a year ahead).", nil},
		{exchange.Complete, "Le prestataire déclare le service fait.", "The provider marks the service done.", nil},
		{exchange.Confirm, "Chaque partie confirme ; à la seconde confirmation l'échange est réglé (crédits temps transférés, CESU enregistré), dans les limites du territoire.",
			"Each party confirms; at the second confirmation the exchange is settled (time credits moved, CESU recorded), within the territory's limits.", nil},
		{exchange.Dispute, "Une partie conteste le service (note obligatoire).", "A party disputes the service (a note is required).", nil},
		{exchange.Cancel, "Annule l'échange avant le service (note facultative).", "Cancels the exchange before the service (an optional note).", nil},
		{exchange.Review, "Laisse un avis (rating de 1 à 5, commentaire) ; les deux avis sont publiés ensemble.", "Leaves a review (rating 1 to 5, a comment); both reviews are published together.", nil},
		{exchange.Resolve, "Un administrateur du territoire règle un litige (note obligatoire).", "A territory admin resolves a dispute (a note is required).", nil},
	}
	for _, tr := range transitions {
		d["POST "+t+"/exchanges/:id/"+string(tr.ev)] = routeDoc{tag: "Échanges",
			fr: tr.fr + " Le service vérifie l'état et qui peut agir ; 409 depuis un mauvais état ou si une autre transition est passée avant.",
			en: tr.en + " The service checks the state and who may act; 409 from a wrong state or when another transition came first.",
			in: exchange.TransitionInput{}, inOptional: true, out: exchange.Exchange{}, errs: append([]int{forbidden, conflict, refused}, tr.errs...), once: true}
	}
	return d
}

func stringsOf[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// openAPIEnums lists the values of the named string types of bodies and answers.
func openAPIEnums() map[reflect.Type][]string {
	return map[reflect.Type][]string{
		reflect.TypeFor[exchange.State](): stringsOf(exchange.States),
		reflect.TypeFor[exchange.Event](): append(stringsOf(exchange.Events), "request"),
		reflect.TypeFor[exchange.Actor](): stringsOf(exchange.Actors),
		reflect.TypeFor[ledger.Kind]():    {string(ledger.KindExchange), string(ledger.KindWelcome), string(ledger.KindReversal), string(ledger.KindAdjustment)},
	}
}

// openAPIFields documents the fields whose rules the Go types do not carry:
// which input fields are required, enums, bounds and formats. The bounds
// are the domain packages' (named in each comment where unexported).
func openAPIFields() map[string]fieldDoc {
	req := func(s schema) fieldDoc { return fieldDoc{required: true, s: s} }
	opt := func(s schema) fieldDoc { return fieldDoc{s: s} }
	modes := schema{"type": "array", "items": enumOf(abi.Modes...)}
	modality := enumOf(abi.ModalityResident, abi.ModalityProfessional)
	kind := enumOf(abi.ListingOffer, abi.ListingNeed)
	priceKind := enumOf(abi.PriceFree, abi.PriceHourly, abi.PriceFixed, abi.PriceOnQuote)
	password := schema{"minLength": credential.MinPasswordChars, "maxLength": credential.MaxPasswordChars, "writeOnly": true}
	return map[string]fieldDoc{
		// account: bounds of core/account/account_validate.go.
		"account.SignUpInput.email":              req(schema{"format": "email", "maxLength": 254}),
		"account.SignUpInput.password":           req(password),
		"account.SignUpInput.display_name":       req(schema{"minLength": 1, "maxLength": 100}),
		"account.SignUpInput.commune":            req(schema{"minLength": 1, "maxLength": 100, "description": "Code INSEE (« 60620 ») ou nom d'une seule commune (« Songeons »). / INSEE code or the name of one commune."}),
		"account.ProfessionalInput.company_name": req(schema{"minLength": 1, "maxLength": 200}),
		"account.ProfessionalInput.siret":        req(schema{"description": "14 chiffres, espaces acceptés. / 14 digits, spaces accepted."}),
		"account.ProfessionalInput.naf":          req(schema{"description": "Code NAF (APE), « 88.10A ». / NAF (APE) code."}),
		"account.ProfessionalInput.sap_number":   opt(schema{"description": "« SAP » et les 9 chiffres du SIREN. / \"SAP\" and the SIREN's 9 digits."}),
		"api.verifyInput.token":                  req(schema{"minLength": 1}),
		"api.loginInput.email":                   req(schema{"minLength": 1}),
		"api.loginInput.password":                req(schema{"minLength": 1, "writeOnly": true}),
		"api.resetInput.email":                   req(schema{"minLength": 1}),
		"api.resetConfirmInput.token":            req(schema{"minLength": 1}),
		"api.resetConfirmInput.password":         req(password),
		"api.tokenInput.scope":                   req(schema{"minLength": 1, "maxLength": 200, "pattern": "^[a-z0-9:_.,*-]+$", "description": "Entrées « objet:action » séparées par des virgules (« rules:quote,listing:* »). / Comma-separated \"object:action\" entries."}),
		"api.tokenInput.days":                    req(schema{"minimum": 1, "maximum": 366}),
		"api.eraseInput.password":                req(schema{"minLength": 1, "writeOnly": true}),
		"api.eraseInput.confirm":                 req(enumOf("SUPPRIMER", "ERASE")),
		"api.roleInput.account_id":               req(schema{"pattern": uuidPattern}),
		"api.roleInput.role":                     req(enumOf(authz.Roles...)),
		"api.policyInput.role":                   req(enumOf(authz.Roles...)),
		"api.policyInput.object":                 req(schema{"pattern": "^[a-z0-9_]{1,64}$"}),
		"api.policyInput.action":                 req(schema{"pattern": "^[a-z0-9_]{1,64}$"}),
		"api.reasonInput.reason":                 opt(schema{"minLength": 3, "maxLength": 500, "description": "Obligatoire pour un signalement et pour masquer. / Required to report and to hide."}),
		"mediation.ConsentInput.resident_id":     req(schema{"pattern": uuidPattern}),
		"mediation.ConsentInput.scope":           req(schema{"type": "array", "items": enumOf(mediation.Scopes...), "minItems": 1}),
		"mediation.ConsentInput.method":          req(enumOf(mediation.Methods...)),
		"mediation.ConsentInput.given_at":        opt(schema{"description": "Quand il a été donné (90 jours au plus avant) ; maintenant si absent. / When it was given (at most 90 days ago); now when absent."}),
		"mediation.ConsentInput.days":            opt(schema{"minimum": 0, "maximum": 365, "description": "Durée en jours ; 0 ou absent : 365. / Lifetime in days; 0 or absent: 365."}),
		"mediation.Consent.method":               opt(enumOf(mediation.Methods...)),
		// listing: bounds of core/listing/listing_validate.go.
		"listing.Input.kind":              req(kind),
		"listing.Input.category":          req(schema{"minLength": 1, "maxLength": 64}),
		"listing.Input.modality":          req(modality),
		"listing.Input.title":             req(schema{"minLength": 5, "maxLength": 120}),
		"listing.Input.description":       opt(schema{"maxLength": 4000}),
		"listing.Input.modes":             req(schema{"type": "array", "items": enumOf(abi.Modes...), "minItems": 1, "maxItems": len(abi.Modes)}),
		"listing.Input.price_kind":        req(priceKind),
		"listing.Input.price_cents":       opt(schema{"minimum": 0, "maximum": 1_000_000, "description": "Prix horaire ou forfaitaire en centimes ; 0 pour gratuit ou sur devis. / Hourly or fixed price in cents; 0 for free or on quote."}),
		"listing.Input.commune":           req(schema{"minLength": 5, "maxLength": 5, "description": "Code INSEE d'une commune du territoire. / INSEE code of a commune of the territory."}),
		"listing.Input.travel_km":         opt(schema{"minimum": 0, "maximum": 200}),
		"listing.Input.availability":      opt(schema{"maxItems": 21}),
		"listing.Input.availability_note": opt(schema{"maxLength": 500}),
		"listing.Input.publish":           opt(schema{"description": "Publie tout de suite ; sinon brouillon. / Publish at once; otherwise a draft."}),
		"listing.Slot.day":                req(schema{"minimum": 1, "maximum": 7, "description": "1 (lundi) à 7 (dimanche). / 1 (Monday) to 7 (Sunday)."}),
		"listing.Slot.from":               req(schema{"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}),
		"listing.Slot.to":                 req(schema{"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}),
		"listing.Listing.kind":            opt(kind),
		"listing.Listing.modality":        opt(modality),
		"listing.Listing.price_kind":      opt(priceKind),
		"listing.Listing.status":          opt(enumOf(listing.StatusDraft, listing.StatusPublished, listing.StatusPaused, listing.StatusClosed, listing.StatusExpired)),
		"listing.View.modes":              opt(modes),
		// exchange: bounds of core/exchange/service.go.
		"exchange.RequestInput.listing_id":      req(schema{"minLength": 1}),
		"exchange.RequestInput.mode":            req(enumOf(abi.Modes...)),
		"exchange.RequestInput.minutes":         req(schema{"minimum": 1, "maximum": 12 * 60}),
		"exchange.RequestInput.occurrences":     opt(schema{"minimum": 0, "maximum": 53, "description": "Nombre de séances ; 0 ou absent : 1. / Occurrences; 0 or absent: 1."}),
		"exchange.RequestInput.recurrence":      opt(schema{"enum": []string{"", exchange.RecurrenceWeekly}, "description": "\"weekly\" : un accord régulier, occurrences = séances par mois (1 à 31). / \"weekly\": a recurring agreement, occurrences = sessions a month (1 to 31)."}),
		"exchange.MonthInput.month":             req(schema{"pattern": "^[0-9]{4}-[0-9]{2}$"}),
		"exchange.MonthInput.sessions":          req(schema{"minimum": 1, "maximum": 31}),
		"exchange.RequestInput.hourly_cents":    opt(schema{"minimum": 0, "maximum": 100_000, "description": "Montant horaire proposé (salaire net CESU, tarif professionnel) ; 0 : la grille du plugin. / Proposed hourly amount; 0: the plugin's grid."}),
		"exchange.TransitionInput.scheduled_at": opt(schema{"description": "Date du service (schedule). / The service's date (schedule)."}),
		"exchange.TransitionInput.rating":       opt(schema{"minimum": 1, "maximum": 5, "description": "Note (review). / Rating (review)."}),
		"exchange.TransitionInput.comment":      opt(schema{"maxLength": 1000}),
		"exchange.TransitionInput.note":         opt(schema{"maxLength": 1000, "description": "Explication (cancel ; obligatoire pour dispute et resolve, 3 caractères au moins). / Explanation (cancel; required for dispute and resolve, at least 3 characters)."}),
		"exchange.EventRow.from":                opt(schema{"enum": append([]string{""}, stringsOf(exchange.States)...), "description": "État de départ ; vide pour la demande. / The state left; empty for the request."}),
		"exchange.Exchange.mode":                opt(enumOf(abi.Modes...)),
		"exchange.Exchange.modality":            opt(modality),
		// rules and the plugin ABI: bounds of sdk/abi.
		"rules.QuoteInput.category":              req(schema{"minLength": 1}),
		"rules.QuoteInput.modality":              req(modality),
		"rules.QuoteInput.mode":                  req(enumOf(abi.Modes...)),
		"rules.QuoteInput.minutes":               req(schema{"minimum": 1, "maximum": abi.MaxMinutes}),
		"rules.QuoteInput.occurrences":           opt(schema{"minimum": 0, "maximum": abi.MaxOccurrences}),
		"rules.QuoteInput.hourly_cents":          opt(schema{"minimum": 0, "maximum": abi.MaxHourlyCents}),
		"abi.Listing.kind":                       req(kind),
		"abi.Listing.category":                   req(schema{"minLength": 1}),
		"abi.Listing.modality":                   req(modality),
		"abi.Listing.title":                      req(schema{"minLength": 1, "maxLength": abi.MaxLabelBytes}),
		"abi.Listing.modes":                      req(modes),
		"abi.Listing.price_kind":                 req(priceKind),
		"abi.Listing.commune":                    req(schema{"minLength": 5, "maxLength": 5}),
		"abi.Quote.mode":                         opt(enumOf(abi.Modes...)),
		"abi.Quote.currency":                     opt(enumOf(abi.Currency)),
		"abi.ModeOption.mode":                    opt(enumOf(abi.Modes...)),
		"abi.Category.modalities":                opt(schema{"type": "array", "items": modality}),
		"abi.Category.modes":                     opt(modes),
		"exchange.PaymentInput.kind":             req(enumOf(exchange.PaymentCESUTitles, exchange.PaymentQuote, exchange.PaymentInvoice, exchange.PaymentSettlement)),
		"exchange.PaymentInput.titles_count":     opt(schema{"minimum": 0, "maximum": 200, "description": "Titres CESU remis (cesu_titles). / CESU titles handed over (cesu_titles)."}),
		"exchange.PaymentInput.face_value_cents": opt(schema{"minimum": 0, "maximum": 100_000, "description": "Valeur faciale d'un titre (cesu_titles). / A title's face value (cesu_titles)."}),
		"exchange.PaymentInput.amount_cents":     opt(schema{"minimum": 0, "maximum": 10_000_000, "description": "Montant (quote, invoice, settlement). / Amount (quote, invoice, settlement)."}),
		"exchange.PaymentInput.method":           opt(schema{"enum": append([]string{""}, exchange.SettlementMethods...), "description": "Moyen de paiement (settlement). / Payment method (settlement)."}),
		"exchange.PaymentInput.reference":        opt(schema{"maxLength": 200}),
		"exchange.Payment.kind":                  opt(enumOf(exchange.PaymentCESUTitles, exchange.PaymentQuote, exchange.PaymentInvoice, exchange.PaymentSettlement)),
		"api.sendInput.body":                     req(schema{"minLength": 1, "maxLength": message.MaxBody}),
		// answers
		"territory.Territory.kind":         opt(enumOf(territory.KindEPCI, territory.KindCustom)),
		"territory.Territory.status":       opt(enumOf(territory.StatusActive, territory.StatusDisabled)),
		"authz.AuditEntry.action":          opt(enumOf("add", "remove")),
		"authz.AuditEntry.ptype":           opt(enumOf("p", "g")),
		"account.PublicProfessional.label": opt(enumOf("professionnel")),
		"api.openAPIDocument.openapi":      opt(enumOf(OpenAPIVersion)),
	}
}
