// Package app wires one Campagnon process together: configuration, logger,
// national referential, storage, migrations, domain services and the HTTP
// server. Commands build an App, use the parts they need and close it.
package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/awareness"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/idempotency"
	"github.com/campagnon/campagnon/core/importer"
	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/logging"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/core/message"
	"github.com/campagnon/campagnon/core/metrics"
	"github.com/campagnon/campagnon/core/notify"
	"github.com/campagnon/campagnon/core/observatory"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/privacy"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/schema"
	"github.com/campagnon/campagnon/core/search"
	"github.com/campagnon/campagnon/core/search/bleve"
	"github.com/campagnon/campagnon/core/search/meili"
	"github.com/campagnon/campagnon/core/server"
	"github.com/campagnon/campagnon/core/simulator"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/core/web"
)

// App is one process's set of services.
type App struct {
	// Config is the validated configuration.
	Config *config.Config
	// Log is the process logger.
	Log *slog.Logger
	// Referential is the national referential of communes and EPCI.
	Referential *referential.Referential
	// Store is the database.
	Store *store.Store
	// Migrator applies the schema migrations.
	Migrator *store.Migrator
	// Territories manages territories.
	Territories *territory.Service
	// Plugins is the WebAssembly plugin host.
	Plugins *pluginhost.Host
	// Rules runs each territory's plugin.
	Rules *rules.Service
	// Accounts manages accounts, sessions and their emails.
	Accounts *account.Service
	// Authz decides who may do what in which territory (set by StartRules).
	Authz *authz.Enforcer
	// Mediation records mediators' consents and actions.
	Mediation *mediation.Service
	Ledger    *ledger.Service // the territories' time-credit ledgers
	// Listings manages offers and needs.
	Listings *listing.Service
	// Exchanges runs exchanges.
	Exchanges *exchange.Service
	// Messages keeps the threads of exchanges.
	Messages *message.Service
	// Idempotency keeps the answers of requests sent with an Idempotency-Key.
	Idempotency *idempotency.Store
	// Importer imports the territories' form exports.
	Importer *importer.Service
	// Agenda keeps the territories' awareness events and counts their
	// listings for printed material.
	Agenda *awareness.Service
	// Notify sends the weekly digests and the alerts about unanswered
	// needs (set by StartAuthz, as it needs Authz).
	Notify *notify.Service
	// Privacy exports and erases people's data and logs staff reads (set
	// by StartRules, as it needs Authz).
	Privacy *privacy.Service
	// SessionSecret keys the CSRF tokens of sessions.
	SessionSecret []byte
	// Metrics is the process's metric registry.
	Metrics *metrics.Registry
	// Routes are the API routes and who may call them, set by Server.
	Routes []api.Route
	// Pages are the HTML pages, set by Server.
	Pages []web.Route
	// Search answers searches (set by StartSearch); Indexer keeps it a
	// projection of the database.
	Search  search.Engine
	Indexer *search.Indexer
}

// NewLogger returns the logger the configuration asks for, writing to w.
func NewLogger(cfg *config.Config, w io.Writer) (*slog.Logger, error) {
	return logging.New(w, cfg.LogFormat(), cfg.Log.Level)
}

// Open loads the referential and opens the database. It does not migrate.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	ref, err := referential.Load()
	if err != nil {
		return nil, fmt.Errorf("load national referential: %w", err)
	}
	s, err := store.Open(ctx, store.Options{
		Driver:       cfg.Database.Driver,
		SQLitePath:   cfg.SQLiteFile(),
		PostgresDSN:  cfg.Database.PostgresDSN,
		MaxOpenConns: cfg.Database.MaxOpenConns,
		BusyTimeout:  cfg.Database.BusyTimeout,
		Synchronous:  cfg.Database.Synchronous,
		Logger:       log,
	})
	if errors.Is(err, store.ErrInvalidOptions) {
		return nil, apperr.Wrap(err, apperr.KindInvalid, "database_config_invalid",
			"Configuration de la base de données refusée ; corrigez les clés database.* (campagnon config --keys). Détail : "+err.Error(),
			"Database configuration refused; fix the database.* keys. Detail: "+err.Error())
	}
	if err != nil {
		return nil, apperr.Wrap(err, apperr.KindUnavailable, "database_unavailable",
			"Base de données inaccessible ; vérifiez qu'elle tourne et que database.* la désigne bien. Détail : "+err.Error(),
			"Database unavailable; check it is running and that database.* points to it. Detail: "+err.Error())
	}
	ms, err := store.LoadMigrations(schema.Migrations())
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	host, err := pluginhost.New(ctx, pluginhost.Config{
		CacheDir:          cfg.PluginCacheDir(),
		MaxInstances:      cfg.Plugins.MaxInstances,
		CallTimeout:       cfg.Plugins.CallTimeout,
		RequireSignatures: cfg.Plugins.RequireSignatures,
		// Territories are cut off one by one first (rules.TerritoryFaultLimit);
		// the module-wide cut-off is for a module failing everywhere.
		FaultLimit:  rules.ModuleFaultLimit,
		TrustedKeys: trustedKeys(cfg.Plugins.TrustedKeys),
	}, log)
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("start the plugin host: %w", err)
	}
	a := &App{
		Config:      cfg,
		Log:         log,
		Referential: ref,
		Store:       s,
		Migrator:    store.NewMigrator(s, ms),
		Territories: territory.NewService(s, ref),
		Plugins:     host,
	}
	a.Rules = rules.NewService(s, host, a.Territories, ref, rules.Options{
		ModuleDir: cfg.Plugins.Dir, Default: cfg.Plugins.Default, Logger: log.With("component", "rules")})
	a.Accounts = account.NewService(s, ref, account.Options{Params: credential.OWASPParams, BaseURL: cfg.Security.PublicURL})
	a.Mediation = mediation.NewService(s, nil)
	a.Ledger = ledger.NewService(s, nil)
	a.Listings = listing.NewService(s, a.Rules, a.Territories, ref, a.Accounts, cfg.Security.PublicURL, nil)
	a.Exchanges = exchange.NewService(s, a.Rules, exchange.LedgerSettler{Ledger: a.Ledger, Policy: a.Rules.TimeCredits}, nil)
	a.Messages = message.NewService(s, a.Accounts, cfg.Security.PublicURL, nil)
	a.Idempotency = idempotency.New(s, nil)
	a.Importer = importer.NewService(s, a.Rules, a.Territories, ref, nil)
	a.Agenda = awareness.NewService(s)
	if a.SessionSecret, err = sessionSecret(cfg); err != nil {
		_ = a.Close()
		return nil, err
	}

	a.Metrics = metrics.New(a.poolStats)
	return a, nil
}

// poolStats reports the database pools for Prometheus; PostgreSQL's single
// pool is reported once.
func (a *App) poolStats() map[string]sql.DBStats {
	st := a.Store.Stats()
	conv := func(p store.PoolStat) sql.DBStats {
		return sql.DBStats{MaxOpenConnections: p.MaxOpen, OpenConnections: p.Open, InUse: p.InUse,
			Idle: p.Idle, WaitCount: p.WaitCount, WaitDuration: p.WaitDuration}
	}
	if st.Shared {
		return map[string]sql.DBStats{"main": conv(st.Read)}
	}
	return map[string]sql.DBStats{"read": conv(st.Read), "write": conv(st.Write)}
}

// sessionSecret returns the configured secret, or in development the one
// kept in DataDir/session.key (created on first use, readable by the owner
// only). config.Load refuses an empty secret in production.
func sessionSecret(cfg *config.Config) ([]byte, error) {
	if cfg.Security.SessionSecret != "" {
		return base64.StdEncoding.DecodeString(cfg.Security.SessionSecret)
	}
	path := filepath.Join(cfg.DataDir, "session.key")
	if data, err := os.ReadFile(path); err == nil {
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data))); err == nil && len(raw) >= 32 {
			return raw, nil
		}
		return nil, apperr.New(apperr.KindInvalid, "session_key_unreadable",
			fmt.Sprintf("%s est illisible : supprimez-le (un nouveau sera créé ; les sessions ouvertes seront perdues) ou réglez security.session_secret.", path),
			fmt.Sprintf("%s is unreadable: delete it or set security.session_secret.", path))
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate the session secret: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create %s: %w", cfg.DataDir, err)
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(raw)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write the session secret %s: %w", path, err)
	}
	return raw, nil
}

// trustedKeys decodes the configured keys; config.Load has validated them.
func trustedKeys(b64 []string) []ed25519.PublicKey {
	keys := make([]ed25519.PublicKey, 0, len(b64))
	for _, k := range b64 {
		if pub, err := pluginhost.ParsePublicKey(k); err == nil {
			keys = append(keys, pub)
		}
	}
	return keys
}

// Bootstrap brings the database to the current schema, creates the
// configured territories that do not exist yet with their plugins, and
// loads every territory's rules into the plugin host.
func (a *App) Bootstrap(ctx context.Context) error {
	if _, err := a.Migrator.Up(ctx); err != nil { // the migrator logs each migration it applies
		return MigrationError(err)
	}
	for _, b := range a.Config.Territories.Bootstrap {
		created, err := a.Territories.Ensure(ctx, b.EPCI)
		if err != nil {
			e := apperr.As(err)
			return apperr.Wrap(err, e.Kind, e.Code,
				fmt.Sprintf("territories.bootstrap, EPCI %s : %s", b.EPCI, e.Message),
				fmt.Sprintf("territories.bootstrap, EPCI %s: %s", b.EPCI, e.MessageEN))
		}
		if created {
			a.Log.InfoContext(ctx, "territory created", "epci", b.EPCI)
		}
	}
	return a.StartRules(ctx)
}

// StartAuthz loads the authorization policies (seeding the defaults into a
// new database) and the services that need them; the schema must be
// current.
func (a *App) StartAuthz(ctx context.Context) error {
	enf, err := authz.New(ctx, a.Store, a.Log.With("component", "authz"))
	if err != nil {
		return fmt.Errorf("load authorization policies: %w", err)
	}
	a.Authz = enf
	a.Notify = notify.NewService(a.Store, a.Referential, a.Accounts, a.Authz, notify.Options{BaseURL: a.Config.Security.PublicURL})
	a.Privacy = privacy.NewService(a.Store, nil, a.privacySections()...)
	return nil
}

// StartSearch opens the configured search engine (the embedded index in
// search.dir, or Meilisearch) and its indexer. A new or outdated embedded
// index is rebuilt from the database at once.
func (a *App) StartSearch(ctx context.Context) error {
	if a.Search != nil {
		return nil
	}
	rebuild := false
	switch a.Config.Search.Engine {
	case config.SearchMeilisearch:
		e, err := meili.Open(ctx, meili.Config{URL: a.Config.Search.MeiliURL, APIKey: a.Config.Search.MeiliKey, Index: a.Config.Search.MeiliIndex})
		if err != nil {
			return apperr.Wrap(err, apperr.KindUnavailable, "search_unreachable",
				"Meilisearch ne répond pas ("+a.Config.Search.MeiliURL+") : vérifiez search.meili_url et search.meili_key, ou le serveur.",
				"Meilisearch does not answer ("+a.Config.Search.MeiliURL+"): check search.meili_url and search.meili_key, or the server.")
		}
		a.Search = e
	default:
		dir := a.Config.SearchDir()
		_, statErr := os.Stat(dir)
		e, err := bleve.Open(dir)
		if errors.Is(err, bleve.ErrOutdated) {
			a.Log.Warn("search index built by another version: rebuilding it", "dir", dir)
			if err = os.RemoveAll(dir); err == nil {
				e, err = bleve.Create(dir)
			}
			statErr = os.ErrNotExist
		}
		if err != nil {
			return err
		}
		a.Search, rebuild = e, errors.Is(statErr, os.ErrNotExist)
	}
	a.Indexer = search.NewIndexer(a.Store, a.Search, a.Listings, a.Log.With("component", "search"))
	if rebuild {
		n, _, err := a.Indexer.Reindex(ctx, nil)
		if err != nil {
			return fmt.Errorf("build the search index: %w", err)
		}
		a.Log.Info("search index built from the database", "listings", n)
	}
	return nil
}

// StartRules loads the authorization policies (StartAuthz), the search
// engine (StartSearch), the default plugin and
// every territory's rules, and gives the configured territories
// (territories.bootstrap) the plugin they name when they have no rules yet.
func (a *App) StartRules(ctx context.Context) error {
	if err := a.StartAuthz(ctx); err != nil {
		return err
	}
	if err := a.StartSearch(ctx); err != nil {
		return err
	}
	a.precompile(ctx)
	if err := a.Rules.Start(ctx); err != nil {
		return err
	}
	for _, b := range a.Config.Territories.Bootstrap {
		if b.Plugin == "" {
			continue
		}
		slug, err := a.Territories.SlugOfEPCI(ctx, b.EPCI)
		if apperr.KindOf(err) == apperr.KindNotFound {
			// serve --no-migrate does not create territories: one not
			// created yet gets its plugin when it is.
			a.Log.WarnContext(ctx, "bootstrap territory absent; its plugin is not assigned", "epci", b.EPCI, "plugin", b.Plugin)
			continue
		}
		if err != nil {
			return err
		}
		if err := a.Rules.EnsureModule(ctx, slug, b.Plugin, "territories.bootstrap"); err != nil {
			e := apperr.As(err)
			return apperr.Wrap(err, e.Kind, e.Code,
				fmt.Sprintf("territories.bootstrap, plugin %s de l'EPCI %s : %s", b.Plugin, b.EPCI, e.Message),
				fmt.Sprintf("territories.bootstrap, plugin %s of EPCI %s: %s", b.Plugin, b.EPCI, e.MessageEN))
		}
	}
	return nil
}

// Ready reports whether the process can serve: the database answers and its
// schema is the one this binary expects.
func (a *App) Ready(ctx context.Context) error {
	if err := a.Store.Ping(ctx); err != nil {
		return apperr.Wrap(err, apperr.KindUnavailable, "database_unreachable",
			"La base de données ne répond pas.", "The database does not answer.")
	}
	if err := a.Migrator.Check(ctx); err != nil {
		return MigrationError(err)
	}
	return nil
}

// precompile loads the default and the bootstrap modules into the plugin
// host concurrently, so that a first start (cold compilation cache) costs
// the slowest compilation rather than their sum. Errors are left to the
// sequential steps that follow, which report them with their setting.
func (a *App) precompile(ctx context.Context) {
	names := []string{a.Config.Plugins.Default}
	for _, b := range a.Config.Territories.Bootstrap {
		if b.Plugin != "" {
			names = append(names, b.Plugin)
		}
	}
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wasm, err := os.ReadFile(a.Rules.ModuleFile(name))
			if err == nil {
				_, _ = a.Plugins.Load(ctx, wasm, nil)
			}
		}()
	}
	wg.Wait()
}

// MigrationError gives schema problems a public message that says what to do.
func MigrationError(err error) error {
	switch {
	case errors.Is(err, store.ErrSchemaTooNew):
		return apperr.Wrap(err, apperr.KindUnavailable, "schema_too_new",
			"Le schéma de la base est plus récent que ce binaire campagnon : installez la version de campagnon qui l'a migrée (ou plus récente). Rien n'a été modifié.",
			"The database schema is newer than this campagnon binary: install the version that migrated it (or newer). Nothing was changed.")
	case errors.Is(err, store.ErrPendingMigrations):
		return apperr.Wrap(err, apperr.KindUnavailable, "schema_pending",
			"Le schéma de la base n'est pas à jour : lancez « campagnon migrate up ».",
			"The database schema is not up to date: run `campagnon migrate up`.")
	default:
		return err
	}
}

// Server returns the HTTP server with every route registered.
func (a *App) Server() *server.Server {
	srv := server.New(a.Config.Server, server.Deps{Logger: a.Log, Metrics: a.Metrics, Ready: a.Ready})
	deps := api.Deps{Territories: a.Territories, Rules: a.Rules, Accounts: a.Accounts,
		Authz: a.Authz, Search: a.Search, Referential: a.Referential, Mediation: a.Mediation, Listings: a.Listings, Exchanges: a.Exchanges, Messages: a.Messages, Ledger: a.Ledger, Idempotency: a.Idempotency, Privacy: a.Privacy, SessionSecret: a.SessionSecret,
		Limits: api.NewLimits(a.Config.Security.MailsPerMinute, a.Config.Security.LoginsPerMinute)}
	a.Routes = api.Register(srv.App(), deps)
	aw := web.Awareness{Agenda: a.Agenda, Notify: a.Notify}
	wd := web.Deps{Deps: deps, Actions: api.NewActions(deps), Observatory: observatory.NewService(a.Store, a.Referential), PublicURL: a.Config.Security.PublicURL,
		Simulator: simulator.NewService(a.Store, a.Plugins, a.Rules, a.Territories, simulator.Options{TimeBudget: 20 * time.Second}), Awareness: aw, Importer: a.Importer}
	a.Pages = web.Register(srv.App(), wd)
	return srv
}

// privacySections lists each domain's part of a person's data, in the
// order of the export; erasure runs them all in one transaction. A domain
// that stores personal data adds its section here (listings, exchanges,
// messages and the search index will).
func (a *App) privacySections() []privacy.Section {
	return []privacy.Section{
		{Name: "account", Export: a.Accounts.ExportData, Erase: a.Accounts.EraseData},
		{Name: "roles", Export: a.Authz.ExportUser, Erase: a.Authz.EraseUser,
			AfterErase: func(ctx context.Context, _ string) error { return a.Authz.Reload(ctx) }},
		{Name: "mediation", Export: a.Mediation.Export, Erase: a.Mediation.Erase},
		{Name: "listings", Export: a.Listings.Export, Erase: a.Listings.Erase},
		{Name: "exchanges", Export: a.Exchanges.Export, Erase: a.Exchanges.Erase},
		{Name: "messages", Export: a.Messages.Export, Erase: a.Messages.Erase},
		{Name: "ledger", Export: a.Ledger.Export, Erase: a.Ledger.Erase},
		{Name: "idempotency", Erase: a.Idempotency.Erase},
		{Name: "notifications", Export: a.Notify.Export, Erase: a.Notify.Erase},
		{Name: "awareness", Export: a.Agenda.Export},
	}
}

// Close stops the plugin host and releases the database.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var searchErr error
	if a.Search != nil {
		searchErr = a.Search.Close()
	}
	return errors.Join(searchErr, a.Plugins.Close(ctx), a.Store.Close())
}
