// Package rules runs the rules in force in each territory: which plugin
// module and configuration a territory uses, and the operations asked of it
// (categories, payment modes, quotes, listing validation). Modules are stored
// in the database, content-addressed, so that every replica runs the same
// code; each territory is bound to its module in the plugin host, and a new
// assignment replaces the old one while serving. Every stored quote records
// the plugin's id, version and hash and the configuration's hash.
package rules

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// maxConfigBytes bounds a territory's plugin configuration.
const maxConfigBytes = 64 << 10

// maxModuleBytes bounds a plugin module accepted for installation.
const maxModuleBytes = 64 << 20

// Options configures a Service.
type Options struct {
	// ModuleDir holds built plugin modules (<name>.wasm) that can be named.
	ModuleDir string
	// Default names the module of territories without rules of their own.
	Default string
	// Logger receives the service's log.
	Logger *slog.Logger
}

// Service runs territories' rules.
type Service struct {
	store       *store.Store
	host        *pluginhost.Host
	territories *territory.Service
	ref         *referential.Referential
	opts        Options
	log         *slog.Logger
	now         func() time.Time

	// slots bind territory slugs (and defaultSlot) to modules in the host,
	// which drains and closes a replaced module once its calls are done.
	slots *pluginhost.Slots

	mu       sync.RWMutex
	bindings map[string]*binding           // configuration by territory slug
	fallback *binding                      // the default module's (empty) configuration
	modules  map[string]*pluginhost.Module // loaded modules by hash, to skip rereading them

	breaker *breaker // per-territory fault cut-off
}

// defaultSlot names the binding of the default module; no slug can take it.
const defaultSlot = "_default"

// binding is the configuration one territory runs with; its module is
// bound under the same name in slots.
type binding struct {
	moduleHash string
	config     json.RawMessage
	configHash string
	updatedAt  time.Time
	territory  abi.Territory
	// broken is set when the territory's assigned module cannot be loaded:
	// its calls then fail (closed) with this error instead of falling back
	// to another plugin's rules.
	broken error
}

// NewService returns a Service. Start loads the stored rules.
func NewService(st *store.Store, host *pluginhost.Host, ts *territory.Service, ref *referential.Referential, o Options) *Service {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Service{store: st, host: host, territories: ts, ref: ref, opts: o, log: log,
		now: func() time.Time { return time.Now().UTC() }, bindings: map[string]*binding{}, slots: pluginhost.NewSlots(), modules: map[string]*pluginhost.Module{}}
	s.breaker = newBreaker(func() time.Time { return s.now() })
	return s
}

// HashConfig returns the lowercase hex SHA-256 of a configuration's bytes,
// as abi.Context.ConfigHash carries it.
func HashConfig(config []byte) string {
	sum := sha256.Sum256(config)
	return hex.EncodeToString(sum[:])
}

// ModuleFile returns the path of the named module in the module folder.
func (s *Service) ModuleFile(name string) string {
	return filepath.Join(s.opts.ModuleDir, name+".wasm")
}

// readModuleFile reads a named module, with a message that says how to build it.
func (s *Service) readModuleFile(name string) ([]byte, error) {
	path := s.ModuleFile(name)
	info, err := os.Stat(path)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.KindUnavailable, "plugin_module_missing",
			fmt.Sprintf("Module de plugin %q introuvable (%s) : construisez les plugins avec « make build » ou indiquez leur dossier avec plugins.dir.", name, path),
			fmt.Sprintf("Plugin module %q not found (%s): build the plugins with `make build` or set plugins.dir.", name, path))
	}
	if info.Size() > maxModuleBytes {
		return nil, apperr.New(apperr.KindTooLarge, "plugin_module_too_large",
			fmt.Sprintf("Module %s trop volumineux (%d octets, au plus %d).", path, info.Size(), maxModuleBytes),
			fmt.Sprintf("Module %s too large (%d bytes, at most %d).", path, info.Size(), maxModuleBytes))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plugin module %s: %w", path, err)
	}
	return data, nil
}

// ReadSignatureFile reads the signature <module>.sig beside a module file,
// written by `campagnon plugin sign`; no such file means no signature (nil).
func ReadSignatureFile(module string) ([]byte, error) {
	data, err := os.ReadFile(module + ".sig")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, apperr.KindInvalid, "plugin_signature_unreadable",
			fmt.Sprintf("Lecture de %s.sig impossible : %v", module, err), fmt.Sprintf("Cannot read %s.sig: %v", module, err))
	}
	return DecodeSignature(data)
}

// DecodeSignature decodes a signature file: the base64 of the ed25519
// signature, surrounding blank space ignored.
func DecodeSignature(data []byte) ([]byte, error) {
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.KindInvalid, "plugin_signature_unreadable",
			"Fichier de signature illisible : il doit contenir la signature en base64 (campagnon plugin sign).",
			"Unreadable signature file: it must hold the base64 signature (campagnon plugin sign).")
	}
	return sig, nil
}

// mapError turns plugin host errors into errors people read.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var refusal *pluginhost.RefusalError
	if errors.As(err, &refusal) {
		r := refusal.Refusal
		return &apperr.Error{Kind: apperr.KindRefused, Code: r.Code, Message: r.Message, MessageEN: r.MessageEN}
	}
	var perr *pluginhost.Error
	if errors.As(err, &perr) {
		fr, en := perr.PublicMessage()
		kind := apperr.KindUnavailable
		switch perr.Kind {
		case pluginhost.KindNotWasm, pluginhost.KindABIMismatch, pluginhost.KindMissingExport,
			pluginhost.KindForbiddenImport, pluginhost.KindBadSignature, pluginhost.KindTooLarge:
			kind = apperr.KindInvalid
		}
		return apperr.Wrap(err, kind, "plugin_"+perr.Kind.String(), fr, en)
	}
	return err
}
