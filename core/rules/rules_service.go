package rules

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// EmptyConfig is the configuration of a territory that has none of its own:
// the plugin's defaults.
var EmptyConfig = json.RawMessage(`{}`)

// ModuleInfo describes an installed module.
type ModuleInfo struct {
	// Hash is the SHA-256 of the module's bytes, lowercase hex.
	Hash string `json:"hash"`
	// PluginID is the manifest's id.
	PluginID string `json:"plugin_id"`
	// Version is the manifest's version.
	Version string `json:"version"`
	// Size is the module's size in bytes.
	Size int `json:"size"`
	// New reports that this installation stored the module.
	New bool `json:"new"`
}

// Install checks a module in the plugin host (format, ABI, imports,
// signature, manifest) and stores it, content-addressed. Installing the
// same bytes again is a no-op, except that a signature given now is kept
// (so that turning signatures on later finds it).
func (s *Service) Install(ctx context.Context, wasm, signature []byte) (*ModuleInfo, error) {
	m, err := s.load(ctx, wasm, signature)
	if err != nil {
		return nil, err
	}
	var info *ModuleInfo
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		info, err = s.storeModule(ctx, tx, m, wasm, signature)
		return err
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// load checks a module's size and loads it in the host.
func (s *Service) load(ctx context.Context, wasm, signature []byte) (*pluginhost.Module, error) {
	if len(wasm) > maxModuleBytes {
		return nil, apperr.New(apperr.KindTooLarge, "plugin_module_too_large",
			fmt.Sprintf("Module trop volumineux (%d octets, au plus %d).", len(wasm), maxModuleBytes),
			fmt.Sprintf("Module too large (%d bytes, at most %d).", len(wasm), maxModuleBytes))
	}
	m, err := s.host.Load(ctx, wasm, signature)
	if err != nil {
		return nil, mapError(err)
	}
	s.mu.Lock()
	s.modules[m.Hash()] = m
	s.mu.Unlock()
	return m, nil
}

// storeModule writes a loaded module's row in tx unless it exists; a
// signature given for an existing row without one is added.
func (s *Service) storeModule(ctx context.Context, tx bun.Tx, m *pluginhost.Module, wasm, signature []byte) (*ModuleInfo, error) {
	man := m.Manifest()
	info := &ModuleInfo{Hash: m.Hash(), PluginID: man.ID, Version: man.Version, Size: len(wasm)}
	var existing moduleRow
	err := tx.NewSelect().Model(&existing).Column("hash", "signature").Where("hash = ?", info.Hash).Limit(1).Scan(ctx)
	switch {
	case err == nil:
		if len(signature) > 0 && !bytes.Equal(existing.Signature, signature) {
			if _, err := tx.NewUpdate().Model((*moduleRow)(nil)).Set("signature = ?", signature).Where("hash = ?", info.Hash).Exec(ctx); err != nil {
				return nil, fmt.Errorf("store the signature of plugin module %s@%s: %w", man.ID, man.Version, err)
			}
		}
		return info, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("look up plugin module %s: %w", info.Hash, err)
	}
	manifest, err := json.Marshal(man)
	if err != nil {
		return nil, fmt.Errorf("encode manifest of %s: %w", man.ID, err)
	}
	row := &moduleRow{Hash: info.Hash, PluginID: man.ID, Version: man.Version, ABI: man.ABI, Size: len(wasm),
		Wasm: wasm, Signature: signature, Manifest: string(manifest), CreatedAt: s.now()}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store plugin module %s@%s: %w", man.ID, man.Version, err)
	}
	info.New = true
	return info, nil
}

// InstallFile installs the named module of the module folder.
func (s *Service) InstallFile(ctx context.Context, name string) (*ModuleInfo, error) {
	wasm, sig, err := s.readModule(name)
	if err != nil {
		return nil, err
	}
	return s.Install(ctx, wasm, sig)
}

// AssignFile gives a territory the named module of the module folder with
// a configuration, checking everything before writing anything.
func (s *Service) AssignFile(ctx context.Context, slug, name string, config []byte, actor string) (*Info, error) {
	wasm, sig, err := s.readModule(name)
	if err != nil {
		return nil, err
	}
	return s.InstallAndAssign(ctx, slug, wasm, sig, config, actor)
}

// readModule reads a named module and its signature file, if any.
func (s *Service) readModule(name string) (wasm, sig []byte, err error) {
	if wasm, err = s.readModuleFile(name); err != nil {
		return nil, nil, err
	}
	sig, err = ReadSignatureFile(s.ModuleFile(name))
	return wasm, sig, err
}

// Assign makes a territory run the installed module with the given
// configuration (a JSON object; empty means the plugin's defaults). The
// configuration is tried on the plugin first (categories), so a
// configuration the plugin refuses never goes into force. In-flight calls
// finish on the previous module; new calls use the new one.
func (s *Service) Assign(ctx context.Context, slug, moduleHash string, config []byte, actor string) (*Info, error) {
	p, err := s.prepare(ctx, slug, config)
	if err != nil {
		return nil, err
	}
	return s.commit(ctx, p, func() (*pluginhost.Module, error) { return s.module(ctx, moduleHash) }, actor, nil)
}

// InstallAndAssign checks a module and a configuration for a territory,
// then stores the module and the assignment in one transaction: a refused
// module, territory or configuration leaves nothing written.
func (s *Service) InstallAndAssign(ctx context.Context, slug string, wasm, signature, config []byte, actor string) (*Info, error) {
	p, err := s.prepare(ctx, slug, config)
	if err != nil {
		return nil, err
	}
	var m *pluginhost.Module
	return s.commit(ctx, p, func() (*pluginhost.Module, error) {
		var err error
		m, err = s.load(ctx, wasm, signature)
		return m, err
	}, actor, func(ctx context.Context, tx bun.Tx) error {
		_, err := s.storeModule(ctx, tx, m, wasm, signature)
		return err
	})
}

// assignment is a territory and configuration checked for an assignment.
type assignment struct {
	territory *territory.Territory
	config    json.RawMessage
}

func (s *Service) prepare(ctx context.Context, slug string, config []byte) (*assignment, error) {
	t, err := s.territories.Lookup(ctx, slug, true)
	if err != nil {
		return nil, err
	}
	cfg, err := normalizeConfig(config)
	if err != nil {
		return nil, err
	}
	return &assignment{territory: t, config: cfg}, nil
}

// commit tries the configuration on the module, then writes (with before,
// if any) the configuration and the assignment in one transaction, and
// binds the territory. get returns the module; it is called again when the
// module was closed under our feet (a replaced module drained by another
// assignment at that moment), which is retried a few times.
func (s *Service) commit(ctx context.Context, p *assignment, get func() (*pluginhost.Module, error), actor string, before func(context.Context, bun.Tx) error) (*Info, error) {
	for attempt := 0; ; attempt++ {
		m, err := get()
		if err != nil {
			return nil, err
		}
		info, err := s.commitModule(ctx, p, m, actor, before)
		var pe *pluginhost.Error
		if attempt < 3 && errors.As(err, &pe) && pe.Kind == pluginhost.KindClosed {
			continue
		}
		return info, err
	}
}

func (s *Service) commitModule(ctx context.Context, p *assignment, m *pluginhost.Module, actor string, before func(context.Context, bun.Tx) error) (*Info, error) {
	t := p.territory
	b := &binding{moduleHash: m.Hash(), config: p.config, configHash: HashConfig(p.config), updatedAt: s.now(), territory: abiTerritory(t)}
	if _, err := m.Categories(ctx, &abi.CategoriesRequest{Context: s.context(b, true)}); err != nil {
		var refusal *pluginhost.RefusalError
		var pe *pluginhost.Error
		if errors.As(err, &pe) && pe.Kind == pluginhost.KindClosed {
			return nil, err // commit retries with the module loaded afresh
		}
		if !errors.As(err, &refusal) {
			return nil, mapError(err)
		}
		return nil, apperr.Wrap(err, apperr.KindInvalid, "plugin_config_refused",
			"Configuration refusée par le plugin "+m.Manifest().ID+" : "+refusal.Refusal.Message,
			"Configuration refused by plugin "+m.Manifest().ID+": "+orEnglish(refusal.Refusal))
	}
	row := &rulesRow{TerritoryID: t.ID, ModuleHash: m.Hash(), Config: string(p.config), ConfigHash: b.configHash,
		UpdatedAt: b.updatedAt, UpdatedBy: actor}
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if before != nil {
			if err := before(ctx, tx); err != nil {
				return err
			}
		}
		if _, err := tx.NewInsert().Model(&configRow{Hash: b.configHash, Config: string(p.config), CreatedAt: b.updatedAt}).
			On("CONFLICT (hash) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("store configuration %s: %w", b.configHash, err)
		}
		_, err := tx.NewInsert().Model(row).
			On("CONFLICT (territory_id) DO UPDATE").
			Set("module_hash = EXCLUDED.module_hash").
			Set("config = EXCLUDED.config").
			Set("config_hash = EXCLUDED.config_hash").
			Set("updated_at = EXCLUDED.updated_at").
			Set("updated_by = EXCLUDED.updated_by").
			Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store the rules of territory %s: %w", t.Slug, err)
	}
	if err := s.bind(t.Slug, m, b); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "territory rules assigned", "territory", t.Slug, "plugin", m.Manifest().ID,
		"version", m.Manifest().Version, "hash", m.Hash(), "config_hash", b.configHash, "by", actor)
	return s.infoOf(t.Slug, m, b, false), nil
}

func orEnglish(r abi.Refusal) string {
	if r.MessageEN != "" {
		return r.MessageEN
	}
	return r.Message
}

// EnsureModule gives a territory the named module of the module folder,
// with the plugin's default configuration, unless it already has rules of
// its own: how the configured pilots get their plugins on first start.
func (s *Service) EnsureModule(ctx context.Context, slug, name, actor string) error {
	t, err := s.territories.Lookup(ctx, slug, true)
	if err != nil {
		return err
	}
	has, err := s.store.DB().NewSelect().Model((*rulesRow)(nil)).Where("territory_id = ?", t.ID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("look up the rules of territory %s: %w", slug, err)
	}
	if has {
		return nil // an operator's assignment is never overwritten
	}
	_, err = s.AssignFile(ctx, slug, name, nil, actor)
	return err
}

// normalizeConfig checks a configuration is one JSON object within bounds
// and returns it compacted, so that equal configurations hash equally.
func normalizeConfig(config []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(config)) == 0 {
		return EmptyConfig, nil
	}
	if len(config) > maxConfigBytes {
		return nil, apperr.New(apperr.KindTooLarge, "plugin_config_too_large",
			fmt.Sprintf("Configuration trop volumineuse (%d octets, au plus %d).", len(config), maxConfigBytes),
			fmt.Sprintf("Configuration too large (%d bytes, at most %d).", len(config), maxConfigBytes))
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(config, &probe); err != nil || probe == nil {
		return nil, apperr.New(apperr.KindInvalid, "plugin_config_not_object",
			"La configuration doit être un objet JSON, entre accolades ({ … }) : vérifiez le fichier.",
			"The configuration must be a JSON object ({ … }): check the file.")
	}
	// Compact without re-encoding values, so that numbers keep their exact text.
	var buf bytes.Buffer
	if err := json.Compact(&buf, config); err != nil {
		return nil, fmt.Errorf("compact configuration: %w", err)
	}
	return json.RawMessage(buf.Bytes()), nil
}

// Start loads the default module and every territory's stored rules into
// the plugin host. It is called once at start, before serving.
func (s *Service) Start(ctx context.Context) error {
	def, err := s.InstallFile(ctx, s.opts.Default)
	if err != nil {
		return fmt.Errorf("default plugin %q (plugins.default): %w", s.opts.Default, err)
	}
	m, err := s.module(ctx, def.Hash)
	if err != nil {
		return err
	}
	if _, err := s.slots.Set(defaultSlot, m); err != nil {
		return mapError(err)
	}
	s.mu.Lock()
	s.fallback = &binding{moduleHash: m.Hash(), config: EmptyConfig, configHash: HashConfig(EmptyConfig)}
	s.mu.Unlock()
	return s.Refresh(ctx)
}

// Refresh reloads the territories' rules from the database, binding the
// ones that changed: how a replica learns of an assignment made by another.
func (s *Service) Refresh(ctx context.Context) error {
	var rows []struct {
		rulesRow `bun:",extend"`
		Slug     string  `bun:"slug"`
		Name     string  `bun:"name"`
		EPCI     *string `bun:"epci_siren"`
	}
	err := s.store.DB().NewSelect().Model(&rows).
		ColumnExpr("r.*, t.slug, t.name, t.epci_siren").
		Join("JOIN territories AS t ON t.id = r.territory_id").
		ModelTableExpr("territory_rules AS r").
		Scan(ctx)
	if err != nil {
		return fmt.Errorf("read territory rules: %w", err)
	}
	for _, r := range rows {
		s.mu.RLock()
		cur := s.bindings[r.Slug]
		s.mu.RUnlock()
		if cur != nil && cur.broken == nil && cur.moduleHash == r.ModuleHash && cur.configHash == r.ConfigHash {
			continue
		}
		t := abi.Territory{Slug: r.Slug, Name: r.Name}
		if r.EPCI != nil {
			t.EPCI = *r.EPCI
		}
		b := &binding{moduleHash: r.ModuleHash, config: json.RawMessage(r.Config), configHash: r.ConfigHash,
			updatedAt: r.UpdatedAt, territory: t}
		m, err := s.module(ctx, r.ModuleHash)
		if err != nil {
			// Fail closed: the territory's own rules cannot run, so its
			// calls fail with a message for its admins; they never fall
			// back to another plugin's rules.
			s.log.ErrorContext(ctx, "territory plugin unavailable", "territory", r.Slug, "hash", r.ModuleHash, "error", err)
			if cur != nil && cur.broken != nil && cur.moduleHash == r.ModuleHash && cur.configHash == r.ConfigHash {
				continue
			}
			b.broken = err
			s.unbind(r.Slug, b)
			continue
		}
		if err := s.bind(r.Slug, m, b); err != nil {
			s.log.ErrorContext(ctx, "territory plugin not bound", "territory", r.Slug, "error", err)
		}
	}
	return nil
}

// module returns the module with this hash from the database, loaded in
// the host (Load of bytes already loaded returns the loaded module).
func (s *Service) module(ctx context.Context, hash string) (*pluginhost.Module, error) {
	s.mu.RLock()
	m := s.modules[hash]
	s.mu.RUnlock()
	if m != nil && !m.Closed() {
		return m, nil
	}
	var row moduleRow
	err := s.store.DB().NewSelect().Model(&row).Where("hash = ?", hash).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.KindNotFound, "plugin_module_unknown",
			fmt.Sprintf("Aucun module installé n'a l'empreinte %q : installez-le d'abord (campagnon territory set-plugin --file).", hash),
			fmt.Sprintf("No installed module has hash %q: install it first.", hash))
	}
	if err != nil {
		return nil, fmt.Errorf("read plugin module %s: %w", hash, err)
	}
	m, err = s.load(ctx, row.Wasm, row.Signature)
	if err != nil {
		e := apperr.As(err)
		return nil, apperr.Wrap(err, e.Kind, e.Code,
			fmt.Sprintf("Module %s@%s enregistré (sha256 %s) : %s", row.PluginID, row.Version, hash[:12], e.Message),
			fmt.Sprintf("Stored module %s@%s (sha256 %s): %s", row.PluginID, row.Version, hash[:12], e.MessageEN))
	}
	return m, nil
}

// bind puts a territory's module and configuration in force: calls already
// running finish on the previous module, which the host then drains and
// closes if no other territory uses it.
func (s *Service) bind(slug string, m *pluginhost.Module, b *binding) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.slots.Set(slug, m); err != nil {
		return err // KindClosed: the caller loads the module afresh
	}
	s.bindings[slug] = b
	return nil
}

// unbind records a broken binding: the territory's previous module is
// released (drained and closed if nothing else uses it).
func (s *Service) unbind(slug string, b *binding) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.slots.Set(slug, nil)
	s.bindings[slug] = b
}

// failed counts a plugin fault against the territory (cutting it off
// after too many) and returns the error people see.
func (s *Service) failed(l *lease, err error) error {
	if err == nil {
		return nil
	}
	if s.breaker.record(l.territory.Slug, err) {
		s.log.Error("territory plugin cut off after repeated faults", "territory", l.territory.Slug,
			"plugin", l.module.Manifest().ID, "cooldown", TerritoryCooldown, "error", err)
	}
	return mapError(err)
}

// lease is what one call runs: a module held open until release, and the
// territory's configuration.
type lease struct {
	territory *territory.Territory
	module    *pluginhost.Module
	release   func()
	binding   *binding
	isDefault bool
}

// resolve returns what an active territory runs, its own rules or the
// default; the caller must call release when its call is done.
func (s *Service) resolve(ctx context.Context, slug string) (*lease, error) {
	t, err := s.territories.Lookup(ctx, slug, false)
	if err != nil {
		return nil, err
	}
	// The binding and its module are read under one lock, so that a call
	// never pairs one assignment's module with another's configuration.
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, own := s.bindings[t.Slug]
	name := t.Slug
	switch {
	case own && b.broken != nil:
		e := apperr.As(b.broken) // already a public error (module names the stored module)
		return nil, apperr.Wrap(b.broken, apperr.KindUnavailable, "territory_plugin_unavailable",
			"Les règles de ce territoire sont momentanément indisponibles (son plugin ne peut pas être chargé) ; les administrateurs du territoire sont prévenus. Détail : "+e.Message,
			"This territory's rules are unavailable for now (its plugin cannot be loaded). Detail: "+e.MessageEN)
	case !own:
		if s.fallback == nil {
			return nil, apperr.New(apperr.KindUnavailable, "rules_not_started",
				"Les règles des territoires ne sont pas encore chargées : réessayez dans un instant.",
				"Territory rules are not loaded yet: try again in a moment.")
		}
		d := *s.fallback
		d.territory = abiTerritory(t)
		b, name = &d, defaultSlot
	}
	if err := s.breaker.admit(t.Slug); err != nil {
		return nil, err
	}
	m, release, err := s.slots.Get(name)
	if err != nil {
		return nil, mapError(err)
	}
	return &lease{territory: t, module: m, release: release, binding: b, isDefault: !own}, nil
}

func abiTerritory(t *territory.Territory) abi.Territory {
	at := abi.Territory{Slug: t.Slug, Name: t.Name}
	if t.EPCISIREN != nil {
		at.EPCI = *t.EPCISIREN
	}
	return at
}

// context builds the operation context. The configuration always travels
// here; the plugin host leaves it out when the instance already holds it.
func (s *Service) context(b *binding, withConfig bool) abi.Context {
	c := abi.Context{Now: s.now().Format(time.RFC3339), Territory: b.territory, ConfigHash: b.configHash}
	if withConfig {
		c.Config = b.config
	}
	return c
}

// Info is what a territory runs, for operators and integrators.
type Info struct {
	// Territory is the territory's slug.
	Territory string `json:"territory"`
	// PluginID, PluginVersion and ModuleHash identify the module.
	PluginID      string `json:"plugin_id"`
	PluginVersion string `json:"plugin_version"`
	ModuleHash    string `json:"module_hash"`
	// ConfigHash identifies the configuration.
	ConfigHash string `json:"config_hash"`
	// Default reports that the territory runs the default plugin with its defaults.
	Default bool `json:"default"`
	// UpdatedAt is when the rules were assigned; zero for the default.
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	// Operations lists what the plugin implements.
	Operations []string `json:"operations"`
}

func (s *Service) infoOf(slug string, m *pluginhost.Module, b *binding, isDefault bool) *Info {
	man := m.Manifest()
	info := &Info{Territory: slug, PluginID: man.ID, PluginVersion: man.Version, ModuleHash: m.Hash(),
		ConfigHash: b.configHash, Default: isDefault, Operations: man.Operations}
	if !b.updatedAt.IsZero() {
		at := b.updatedAt
		info.UpdatedAt = &at
	}
	return info
}

// Info says which plugin and configuration an active territory runs.
func (s *Service) Info(ctx context.Context, slug string) (*Info, error) {
	l, err := s.resolve(ctx, slug)
	if err != nil {
		return nil, err
	}
	defer l.release()
	return s.infoOf(slug, l.module, l.binding, l.isDefault), nil
}

// Categories returns a territory's service categories.
func (s *Service) Categories(ctx context.Context, slug string) (*abi.Categories, error) {
	l, err := s.resolve(ctx, slug)
	if err != nil {
		return nil, err
	}
	defer l.release()
	res, err := l.module.Categories(ctx, &abi.CategoriesRequest{Context: s.context(l.binding, true)})
	return res, s.failed(l, err)
}

// PaymentModesInput asks which modes an exchange may use.
type PaymentModesInput struct {
	// Category is the category's ID.
	Category string `json:"category"`
	// Modality is abi.ModalityResident or abi.ModalityProfessional.
	Modality string `json:"modality"`
	// ProviderSAP reports a professional declared for services à la personne.
	ProviderSAP bool `json:"provider_sap"`
}

// PaymentModes returns the payment modes an exchange in a category may use.
func (s *Service) PaymentModes(ctx context.Context, slug string, in PaymentModesInput) (*abi.PaymentModes, error) {
	l, err := s.resolve(ctx, slug)
	if err != nil {
		return nil, err
	}
	defer l.release()
	req := &abi.PaymentModesRequest{Context: s.context(l.binding, true), Category: in.Category, Modality: in.Modality, ProviderSAP: in.ProviderSAP}
	if err := checkInput(req.Check()); err != nil {
		return nil, err
	}
	res, err := l.module.PaymentModes(ctx, req)
	return res, s.failed(l, err)
}

// QuoteInput is a service to price, as a resident or an API client gives it.
type QuoteInput struct {
	// Category is the category's ID.
	Category string `json:"category"`
	// Modality is abi.ModalityResident or abi.ModalityProfessional.
	Modality string `json:"modality"`
	// Mode is the payment mode.
	Mode string `json:"mode"`
	// Minutes is the duration of one occurrence.
	Minutes int `json:"minutes"`
	// FromCommune and ToCommune are INSEE codes: where the provider comes
	// from and where the service happens (or the ride's two ends). The
	// distance between their centres is computed from the referential.
	FromCommune string `json:"from_commune"`
	ToCommune   string `json:"to_commune"`
	// Occurrences is how many times the service happens; 0 means 1.
	Occurrences int `json:"occurrences"`
	// HourlyCents is the proposed hourly amount; 0 means the plugin's grid.
	HourlyCents int64 `json:"hourly_cents"`
	// ProviderSAP reports a professional declared for services à la personne.
	ProviderSAP bool `json:"provider_sap"`
	// Solidarity reports that the seeker qualifies for the solidarity reduction.
	Solidarity bool `json:"solidarity"`
}

// QuoteResult is a stored quote with the plugin's answer.
type QuoteResult struct {
	// Record identifies the quote and the plugin and configuration that made it.
	Record *QuoteRecord `json:"record"`
	// Quote is the plugin's quote.
	Quote *abi.Quote `json:"quote"`
}

// Quote prices a service with the territory's plugin and stores the quote
// with the plugin's id, version and hash and the configuration's hash.
func (s *Service) Quote(ctx context.Context, slug string, in QuoteInput) (*QuoteResult, error) {
	res, err := s.ComputeQuote(ctx, slug, in)
	if err != nil {
		return nil, err
	}
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return StoreQuoteTx(ctx, tx, res.Record)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ComputeQuote prices a service with the territory's plugin and returns
// the quote with its record (an ID, the plugin's id, version and hash, the
// configuration's hash), without storing it: a caller that freezes the
// quote with another change stores it with StoreQuoteTx in that change's
// transaction.
func (s *Service) ComputeQuote(ctx context.Context, slug string, in QuoteInput) (*QuoteResult, error) {
	l, err := s.resolve(ctx, slug)
	if err != nil {
		return nil, err
	}
	defer l.release()
	req, err := s.quoteRequest(l.binding, in)
	if err != nil {
		return nil, err
	}
	q, err := l.module.Quote(ctx, req)
	if err != nil {
		return nil, s.failed(l, err)
	}
	reqJSON, err := json.Marshal(withoutConfig(req))
	if err != nil {
		return nil, fmt.Errorf("encode quote request: %w", err)
	}
	resJSON, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("encode quote: %w", err)
	}
	man := l.module.Manifest()
	rec := &QuoteRecord{ID: uuid.Must(uuid.NewV7()).String(), TerritoryID: l.territory.ID, PluginID: man.ID, PluginVersion: man.Version,
		ModuleHash: l.module.Hash(), ConfigHash: l.binding.configHash, Category: req.Category, Mode: req.Mode,
		TotalCents: q.TotalCents, Request: string(reqJSON), Result: string(resJSON), CreatedAt: s.now()}
	return &QuoteResult{Record: rec, Quote: q}, nil
}

// StoreQuoteTx stores a quote record made by ComputeQuote in tx.
func StoreQuoteTx(ctx context.Context, tx bun.Tx, rec *QuoteRecord) error {
	if _, err := tx.NewInsert().Model(rec).Exec(ctx); err != nil {
		return fmt.Errorf("store quote: %w", err)
	}
	return nil
}

func withoutConfig(r *abi.QuoteRequest) *abi.QuoteRequest {
	c := *r
	c.Context.Config = nil
	return &c
}

// quoteRequest checks a quote input and turns it into the plugin's input,
// with the distance between the communes' centres.
func (s *Service) quoteRequest(b *binding, in QuoteInput) (*abi.QuoteRequest, error) {
	if in.Occurrences == 0 {
		in.Occurrences = 1
	}
	req := &abi.QuoteRequest{Context: s.context(b, true), Category: in.Category, Modality: in.Modality, Mode: in.Mode,
		Minutes: in.Minutes, Occurrences: in.Occurrences, HourlyCents: in.HourlyCents, ProviderSAP: in.ProviderSAP, Solidarity: in.Solidarity}
	if in.FromCommune != "" || in.ToCommune != "" {
		km, err := s.ref.Distance(in.FromCommune, in.ToCommune)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.KindInvalid, "quote_communes_invalid",
				fmt.Sprintf("Distance impossible entre %q et %q : indiquez deux codes INSEE de communes connues (from_commune, to_commune).", in.FromCommune, in.ToCommune),
				fmt.Sprintf("Cannot compute the distance between %q and %q: give two known INSEE codes.", in.FromCommune, in.ToCommune))
		}
		req.DistanceMeters = int(km*1000 + 0.5)
	}
	if err := checkInput(req.Check()); err != nil {
		return nil, err
	}
	return req, nil
}

// checkInput turns an input the ABI refuses into a message for the caller,
// naming the fields in French (the rule's detail follows, in English).
func checkInput(err error) error {
	if err == nil {
		return nil
	}
	var ve *abi.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 {
		return apperr.Wrap(err, apperr.KindInvalid, "rules_input_invalid",
			"Demande invalide : vérifiez ses champs.", "Invalid request: "+err.Error())
	}
	fields := make([]string, 0, len(ve.Problems))
	for _, p := range ve.Problems {
		if p.Field != "" {
			fields = append(fields, p.Field)
		}
	}
	return apperr.Wrap(err, apperr.KindInvalid, "rules_input_invalid",
		"Demande invalide : champ(s) "+strings.Join(fields, ", ")+" hors des valeurs permises (voir la documentation de l'API). Détail : "+err.Error(),
		"Invalid request: "+err.Error())
}

// ValidateListing asks the territory's plugin whether a listing is acceptable.
func (s *Service) ValidateListing(ctx context.Context, slug string, l abi.Listing) (*abi.ListingVerdict, error) {
	ls, err := s.resolve(ctx, slug)
	if err != nil {
		return nil, err
	}
	defer ls.release()
	req := &abi.ValidateListingRequest{Context: s.context(ls.binding, true), Listing: l}
	if err := checkInput(req.Check()); err != nil {
		return nil, err
	}
	v, err := ls.module.ValidateListing(ctx, req)
	return v, s.failed(ls, err)
}

// TimeCredits returns the time-credit policy the plugin of territory
// territoryID states (floor, ceiling, welcome credits), nil when it states
// none (the platform's defaults apply).
func (s *Service) TimeCredits(ctx context.Context, territoryID string) (*abi.TimeCreditPolicy, error) {
	t, err := s.territories.ByID(ctx, territoryID)
	if err != nil {
		return nil, err
	}
	cats, err := s.Categories(ctx, t.Slug)
	if err != nil {
		return nil, err
	}
	return cats.TimeCredits, nil
}
