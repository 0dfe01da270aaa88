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
	CategoryContent      = "content"      // what the person wrote for others to read: listings, reports
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

	{"listings", "owner_id", CategoryPseudonym, "life of the listing; kept after erasure (exchanges point at it)"},
	{"listings", "title", CategoryContent, "life of the listing; erasure replaces it with \"Annonce retirée\""},
	{"listings", "description", CategoryContent, "life of the listing; erasure clears it"},
	{"listings", "availability", CategoryActivity, "life of the listing; erasure clears it"},
	{"listings", "availability_note", CategoryContent, "life of the listing; erasure clears it"},
	{"listings", "commune", CategoryLocation, "life of the listing (the commune, never an address)"},
	{"listings", "travel_km", CategoryLocation, "life of the listing"},
	{"listings", "hidden_by", CategoryPseudonym, "life of the listing (moderator's account ID)"},
	{"listings", "hidden_reason", CategoryContent, "life of the listing (written by the moderator)"},
	{"listings", "published_at", CategoryActivity, "life of the listing"},
	{"listings", "reminded_at", CategoryActivity, "life of the listing"},
	{"listings", "created_at", CategoryActivity, "life of the listing"},
	{"listings", "updated_at", CategoryActivity, "life of the listing"},
	{"listing_reports", "reporter_id", CategoryPseudonym, "life of the listing"},
	{"listing_reports", "reason", CategoryContent, "life of the listing; erasure of the reporter clears it"},
	{"listing_reports", "created_at", CategoryActivity, "life of the listing"},

	{"exchanges", "seeker_id", CategoryPseudonym, "kept: the other party's history and the ledgers point at it"},
	{"exchanges", "provider_id", CategoryPseudonym, "kept: the other party's history and the ledgers point at it"},
	{"exchanges", "from_commune", CategoryLocation, "kept (a commune, never an address)"},
	{"exchanges", "to_commune", CategoryLocation, "kept (a commune, never an address)"},
	{"exchanges", "scheduled_at", CategoryActivity, "kept"},
	{"exchanges", "done_at", CategoryActivity, "kept"},
	{"exchanges", "seeker_confirmed_at", CategoryActivity, "kept"},
	{"exchanges", "provider_confirmed_at", CategoryActivity, "kept"},
	{"exchanges", "confirmed_at", CategoryActivity, "kept"},
	{"exchanges", "seeker_reviewed_at", CategoryActivity, "kept"},
	{"exchanges", "provider_reviewed_at", CategoryActivity, "kept"},
	{"exchanges", "created_at", CategoryActivity, "kept"},
	{"exchanges", "updated_at", CategoryActivity, "kept"},
	{"exchange_events", "actor_id", CategoryPseudonym, "kept: the exchange's history"},
	{"exchange_events", "mediator_id", CategoryPseudonym, "kept: the exchange's history"},
	{"exchange_events", "note", CategoryContent, "kept; erasure of its author clears it"},
	{"exchange_events", "at", CategoryActivity, "kept"},
	{"reviews", "author_id", CategoryPseudonym, "kept (the rating counts for the other party)"},
	{"reviews", "subject_id", CategoryPseudonym, "kept"},
	{"reviews", "rating", CategoryActivity, "kept"},
	{"reviews", "comment", CategoryContent, "kept; erasure of its author clears it"},
	{"reviews", "created_at", CategoryActivity, "kept"},
	{"reviews", "published_at", CategoryActivity, "kept"},
	{"messages", "author_id", CategoryPseudonym, "kept: the other party's thread keeps its order"},
	{"messages", "mediator_id", CategoryPseudonym, "kept: the mediator who wrote for the author"},
	{"messages", "body", CategoryContent, "life of the thread; erasure of its author clears it"},
	{"messages", "created_at", CategoryActivity, "life of the thread"},
	{"message_reads", "reader_id", CategoryPseudonym, "life of the thread; erasure of the reader deletes the row"},
	{"message_reads", "last_read_seq", CategoryActivity, "as the row"},
	{"message_reads", "read_at", CategoryActivity, "as the row"},
	{"message_reads", "notified_at", CategoryActivity, "as the row (last email about the thread)"},
	{"idempotency_keys", "account_id", CategoryPseudonym, "deleted after a day"},
	{"idempotency_keys", "response", CategoryMessage, "deleted after a day (the answer sent to the person); erasure deletes"},
	{"idempotency_keys", "created_at", CategoryActivity, "deleted after a day"},

	{"exchange_payments", "recorded_by", CategoryPseudonym, "kept: the exchange's payment history"},
	{"exchange_payments", "reference", CategoryActivity, "kept (quote, invoice or title numbers)"},
	{"exchange_payments", "amount_cents", CategoryActivity, "kept"},
	{"exchange_payments", "created_at", CategoryActivity, "kept"},
	{"review_reports", "reporter_id", CategoryPseudonym, "kept with the review"},
	{"review_reports", "reason", CategoryContent, "kept with the review; erasure of the reporter clears it"},
	{"review_reports", "created_at", CategoryActivity, "kept with the review"},
	{"reviews", "hidden_at", CategoryActivity, "kept"},
	{"exchange_months", "recorded_at", CategoryActivity, "kept with the agreement"},
	{"exchange_months", "seeker_confirmed_at", CategoryActivity, "kept with the agreement"},
	{"exchange_months", "provider_confirmed_at", CategoryActivity, "kept with the agreement"},
	{"exchange_months", "confirmed_at", CategoryActivity, "kept with the agreement"},
	{"cesu_reminders", "employer_id", CategoryPseudonym, "kept (one row per month reminded)"},
	{"cesu_reminders", "sent_at", CategoryActivity, "kept"},

	{"personal_data_access", "staff_id", CategoryPseudonym, "append-only audit trail, kept"},
	{"personal_data_access", "subject_id", CategoryPseudonym, "append-only audit trail, kept (the subject's account is pseudonymised by erasure)"},
	{"personal_data_access", "at", CategoryActivity, "append-only audit trail, kept"},
	{"personal_data_access", "what", CategoryActivity, "append-only audit trail, kept"},

	{"ledger_accounts", "member_id", CategoryPseudonym, "life of the ledger; kept on erasure: the other members' balances and statements depend on it"},
	{"ledger_accounts", "balance_minutes", CategoryActivity, "life of the ledger; kept on erasure (the ledger must balance)"},
	{"ledger_accounts", "last_seq", CategoryActivity, "as the ledger account"},
	{"ledger_accounts", "created_at", CategoryActivity, "as the ledger account"},
	{"ledger_accounts", "updated_at", CategoryActivity, "as the ledger account"},
	{"ledger_transfers", "amount_minutes", CategoryActivity, "life of the ledger; kept on erasure (corrections only by reversal)"},
	{"ledger_transfers", "memo", CategoryMessage, "life of the ledger; kept on erasure (written by the platform or staff, must name no one)"},
	{"ledger_transfers", "actor", CategoryPseudonym, "life of the ledger (account ID or system:…); kept on erasure"},
	{"ledger_transfers", "created_at", CategoryActivity, "life of the ledger"},
	{"ledger_postings", "amount_minutes", CategoryActivity, "life of the ledger; kept on erasure"},
	{"ledger_postings", "balance_after_minutes", CategoryActivity, "life of the ledger; kept on erasure"},
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
	"listings":             {"id", "territory_id", "kind", "category", "modality", "modes", "price_kind", "price_cents", "status", "hidden_at", "expires_at", "report_count"},
	"listing_reports":      {"listing_id"},
	"exchanges":            {"id", "territory_id", "listing_id", "initiator", "category", "modality", "mode", "minutes", "occurrences", "hourly_cents", "state", "quote_id", "total_cents", "payable_cents", "time_credit_minutes", "version", "provider_sap", "tax_credit_eligible_cents", "tax_credit_bucket", "recurrence"},
	"exchange_months":      {"exchange_id", "month", "territory_id", "sessions", "minutes"},
	"search_outbox":        {"id", "listing_id", "created_at"},
	"exchange_payments":    {"id", "exchange_id", "territory_id", "kind", "titles_count", "face_value_cents", "method"},
	"cesu_reminders":       {"month"},
	"exchange_events":      {"id", "exchange_id", "event", "from_state", "to_state", "actor_role"},
	"reviews":              {"exchange_id", "territory_id", "report_count"},
	"review_reports":       {"exchange_id", "author_id"},
	"messages":             {"id", "territory_id", "exchange_id", "seq"},
	"message_reads":        {"exchange_id"},
	"idempotency_keys":     {"key", "route", "body_hash", "status"},
	"ledger_accounts":      {"id", "territory_id"},
	"ledger_transfers":     {"id", "territory_id", "kind", "reference", "idempotency_key", "fingerprint", "reverses_id"},
	"ledger_postings":      {"ledger_account_id", "seq", "transfer_id"},
}
