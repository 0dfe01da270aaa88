package pluginhost

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// A few modules assembled by hand, byte by byte: what a Go guest cannot
// do (a WebAssembly stack overflow: Go keeps its stack in linear memory,
// so deep Go recursion ends as KindMemory instead) and imports that are
// not functions. They also show that the host does not depend on Go.

// wasmModule assembles a module that implements the ABI with constant
// answers; quote recurses without end. imports is a raw import section
// body (without its count), nImports its entry count; importsMemory says
// that one of them is the memory, which the module then does not define.
func wasmModule(nImports int, imports []byte, importsMemory bool) []byte {
	const (
		manifestAt = 1024
		refusalAt  = 2048
	)
	manifest := `{"ok":true,"result":{"id":"test.handmade","name":"Module écrit à la main","version":"1.0.0","abi":1,"operations":["describe"]}}`
	refusal := `{"ok":false,"refusal":{"code":"not_implemented","message":"Opération non prise en charge."}}`

	var m []byte
	m = append(m, wasmHeader...)
	section := func(id byte, body []byte) {
		m = append(m, id)
		m = appendU32(m, uint32(len(body)))
		m = append(m, body...)
	}
	// Types: 0 ()→(), 1 (i32)→i32, 2 (i32,i32)→(), 3 (i32,i32)→i64.
	section(1, []byte{4,
		0x60, 0, 0,
		0x60, 1, 0x7f, 1, 0x7f,
		0x60, 2, 0x7f, 0x7f, 0,
		0x60, 2, 0x7f, 0x7f, 1, 0x7e})
	if nImports > 0 {
		section(2, append(appendU32(nil, uint32(nImports)), imports...))
	}
	// Functions: marker, alloc, free, _initialize, describe, categories,
	// quote, payment_modes, validate_listing, recurse.
	types := []byte{0, 1, 2, 0, 3, 3, 3, 3, 3, 0}
	section(3, append([]byte{byte(len(types))}, types...))
	if !importsMemory {
		section(5, []byte{1, 0x00, 1}) // one memory, min 1 page, no max
	}
	exports := []struct {
		name string
		kind byte
		idx  int
	}{
		{abi.VersionExport, 0, 0}, {abi.ExportAlloc, 0, 1}, {abi.ExportFree, 0, 2}, {abi.ExportInitialize, 0, 3},
		{abi.OpDescribe.Export(), 0, 4}, {abi.OpCategories.Export(), 0, 5}, {abi.OpQuote.Export(), 0, 6},
		{abi.OpPaymentModes.Export(), 0, 7}, {abi.OpValidateListing.Export(), 0, 8}, {abi.ExportMemory, 2, 0},
	}
	var ex []byte
	ex = appendU32(ex, uint32(len(exports)))
	for _, e := range exports {
		ex = appendName(ex, e.name)
		ex = append(ex, e.kind)
		ex = appendU32(ex, uint32(e.idx))
	}
	section(7, ex)
	funcIdx := func(i int) uint32 { return uint32(i) } // no function imports in these modules
	constant := func(at, n int) []byte {
		b := []byte{0, 0x42} // no locals; i64.const
		b = appendS64(b, int64(at)<<32|int64(n))
		return append(b, 0x0b)
	}
	bodies := [][]byte{
		{0, 0x0b},                           // marker
		{0, 0x41, 0x80, 0x20, 0x0b},         // alloc: i32.const 4096
		{0, 0x0b},                           // free
		{0, 0x0b},                           // _initialize
		constant(manifestAt, len(manifest)), // describe
		constant(refusalAt, len(refusal)),   // categories
		append(append([]byte{0, 0x10}, appendU32(nil, funcIdx(9))...), 0x00, 0x0b), // quote: call recurse; unreachable
		constant(refusalAt, len(refusal)),                                          // payment_modes
		constant(refusalAt, len(refusal)),                                          // validate_listing
		append(append([]byte{0, 0x10}, appendU32(nil, funcIdx(9))...), 0x0b),       // recurse: call recurse
	}
	var code []byte
	code = appendU32(code, uint32(len(bodies)))
	for _, b := range bodies {
		code = appendU32(code, uint32(len(b)))
		code = append(code, b...)
	}
	section(10, code)
	var data []byte
	data = append(data, 2)
	for _, d := range []struct {
		at int
		s  string
	}{{manifestAt, manifest}, {refusalAt, refusal}} {
		data = append(data, 0, 0x41)
		data = appendS64(data, int64(d.at))
		data = append(data, 0x0b)
		data = appendName(data, d.s)
	}
	section(11, data)
	return m
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}

func TestHandmadeModule(t *testing.T) {
	h, _ := newHost(t, Config{})
	m, err := h.Load(context.Background(), wasmModule(0, nil, false), nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if man := m.Manifest(); man.ID != "test.handmade" || man.Name != "Module écrit à la main" {
		t.Errorf("manifest = %+v", man)
	}
	// An operation the module does not implement: a refusal, not a fault.
	_, err = m.Categories(context.Background(), &abi.CategoriesRequest{Context: testContext()})
	if re, ok := err.(*RefusalError); !ok || re.Refusal.Code != "not_implemented" {
		t.Errorf("categories: %v", err)
	}
	// Unbounded recursion: the WebAssembly stack overflows, a trap.
	_, err = m.Quote(context.Background(), quoteReq("jardinage", abi.ModalityResident, abi.ModeFree))
	if kindOf(err) != KindTrap || !strings.Contains(err.Error(), "stack overflow") {
		t.Fatalf("quote: %v, want a stack-overflow trap", err)
	}
	if s := m.Stats(); s.Faults != 1 {
		t.Errorf("after the trap: %+v", s)
	}
	// The trapped instance was discarded and a fresh one warmed up.
	waitFor(t, "a replacement instance", 2*time.Second, func() bool { return m.Stats().Idle == 1 })
	if _, err := m.Describe(context.Background()); err != nil {
		t.Errorf("describe after the trap: %v", err)
	}
	mustQuote(t, load(t, h, "good"), "jardinage")
}

func TestHandmadeForbiddenImports(t *testing.T) {
	h, _ := newHost(t, Config{})
	cases := []struct {
		name, detail string
		imports      []byte
	}{
		// env.g: an immutable i32 global.
		{"global", "env.g (global)", append(appendName(appendName(nil, "env"), "g"), 0x03, 0x7f, 0x00)},
		// env.mem: a memory.
		{"memory", "env.mem", append(appendName(appendName(nil, "env"), "mem"), 0x02, 0x00, 0x01)},
		// env.tab: a funcref table.
		{"table", "env.tab (table)", append(appendName(appendName(nil, "env"), "tab"), 0x01, 0x70, 0x00, 0x01)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.Load(context.Background(), wasmModule(1, c.imports, c.name == "memory"), nil)
			var e *Error
			if kindOf(err) != KindForbiddenImport {
				t.Fatalf("err = %v, want KindForbiddenImport", err)
			}
			e = err.(*Error)
			if !strings.Contains(e.Detail, c.detail) {
				t.Errorf("detail %q does not name %s", e.Detail, c.detail)
			}
			t.Logf("%v", err)
		})
	}
}
