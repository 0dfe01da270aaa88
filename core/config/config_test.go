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
		"log.format": "text", "plugins.max_instances": "4", "security.session_secret": "(vide)"}
	for _, kv := range shown {
		if w, ok := want[kv[0]]; ok && kv[1] != w {
			t.Errorf("Describe %s = %q, want %q", kv[0], kv[1], w)
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
