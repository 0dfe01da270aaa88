// Package privacy holds what the RGPD asks of the whole platform in one
// place: the registry classifying every column of the schema that holds
// personal data (a test fails when a migration adds a column nobody
// classified), the "my data" export and the erasure that runs every
// domain's part in one transaction, and the append-only log of staff reads
// of personal data.
package privacy

// Categories of personal data, for the RGPD registry.
const (
	CategoryIdentity     = "identity"     // who the person is: name, business
	CategoryContact      = "contact"      // how to reach them: email
	CategoryCredential   = "credential"   // secrets and their hashes
	CategoryLocation     = "location"     // where they live or connect from
	CategoryProfessional = "professional" // public business identifiers
	CategoryActivity     = "activity"     // when and how they used the service
	CategoryMessage      = "message"      // what was sent to them
	CategoryPseudonym    = "pseudonym"    // an account ID: personal only through the accounts row, which erasure pseudonymises
)

// PersonalColumn classifies one column holding personal data.
type PersonalColumn struct {
	Table, Column string
	// Category is one of the Category constants.
	Category string
	// Retention says how long the value is kept and what erasure does to it.
	Retention string
}

// PersonalColumns lists every column of the schema that holds personal
// data. TestEveryColumnClassified fails when a column created by a
// migration is neither here nor in technicalColumns.
var PersonalColumns = []PersonalColumn{
	{"accounts", "email", CategoryContact, "life of the account; erasure replaces it with a pseudonym"},
	{"accounts", "email_verified_at", CategoryActivity, "life of the account; unverified accounts are deleted after 7 days"},
	{"accounts", "password_hash", CategoryCredential, "life of the account; erasure clears it"},
	{"accounts", "display_name", CategoryIdentity, "life of the account; erasure replaces it with \"Compte supprimé\""},
	{"accounts", "commune", CategoryLocation, "life of the account; erasure keeps the territory only"},
	{"accounts", "company_name", CategoryProfessional, "life of the account; erasure clears it"},
	{"accounts", "siret", CategoryProfessional, "life of the account; erasure clears it (legal records of transactions keep their own copy)"},
	{"accounts", "naf", CategoryProfessional, "life of the account; erasure clears it"},
	{"accounts", "sap_number", CategoryProfessional, "life of the account; erasure clears it"},
	{"accounts", "created_at", CategoryActivity, "life of the account"},
	{"accounts", "updated_at", CategoryActivity, "life of the account"},
	{"accounts", "erased_at", CategoryActivity, "kept as the proof of erasure"},
	{"account_tokens", "hash", CategoryCredential, "until expiry, then deleted within 30 days; erasure deletes"},
	{"account_tokens", "scope", CategoryCredential, "as the token"},
	{"account_tokens", "expires_at", CategoryActivity, "as the token"},
	{"account_tokens", "used_at", CategoryActivity, "as the token"},
	{"account_tokens", "revoked_at", CategoryActivity, "as the token"},
	{"account_tokens", "created_at", CategoryActivity, "as the token"},
	{"sessions", "id_hash", CategoryCredential, "until expiry or revocation, then deleted within 30 days; erasure deletes"},
	{"sessions", "created_at", CategoryActivity, "as the session"},
	{"sessions", "last_seen_at", CategoryActivity, "as the session"},
	{"sessions", "expires_at", CategoryActivity, "as the session"},
	{"sessions", "revoked_at", CategoryActivity, "as the session"},
	{"sessions", "user_agent", CategoryActivity, "as the session"},
	{"login_throttle", "key", CategoryLocation, "hash of an email or network address; deleted after the lockout window"},
	{"login_throttle", "failures", CategoryActivity, "as the row"},
	{"login_throttle", "window_start_at", CategoryActivity, "as the row"},
	{"login_throttle", "locked_until", CategoryActivity, "as the row"},
	{"outbox", "recipient", CategoryContact, "deleted 30 days after sending; erasure deletes the person's messages"},
	{"outbox", "subject", CategoryMessage, "as the message"},
	{"outbox", "body", CategoryMessage, "as the message (holds single-use links until they expire)"},
	{"outbox", "created_at", CategoryActivity, "as the message"},
	{"outbox", "sent_at", CategoryActivity, "as the message"},

	{"territory_rules", "updated_by", CategoryPseudonym, "life of the assignment (operator's account ID or command)"},
	{"authz_rules", "v0", CategoryPseudonym, "as the role assignment (account ID); erasure removes the person's assignments"},
	{"authz_audit", "actor", CategoryPseudonym, "kept as the audit trail (account ID)"},
	{"authz_audit", "v0", CategoryPseudonym, "kept as the audit trail (account ID of a role assignment)"},
	{"authz_audit", "at", CategoryActivity, "kept as the audit trail"},

	{"mediation_consents", "resident_id", CategoryPseudonym, "kept as the proof of consent; erasure revokes"},
	{"mediation_consents", "mediator_id", CategoryPseudonym, "kept as the proof of consent; erasure revokes"},
	{"mediation_consents", "scope", CategoryActivity, "as the consent"},
	{"mediation_consents", "method", CategoryActivity, "as the consent"},
	{"mediation_consents", "given_at", CategoryActivity, "as the consent"},
	{"mediation_consents", "recorded_at", CategoryActivity, "as the consent"},
	{"mediation_consents", "expires_at", CategoryActivity, "as the consent"},
	{"mediation_consents", "revoked_at", CategoryActivity, "as the consent"},
	{"mediation_consents", "revoked_by", CategoryPseudonym, "as the consent"},
	{"mediation_actions", "resident_id", CategoryPseudonym, "kept: the history of actions done for the resident"},
	{"mediation_actions", "mediator_id", CategoryPseudonym, "kept: the history of actions done by the mediator"},
	{"mediation_actions", "object", CategoryActivity, "as the action"},
	{"mediation_actions", "action", CategoryActivity, "as the action"},
	{"mediation_actions", "route", CategoryActivity, "as the action"},
	{"mediation_actions", "status", CategoryActivity, "as the action"},
	{"mediation_actions", "at", CategoryActivity, "as the action"},

	{"personal_data_access", "staff_id", CategoryPseudonym, "append-only audit trail, kept"},
	{"personal_data_access", "subject_id", CategoryPseudonym, "append-only audit trail, kept (the subject's account is pseudonymised by erasure)"},
	{"personal_data_access", "at", CategoryActivity, "append-only audit trail, kept"},
	{"personal_data_access", "what", CategoryActivity, "append-only audit trail, kept"},
}

// technicalColumns are the columns of the schema that hold no personal data
// by themselves: identifiers of rows, territories and plugins, flags,
// counters, rules and the account ID that keys a person's own rows.
var technicalColumns = map[string][]string{
	"territories":          {"id", "slug", "name", "kind", "epci_siren", "status", "population", "commune_count", "created_at", "updated_at"},
	"territory_communes":   {"territory_id", "insee"},
	"plugin_modules":       {"hash", "plugin_id", "version", "abi", "size", "wasm", "signature", "manifest", "created_at"},
	"territory_rules":      {"territory_id", "module_hash", "config", "config_hash", "updated_at"},
	"quotes":               {"id", "territory_id", "plugin_id", "plugin_version", "module_hash", "config_hash", "category", "mode", "total_cents", "request", "result", "created_at"},
	"plugin_configs":       {"hash", "config", "created_at"},
	"authz_rules":          {"id", "ptype", "v1", "v2", "v3", "v4", "v5"},
	"authz_audit":          {"id", "action", "domain", "ptype", "v1", "v2", "v3", "v4", "v5"},
	"accounts":             {"id", "territory_id", "is_resident", "is_professional", "is_staff"},
	"account_tokens":       {"account_id", "purpose"},
	"sessions":             {"account_id"},
	"outbox":               {"id", "kind", "attempts"},
	"mediation_consents":   {"id", "territory_id"},
	"mediation_actions":    {"id", "consent_id", "territory_id"},
	"personal_data_access": {"id", "territory", "request_id"},
}
