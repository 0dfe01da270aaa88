package account

// Categories of personal data, for the RGPD registry.
const (
	CategoryIdentity     = "identity"     // who the person is: name, business
	CategoryContact      = "contact"      // how to reach them: email
	CategoryCredential   = "credential"   // secrets and their hashes
	CategoryLocation     = "location"     // where they live or connect from
	CategoryProfessional = "professional" // public business identifiers
	CategoryActivity     = "activity"     // when and how they used the service
	CategoryMessage      = "message"      // what was sent to them
)

// PersonalColumn classifies one column holding personal data.
type PersonalColumn struct {
	Table, Column string
	// Category is one of the Category constants.
	Category string
	// Retention says how long the value is kept and what erasure does to it.
	Retention string
}

// PersonalColumns lists every column of this package's tables that holds
// personal data. TestEveryColumnClassified fails when a column of the
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
}

// technicalColumns are the columns of this package's tables that hold no
// personal data by themselves: identifiers, flags and counters.
var technicalColumns = map[string][]string{
	"accounts":       {"id", "territory_id", "is_resident", "is_professional", "is_staff"},
	"account_tokens": {"account_id", "purpose"},
	"sessions":       {"account_id"},
	"outbox":         {"id", "kind", "attempts"},
}
