package rules

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// moduleName is what a module of the module folder may be called, as the
// configuration's plugins.default and territories.bootstrap name them.
var moduleName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Modules lists the names of the modules of the module folder (each
// <name>.wasm, a regular file), sorted, the default module included: the
// plugins an operator may give a territory by name (AssignFile). A missing
// folder has none.
func (s *Service) Modules() ([]string, error) {
	entries, err := os.ReadDir(s.opts.ModuleDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the plugin modules of %s: %w", s.opts.ModuleDir, err)
	}
	var out []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".wasm")
		if !ok || !e.Type().IsRegular() || !moduleName.MatchString(name) {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// DefaultModule names the module of territories without rules of their
// own (plugins.default): the standard configuration.
func (s *Service) DefaultModule() string { return s.opts.Default }
