// Command vulndb turns a folder of Go OSV reports (data/osv/*.json of the
// golang.org/x/vulndb module, as the Go module proxy serves it) into the v1
// Go vulnerability database layout that `govulncheck -db file:///DIR` reads:
//
//	DIR/index/db.json       {"modified": <latest entry modification>}
//	DIR/index/modules.json  [{"path", "vulns": [{"id", "modified", "fixed"}]}], sorted
//	DIR/index/vulns.json    [{"id", "modified", "aliases"}], sorted
//	DIR/ID/<GO-ID>.json     the OSV entry itself (compact JSON)
//
// Each file is also written gzipped (<name>.json.gz), as the v1 format
// specifies, so DIR could be served over HTTP as well.
//
// It mirrors golang.org/x/vulndb/cmd/indexdb (internal/database), whose
// own dependencies are far heavier. The output is written to a temporary
// folder next to -out and renamed into place, so an interrupted run never
// leaves a half-built database behind.
//
// Usage:
//
//	go run . -vulns $(go mod download -json golang.org/x/vulndb@V | jq -r .Dir)/data/osv -out DIR
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// entry holds the fields of an OSV report that the indexes need.
type entry struct {
	ID       string   `json:"id"`
	Modified string   `json:"modified"`
	Aliases  []string `json:"aliases"`
	Affected []struct {
		Module struct {
			Path string `json:"name"` // OSV's affected[].package.name
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced"`
		Fixed      string `json:"fixed"`
	} `json:"events"`
}

type moduleVuln struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
	Fixed    string `json:"fixed,omitempty"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type vuln struct {
	ID       string   `json:"id"`
	Modified string   `json:"modified"`
	Aliases  []string `json:"aliases,omitempty"`
}

func main() {
	vulnsDir := flag.String("vulns", "", "folder of OSV JSON reports (x/vulndb's data/osv)")
	outDir := flag.String("out", "", "folder to write the v1 database to (must not exist)")
	flag.Parse()
	if *vulnsDir == "" || *outDir == "" {
		flag.Usage()
		os.Exit(2)
	}
	n, err := build(*vulnsDir, *outDir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("vulndb: %d entries -> %s\n", n, *outDir)
}

func build(vulnsDir, outDir string) (int, error) {
	if _, err := os.Stat(outDir); err == nil {
		return 0, fmt.Errorf("%s already exists", outDir)
	}
	if err := os.MkdirAll(filepath.Dir(outDir), 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(outDir), ".tmp-"+filepath.Base(outDir)+"-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	if err := os.MkdirAll(filepath.Join(tmp, "ID"), 0o755); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(tmp, "index"), 0o755); err != nil {
		return 0, err
	}

	names, err := filepath.Glob(filepath.Join(vulnsDir, "*.json"))
	if err != nil {
		return 0, err
	}
	if len(names) == 0 {
		return 0, fmt.Errorf("no OSV reports (*.json) in %s", vulnsDir)
	}
	slices.Sort(names)

	var latest time.Time
	modules := map[string]*module{}
	var vulns []vuln
	seen := map[string]bool{}
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return 0, fmt.Errorf("%s: %v", name, err)
		}
		if e.ID == "" || filepath.Base(name) != e.ID+".json" {
			return 0, fmt.Errorf("%s: file name does not match id %q", name, e.ID)
		}
		if seen[e.ID] {
			return 0, fmt.Errorf("id %q appears twice", e.ID)
		}
		seen[e.ID] = true
		mod, err := time.Parse(time.RFC3339, e.Modified)
		if err != nil {
			return 0, fmt.Errorf("%s: modified: %v", name, err)
		}
		mod = mod.UTC()
		modified := mod.Format(time.RFC3339)
		if mod.After(latest) {
			latest = mod
		}

		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return 0, fmt.Errorf("%s: %v", name, err)
		}
		if err := write(filepath.Join(tmp, "ID", e.ID+".json"), compact.Bytes()); err != nil {
			return 0, err
		}

		vulns = append(vulns, vuln{ID: e.ID, Modified: modified, Aliases: e.Aliases})
		for _, a := range e.Affected {
			m := modules[a.Module.Path]
			if m == nil {
				m = &module{Path: a.Module.Path, Vulns: []moduleVuln{}}
				modules[a.Module.Path] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: modified, Fixed: latestFixed(a.Ranges)})
		}
	}

	paths := make([]string, 0, len(modules))
	for p := range modules {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	mods := make([]*module, 0, len(paths))
	for _, p := range paths {
		m := modules[p]
		slices.SortStableFunc(m.Vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		mods = append(mods, m)
	}
	slices.SortStableFunc(vulns, func(a, b vuln) int { return strings.Compare(a.ID, b.ID) })

	for file, v := range map[string]any{
		"db.json":      map[string]string{"modified": latest.Format(time.RFC3339)},
		"modules.json": mods,
		"vulns.json":   vulns,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		if err := write(filepath.Join(tmp, "index", file), b); err != nil {
			return 0, err
		}
	}
	if err := os.Rename(tmp, outDir); err != nil {
		// A concurrent run may have put the same database in place first.
		if _, serr := os.Stat(filepath.Join(outDir, "index", "modules.json")); serr == nil {
			return len(names), nil
		}
		return 0, err
	}
	return len(names), nil
}

// latestFixed is x/vulndb's osvutils.LatestFixed: the highest "fixed" event
// of the SEMVER ranges, or "" when the vulnerability is re-introduced after
// it (or never fixed). govulncheck skips an entry for a module version at or
// above this, so it must never be too low.
func latestFixed(ranges []osvRange) string {
	before := func(v, w string) bool { return semver.Compare("v"+v, "v"+w) < 0 }
	var latest string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && before(latest, e.Fixed) {
				latest = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && before(latest, e.Introduced) {
				latest = ""
				break
			}
		}
	}
	return latest
}

// write writes b to name and, gzipped, to name.gz.
func write(name string, b []byte) error {
	if err := os.WriteFile(name, b, 0o644); err != nil {
		return err
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	if _, err := w.Write(b); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.WriteFile(name+".gz", z.Bytes(), 0o644)
}
