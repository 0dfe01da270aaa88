package wasmfile

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata modules from the builder")

// builder assembles a binary module section by section.
type builder struct{ b []byte }

func newBuilder() *builder { return &builder{b: append(append([]byte{}, magic...), version1...)} }

func uleb(v uint64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		out = append(out, c)
		if v == 0 {
			return out
		}
	}
}

func str(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func vec(items ...[]byte) []byte {
	out := uleb(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func (b *builder) section(id byte, content []byte) *builder {
	b.b = append(append(append(b.b, id), uleb(uint64(len(content)))...), content...)
	return b
}

func functype(params, results []ValType) []byte {
	return cat([]byte{0x60}, vec(vals(params)...), vec(vals(results)...))
}

func vals(ts []ValType) [][]byte {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		out[i] = []byte{byte(t)}
	}
	return out
}

// pluginModule is a module shaped like a Campagnon plugin: the log import
// and a WASI import, a memory, the marker, alloc, free and quote.
func pluginModule() []byte {
	b := newBuilder()
	b.section(secCustom, cat(str("producers"), []byte("anything")))
	b.section(secType, vec(
		functype([]ValType{I32, I32, I32}, nil),            // 0 log
		functype([]ValType{I32, I64, I32}, []ValType{I32}), // 1 fd_write-like
		functype(nil, nil),                                 // 2 marker
		functype([]ValType{I32}, []ValType{I32}),           // 3 alloc
		functype([]ValType{I32, I32}, nil),                 // 4 free
		functype([]ValType{I32, I32}, []ValType{I64}),      // 5 op
	))
	b.section(secImport, vec(
		cat(str("campagnon"), str("log"), []byte{0x00}, uleb(0)),
		cat(str("wasi_snapshot_preview1"), str("fd_write"), []byte{0x00}, uleb(1)),
		cat(str("env"), str("table"), []byte{0x01, byte(FuncRef), 0x00}, uleb(1)),
		cat(str("env"), str("g"), []byte{0x03, byte(I32), 0x00}),
	))
	b.section(secFunction, vec(uleb(2), uleb(3), uleb(4), uleb(5)))
	b.section(5, vec(cat([]byte{0x01}, uleb(2), uleb(1024)))) // memory 2..1024 pages
	b.section(secExport, vec(
		cat(str("memory"), []byte{byte(KindMemory)}, uleb(0)),
		cat(str("campagnon_abi_v1"), []byte{byte(KindFunc)}, uleb(2)),
		cat(str("campagnon_alloc"), []byte{byte(KindFunc)}, uleb(3)),
		cat(str("campagnon_free"), []byte{byte(KindFunc)}, uleb(4)),
		cat(str("campagnon_quote"), []byte{byte(KindFunc)}, uleb(5)),
		cat(str("reexported_log"), []byte{byte(KindFunc)}, uleb(0)),
	))
	b.section(10, vec( // code: four empty bodies
		cat(uleb(2), []byte{0x00, 0x0b}), cat(uleb(4), []byte{0x00, 0x41, 0x00, 0x0b}),
		cat(uleb(2), []byte{0x00, 0x0b}), cat(uleb(4), []byte{0x00, 0x42, 0x00, 0x0b}),
	))
	b.section(secCustom, cat(str("name"), []byte{0x00}))
	return b.b
}

func TestTestdataModules(t *testing.T) {
	t.Parallel()
	fixtures := map[string][]byte{
		"plugin.wasm": pluginModule(),
		"empty.wasm":  newBuilder().b,
	}
	for name, b := range fixtures {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to write it)", err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from the builder's output (run go test -update)", path)
		}
	}
}

func TestParsePluginModule(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "plugin.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	wantImports := []string{
		"campagnon.log func (i32, i32, i32) -> ()",
		"wasi_snapshot_preview1.fd_write func (i32, i64, i32) -> (i32)",
		"env.table table",
		"env.g global",
	}
	if len(m.Imports) != len(wantImports) {
		t.Fatalf("imports %+v", m.Imports)
	}
	for i, im := range m.Imports {
		got := im.Module + "." + im.Name + " " + im.Kind.String()
		if im.Func != nil {
			got += " " + im.Func.String()
		}
		if got != wantImports[i] {
			t.Errorf("import %d = %q, want %q", i, got, wantImports[i])
		}
	}
	wantExports := []string{
		"memory memory", "campagnon_abi_v1 func () -> ()", "campagnon_alloc func (i32) -> (i32)",
		"campagnon_free func (i32, i32) -> ()", "campagnon_quote func (i32, i32) -> (i64)",
		"reexported_log func (i32, i32, i32) -> ()",
	}
	if len(m.Exports) != len(wantExports) {
		t.Fatalf("exports %+v", m.Exports)
	}
	for i, e := range m.Exports {
		got := e.Name + " " + e.Kind.String()
		if e.Func != nil {
			got += " " + e.Func.String()
		}
		if got != wantExports[i] {
			t.Errorf("export %d = %q, want %q", i, got, wantExports[i])
		}
	}
	q := m.Export("campagnon_quote")
	if q == nil || !q.Func.Equal(&FuncType{Params: []ValType{I32, I32}, Results: []ValType{I64}}) {
		t.Errorf("Export(campagnon_quote) = %+v", q)
	}
	if m.Export("missing") != nil {
		t.Error("Export(missing) is not nil")
	}
}

func TestParseEmptyModule(t *testing.T) {
	t.Parallel()
	m, err := Parse(newBuilder().b)
	if err != nil || len(m.Imports) != 0 || len(m.Exports) != 0 {
		t.Errorf("Parse(empty) = %+v, %v", m, err)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	sec := func(id byte, content []byte) []byte { return newBuilder().section(id, content).b }
	cases := []struct {
		name    string
		in      []byte
		notWasm bool
		msg     string
	}{
		{"nothing", nil, true, "does not start"},
		{"text", []byte("(module)"), true, "does not start"},
		{"ELF", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), true, "does not start"},
		{"gzip", []byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0}, true, "does not start"},
		{"version 2", []byte("\x00asm\x02\x00\x00\x00"), true, "version"},
		{"component", []byte("\x00asm\x0d\x00\x01\x00"), true, "version"},
		{"section past the end", append(newBuilder().b, 0x01, 0x10, 0x00), false, "claims 16 bytes"},
		{"unknown section", sec(42, nil), false, "unknown section id 42"},
		{"repeated section", newBuilder().section(1, vec()).section(1, vec()).b, false, "repeated"},
		{"size too wide", append(newBuilder().b, 0x01, 0xff, 0xff, 0xff, 0xff, 0x7f), false, "does not fit in 32 bits"},
		{"too many types", sec(secType, uleb(1000)), false, "vector of 1000 elements"},
		{"not a func type", sec(secType, vec([]byte{0x5f, 0x00, 0x00})), false, "not a function type"},
		{"unknown value type", sec(secType, vec([]byte{0x60, 0x01, 0x40, 0x00})), false, "unknown value type 0x40"},
		{"leftover bytes", sec(secType, append(vec(functype(nil, nil)), 0x00)), false, "left over"},
		{"bad import kind", sec(secImport, vec(cat(str("a"), str("b"), []byte{0x09, 0x00}))), false, "unknown import kind"},
		{"name not UTF-8", sec(secImport, vec(cat(str("a\xff"), str("b"), []byte{0x00, 0x00}))), false, "UTF-8"},
		{"import type out of range", sec(secImport, vec(cat(str("a"), str("b"), []byte{0x00, 0x05}))), false, "type index 5 out of range"},
		{"bad limits", sec(secImport, vec(cat(str("a"), str("m"), []byte{0x02, 0x09, 0x00}))), false, "limits flag"},
		{"bad mutability", sec(secImport, vec(cat(str("a"), str("g"), []byte{0x03, 0x7f, 0x02}))), false, "mutability"},
		{"export out of range", sec(secExport, vec(cat(str("f"), []byte{0x00, 0x03}))), false, "names function 3"},
		{"bad export kind", sec(secExport, vec(cat(str("f"), []byte{0x07, 0x00}))), false, "unknown export kind"},
		{"export twice", sec(secExport, vec(cat(str("m"), []byte{0x02, 0x00}), cat(str("m"), []byte{0x02, 0x00}))), false, "appears twice"},
		{"function type out of range", newBuilder().section(secFunction, vec(uleb(0))).section(secExport, vec(cat(str("f"), []byte{0x00, 0x00}))).b, false, "type index 0 out of range"},
		{"custom section without name", sec(secCustom, uleb(5)), false, "vector of 5 elements"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(c.in)
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", m)
			}
			if c.notWasm != errors.Is(err, ErrNotWasm) {
				t.Errorf("errors.Is(err, ErrNotWasm) = %v, want %v (%v)", !c.notWasm, c.notWasm, err)
			}
			var fe *FormatError
			if !c.notWasm && !errors.As(err, &fe) {
				t.Errorf("%v is not a FormatError", err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not contain %q", err, c.msg)
			}
		})
	}
}

// TestParseEveryTruncation cuts the module at every byte: a cut at a
// section boundary is a valid, shorter module; any other must be an error.
func TestParseEveryTruncation(t *testing.T) {
	t.Parallel()
	b := pluginModule()
	boundaries := map[int]bool{8: true}
	for p := 8; p < len(b); {
		q := &parser{b: b, pos: p + 1}
		size := q.u32()
		p = q.pos + int(size)
		boundaries[p] = true
	}
	for n := range len(b) {
		if _, err := Parse(b[:n]); (err == nil) != boundaries[n] {
			t.Errorf("Parse of the first %d bytes: error %v, at a section boundary %v", n, err, boundaries[n])
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(pluginModule())
	f.Add(newBuilder().b)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err == nil && m == nil {
			t.Fatal("nil module without error")
		}
	})
}
