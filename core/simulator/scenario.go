package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/sdk/abi"
)

// How a scenario's commission is applied.
const (
	// CommissionConfig: the plugin reads a commission from its
	// configuration; the scenario replaced the configuration's rule.
	CommissionConfig = "plugin_config"
	// CommissionPlatform: the plugin reads none; the platform replaces the
	// plugin's commission on professionals' paid exchanges.
	CommissionPlatform = "platform"
)

// commissionKey is the configuration key of the standard plugin's
// commission rules (plugins/standard/README.md), which both pilots share.
const commissionKey = "commission"

// rulesInForce is a territory's current module and configuration.
type rulesInForce struct {
	wasm, signature []byte
	config          json.RawMessage
	// own is false for a territory running the default module with its
	// defaults.
	own bool
}

// current reads the territory's module and configuration: its own from
// the database, or the default module of the module folder with the
// empty configuration, as core/rules runs it.
func (s *Service) current(ctx context.Context, territoryID string) (*rulesInForce, error) {
	db := s.store.DB()
	var assigned []struct {
		ModuleHash string `bun:"module_hash"`
		Config     string `bun:"config"`
	}
	if err := db.NewRaw("SELECT module_hash, config FROM territory_rules WHERE territory_id = ? LIMIT 1", territoryID).Scan(ctx, &assigned); err != nil {
		return nil, fmt.Errorf("simulator: read the territory's rules: %w", err)
	}
	if len(assigned) == 0 {
		name := s.rules.DefaultModule()
		path := s.rules.ModuleFile(name)
		wasm, err := os.ReadFile(path)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.KindUnavailable, "plugin_module_missing",
				fmt.Sprintf("Module de plugin par défaut %q introuvable (%s) : construisez les plugins avec « make build » ou indiquez leur dossier avec plugins.dir.", name, path),
				fmt.Sprintf("Default plugin module %q not found (%s): build the plugins with `make build` or set plugins.dir.", name, path))
		}
		sig, err := rules.ReadSignatureFile(path)
		if err != nil {
			return nil, err
		}
		return &rulesInForce{wasm: wasm, signature: sig, config: rules.EmptyConfig}, nil
	}
	var modules []struct {
		Wasm      []byte `bun:"wasm"`
		Signature []byte `bun:"signature"`
	}
	if err := db.NewRaw("SELECT wasm, signature FROM plugin_modules WHERE hash = ? LIMIT 1", assigned[0].ModuleHash).Scan(ctx, &modules); err != nil {
		return nil, fmt.Errorf("simulator: read the territory's module: %w", err)
	}
	if len(modules) == 0 {
		return nil, apperr.New(apperr.KindUnavailable, "plugin_module_unknown",
			fmt.Sprintf("Le module du territoire (empreinte %.12s) n'est plus dans la base.", assigned[0].ModuleHash),
			fmt.Sprintf("The territory's module (hash %.12s) is no longer in the database.", assigned[0].ModuleHash))
	}
	return &rulesInForce{wasm: modules[0].Wasm, signature: modules[0].Signature, config: json.RawMessage(assigned[0].Config), own: true}, nil
}

// prepared is a scenario ready to price: its module loaded and held open,
// its configuration checked by the plugin, its levers decided.
type prepared struct {
	sc         Scenario
	name       [2]string // French, English
	module     *pluginhost.Module
	slots      *pluginhost.Slots
	territory  abi.Territory
	config     json.RawMessage
	configHash string
	// currentModule and currentConfig report the territory's own.
	currentModule, currentConfig bool
	// commission is "", CommissionConfig or CommissionPlatform.
	commission string
}

// pinName is the one binding of a prepared scenario's own Slots.
const pinName = "simulation"

// release lets the module go: closed if nothing else holds it.
func (p *prepared) release() {
	if p != nil && p.slots != nil {
		_, _ = p.slots.Set(pinName, nil)
	}
}

// prepare loads a scenario's module (held open in a Slots of its own,
// so that a territory's reassignment meanwhile cannot close it under the
// run), checks its configuration with the plugin and decides how its
// commission applies.
func (s *Service) prepare(ctx context.Context, at abi.Territory, cur *rulesInForce, sc Scenario, fr, en string) (*prepared, error) {
	p := &prepared{sc: sc, name: [2]string{fr, en}, territory: at, currentModule: sc.Module == nil, currentConfig: sc.Config == nil}
	if sc.Name != "" {
		p.name = [2]string{sc.Name, sc.Name}
	}
	wasm, sig := sc.Module, sc.Signature
	if wasm == nil {
		wasm, sig = cur.wasm, cur.signature
	}
	if err := s.pin(ctx, p, wasm, sig); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			p.release()
		}
	}()
	config := cur.config
	if sc.Config != nil {
		var err error
		if config, err = normalizeConfig(sc.Config); err != nil {
			return nil, err
		}
	}
	if err := s.tryConfig(ctx, p, config); err != nil {
		return nil, p.configError(err)
	}
	p.config = config
	if sc.CommissionBP != nil {
		if err := s.decideCommission(ctx, p, *sc.CommissionBP); err != nil {
			return nil, err
		}
	}
	p.configHash = rules.HashConfig(p.config)
	ok = true
	return p, nil
}

// pin loads the module and binds it in the scenario's own Slots; a module
// closed between the two (a replaced module drained at that moment) is
// loaded afresh.
func (s *Service) pin(ctx context.Context, p *prepared, wasm, sig []byte) error {
	p.slots = pluginhost.NewSlots()
	for attempt := 0; ; attempt++ {
		m, err := s.host.Load(ctx, wasm, sig)
		if err != nil {
			return hostError(err, p.name)
		}
		if _, err := p.slots.Set(pinName, m); err != nil {
			var pe *pluginhost.Error
			if attempt < 3 && errors.As(err, &pe) && pe.Kind == pluginhost.KindClosed {
				continue
			}
			return hostError(err, p.name)
		}
		p.module = m
		return nil
	}
}

// tryConfig asks the plugin for its categories under config: a refusal
// (config_invalid) is a *pluginhost.RefusalError.
func (s *Service) tryConfig(ctx context.Context, p *prepared, config json.RawMessage) error {
	c := abi.Context{Now: s.now().UTC().Format(time.RFC3339), Territory: p.territory, ConfigHash: rules.HashConfig(config), Config: config}
	_, err := p.module.Categories(ctx, &abi.CategoriesRequest{Context: c})
	return err
}

// decideCommission replaces the configuration's commission rule when the
// plugin reads one: it accepts the scenario's rule and refuses the key
// with a wrong type (a plugin that ignores the key accepts anything).
// Otherwise the platform applies the commission itself.
func (s *Service) decideCommission(ctx context.Context, p *prepared, bp int64) error {
	rule := []byte("[]")
	if bp > 0 {
		rule = []byte(`[{"modality":"professional","percent_bp":` + strconv.FormatInt(bp, 10) + `}]`)
	}
	with, err := withKey(p.config, commissionKey, rule)
	if err != nil {
		return err
	}
	err = s.tryConfig(ctx, p, with)
	var refusal *pluginhost.RefusalError
	switch {
	case errors.As(err, &refusal):
		p.commission = CommissionPlatform
		return nil
	case err != nil:
		return hostError(err, p.name)
	}
	wrong, err := withKey(p.config, commissionKey, []byte(`"?"`))
	if err != nil {
		return err
	}
	err = s.tryConfig(ctx, p, wrong)
	switch {
	case errors.As(err, &refusal):
		p.commission, p.config = CommissionConfig, with
	case err != nil:
		return hostError(err, p.name)
	default:
		p.commission = CommissionPlatform
	}
	return nil
}

// withKey returns the JSON object config with key set to value.
func withKey(config json.RawMessage, key string, value []byte) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(config, &m); err != nil || m == nil {
		return nil, errConfigNotObject
	}
	m[key] = value
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("simulator: encode configuration: %w", err)
	}
	return json.RawMessage(bytes.TrimSpace(buf.Bytes())), nil
}

var errConfigNotObject = apperr.New(apperr.KindInvalid, "plugin_config_not_object",
	"La configuration doit être un objet JSON, entre accolades ({ … }) : vérifiez le fichier.",
	"The configuration must be a JSON object ({ … }): check the file.")

// normalizeConfig checks a configuration is one JSON object within bounds
// and returns it compacted, as core/rules stores it; empty means the
// plugin's defaults.
func normalizeConfig(config []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(config)) == 0 {
		return rules.EmptyConfig, nil
	}
	if len(config) > maxConfigBytes {
		return nil, apperr.New(apperr.KindTooLarge, "plugin_config_too_large",
			fmt.Sprintf("Configuration trop volumineuse (%d octets, au plus %d).", len(config), maxConfigBytes),
			fmt.Sprintf("Configuration too large (%d bytes, at most %d).", len(config), maxConfigBytes))
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(config, &probe); err != nil || probe == nil {
		return nil, errConfigNotObject
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, config); err != nil {
		return nil, errConfigNotObject
	}
	return json.RawMessage(buf.Bytes()), nil
}

// configError explains a configuration the plugin refused.
func (p *prepared) configError(err error) error {
	var refusal *pluginhost.RefusalError
	if !errors.As(err, &refusal) {
		return hostError(err, p.name)
	}
	id := p.module.Manifest().ID
	r := refusal.Refusal
	en := r.MessageEN
	if en == "" {
		en = r.Message
	}
	return apperr.Wrap(err, apperr.KindInvalid, "plugin_config_refused",
		fmt.Sprintf("%s : configuration refusée par le plugin %s : %s", p.name[0], id, r.Message),
		fmt.Sprintf("%s: configuration refused by plugin %s: %s", p.name[1], id, en))
}

// hostError turns a plugin host error into a message for the person who
// asked for the simulation, naming the scenario.
func hostError(err error, name [2]string) error {
	var pe *pluginhost.Error
	if !errors.As(err, &pe) {
		return err
	}
	fr, en := pe.PublicMessage()
	kind := apperr.KindUnavailable
	switch pe.Kind {
	case pluginhost.KindNotWasm, pluginhost.KindABIMismatch, pluginhost.KindMissingExport,
		pluginhost.KindForbiddenImport, pluginhost.KindBadSignature, pluginhost.KindTooLarge:
		kind = apperr.KindInvalid
	case pluginhost.KindCanceled:
		return err
	}
	return apperr.Wrap(err, kind, "plugin_"+pe.Kind.String(), name[0]+" : "+fr, name[1]+": "+en)
}
