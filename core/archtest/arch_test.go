package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/campagnon/campagnon"

// layers says, for each package of the module, which packages of the module
// it may import. A package missing from this table fails the test: adding a
// package means deciding its place (and writing it in docs/architecture.md).
var layers = map[string][]string{
	// Leaves: no import from the module.
	"core/apperr":          nil,
	"core/config":          nil,
	"core/logging":         nil,
	"core/metrics":         nil,
	"core/referential":     nil,
	"core/schema":          nil,
	"core/store":           nil,
	"core/store/storetest": nil,
	"core/loadgen":         nil,
	"core/archtest":        nil,
	// Domain: rules, storage, referential; never HTTP.
	"core/territory": {"core/apperr", "core/referential", "core/store"},
	// HTTP: the server knows no domain; the API knows the domain, not the store.
	"core/server": {"core/apperr", "core/config", "core/logging", "core/metrics"},
	"core/api":    {"core/apperr", "core/referential", "core/territory"},
	// Wiring.
	"core/app": {"core/api", "core/apperr", "core/config", "core/logging", "core/metrics",
		"core/referential", "core/schema", "core/server", "core/store", "core/territory"},
	// Commands.
	"cmd/campagnon": {"core/app", "core/apperr", "core/config", "core/referential", "core/store", "core/territory"},
	"cmd/refgen":    {"core/referential"},
	"cmd/loadgen":   {"core/loadgen"},
}

// libraries says which packages alone may import a third-party library
// (matched by import-path prefix).
var libraries = map[string][]string{
	"github.com/tetratelabs/wazero": {"core/pluginhost"},
	"modernc.org/sqlite":            {"core/store"},
	"github.com/jackc/pgx":          {"core/store"},
	"github.com/meilisearch":        {"core/search/meili"},
	"github.com/gofiber/fiber":      {"core/server", "core/api", "core/web", "core/loadgen"},
	"github.com/uptrace/bun":        {"core/store", "core/territory"},
	"github.com/prometheus":         {"core/metrics"},
	"github.com/casbin/casbin":      {"core/authz"},
	"github.com/valyala/fasthttp":   {"core/server", "core/api", "core/web", "core/loadgen"},
	"github.com/blevesearch/bleve":  {"core/search/bleve"},
	"gopkg.in/yaml.v3":              {"core/config"},
}

type pkg struct {
	ImportPath string
	Imports    []string
	Module     *struct{ Path string }
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	pkgs := listPackages(t)
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		allowed, known := layers[rel]
		if !known {
			t.Errorf("package %s has no place in the layer table: add it to layers (and docs/architecture.md)", rel)
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") {
				dep := strings.TrimPrefix(imp, module+"/")
				if !contains(allowed, dep) {
					t.Errorf("%s imports %s, which docs/architecture.md does not allow", rel, dep)
				}
				continue
			}
			for lib, owners := range libraries {
				if strings.HasPrefix(imp, lib) && !ownedBy(rel, owners) {
					t.Errorf("%s imports %s; only %v may", rel, imp, owners)
				}
			}
		}
	}
}

// TestLayerTableHasNoStaleEntries keeps the table honest: an entry for a
// package that no longer exists is removed.
func TestLayerTableHasNoStaleEntries(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		seen[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = true
	}
	var stale []string
	for name := range layers {
		if !seen[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("layer table names packages that do not exist: %v", stale)
	}
}

func ownedBy(rel string, owners []string) bool {
	for _, o := range owners {
		if rel == o || strings.HasPrefix(rel, o+"/") {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
