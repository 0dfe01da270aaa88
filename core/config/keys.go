package config

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Key is one setting: its dotted name (as in the YAML file), its default,
// what it accepts, and how it is stored into a Config.
type Key struct {
	// Name is the dotted key, such as "server.addr".
	Name string
	// Default is the built-in value, in the same text form as the other sources.
	Default string
	// Allowed describes the accepted values for error messages and docs.
	Allowed string
	// Doc says what the key does.
	Doc string
	// Secret keys are shown masked by Describe.
	Secret bool
	set    func(c *Config, v string) error
	get    func(c *Config) string
}

// showing returns k with get as the value Describe shows: the effective
// value, where it is derived (an empty path meaning a default folder).
func (k Key) showing(get func(c *Config) string) Key {
	k.get = get
	return k
}

// EnvName returns the environment variable that sets k, such as CAMPAGNON_SERVER_ADDR.
func (k Key) EnvName() string {
	return "CAMPAGNON_" + strings.ToUpper(strings.ReplaceAll(k.Name, ".", "_"))
}

// Keys returns every setting, in documentation order.
func Keys() []Key { return keys }

var sirenPattern = regexp.MustCompile(`^[0-9]{9}$`)

var keys = []Key{
	enumKey("env", EnvDevelopment, "run mode; chooses defaults such as the log format",
		[]string{EnvDevelopment, EnvProduction}, func(c *Config) *string { return &c.Env }),
	stringKey("data_dir", "data", "folder for the embedded database and other local state",
		false, func(c *Config) *string { return &c.DataDir }),

	stringKey("server.addr", ":8080", "HTTP listen address (host:port)",
		false, func(c *Config) *string { return &c.Server.Addr }),
	durationKey("server.read_timeout", "15s", "time allowed to read a whole request",
		time.Second, 10*time.Minute, func(c *Config) *time.Duration { return &c.Server.ReadTimeout }),
	durationKey("server.write_timeout", "30s", "time allowed to write a response",
		time.Second, 10*time.Minute, func(c *Config) *time.Duration { return &c.Server.WriteTimeout }),
	durationKey("server.idle_timeout", "120s", "keep-alive idle time before a connection is closed",
		time.Second, time.Hour, func(c *Config) *time.Duration { return &c.Server.IdleTimeout }),
	durationKey("server.shutdown_timeout", "20s", "time in-flight requests get to finish after SIGTERM",
		time.Second, 10*time.Minute, func(c *Config) *time.Duration { return &c.Server.ShutdownTimeout }),
	intKey("server.body_limit", "1048576", "largest request body accepted, in bytes",
		1024, 64<<20, func(c *Config) *int { return &c.Server.BodyLimit }),

	enumKey("database.driver", "sqlite", "storage engine: the embedded SQLite file or a PostgreSQL server",
		[]string{"sqlite", "postgres"}, func(c *Config) *string { return &c.Database.Driver }),
	stringKey("database.sqlite_path", "", "SQLite file (empty: <data_dir>/campagnon.db)",
		true, func(c *Config) *string { return &c.Database.SQLitePath }).showing((*Config).SQLiteFile),
	stringKey("database.postgres_dsn", "", "PostgreSQL connection string (postgres://user:password@host:5432/db)",
		true, func(c *Config) *string { return &c.Database.PostgresDSN }),
	intKey("database.max_open_conns", "8", "largest number of open database connections",
		1, 1000, func(c *Config) *int { return &c.Database.MaxOpenConns }),
	durationKey("database.busy_timeout", "5s", "how long SQLite waits for a lock",
		100*time.Millisecond, time.Minute, func(c *Config) *time.Duration { return &c.Database.BusyTimeout }),
	enumKey("database.synchronous", "FULL", "SQLite durability: FULL survives power loss, NORMAL survives a process crash",
		[]string{"FULL", "NORMAL"}, func(c *Config) *string { return &c.Database.Synchronous }),

	enumKey("log.level", "info", "lowest level logged",
		[]string{"debug", "info", "warn", "error"}, func(c *Config) *string { return &c.Log.Level }),
	enumKey("log.format", "auto", "log format (auto: json in production, text in development)",
		[]string{"auto", "json", "text"}, func(c *Config) *string { return &c.Log.Format }).showing((*Config).LogFormat),

	{
		Name:    "territories.bootstrap",
		Default: "246000848:picardie-verte,200005932:portes-de-sologne",
		Allowed: "une liste SIREN[:plugin] séparée par des virgules (SIREN : 9 chiffres ; plugin : nom d'un module de plugins.dir), éventuellement vide",
		Doc:     "EPCI whose territories are created at start when absent, each with an optional plugin (default: the two pilots with their own plugins)",
		set: func(c *Config, v string) error {
			c.Territories.Bootstrap = nil
			for _, s := range strings.Split(v, ",") {
				s = strings.TrimSpace(s)
				if s == "" {
					continue
				}
				siren, plugin, _ := strings.Cut(s, ":")
				if !sirenPattern.MatchString(siren) {
					return fmt.Errorf("%q n'est pas un code SIREN (9 chiffres)", siren)
				}
				if plugin != "" && !moduleNamePattern.MatchString(plugin) {
					return fmt.Errorf("%q n'est pas un nom de module (lettres minuscules, chiffres, tirets)", plugin)
				}
				c.Territories.Bootstrap = append(c.Territories.Bootstrap, Bootstrap{EPCI: siren, Plugin: plugin})
			}
			return nil
		},
		get: (*Config).bootstrapText,
	},

	stringKey("plugins.dir", "bin/plugins", "folder of the built plugin modules (<name>.wasm)",
		false, func(c *Config) *string { return &c.Plugins.Dir }),
	{
		Name: "plugins.default", Default: "standard", Allowed: "un nom de module (lettres minuscules, chiffres, tirets)",
		Doc: "module (in plugins.dir) of territories with no plugin of their own",
		set: func(c *Config, v string) error {
			if !moduleNamePattern.MatchString(v) {
				return fmt.Errorf("nom de module invalide")
			}
			c.Plugins.Default = v
			return nil
		},
		get: func(c *Config) string { return c.Plugins.Default },
	},
	stringKey("plugins.cache_dir", "", "compiled-plugin cache folder (empty: <data_dir>/plugin-cache)",
		true, func(c *Config) *string { return &c.Plugins.CacheDir }).showing((*Config).PluginCacheDir),
	durationKey("plugins.call_timeout", "100ms", "deadline of one plugin call",
		time.Millisecond, 10*time.Second, func(c *Config) *time.Duration { return &c.Plugins.CallTimeout }),
	intKey("plugins.max_instances", "4", "largest number of instances of one plugin module",
		1, 64, func(c *Config) *int { return &c.Plugins.MaxInstances }),
	boolKey("plugins.require_signatures", "false", "refuse plugin modules not signed by a trusted key",
		func(c *Config) *bool { return &c.Plugins.RequireSignatures }),
	{
		Name: "plugins.trusted_keys", Default: "", Allowed: "une liste de clés publiques ed25519 en base64, séparées par des virgules",
		Doc: "public keys whose plugin signatures are accepted (campagnon plugin keygen makes a pair)",
		set: func(c *Config, v string) error {
			c.Plugins.TrustedKeys = nil
			for _, k := range strings.Split(v, ",") {
				k = strings.TrimSpace(k)
				if k == "" {
					continue
				}
				raw, err := base64.StdEncoding.DecodeString(k)
				if err != nil || len(raw) != ed25519.PublicKeySize {
					return fmt.Errorf("%q n'est pas une clé publique ed25519 en base64 (32 octets)", k)
				}
				c.Plugins.TrustedKeys = append(c.Plugins.TrustedKeys, k)
			}
			return nil
		},
		get: func(c *Config) string { return strings.Join(c.Plugins.TrustedKeys, ",") },
	},

	{
		Name: "security.session_secret", Default: "", Secret: true,
		Allowed: "une clé secrète en base64 d'au moins 32 octets (openssl rand -base64 32), la même sur toutes les répliques ; vide en développement",
		Doc:     "secret keying the CSRF tokens of sessions (empty in development: generated in <data_dir>/session.key)",
		set: func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if v != "" {
				raw, err := base64.StdEncoding.DecodeString(v)
				if err != nil || len(raw) < 32 {
					return fmt.Errorf("clé illisible ou trop courte")
				}
			}
			c.Security.SessionSecret = v
			return nil
		},
		get: func(c *Config) string { return c.Security.SessionSecret },
	},
	stringKey("security.public_url", "http://localhost:8080", "address residents use, for links in emails",
		false, func(c *Config) *string { return &c.Security.PublicURL }),
	intKey("security.mails_per_minute", "10", "requests that send an email (sign-up, password reset) allowed a minute per client address",
		1, 10000, func(c *Config) *int { return &c.Security.MailsPerMinute }),
	intKey("security.logins_per_minute", "30", "sign-in and verification attempts allowed a minute per client address",
		1, 10000, func(c *Config) *int { return &c.Security.LoginsPerMinute }),

	{
		Name: "mail.smtp_host", Default: "", Allowed: "un nom d'hôte ou une adresse IP, sans port ; vide : pas de SMTP",
		Doc: "SMTP server of the emails (empty: written to the log in development, left waiting in the outbox in production)",
		set: func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if strings.ContainsAny(v, " :/@\r\n") && net.ParseIP(v) == nil {
				return fmt.Errorf("nom d'hôte illisible (le port se règle avec mail.smtp_port)")
			}
			c.Mail.SMTPHost = v
			return nil
		},
		get: func(c *Config) string { return c.Mail.SMTPHost },
	},
	intKey("mail.smtp_port", "587", "SMTP server port (587 with starttls, 465 with tls)",
		1, 65535, func(c *Config) *int { return &c.Mail.SMTPPort }),
	stringKey("mail.smtp_username", "", "SMTP user (AUTH PLAIN, over TLS); empty: no authentication",
		true, func(c *Config) *string { return &c.Mail.SMTPUsername }),
	{
		Name: "mail.smtp_password", Default: "", Secret: true, Allowed: "un texte, éventuellement vide",
		Doc: "SMTP password, with mail.smtp_username",
		set: func(c *Config, v string) error { c.Mail.SMTPPassword = v; return nil },
		get: func(c *Config) string { return c.Mail.SMTPPassword },
	},
	enumKey("mail.smtp_tls", "starttls", "protection of the SMTP connection: STARTTLS required, TLS from the first byte, or none (loopback host only)",
		[]string{"starttls", "tls", "none"}, func(c *Config) *string { return &c.Mail.SMTPTLS }),
	{
		Name: "mail.from", Default: "Campagnon <no-reply@localhost>",
		Allowed: "une adresse électronique, éventuellement précédée d'un nom : Campagnon <no-reply@exemple.fr>",
		Doc:     "sender of the emails",
		set: func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if strings.ContainsAny(v, "\r\n") {
				return fmt.Errorf("retour à la ligne interdit")
			}
			a, err := mail.ParseAddress(v)
			if err != nil || !strings.Contains(a.Address, "@") {
				return fmt.Errorf("adresse illisible")
			}
			c.Mail.From = v
			return nil
		},
		get: func(c *Config) string { return c.Mail.From },
	},

	enumKey("search.engine", SearchEmbedded, "search engine: the embedded index (one machine) or a Meilisearch server (national scale)",
		[]string{SearchEmbedded, SearchMeilisearch}, func(c *Config) *string { return &c.Search.Engine }),
	stringKey("search.dir", "", "folder of the embedded search index (empty: <data_dir>/search)",
		true, func(c *Config) *string { return &c.Search.Dir }).showing((*Config).SearchDir),
	durationKey("search.index_every", "1s", "how often the server applies the search outbox when idle (a listing change shows in searches within about this time)",
		100*time.Millisecond, time.Hour, func(c *Config) *time.Duration { return &c.Search.IndexEvery }),
	stringKey("search.meili_url", "", "Meilisearch server address (https://search.example:7700), for search.engine=meilisearch",
		true, func(c *Config) *string { return &c.Search.MeiliURL }),
	{
		Name: "search.meili_key", Default: "", Secret: true, Allowed: "la clé d'API Meilisearch (clé d'administration des index)",
		Doc: "Meilisearch API key",
		set: func(c *Config, v string) error { c.Search.MeiliKey = v; return nil },
		get: func(c *Config) string { return c.Search.MeiliKey },
	},
	stringKey("search.meili_index", "campagnon-listings", "Meilisearch index of the listings",
		false, func(c *Config) *string { return &c.Search.MeiliIndex }),
}

var moduleNamePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func stringKey(name, def, doc string, allowEmpty bool, field func(*Config) *string) Key {
	allowed := "un texte non vide"
	if allowEmpty {
		allowed = "un texte, éventuellement vide"
	}
	return Key{Name: name, Default: def, Allowed: allowed, Doc: doc, set: func(c *Config, v string) error {
		if !allowEmpty && strings.TrimSpace(v) == "" {
			return fmt.Errorf("la valeur est vide")
		}
		*field(c) = v
		return nil
	}, get: func(c *Config) string { return *field(c) }}
}

func enumKey(name, def, doc string, values []string, field func(*Config) *string) Key {
	return Key{Name: name, Default: def, Allowed: "l'une des valeurs " + strings.Join(values, ", "), Doc: doc,
		set: func(c *Config, v string) error {
			for _, allowed := range values {
				if v == allowed {
					*field(c) = v
					return nil
				}
			}
			return fmt.Errorf("valeur inconnue")
		}, get: func(c *Config) string { return *field(c) }}
}

func intKey(name, def, doc string, lo, hi int, field func(*Config) *int) Key {
	return Key{Name: name, Default: def, Allowed: fmt.Sprintf("un entier de %d à %d", lo, hi), Doc: doc,
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("ce n'est pas un entier")
			}
			if n < lo || n > hi {
				return fmt.Errorf("valeur hors limites")
			}
			*field(c) = n
			return nil
		}, get: func(c *Config) string { return strconv.Itoa(*field(c)) }}
}

func boolKey(name, def, doc string, field func(*Config) *bool) Key {
	return Key{Name: name, Default: def, Allowed: "true ou false", Doc: doc,
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("ce n'est pas un booléen")
			}
			*field(c) = b
			return nil
		}, get: func(c *Config) string { return strconv.FormatBool(*field(c)) }}
}

func durationKey(name, def, doc string, lo, hi time.Duration, field func(*Config) *time.Duration) Key {
	return Key{Name: name, Default: def, Allowed: fmt.Sprintf("une durée de %s à %s, par exemple 30s ou 2m", lo, hi), Doc: doc,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("ce n'est pas une durée")
			}
			if d < lo || d > hi {
				return fmt.Errorf("valeur hors limites")
			}
			*field(c) = d
			return nil
		}, get: func(c *Config) string { return field(c).String() }}
}
