package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/mail"
	"net/url"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultFile is the configuration file read when none is named and it exists.
const DefaultFile = "configs/campagnon.yaml"

// maxFileSize bounds the configuration file read into memory.
const maxFileSize = 1 << 20

// Options says where Load reads settings from.
type Options struct {
	// File is the YAML file to read. Empty means DefaultFile when it exists.
	File string
	// Environ is the process environment, as os.Environ returns it.
	Environ []string
	// Sets holds "key=value" settings from the command line; they win over everything.
	Sets []string
}

// Problem is one rejected setting.
type Problem struct {
	// Key is the dotted key, or the unknown name found.
	Key string
	// Value is the rejected value.
	Value string
	// Source says where the value came from: a file and line, a variable, a flag.
	Source string
	// Reason says what is wrong.
	Reason string
	// Allowed says what would be accepted.
	Allowed string
}

// String renders the problem in French for an operator.
func (p Problem) String() string {
	s := fmt.Sprintf("%s = %q (%s) : %s", p.Key, p.Value, p.Source, p.Reason)
	if p.Allowed != "" {
		s += " ; attendu : " + p.Allowed
	}
	return s
}

// Error reports every rejected setting of one Load.
type Error struct {
	Problems []Problem
}

// Error lists every problem, one per line, in French.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("configuration invalide :")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	b.WriteString("\ncorrigez ces valeurs (voir docs/operator-guide.md pour chaque clé) puis relancez.")
	return b.String()
}

// Load builds a Config from the defaults, the file, the environment and the
// command-line settings, in that order, and validates the result. Every
// problem found is reported at once.
func Load(o Options) (*Config, error) {
	c := &Config{}
	var problems []Problem
	sources := map[string]string{} // where each key's value came from, for validate
	apply := func(name, value, source string) {
		k, ok := lookupKey(name)
		if !ok {
			// The value of a misspelt key may be a password: never echo it.
			problems = append(problems, Problem{Key: name, Value: "(masquée)", Source: source,
				Reason: "clé inconnue", Allowed: "l'une des clés " + strings.Join(keyNames(), ", ")})
			return
		}
		sources[name] = source
		if err := k.set(c, value); err != nil {
			problems = append(problems, Problem{Key: name, Value: value, Source: source,
				Reason: err.Error(), Allowed: k.Allowed})
		}
	}
	for _, k := range keys {
		if err := k.set(c, k.Default); err != nil {
			return nil, fmt.Errorf("default of %s: %w", k.Name, err)
		}
	}

	file, required := o.File, true
	if file == "" {
		file, required = DefaultFile, false
	}
	values, err := readFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !required:
	case err != nil:
		return nil, &Error{Problems: []Problem{{Key: "fichier", Value: file, Source: "--config",
			Reason: err.Error(), Allowed: "un fichier YAML lisible"}}}
	default:
		for _, v := range values {
			apply(v.key, v.value, fmt.Sprintf("%s ligne %d", file, v.line))
		}
	}

	env := map[string]string{}
	for _, kv := range o.Environ {
		if name, value, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, "CAMPAGNON_") {
			env[name] = value
		}
	}
	for _, k := range keys {
		if v, ok := env[k.EnvName()]; ok {
			apply(k.Name, v, "variable "+k.EnvName())
			delete(env, k.EnvName())
		}
	}
	for name := range env {
		if strings.HasPrefix(name, "CAMPAGNON_TEST_") {
			continue // the test suites' own settings
		}
		// A misspelt variable would silently leave the default in force.
		problems = append(problems, Problem{Key: name, Value: "(masquée)", Source: "environnement",
			Reason: "variable inconnue", Allowed: "l'une des variables listées par « campagnon config --keys »"})
	}

	for _, s := range o.Sets {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			problems = append(problems, Problem{Key: s, Source: "--set", Reason: "forme attendue clé=valeur"})
			continue
		}
		apply(strings.TrimSpace(name), value, "--set")
	}

	problems = append(problems, validate(c, sources)...)
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return c, nil
}

// validate checks the rules that involve more than one key or a parsed form.
// sources says where each key was set; unset keys have their default.
func validate(c *Config, sources map[string]string) []Problem {
	var ps []Problem
	source := func(key string) string {
		if s, ok := sources[key]; ok {
			return s
		}
		return "valeur par défaut"
	}
	if _, port, err := net.SplitHostPort(c.Server.Addr); err != nil || port == "" {
		ps = append(ps, Problem{Key: "server.addr", Value: c.Server.Addr, Source: source("server.addr"),
			Reason: "adresse d'écoute illisible", Allowed: "hôte:port, par exemple :8080 ou 127.0.0.1:8080"})
	}
	if c.Database.Driver == "postgres" && strings.TrimSpace(c.Database.PostgresDSN) == "" {
		ps = append(ps, Problem{Key: "database.postgres_dsn", Value: "", Source: "configuration",
			Reason:  "obligatoire quand database.driver vaut postgres",
			Allowed: "postgres://utilisateur:motdepasse@hôte:5432/base"})
	}
	if c.Database.Driver == "postgres" && c.Database.PostgresDSN != "" &&
		!strings.HasPrefix(c.Database.PostgresDSN, "postgres://") && !strings.HasPrefix(c.Database.PostgresDSN, "postgresql://") &&
		!strings.Contains(c.Database.PostgresDSN, "=") {
		ps = append(ps, Problem{Key: "database.postgres_dsn", Value: "(masquée)", Source: source("database.postgres_dsn"),
			Reason: "chaîne de connexion illisible", Allowed: "une URL postgres:// ou une chaîne clé=valeur"})
	}
	if c.Env == EnvProduction && c.Security.SessionSecret == "" {
		ps = append(ps, Problem{Key: "security.session_secret", Value: "", Source: source("env"),
			Reason:  "obligatoire en production (toutes les répliques doivent partager la même clé)",
			Allowed: "openssl rand -base64 32"})
	}
	if c.Search.Engine == SearchMeilisearch {
		u, err := url.Parse(c.Search.MeiliURL)
		if c.Search.MeiliURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps = append(ps, Problem{Key: "search.meili_url", Value: c.Search.MeiliURL, Source: source("search.meili_url"),
				Reason:  "obligatoire et lisible quand search.engine vaut meilisearch",
				Allowed: "https://recherche.exemple.fr:7700"})
		}
	}
	return append(ps, validateMail(c, source)...)
}

// validateMail checks the mail.* keys together: no clear text beyond this
// machine, a username and a password go in pairs, and a production server
// that sends must not sign as localhost.
func validateMail(c *Config, source func(string) string) []Problem {
	var ps []Problem
	m := c.Mail
	if m.SMTPHost == "" {
		return nil
	}
	loopback := strings.EqualFold(m.SMTPHost, "localhost")
	if ip := net.ParseIP(m.SMTPHost); ip != nil {
		loopback = ip.IsLoopback()
	}
	if m.SMTPTLS == "none" && !loopback {
		ps = append(ps, Problem{Key: "mail.smtp_tls", Value: m.SMTPTLS, Source: source("mail.smtp_tls"),
			Reason:  "envoi en clair refusé vers " + m.SMTPHost + " : « none » n'est permis que vers cette machine (localhost, 127.0.0.1)",
			Allowed: "starttls (port 587) ou tls (port 465)"})
	}
	if m.SMTPUsername != "" && m.SMTPPassword == "" {
		ps = append(ps, Problem{Key: "mail.smtp_password", Value: "", Source: source("mail.smtp_password"),
			Reason: "obligatoire quand mail.smtp_username est défini", Allowed: "le mot de passe du compte SMTP"})
	}
	if m.SMTPUsername == "" && m.SMTPPassword != "" {
		ps = append(ps, Problem{Key: "mail.smtp_username", Value: "", Source: source("mail.smtp_username"),
			Reason: "obligatoire quand mail.smtp_password est défini", Allowed: "l'utilisateur du compte SMTP"})
	}
	if a, err := mail.ParseAddress(m.From); err == nil && c.Env == EnvProduction &&
		strings.EqualFold(a.Address[strings.LastIndexByte(a.Address, '@')+1:], "localhost") {
		ps = append(ps, Problem{Key: "mail.from", Value: m.From, Source: source("mail.from"),
			Reason:  "en production, les courriels doivent partir d'une adresse de votre domaine (les serveurs refusent @localhost)",
			Allowed: "Campagnon <no-reply@votre-domaine.fr>"})
	}
	return ps
}

type fileValue struct {
	key, value string
	line       int
}

// readFile flattens a YAML file into dotted keys. Lists of scalars become
// comma-separated values so that every source shares one text form.
func readFile(path string) ([]fileValue, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > maxFileSize {
		return nil, fmt.Errorf("fichier trop grand (%d octets, au plus %d)", info.Size(), maxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("YAML illisible : %v", err)
	}
	if root.Kind == 0 { // empty file
		return nil, nil
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("le fichier doit contenir une table de clés (ligne %d)", root.Line)
	}
	var out []fileValue
	if err := flatten(root.Content[0], "", &out); err != nil {
		return nil, err
	}
	return out, nil
}

func flatten(n *yaml.Node, prefix string, out *[]fileValue) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if prefix != "" {
			name = prefix + "." + k.Value
		}
		switch v.Kind {
		case yaml.MappingNode:
			if err := flatten(v, name, out); err != nil {
				return err
			}
		case yaml.SequenceNode:
			items := make([]string, 0, len(v.Content))
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					return fmt.Errorf("%s (ligne %d) : une liste ne peut contenir que des valeurs simples", name, item.Line)
				}
				items = append(items, item.Value)
			}
			*out = append(*out, fileValue{key: name, value: strings.Join(items, ","), line: v.Line})
		case yaml.ScalarNode:
			value := v.Value
			if v.Tag == "!!null" {
				value = ""
			}
			*out = append(*out, fileValue{key: name, value: value, line: v.Line})
		default:
			return fmt.Errorf("%s (ligne %d) : valeur non prise en charge", name, v.Line)
		}
	}
	return nil
}

func lookupKey(name string) (Key, bool) {
	for _, k := range keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

func keyNames() []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	sort.Strings(names)
	return names
}
