// Package config loads Campagnon's configuration from, in increasing order of
// precedence, built-in defaults, a YAML file (configs/campagnon.yaml), the
// environment (CAMPAGNON_…) and command-line settings, then validates it as a
// whole. Every setting is declared once in the key table (keys.go), so the
// four sources accept the same names and a wrong value always names the key,
// the value, where it came from and what is allowed.
package config

import (
	"path/filepath"
	"strings"
	"time"
)

// Environment names accepted by the env key.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Config is the validated configuration of one Campagnon process.
type Config struct {
	// Env is "development" or "production"; it chooses defaults such as the log format.
	Env string
	// DataDir holds the embedded database and, later, the search index and plugin cache.
	DataDir string
	// Server holds the HTTP server settings.
	Server Server
	// Database holds the storage settings.
	Database Database
	// Log holds the logging settings.
	Log Log
	// Territories holds the territories created at start.
	Territories Territories
	// Plugins holds the WebAssembly plugin host settings.
	Plugins Plugins
	// Security holds the secrets and public address of the platform.
	Security Security
	// Mail holds how emails leave: the SMTP server and the sender.
	Mail Mail
	// Search says which search engine answers and where it is.
	Search Search
}

// Search engines.
const (
	// SearchEmbedded is the index embedded in the process (one machine).
	SearchEmbedded = "embedded"
	// SearchMeilisearch is a Meilisearch server.
	SearchMeilisearch = "meilisearch"
)

// Search says which search engine answers and where it is.
type Search struct {
	Engine     string
	Dir        string
	MeiliURL   string
	MeiliKey   string
	MeiliIndex string
	// IndexEvery is how often the server applies the search outbox when
	// idle.
	IndexEvery time.Duration
}

// SearchDir returns the embedded index's folder, defaulting to DataDir/search.
func (c *Config) SearchDir() string {
	if c.Search.Dir != "" {
		return c.Search.Dir
	}
	return filepath.Join(c.DataDir, "search")
}

// Mail says how the platform's emails are sent.
type Mail struct {
	// SMTPHost is the SMTP server. Empty means no SMTP: in development the
	// emails are written to the log; in production they wait in the outbox.
	SMTPHost string
	// SMTPPort is the server's port (587 for STARTTLS, 465 for TLS).
	SMTPPort int
	// SMTPUsername and SMTPPassword authenticate (AUTH PLAIN, over TLS);
	// no authentication when SMTPUsername is empty.
	SMTPUsername string
	SMTPPassword string
	// SMTPTLS is "starttls" (required, the default), "tls" (from the first
	// byte) or "none" (a loopback host only).
	SMTPTLS string
	// From is the sender of every email, such as "Campagnon <no-reply@example.fr>".
	From string
}

// Security holds the platform's secrets and public address.
type Security struct {
	// SessionSecret (base64, at least 32 bytes) keys the CSRF tokens. Every
	// replica must share it. Empty in development: a secret is generated
	// once in DataDir/session.key.
	SessionSecret string
	// PublicURL is the address residents use, for the links in emails.
	PublicURL string
	// MailsPerMinute and LoginsPerMinute are the rate limits per client
	// address of the requests that send an email and of sign-in attempts.
	MailsPerMinute, LoginsPerMinute int
}

// Plugins configures the territory plugins and their host.
type Plugins struct {
	// Dir holds the built plugin modules (<name>.wasm) that bootstrap entries
	// and the default plugin name.
	Dir string
	// Default names the module (in Dir) of territories with no plugin of
	// their own: the configuration-driven standard plugin.
	Default string
	// CacheDir holds the compiled-module cache; empty means DataDir/plugin-cache.
	CacheDir string
	// CallTimeout bounds one plugin call.
	CallTimeout time.Duration
	// MaxInstances bounds each module's pool of instances.
	MaxInstances int
	// RequireSignatures refuses modules without a valid signature by a trusted key.
	RequireSignatures bool
	// TrustedKeys are the ed25519 public keys (base64) whose signatures are accepted.
	TrustedKeys []string
}

// Server is the HTTP server configuration.
type Server struct {
	// Addr is the listen address, such as ":8080".
	Addr string
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response.
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for the next request.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds how long in-flight requests may run after SIGTERM.
	ShutdownTimeout time.Duration
	// BodyLimit is the largest request body accepted, in bytes.
	BodyLimit int
}

// Database is the storage configuration.
type Database struct {
	// Driver is "sqlite" (embedded default) or "postgres".
	Driver string
	// SQLitePath is the SQLite file; empty means DataDir/campagnon.db.
	SQLitePath string
	// PostgresDSN is the PostgreSQL connection string, required with the postgres driver.
	PostgresDSN string
	// MaxOpenConns bounds the connection pool.
	MaxOpenConns int
	// BusyTimeout is how long SQLite waits for a lock before failing.
	BusyTimeout time.Duration
	// Synchronous is SQLite's synchronous pragma: FULL or NORMAL.
	Synchronous string
}

// Log is the logging configuration.
type Log struct {
	// Level is debug, info, warn or error.
	Level string
	// Format is json, text, or auto (json in production, text in development).
	Format string
}

// Territories lists the territories ensured at start.
type Territories struct {
	// Bootstrap holds the EPCI whose territories are created at start if absent.
	Bootstrap []Bootstrap
}

// Bootstrap is one territory created at start: an EPCI and, optionally, the
// plugin it runs (a module name in Plugins.Dir); empty means Plugins.Default.
type Bootstrap struct {
	// EPCI is the EPCI's SIREN code.
	EPCI string
	// Plugin names the territory's plugin module, such as "picardie-verte".
	Plugin string
}

// SQLiteFile returns the SQLite database path, defaulting to DataDir/campagnon.db.
func (c *Config) SQLiteFile() string {
	if c.Database.SQLitePath != "" {
		return c.Database.SQLitePath
	}
	return filepath.Join(c.DataDir, "campagnon.db")
}

// PluginCacheDir returns the compiled-plugin cache folder, defaulting to DataDir/plugin-cache.
func (c *Config) PluginCacheDir() string {
	if c.Plugins.CacheDir != "" {
		return c.Plugins.CacheDir
	}
	return filepath.Join(c.DataDir, "plugin-cache")
}

// LogFormat returns the effective log format, resolving auto by environment.
func (c *Config) LogFormat() string {
	if c.Log.Format != "auto" {
		return c.Log.Format
	}
	if c.Env == EnvProduction {
		return "json"
	}
	return "text"
}

// Describe returns the effective settings as key/value pairs for display,
// in the key table's order, secrets masked. The PostgreSQL DSN is returned
// as configured: callers that print it hide its password (store.RedactDSN).
func (c *Config) Describe() [][2]string {
	out := make([][2]string, 0, len(keys))
	for _, k := range keys {
		v := k.get(c)
		if k.Secret {
			v = mask(v)
		}
		out = append(out, [2]string{k.Name, v})
	}
	return out
}

// mask hides a secret's value, saying only whether it is set.
func mask(secret string) string {
	if secret == "" {
		return "(vide)"
	}
	return "(définie, masquée)"
}

func (c *Config) bootstrapText() string {
	parts := make([]string, len(c.Territories.Bootstrap))
	for i, b := range c.Territories.Bootstrap {
		parts[i] = b.EPCI
		if b.Plugin != "" {
			parts[i] += ":" + b.Plugin
		}
	}
	return strings.Join(parts, ",")
}
