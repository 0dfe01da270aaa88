package pluginhost

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Kind classifies an *Error. Faults (Kind.Fault) are the plugin's doing:
// they discard the instance and count towards the crash-loop cut-off.
// Load refusals are reported before any guest code runs. The rest are
// about the call itself.
type Kind int

// The kinds of error. Their order is not part of the API.
const (
	// KindTrap: the guest trapped (unreachable, out-of-bounds access, a Go
	// panic or fatal error) or exited. Fault.
	KindTrap Kind = iota + 1
	// KindTimeout: the call overran CallTimeout (or InitTimeout); wazero
	// closed the instance mid-flight. Fault.
	KindTimeout
	// KindMemory: the guest tried to grow its memory past MaxMemoryPages
	// and crashed, or declares more initial memory than allowed. Fault.
	KindMemory
	// KindOutputTooLarge: the guest claimed an output longer than
	// MaxOutputBytes; nothing was read. Fault.
	KindOutputTooLarge
	// KindMalformedOutput: the output lies outside the guest's memory, or
	// is not a JSON envelope, or the guest's alloc returned an unusable
	// buffer. Fault.
	KindMalformedOutput
	// KindInvalidResult: the envelope decodes but its result breaks the
	// contract (negative price, totals that do not add up, wrong currency,
	// a manifest for another ABI, …). Fault.
	KindInvalidResult
	// KindNotWasm: the bytes are not a valid WebAssembly module. Load refusal.
	KindNotWasm
	// KindABIMismatch: the module declares another ABI version, or none.
	// Load refusal.
	KindABIMismatch
	// KindMissingExport: an export the ABI requires is missing or has the
	// wrong signature. Load refusal.
	KindMissingExport
	// KindForbiddenImport: the module imports something the ABI does not
	// grant. Load refusal.
	KindForbiddenImport
	// KindBadSignature: the signature is missing, malformed or not by a
	// trusted key. Load refusal.
	KindBadSignature
	// KindCutOff: the module faulted too often and is cut off until its
	// cooldown ends; no guest code ran.
	KindCutOff
	// KindTooLarge: the module or the operation's input exceeds its size
	// limit. Refused before any guest code runs.
	KindTooLarge
	// KindBusy: every instance of the module stayed busy until the call's
	// context ended.
	KindBusy
	// KindCanceled: the caller's context ended (canceled or its own
	// deadline) before the guest answered. Not counted as a fault.
	KindCanceled
	// KindClosed: the host or the module was closed (a replaced module is
	// closed once drained).
	KindClosed
	// KindInvalidInput: the operation's input breaks the contract (the
	// caller's bug, such as a configuration whose hash does not match);
	// refused before any guest code runs.
	KindInvalidInput
)

var kindNames = map[Kind]string{
	KindTrap: "trap", KindTimeout: "timeout", KindMemory: "memory",
	KindOutputTooLarge: "output_too_large", KindMalformedOutput: "malformed_output",
	KindInvalidResult: "invalid_result", KindNotWasm: "not_wasm", KindABIMismatch: "abi_mismatch",
	KindMissingExport: "missing_export", KindForbiddenImport: "forbidden_import",
	KindBadSignature: "bad_signature", KindCutOff: "cut_off", KindTooLarge: "too_large",
	KindBusy: "busy", KindCanceled: "canceled", KindClosed: "closed", KindInvalidInput: "invalid_input",
}

// String returns the kind's stable name, as used in logs and metrics.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Fault reports whether an error of kind k is the plugin's fault: the
// instance that produced it is discarded and the fault counts towards the
// module's cut-off.
func (k Kind) Fault() bool {
	switch k {
	case KindTrap, KindTimeout, KindMemory, KindOutputTooLarge, KindMalformedOutput, KindInvalidResult:
		return true
	}
	return false
}

// Error is a plugin fault, a load refusal or a failed call. Match a kind
// with errors.Is(err, ErrTimeout) (and so on) or errors.As into *Error.
// Its Error string is for logs; PublicMessage gives what a person may see.
type Error struct {
	// Kind classifies the error.
	Kind Kind
	// Plugin is "id@version" once the manifest is known, otherwise
	// "sha256:" and the first 12 hex digits of the module's hash.
	Plugin string
	// Op is the operation that failed; empty at load.
	Op abi.Op
	// Detail names what is wrong, for the public message: the missing
	// export, the forbidden import, the declared ABI. It comes from the
	// module and is sanitised (printable, bounded).
	Detail string
	// RetryAfter is, for KindCutOff, how long until the module serves again.
	RetryAfter time.Duration
	// Err is the underlying cause, for logs; never shown.
	Err error
}

// Sentinels for errors.Is, one per Kind.
var (
	ErrTrap            error = &Error{Kind: KindTrap}
	ErrTimeout         error = &Error{Kind: KindTimeout}
	ErrMemory          error = &Error{Kind: KindMemory}
	ErrOutputTooLarge  error = &Error{Kind: KindOutputTooLarge}
	ErrMalformedOutput error = &Error{Kind: KindMalformedOutput}
	ErrInvalidResult   error = &Error{Kind: KindInvalidResult}
	ErrNotWasm         error = &Error{Kind: KindNotWasm}
	ErrABIMismatch     error = &Error{Kind: KindABIMismatch}
	ErrMissingExport   error = &Error{Kind: KindMissingExport}
	ErrForbiddenImport error = &Error{Kind: KindForbiddenImport}
	ErrBadSignature    error = &Error{Kind: KindBadSignature}
	ErrCutOff          error = &Error{Kind: KindCutOff}
	ErrTooLarge        error = &Error{Kind: KindTooLarge}
	ErrBusy            error = &Error{Kind: KindBusy}
	ErrCanceled        error = &Error{Kind: KindCanceled}
	ErrClosed          error = &Error{Kind: KindClosed}
	ErrInvalidInput    error = &Error{Kind: KindInvalidInput}
)

// ErrNoABIMarker is wrapped (with KindABIMismatch) when a module exports
// no version marker at all, as opposed to a marker of another version.
var ErrNoABIMarker = errors.New("no " + abi.VersionExportPrefix + "N export")

// ErrRefused matches every *RefusalError.
var ErrRefused = errors.New("pluginhost: refused by the plugin")

// ErrUnbound is returned by Slots.Get for a name bound to no module.
var ErrUnbound = errors.New("pluginhost: no plugin bound")

// Error implements error; the text is for logs.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pluginhost: ")
	if e.Plugin != "" {
		b.WriteString(e.Plugin)
		b.WriteString(": ")
	}
	if e.Op != "" {
		b.WriteString(string(e.Op))
		b.WriteString(": ")
	}
	b.WriteString(e.Kind.String())
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinel of e's Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Plugin == "" && t.Op == "" && t.Err == nil && t.Detail == ""
}

// PublicMessage returns what a person (a resident, or the territory
// admin for load refusals and cut-offs) may read: what happened and what
// to do, in French and in English. It never contains the cause.
func (e *Error) PublicMessage() (fr, en string) {
	d := e.Detail
	switch e.Kind {
	case KindTrap:
		return "Le module de ce territoire a rencontré une erreur et n'a pas pu répondre. Réessayez ; si cela se reproduit, l'administrateur du territoire doit vérifier le module.",
			"This territory's plugin crashed and could not answer. Try again; if it happens again, the territory admin must check the plugin."
	case KindTimeout:
		return "Le module de ce territoire n'a pas répondu à temps. Réessayez ; si cela se reproduit, l'administrateur du territoire doit vérifier le module.",
			"This territory's plugin did not answer in time. Try again; if it happens again, the territory admin must check the plugin."
	case KindMemory:
		return "Le module de ce territoire a dépassé la mémoire autorisée et a été arrêté. L'administrateur du territoire doit corriger le module.",
			"This territory's plugin exceeded its memory allowance and was stopped. The territory admin must fix the plugin."
	case KindOutputTooLarge:
		return "Le module de ce territoire a renvoyé une réponse trop volumineuse, qui a été ignorée. L'administrateur du territoire doit corriger le module.",
			"This territory's plugin returned an answer that is too large; it was ignored. The territory admin must fix the plugin."
	case KindMalformedOutput:
		return "Le module de ce territoire a renvoyé une réponse illisible, qui a été ignorée. L'administrateur du territoire doit corriger le module.",
			"This territory's plugin returned an unreadable answer; it was ignored. The territory admin must fix the plugin."
	case KindInvalidResult:
		return "Le module de ce territoire a renvoyé un résultat incohérent (" + orDefault(d, "montants ou champs invalides") + "), qui a été écarté. L'administrateur du territoire doit corriger le module.",
			"This territory's plugin returned an inconsistent result (" + orDefault(d, "invalid amounts or fields") + "); it was discarded. The territory admin must fix the plugin."
	case KindNotWasm:
		return "Ce fichier n'est pas un module WebAssembly valide. Construisez le module avec « campagnon plugin build » puis chargez le fichier .wasm produit.",
			"This file is not a valid WebAssembly module. Build the plugin with \"campagnon plugin build\" and load the .wasm file it produces."
	case KindABIMismatch:
		if errors.Is(e.Err, ErrNoABIMarker) {
			return fmt.Sprintf("Ce module ne déclare aucune version de l'interface des modules Campagnon (export %s attendu) : ce n'est pas un module Campagnon, ou il a été construit sans le SDK.", abi.VersionExport),
				fmt.Sprintf("This module declares no version of the Campagnon plugin interface (export %s expected): it is not a Campagnon plugin, or it was built without the SDK.", abi.VersionExport)
		}
		return fmt.Sprintf("Ce module a été construit pour une autre version de l'interface des modules Campagnon (%s) ; cette plateforme attend la version %d. Reconstruisez-le avec le SDK à jour.", orDefault(d, "inconnue"), abi.Version),
			fmt.Sprintf("This module was built for another version of the Campagnon plugin interface (%s); this platform expects version %d. Rebuild it with the current SDK.", orDefault(d, "unknown"), abi.Version)
	case KindMissingExport:
		return "Il manque à ce module une fonction exigée par l'interface des modules Campagnon (" + orDefault(d, "inconnue") + "), ou elle n'a pas la bonne signature. Reconstruisez-le avec le SDK.",
			"This module lacks a function the Campagnon plugin interface requires (" + orDefault(d, "unknown") + "), or it has the wrong signature. Rebuild it with the SDK."
	case KindForbiddenImport:
		return "Ce module demande un accès que Campagnon n'accorde pas aux modules (" + orDefault(d, "import inconnu") + ") ; retirez cette dépendance. Un module ne peut utiliser que le journal fourni par la plateforme.",
			"This module asks for access Campagnon does not grant to plugins (" + orDefault(d, "unknown import") + "); remove that dependency. A plugin may only use the log the platform provides."
	case KindBadSignature:
		return "La signature de ce module est absente ou invalide, ou sa clé n'est pas reconnue. Faites signer le fichier exact avec une clé de confiance (« campagnon plugin sign »).",
			"This module's signature is missing or invalid, or its key is not trusted. Have the exact file signed with a trusted key (\"campagnon plugin sign\")."
	case KindCutOff:
		wait := formatWait(e.RetryAfter)
		return "Le module " + orDefault(e.Plugin, "") + " de ce territoire a été suspendu après des pannes répétées ; les tarifs et vérifications qui en dépendent sont indisponibles pendant encore " + wait + ". L'administrateur du territoire doit corriger le module ou revenir à la version précédente.",
			"This territory's plugin " + orDefault(e.Plugin, "") + " was suspended after repeated failures; the prices and checks that depend on it are unavailable for another " + wait + ". The territory admin must fix the plugin or go back to the previous version."
	case KindTooLarge:
		return "Le module ou la demande dépasse la taille autorisée (" + orDefault(d, "limite") + ").",
			"The plugin or the request exceeds the allowed size (" + orDefault(d, "limit") + ")."
	case KindBusy:
		return "Le service est momentanément saturé. Réessayez dans quelques instants.",
			"The service is busy. Try again in a moment."
	case KindCanceled:
		return "L'opération a été interrompue avant la réponse du module. Réessayez.",
			"The operation was interrupted before the plugin answered. Try again."
	case KindClosed:
		return "Ce module a été retiré ou remplacé. Réessayez.",
			"This plugin was removed or replaced. Try again."
	case KindInvalidInput:
		return "La demande transmise au module de ce territoire est invalide ; c'est une erreur de la plateforme, qui a été enregistrée.",
			"The request sent to this territory's plugin is invalid; this is a platform error and it was logged."
	}
	return "Le module de ce territoire n'a pas pu répondre. Réessayez plus tard.",
		"This territory's plugin could not answer. Try again later."
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// formatWait renders a duration for a person, in minutes or seconds.
func formatWait(d time.Duration) string {
	if d >= time.Minute {
		return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " min"
	}
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s) + " s"
}

// sanitize makes a module-provided name safe to show and log: printable,
// at most 80 runes.
func sanitize(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == 80 {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// RefusalError is a plugin's business refusal ("le CESU n'est pas possible
// pour cette activité"): a decision, shown to the person, not a fault. It
// matches ErrRefused.
type RefusalError struct {
	// Plugin is "id@version".
	Plugin string
	// Op is the operation refused.
	Op abi.Op
	// Refusal is the plugin's code and messages.
	Refusal abi.Refusal
}

// Error implements error.
func (e *RefusalError) Error() string {
	return "pluginhost: " + e.Plugin + ": " + string(e.Op) + ": refused (" + e.Refusal.Code + "): " + e.Refusal.Message
}

// Is matches ErrRefused.
func (e *RefusalError) Is(target error) bool { return target == ErrRefused }

// PublicMessage returns the plugin's French message and its English one
// (the French one when the plugin gave none).
func (e *RefusalError) PublicMessage() (fr, en string) {
	return e.Refusal.Message, orDefault(e.Refusal.MessageEN, e.Refusal.Message)
}
