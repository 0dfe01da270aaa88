package archtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/campagnon/campagnon"

// rules are the two tables of docs/architecture.md: the doc is the one
// source, so it cannot drift from what is enforced.
type rules struct {
	layers    map[string][]string // package (or "x/..." subtree) → allowed module imports
	libraries map[string][]string // library prefix → packages allowed to import it
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// readRules parses the package and library tables of docs/architecture.md.
func readRules(t *testing.T) rules {
	t.Helper()
	f, err := os.Open("../../docs/architecture.md")
	if err != nil {
		t.Fatalf("open the architecture doc: %v", err)
	}
	defer f.Close()
	r := rules{layers: map[string][]string{}, libraries: map[string][]string{}}
	table := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "| package |"):
			table = "layers"
			continue
		case strings.HasPrefix(line, "| library |"):
			table = "libraries"
			continue
		case !strings.HasPrefix(line, "|"):
			table = ""
			continue
		case strings.HasPrefix(line, "|---"):
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		switch table {
		case "layers":
			if len(cells) != 3 {
				t.Fatalf("architecture doc: package row %q has %d cells, want 3", line, len(cells))
			}
			name := spans(cells[0])
			if len(name) != 1 {
				t.Fatalf("architecture doc: row %q does not name one package", line)
			}
			r.layers[name[0]] = spans(cells[2])
		case "libraries":
			if len(cells) != 2 {
				t.Fatalf("architecture doc: library row %q has %d cells, want 2", line, len(cells))
			}
			lib := spans(cells[0])
			if len(lib) != 1 {
				t.Fatalf("architecture doc: row %q does not name one library", line)
			}
			r.libraries[lib[0]] = spans(cells[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(r.layers) < 10 || len(r.libraries) < 5 {
		t.Fatalf("architecture doc: read %d packages and %d libraries; the tables were not found", len(r.layers), len(r.libraries))
	}
	return r
}

func spans(cell string) []string {
	var out []string
	for _, m := range codeSpan.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}

// match reports whether pkg is named by pattern ("core/x" or "plugins/...").
func match(pattern, pkg string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
	}
	return pkg == pattern
}

// allowedFor returns the row that names pkg: an exact row wins over a subtree.
func (r rules) allowedFor(pkg string) ([]string, bool) {
	if allowed, ok := r.layers[pkg]; ok {
		return allowed, true
	}
	for pattern, allowed := range r.layers {
		if match(pattern, pkg) {
			return allowed, true
		}
	}
	return nil, false
}

type pkg struct {
	ImportPath string
	Imports    []string
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

func rel(importPath string) string {
	return strings.TrimPrefix(strings.TrimPrefix(importPath, module), "/")
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	r := readRules(t)
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		name := rel(p.ImportPath)
		allowed, known := r.allowedFor(name)
		if !known {
			t.Errorf("package %s is not in docs/architecture.md: add its row (job and allowed imports)", name)
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") && !strings.HasPrefix(imp, module+"/sdk") {
				dep := rel(imp)
				ok := false
				for _, a := range allowed {
					ok = ok || match(a, dep)
				}
				if !ok {
					t.Errorf("%s imports %s, which docs/architecture.md does not allow", name, dep)
				}
				continue
			}
			for lib, owners := range r.libraries {
				if !strings.HasPrefix(imp, lib) {
					continue
				}
				ok := false
				for _, o := range owners {
					ok = ok || name == o || strings.HasPrefix(name, o+"/")
				}
				if !ok {
					t.Errorf("%s imports %s; docs/architecture.md allows only %v", name, imp, owners)
				}
			}
		}
	}
}

// TestPluginsImportOnlyTheSDK keeps plugins portable: they see the platform
// through the ABI only.
func TestPluginsImportOnlyTheSDK(t *testing.T) {
	t.Parallel()
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		if !strings.HasPrefix(name, "plugins/") {
			continue
		}
		for _, imp := range p.Imports {
			if strings.Contains(imp, ".") && !strings.HasPrefix(imp, module+"/sdk") && !strings.HasPrefix(imp, module+"/plugins/") {
				t.Errorf("plugin package %s imports %s: plugins may import only the SDK and the standard library", name, imp)
			}
		}
	}
}

// TestNoStaleRows keeps the doc honest: a row for a package that no longer
// exists (and is not a planned library owner) is removed.
func TestNoStaleRows(t *testing.T) {
	t.Parallel()
	r := readRules(t)
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		seen[rel(p.ImportPath)] = true
	}
	var stale []string
	for pattern := range r.layers {
		found := false
		for name := range seen {
			found = found || match(pattern, name)
		}
		if !found {
			stale = append(stale, pattern)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("docs/architecture.md lists packages that do not exist: %v", stale)
	}
}

// TestRuleMatching checks the matcher the other tests rely on, so that a
// broken matcher cannot make them pass vacuously.
func TestRuleMatching(t *testing.T) {
	t.Parallel()
	r := rules{layers: map[string][]string{"core/a": {"core/b"}, "plugins/...": {"plugins/..."}}}
	tests := []struct {
		pkg   string
		known bool
	}{{"core/a", true}, {"core/ab", false}, {"core/c", false}, {"plugins/standard", true}, {"plugins/standard/rules", true}, {"pluginsx", false}}
	for _, tt := range tests {
		if _, ok := r.allowedFor(tt.pkg); ok != tt.known {
			t.Errorf("allowedFor(%q) known = %v, want %v", tt.pkg, ok, tt.known)
		}
	}
	if !match("plugins/...", "plugins/x/y") || match("core/b", "core/bb") || !match("core/b", "core/b") {
		t.Error("match is wrong")
	}
}
