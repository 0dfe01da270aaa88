// Package app wires one Campagnon process together: configuration, logger,
// national referential, storage, migrations, domain services and the HTTP
// server. Commands build an App, use the parts they need and close it.
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/logging"
	"github.com/campagnon/campagnon/core/metrics"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/schema"
	"github.com/campagnon/campagnon/core/server"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/territory"
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
	// Metrics is the process's metric registry.
	Metrics *metrics.Registry
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
	a := &App{
		Config:      cfg,
		Log:         log,
		Referential: ref,
		Store:       s,
		Migrator:    store.NewMigrator(s, ms),
		Territories: territory.NewService(s, ref),
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

// Bootstrap brings the database to the current schema and creates the
// configured territories that do not exist yet.
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
	api.Register(srv.App(), api.Deps{Territories: a.Territories})
	return srv
}

// Close releases the database.
func (a *App) Close() error {
	return a.Store.Close()
}
