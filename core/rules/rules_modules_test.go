package rules

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestModules: the module folder's <name>.wasm files, sorted; not other
// files, folders or names a configuration could not give.
func TestModules(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"standard.wasm", "picardie-verte.wasm", "standard.wasm.sig", "notes.txt", "Bad_Name.wasm"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "folder.wasm"), 0o700); err != nil {
		t.Fatal(err)
	}
	s := NewService(nil, nil, nil, nil, Options{ModuleDir: dir, Default: "standard"})
	got, err := s.Modules()
	if err != nil || !slices.Equal(got, []string{"picardie-verte", "standard"}) {
		t.Errorf("Modules() = %v, %v", got, err)
	}
	if s.DefaultModule() != "standard" {
		t.Errorf("DefaultModule() = %q", s.DefaultModule())
	}
	missing := NewService(nil, nil, nil, nil, Options{ModuleDir: filepath.Join(dir, "absent")})
	if got, err := missing.Modules(); err != nil || len(got) != 0 {
		t.Errorf("a missing folder: %v, %v", got, err)
	}
}
