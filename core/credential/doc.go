// Package credential holds the security primitives of accounts: password
// hashing and policy, single-use tokens, session and CSRF identifiers, and the
// checks of the French business identifiers a professional gives (SIREN,
// SIRET, NAF code, services-à-la-personne declaration number).
//
// The package stores nothing and knows nothing of HTTP: expiry and single use
// of tokens, throttling and session lifetimes belong to the callers. It is a
// leaf: it imports nothing from this module.
//
// Every function bounds the work it does on untrusted input before doing it,
// so that a hostile request or a tampered database row costs little and never
// panics.
package credential
