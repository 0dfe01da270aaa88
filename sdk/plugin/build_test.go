package plugin_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/wasmfile"
)

// TestBuildWasm builds the echo plugin the way an integrator builds a
// plugin, and checks the module against the ABI: every export with its
// signature, and no import beyond what the host grants.
func TestBuildWasm(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot build the wasm module (" + err.Error() + ")")
	}
	out := filepath.Join(t.TempDir(), "echo.wasm")
	cmd := exec.Command(goBin, "build", "-buildmode=c-shared", "-trimpath", "-o", out, ".")
	cmd.Dir = filepath.Join("testdata", "echo")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=wasip1 GOARCH=wasm %s: %v\n%s", strings.Join(cmd.Args, " "), err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasmfile.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("echo.wasm: %d bytes, %d imports, %d exports", len(b), len(m.Imports), len(m.Exports))

	i32, i64 := wasmfile.I32, wasmfile.I64
	sig := func(params []wasmfile.ValType, results ...wasmfile.ValType) *wasmfile.FuncType {
		return &wasmfile.FuncType{Params: params, Results: results}
	}
	want := map[string]*wasmfile.FuncType{
		abi.ExportInitialize: sig(nil),
		abi.VersionExport:    sig(nil),
		abi.ExportAlloc:      sig([]wasmfile.ValType{i32}, i32),
		abi.ExportFree:       sig([]wasmfile.ValType{i32, i32}),
	}
	for _, op := range abi.Ops {
		want[op.Export()] = sig([]wasmfile.ValType{i32, i32}, i64)
	}
	for name, ft := range want {
		e := m.Export(name)
		switch {
		case e == nil:
			t.Errorf("export %s is missing", name)
		case e.Kind != wasmfile.KindFunc || !e.Func.Equal(ft):
			t.Errorf("export %s is %s %v, want func %v", name, e.Kind, e.Func, ft)
		}
	}
	if e := m.Export(abi.ExportMemory); e == nil || e.Kind != wasmfile.KindMemory {
		t.Errorf("export memory: %+v", e)
	}
	for _, e := range m.Exports {
		if strings.HasPrefix(e.Name, abi.VersionExportPrefix) && e.Name != abi.VersionExport {
			t.Errorf("a second version marker: %s", e.Name)
		}
	}
	logSig := sig([]wasmfile.ValType{i32, i32, i32})
	for _, im := range m.Imports {
		switch {
		case im.Module == abi.WASIModule && slices.Contains(abi.WASIImports, im.Name):
		case im.Module == abi.ImportModule && im.Name == abi.ImportLog:
			if !im.Func.Equal(logSig) {
				t.Errorf("import %s.%s is %v, want %v", im.Module, im.Name, im.Func, logSig)
			}
		default:
			t.Errorf("import %s.%s (%s) is not granted by the ABI", im.Module, im.Name, im.Kind)
		}
	}
}
