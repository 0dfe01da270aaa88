package pluginhost

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/wasmfile"
)

// wasmHeader is the magic number and version 1 of a WebAssembly binary.
var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// Kinds of import and export, as wasmfile.Kind.String names them.
const (
	kindFunc   = "func"
	kindTable  = "table"
	kindMemory = "memory"
	kindGlobal = "global"
)

// sig is a function signature, such as "(i32,i32)->i64".
type sig string

const (
	sigAlloc  sig = "(i32)->i32"
	sigFree   sig = "(i32,i32)->()"
	sigInit   sig = "()->()"
	sigOp     sig = "(i32,i32)->i64"
	sigLogImp sig = "(i32,i32,i32)->()"
)

// shape is what Load checks of a module before running any of its code:
// its imports and exports.
type shape struct {
	imports []shapeImport
	exports map[string]shapeExport
	// memMin is the initial size of the exported memory, in pages.
	memMin uint32
}

type shapeImport struct {
	module, name, kind string
	sig                sig // functions only; "" when unknown
}

type shapeExport struct {
	kind string
	sig  sig // functions only; "" when unknown
}

// preCompileShape returns the shape of a module read directly from its
// bytes (sdk/wasmfile), so that a module that would be refused is refused
// before it is compiled, and every kind of import is seen (wazero lists
// only imported functions and memories). The initial memory is not read
// here; compiledShape checks it.
func preCompileShape(b []byte) (*shape, error) {
	mod, err := wasmfile.Parse(b)
	if err != nil {
		return nil, err
	}
	s := &shape{exports: make(map[string]shapeExport, len(mod.Exports))}
	for _, im := range mod.Imports {
		s.imports = append(s.imports, shapeImport{module: im.Module, name: im.Name, kind: im.Kind.String(), sig: sigOfType(im.Func)})
	}
	for _, e := range mod.Exports {
		s.exports[e.Name] = shapeExport{kind: e.Kind.String(), sig: sigOfType(e.Func)}
	}
	return s, nil
}

// sigOfType writes a wasmfile signature as sigOf does; "" for nil.
func sigOfType(f *wasmfile.FuncType) sig {
	if f == nil {
		return ""
	}
	names := func(ts []wasmfile.ValType) []string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = t.String()
		}
		return out
	}
	return formatSig(names(f.Params), names(f.Results))
}

// compiledShape returns the shape wazero sees of a compiled module:
// function and memory imports and exports, with signatures, and the
// initial memory. It is checked after preCompileShape, as a second
// opinion from the runtime that will run the module.
func compiledShape(cm wazero.CompiledModule) *shape {
	s := &shape{exports: map[string]shapeExport{}}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		s.imports = append(s.imports, shapeImport{module: mod, name: name, kind: kindFunc, sig: sigOf(f)})
	}
	for _, m := range cm.ImportedMemories() {
		mod, name, _ := m.Import()
		s.imports = append(s.imports, shapeImport{module: mod, name: name, kind: kindMemory})
	}
	for name, f := range cm.ExportedFunctions() {
		s.exports[name] = shapeExport{kind: kindFunc, sig: sigOf(f)}
	}
	for name, m := range cm.ExportedMemories() {
		s.exports[name] = shapeExport{kind: kindMemory}
		if name == abi.ExportMemory {
			s.memMin = m.Min()
		}
	}
	return s
}

func sigOf(f api.FunctionDefinition) sig {
	names := func(ts []api.ValueType) []string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = api.ValueTypeName(t)
		}
		return out
	}
	return formatSig(names(f.ParamTypes()), names(f.ResultTypes()))
}

// formatSig writes a signature as "(i32,i32)->i64": no result is "()",
// several are parenthesised.
func formatSig(params, results []string) sig {
	r := "()"
	switch len(results) {
	case 0:
	case 1:
		r = results[0]
	default:
		r = "(" + strings.Join(results, ",") + ")"
	}
	return sig("(" + strings.Join(params, ",") + ")->" + r)
}

// requiredExports lists every export the ABI requires with its signature.
func requiredExports() map[string]sig {
	req := map[string]sig{
		abi.ExportAlloc:      sigAlloc,
		abi.ExportFree:       sigFree,
		abi.ExportInitialize: sigInit,
	}
	for _, op := range abi.Ops {
		req[op.Export()] = sigOp
	}
	return req
}

// checkHeader refuses bytes that do not start like a WebAssembly 1.0
// binary.
func checkHeader(b []byte) error {
	if len(b) < len(wasmHeader) || !bytes.Equal(b[:len(wasmHeader)], wasmHeader) {
		head := b[:min(len(b), 8)]
		return &Error{Kind: KindNotWasm, Err: fmt.Errorf("the first bytes are %q, not the WebAssembly magic number and version 1", head)}
	}
	return nil
}

// checkShape checks a module's exports and imports against the ABI, in
// this order: the version marker, the required exports and their
// signatures, the imports, the initial memory. wasi gives the signatures
// of the WASI functions the host provides (nil to skip that check).
func checkShape(s *shape, maxPages uint32, wasi map[string]sig) error {
	// The ABI marker first: a module for another ABI is reported as such,
	// not as a list of missing exports.
	if e, ok := s.exports[abi.VersionExport]; !ok || e.kind != kindFunc {
		var others []string
		for name := range s.exports {
			if strings.HasPrefix(name, abi.VersionExportPrefix) {
				others = append(others, name)
			}
		}
		sort.Strings(others)
		if len(others) == 0 {
			return &Error{Kind: KindABIMismatch, Err: ErrNoABIMarker}
		}
		detail := sanitize(strings.Join(others, ", "))
		return &Error{Kind: KindABIMismatch, Detail: detail,
			Err: fmt.Errorf("the module declares %s; this host speaks ABI %d (%s)", detail, abi.Version, abi.VersionExport)}
	}

	var missing []string
	if e, ok := s.exports[abi.ExportMemory]; !ok || e.kind != kindMemory {
		missing = append(missing, abi.ExportMemory+" (memory)")
	}
	req := requiredExports()
	names := make([]string, 0, len(req))
	for name := range req {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want := req[name]
		e, ok := s.exports[name]
		switch {
		case !ok:
			missing = append(missing, name)
		case e.kind != kindFunc:
			missing = append(missing, name+" (a "+e.kind+", not a function)")
		case e.sig != "" && e.sig != want:
			missing = append(missing, name+" "+string(e.sig)+", want "+string(want))
		}
	}
	if len(missing) > 0 {
		detail := strings.Join(missing, ", ")
		return &Error{Kind: KindMissingExport, Detail: detail, Err: errors.New("missing or mistyped exports: " + detail)}
	}

	var forbidden []string
	for _, im := range s.imports {
		if reason := importRefusal(im, wasi); reason != "" {
			forbidden = append(forbidden, sanitize(im.module+"."+im.name)+reason)
		}
	}
	if len(forbidden) > 0 {
		if len(forbidden) > 5 {
			forbidden = append(forbidden[:5], "… "+strconv.Itoa(len(forbidden)-5)+" more")
		}
		detail := strings.Join(forbidden, ", ")
		return &Error{Kind: KindForbiddenImport, Detail: detail, Err: errors.New("imports not granted by the ABI: " + detail)}
	}

	if s.memMin > maxPages {
		return &Error{Kind: KindMemory, Detail: strconv.Itoa(int(s.memMin)) + " pages",
			Err: fmt.Errorf("initial memory of %d pages exceeds the limit of %d", s.memMin, maxPages)}
	}
	return nil
}

// importRefusal says why an import is not granted, or "" if it is.
func importRefusal(im shapeImport, wasi map[string]sig) string {
	if im.kind != kindFunc {
		return " (" + im.kind + ")"
	}
	switch im.module {
	case abi.ImportModule:
		if im.name != abi.ImportLog {
			return " (not a host function)"
		}
		if im.sig != "" && im.sig != sigLogImp {
			return " " + string(im.sig) + ", want " + string(sigLogImp)
		}
		return ""
	case abi.WASIModule:
		if !slices.Contains(abi.WASIImports, im.name) {
			return " (WASI function not granted)"
		}
		if want, ok := wasi[im.name]; ok && im.sig != "" && im.sig != want {
			return " " + string(im.sig) + ", want " + string(want)
		}
		return ""
	}
	return " (unknown module)"
}
