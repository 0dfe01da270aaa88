package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(Options{File: filepath.Join("testdata", "empty.yaml")})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Server.Addr != ":8080" || c.Database.Driver != "sqlite" || c.Env != EnvDevelopment {
		t.Errorf("unexpected defaults: %+v", c)
	}
	want := []Bootstrap{{"246000848", "picardie-verte"}, {"200005932", "portes-de-sologne"}}
	if len(c.Territories.Bootstrap) != 2 || c.Territories.Bootstrap[0] != want[0] || c.Territories.Bootstrap[1] != want[1] {
		t.Errorf("bootstrap = %v, want both pilots with their plugins", c.Territories.Bootstrap)
	}
	if c.Plugins.Default != "standard" || c.PluginCacheDir() != filepath.Join("data", "plugin-cache") || c.Plugins.RequireSignatures {
		t.Errorf("plugin defaults: %+v", c.Plugins)
	}
	if c.LogFormat() != "text" {
		t.Errorf("development log format = %q, want text", c.LogFormat())
	}
	if c.SQLiteFile() != filepath.Join("data", "campagnon.db") {
		t.Errorf("SQLiteFile = %q", c.SQLiteFile())
	}
	if want := (Mail{SMTPPort: 587, SMTPTLS: "starttls", From: "Campagnon <no-reply@localhost>"}); c.Mail != want {
		t.Errorf("mail defaults = %+v, want %+v", c.Mail, want)
	}
}

func TestLoadMail(t *testing.T) {
	t.Parallel()
	secret := "CAMPAGNON_SECURITY_SESSION_SECRET=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	tests := []struct {
		name    string
		environ []string
		want    Mail
	}{
		{"a relay with STARTTLS and a login", []string{"CAMPAGNON_MAIL_SMTP_HOST=smtp.example.fr", "CAMPAGNON_MAIL_SMTP_USERNAME=campagnon",
			"CAMPAGNON_MAIL_SMTP_PASSWORD=s3cr3t", "CAMPAGNON_MAIL_FROM=Campagnon <no-reply@example.fr>"},
			Mail{SMTPHost: "smtp.example.fr", SMTPPort: 587, SMTPUsername: "campagnon", SMTPPassword: "s3cr3t", SMTPTLS: "starttls", From: "Campagnon <no-reply@example.fr>"}},
		{"implicit TLS on 465", []string{"CAMPAGNON_MAIL_SMTP_HOST=smtp.example.fr", "CAMPAGNON_MAIL_SMTP_PORT=465", "CAMPAGNON_MAIL_SMTP_TLS=tls"},
			Mail{SMTPHost: "smtp.example.fr", SMTPPort: 465, SMTPTLS: "tls", From: "Campagnon <no-reply@localhost>"}},
		{"a local mail catcher in clear", []string{"CAMPAGNON_MAIL_SMTP_HOST=127.0.0.1", "CAMPAGNON_MAIL_SMTP_PORT=1025", "CAMPAGNON_MAIL_SMTP_TLS=none"},
			Mail{SMTPHost: "127.0.0.1", SMTPPort: 1025, SMTPTLS: "none", From: "Campagnon <no-reply@localhost>"}},
		{"production without SMTP keeps the default sender", []string{"CAMPAGNON_ENV=production", secret},
			Mail{SMTPPort: 587, SMTPTLS: "starttls", From: "Campagnon <no-reply@localhost>"}},
		{"production with SMTP and its own domain", []string{"CAMPAGNON_ENV=production", secret, "CAMPAGNON_MAIL_SMTP_HOST=::1", "CAMPAGNON_MAIL_SMTP_TLS=none",
			"CAMPAGNON_MAIL_FROM=no-reply@campagnon.example"},
			Mail{SMTPHost: "::1", SMTPPort: 587, SMTPTLS: "none", From: "no-reply@campagnon.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(Options{File: filepath.Join("testdata", "empty.yaml"), Environ: tt.environ})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Mail != tt.want {
				t.Errorf("mail = %+v, want %+v", c.Mail, tt.want)
			}
		})
	}
}

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		environ  []string
		sets     []string
		wantAddr string
		wantEnv  string
	}{
		{"file only", nil, nil, "127.0.0.1:9090", EnvProduction},
		{"environment beats file", []string{"CAMPAGNON_SERVER_ADDR=:7070"}, nil, ":7070", EnvProduction},
		{"flag beats environment", []string{"CAMPAGNON_SERVER_ADDR=:7070"}, []string{"server.addr=:6060"}, ":6060", EnvProduction},
		{"unrelated variables ignored", []string{"HOME=/root", "CAMPAGNONX=1"}, nil, "127.0.0.1:9090", EnvProduction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(Options{File: filepath.Join("testdata", "valid.yaml"), Environ: tt.environ, Sets: tt.sets})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Server.Addr != tt.wantAddr || c.Env != tt.wantEnv {
				t.Errorf("addr=%q env=%q, want %q %q", c.Server.Addr, c.Env, tt.wantAddr, tt.wantEnv)
			}
			if c.Server.BodyLimit != 2048 || c.Database.Synchronous != "NORMAL" || c.LogFormat() != "json" {
				t.Errorf("file values not applied: %+v", c)
			}
			if len(c.Territories.Bootstrap) != 1 || c.Territories.Bootstrap[0] != (Bootstrap{EPCI: "200005932"}) {
				t.Errorf("bootstrap = %v", c.Territories.Bootstrap)
			}
		})
	}
}

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		environ []string
		sets    []string
		want    []string // substrings of the message
	}{
		{"unknown key in file names key and line", "unknown-key.yaml", nil, nil,
			[]string{"server.adress", "ligne 2", "clé inconnue", "server.addr", "(masquée)"}},
		{"every bad value reported with what is allowed", "bad-values.yaml", nil, nil,
			[]string{"server.read_timeout = \"soon\"", "une durée", "server.body_limit = \"10\"", "un entier de 1024", "log.level = \"verbose\"", "debug, info, warn, error"}},
		{"malformed YAML", "not-yaml.yaml", nil, nil, []string{"YAML illisible"}},
		{"missing named file", "absent.yaml", nil, nil, []string{"absent.yaml", "fichier"}},
		{"postgres needs a DSN", "postgres-no-dsn.yaml", nil, nil, []string{"database.postgres_dsn", "obligatoire"}},
		{"bad environment value names the variable", "empty.yaml", []string{"CAMPAGNON_DATABASE_MAX_OPEN_CONNS=-1"}, nil,
			[]string{"database.max_open_conns", "CAMPAGNON_DATABASE_MAX_OPEN_CONNS", "un entier de 1 à 1000"}},
		{"bad flag names its source", "empty.yaml", nil, []string{"server.addr=nope"}, []string{"server.addr", "hôte:port", "(--set)"}},
		{"misspelt variable is reported", "empty.yaml", []string{"CAMPAGNON_DATABASE_DRIVE=postgres", "CAMPAGNON_TEST_POSTGRES=x"}, nil, []string{"CAMPAGNON_DATABASE_DRIVE", "variable inconnue"}},
		{"flag without equals", "empty.yaml", nil, []string{"server.addr"}, []string{"clé=valeur"}},
		{"bad SIREN", "empty.yaml", []string{"CAMPAGNON_TERRITORIES_BOOTSTRAP=12345"}, nil, []string{"\"12345\" n'est pas un code SIREN"}},
		{"production needs a session secret", "empty.yaml", []string{"CAMPAGNON_ENV=production"}, nil, []string{"security.session_secret", "obligatoire en production"}},
		{"short session secret", "empty.yaml", nil, []string{"security.session_secret=c2hvcnQ="}, []string{"security.session_secret", "trop courte"}},
		{"bad plugin name", "empty.yaml", []string{"CAMPAGNON_TERRITORIES_BOOTSTRAP=200005932:Bad_Name"}, nil, []string{"\"Bad_Name\" n'est pas un nom de module"}},
		{"bad boolean", "empty.yaml", nil, []string{"plugins.require_signatures=maybe"}, []string{"plugins.require_signatures", "true ou false"}},
		{"bad trusted key", "empty.yaml", nil, []string{"plugins.trusted_keys=abc"}, []string{"clé publique ed25519"}},
		{"SMTP port in the host", "empty.yaml", nil, []string{"mail.smtp_host=smtp.example.fr:587"}, []string{"mail.smtp_host", "mail.smtp_port"}},
		{"SMTP port out of range", "empty.yaml", nil, []string{"mail.smtp_port=70000"}, []string{"mail.smtp_port", "un entier de 1 à 65535"}},
		{"unknown SMTP TLS mode", "empty.yaml", nil, []string{"mail.smtp_tls=ssl"}, []string{"mail.smtp_tls", "starttls, tls, none"}},
		{"clear text to a remote SMTP server", "empty.yaml", nil, []string{"mail.smtp_host=smtp.example.fr", "mail.smtp_tls=none"},
			[]string{"mail.smtp_tls", "envoi en clair refusé vers smtp.example.fr", "starttls"}},
		{"SMTP username without password", "empty.yaml", nil, []string{"mail.smtp_host=smtp.example.fr", "mail.smtp_username=campagnon"},
			[]string{"mail.smtp_password", "obligatoire quand mail.smtp_username"}},
		{"SMTP password without username", "empty.yaml", nil, []string{"mail.smtp_host=smtp.example.fr", "mail.smtp_password=s3cr3t"},
			[]string{"mail.smtp_username", "obligatoire quand mail.smtp_password"}},
		{"unreadable sender", "empty.yaml", nil, []string{"mail.from=Campagnon"}, []string{"mail.from", "adresse illisible", "no-reply@exemple.fr"}},
		{"sender with a line break", "empty.yaml", []string{"CAMPAGNON_MAIL_FROM=a@example.fr\r\nBcc: b@example.org"}, nil, []string{"mail.from", "retour à la ligne"}},
		{"production sending as localhost", "empty.yaml", []string{"CAMPAGNON_ENV=production",
			"CAMPAGNON_SECURITY_SESSION_SECRET=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "CAMPAGNON_MAIL_SMTP_HOST=smtp.example.fr"}, nil,
			[]string{"mail.from", "adresse de votre domaine"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(Options{File: filepath.Join("testdata", tt.file), Environ: tt.environ, Sets: tt.sets})
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("Load error = %v, want *config.Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err.Error(), w)
				}
			}
		})
	}
}

func TestEveryKeyHasAValidDefaultAndEnvName(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, k := range Keys() {
		if seen[k.Name] {
			t.Errorf("duplicate key %s", k.Name)
		}
		seen[k.Name] = true
		if k.Doc == "" || k.Allowed == "" {
			t.Errorf("key %s lacks Doc or Allowed", k.Name)
		}
		if !strings.HasPrefix(k.EnvName(), "CAMPAGNON_") || strings.Contains(k.EnvName(), ".") {
			t.Errorf("bad env name %s", k.EnvName())
		}
	}
	c, err := Load(Options{File: filepath.Join("testdata", "empty.yaml"), Sets: []string{"server.shutdown_timeout=1m"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.ShutdownTimeout != time.Minute {
		t.Errorf("shutdown timeout = %s", c.Server.ShutdownTimeout)
	}
	shown := c.Describe()
	if len(shown) != len(Keys()) {
		t.Fatalf("Describe shows %d settings for %d keys", len(shown), len(Keys()))
	}
	for i, kv := range shown {
		if kv[0] != Keys()[i].Name {
			t.Errorf("Describe[%d] = %s, want %s", i, kv[0], Keys()[i].Name)
		}
	}
	want := map[string]string{"server.shutdown_timeout": "1m0s", "database.sqlite_path": filepath.Join("data", "campagnon.db"),
		"log.format": "text", "plugins.max_instances": "4", "security.session_secret": "(vide)", "mail.smtp_password": "(vide)",
		"mail.smtp_port": "587", "mail.from": "Campagnon <no-reply@localhost>"}
	for _, kv := range shown {
		if w, ok := want[kv[0]]; ok && kv[1] != w {
			t.Errorf("Describe %s = %q, want %q", kv[0], kv[1], w)
		}
	}
}

func TestSMTPPasswordIsMasked(t *testing.T) {
	t.Parallel()
	c, err := Load(Options{File: filepath.Join("testdata", "empty.yaml"), Sets: []string{"mail.smtp_host=smtp.example.fr", "mail.smtp_username=u", "mail.smtp_password=hunter2"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range c.Describe() {
		if strings.Contains(kv[1], "hunter2") {
			t.Errorf("Describe shows the SMTP password in %s", kv[0])
		}
		if kv[0] == "mail.smtp_password" && kv[1] != "(définie, masquée)" {
			t.Errorf("mail.smtp_password shown as %q", kv[1])
		}
	}
}

func TestUnknownKeyValueIsNeverEchoed(t *testing.T) {
	t.Parallel()
	_, err := Load(Options{File: filepath.Join("testdata", "empty.yaml"), Sets: []string{"database.postgres_dns=postgres://u:s3cr3t@h/db"}})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error %v echoes the value of an unknown key", err)
	}
}

// TestSearchEngineKeys: Meilisearch needs a readable address; the
// embedded index defaults to a folder of the data directory.
func TestSearchEngineKeys(t *testing.T) {
	for _, tt := range []struct {
		sets []string
		bad  string
	}{
		{nil, ""},
		{[]string{"search.engine=meilisearch"}, "search.meili_url"},
		{[]string{"search.engine=meilisearch", "search.meili_url=recherche:7700"}, "search.meili_url"},
		{[]string{"search.engine=meilisearch", "search.meili_url=https://recherche.exemple.fr:7700"}, ""},
		{[]string{"search.engine=elastic"}, "search.engine"},
	} {
		c, err := Load(Options{Sets: tt.sets})
		if tt.bad == "" {
			if err != nil {
				t.Errorf("%v: %v", tt.sets, err)
			} else if c.SearchDir() != filepath.Join(c.DataDir, "search") {
				t.Errorf("search dir = %s", c.SearchDir())
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.bad) {
			t.Errorf("%v: %v, want a problem with %s", tt.sets, err, tt.bad)
		}
	}
}
