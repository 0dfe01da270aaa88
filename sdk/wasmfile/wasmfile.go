// Package wasmfile lists the imports and exports of a WebAssembly module,
// with the signatures of the functions among them, without compiling or
// running it. The Campagnon host uses it to check a plugin's imports and
// its ABI marker before handing the module to the runtime; the SDK's tests
// use it to check what a build produced.
//
// It reads the binary format of WebAssembly 1.0 and the later proposals
// (multi-value, reference types, bulk memory, memory64, exception tags)
// as far as the type, import, function and export sections go; every
// other section is skipped by its declared size.
package wasmfile

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind is the kind of an import or export.
type Kind byte

// The kinds of the binary format.
const (
	KindFunc   Kind = 0x00
	KindTable  Kind = 0x01
	KindMemory Kind = 0x02
	KindGlobal Kind = 0x03
	KindTag    Kind = 0x04
)

// String names the kind as the text format does.
func (k Kind) String() string {
	switch k {
	case KindFunc:
		return "func"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	case KindTag:
		return "tag"
	}
	return fmt.Sprintf("kind(%#x)", byte(k))
}

// ValType is a value type.
type ValType byte

// The value types.
const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
)

// String names the type as the text format does.
func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	}
	return fmt.Sprintf("valtype(%#x)", byte(t))
}

// FuncType is a function signature.
type FuncType struct {
	Params  []ValType
	Results []ValType
}

// String writes the signature as "(i32, i32) -> i64"; no result is "()".
func (f *FuncType) String() string {
	list := func(ts []ValType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = t.String()
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return list(f.Params) + " -> " + list(f.Results)
}

// Equal reports whether two signatures are the same.
func (f *FuncType) Equal(g *FuncType) bool {
	if f == nil || g == nil {
		return f == g
	}
	return string(valBytes(f.Params)) == string(valBytes(g.Params)) && string(valBytes(f.Results)) == string(valBytes(g.Results))
}

func valBytes(ts []ValType) []byte {
	b := make([]byte, len(ts))
	for i, t := range ts {
		b[i] = byte(t)
	}
	return b
}

// Import is one import of a module.
type Import struct {
	// Module and Name identify the import, such as "campagnon" and "log".
	Module string
	Name   string
	// Kind says what is imported.
	Kind Kind
	// Func is the signature of an imported function; nil for other kinds.
	Func *FuncType
}

// Export is one export of a module.
type Export struct {
	// Name is the export's name, such as "campagnon_quote".
	Name string
	// Kind says what is exported.
	Kind Kind
	// Func is the signature of an exported function; nil for other kinds.
	Func *FuncType
}

// Module is what Parse reads of a module.
type Module struct {
	// Imports lists the imports in the module's order.
	Imports []Import
	// Exports lists the exports in the module's order.
	Exports []Export
}

// Export returns the export named name, or nil.
func (m *Module) Export(name string) *Export {
	for i := range m.Exports {
		if m.Exports[i].Name == name {
			return &m.Exports[i]
		}
	}
	return nil
}

// ErrNotWasm is wrapped by the error Parse returns for bytes that do not
// start like a WebAssembly binary module.
var ErrNotWasm = errors.New("not a WebAssembly module")

// FormatError says where and why a module is malformed.
type FormatError struct {
	// Offset is the byte offset in the module.
	Offset int
	// Msg says what is wrong.
	Msg string
}

// Error returns the message with its offset (when known, ≥ 0).
func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return "malformed WebAssembly module: " + e.Msg
	}
	return fmt.Sprintf("malformed WebAssembly module at offset %#x: %s", e.Offset, e.Msg)
}

func malformed(format string, args ...any) error {
	return &FormatError{Offset: -1, Msg: fmt.Sprintf(format, args...)}
}

var magic = []byte{0x00, 'a', 's', 'm'}

// Binary format version 1, the only one.
var version1 = []byte{0x01, 0x00, 0x00, 0x00}

// Section ids.
const (
	secCustom   = 0
	secType     = 1
	secImport   = 2
	secFunction = 3
	secExport   = 7
	maxSection  = 13 // tag
)

// Parse reads the imports and exports of a binary module.
func Parse(b []byte) (*Module, error) {
	if len(b) < 8 || string(b[:4]) != string(magic) {
		return nil, fmt.Errorf("%w: the file does not start with \\0asm", ErrNotWasm)
	}
	if string(b[4:8]) != string(version1) {
		return nil, fmt.Errorf("%w: binary format version %x, only 1 is known", ErrNotWasm, b[4:8])
	}
	p := &parser{b: b, pos: 8}
	var (
		types    []*FuncType
		funcs    []uint32 // type index of each defined function
		imported []uint32 // type index of each imported function
		m        Module
		exports  []rawExport
		lastID   = -1
	)
	for !p.done() {
		id, start := p.byte(), p.pos
		size := p.u32()
		if p.err != nil {
			return nil, p.err
		}
		if uint64(size) > uint64(len(b)-p.pos) {
			return nil, p.fail(start, fmt.Sprintf("section %d claims %d bytes, %d remain", id, size, len(b)-p.pos))
		}
		end := p.pos + int(size)
		sec := &parser{b: b[:end], pos: p.pos}
		if id != secCustom {
			if int(id) > maxSection {
				return nil, p.fail(start-1, fmt.Sprintf("unknown section id %d", id))
			}
			// Sections appear at most once; the data count section (12)
			// and the tag section (13) sit between others, so only
			// repetition is checked, not the order.
			if int(id) == lastID {
				return nil, p.fail(start-1, fmt.Sprintf("section %d repeated", id))
			}
			lastID = int(id)
		}
		switch id {
		case secType:
			types = sec.types()
		case secImport:
			m.Imports, imported = sec.imports()
		case secFunction:
			funcs = sec.vecU32()
		case secExport:
			exports = sec.exports()
		case secCustom:
			sec.name() // a custom section starts with its name
		default:
			sec.pos = end
		}
		if sec.err != nil {
			return nil, sec.err
		}
		if sec.pos != end && id != secCustom {
			return nil, p.fail(sec.pos, fmt.Sprintf("section %d: %d bytes left over", id, end-sec.pos))
		}
		p.pos = end
	}
	if p.err != nil {
		return nil, p.err
	}
	typeOf := func(idx uint32) (*FuncType, error) {
		if uint64(idx) >= uint64(len(types)) {
			return nil, malformed("type index %d out of range (%d types)", idx, len(types))
		}
		return types[idx], nil
	}
	for i, ti := range imported {
		var err error
		if m.Imports[i].Func, err = typeOf(ti); err != nil {
			return nil, malformed("import %s.%s: %v", m.Imports[i].Module, m.Imports[i].Name, err.(*FormatError).Msg)
		}
	}
	// Function indices count the imported functions first.
	var importedFuncs []*FuncType
	for _, im := range m.Imports {
		if im.Kind == KindFunc {
			importedFuncs = append(importedFuncs, im.Func)
		}
	}
	seen := make(map[string]bool, len(exports))
	for _, e := range exports {
		if seen[e.name] {
			return nil, malformed("export %q appears twice", e.name)
		}
		seen[e.name] = true
		ex := Export{Name: e.name, Kind: e.kind}
		if e.kind == KindFunc {
			switch idx := uint64(e.index); {
			case idx < uint64(len(importedFuncs)):
				ex.Func = importedFuncs[idx]
			case idx-uint64(len(importedFuncs)) < uint64(len(funcs)):
				var err error
				if ex.Func, err = typeOf(funcs[idx-uint64(len(importedFuncs))]); err != nil {
					return nil, malformed("export %q: %v", e.name, err.(*FormatError).Msg)
				}
			default:
				return nil, malformed("export %q names function %d, the module has %d", e.name, idx, len(importedFuncs)+len(funcs))
			}
		}
		m.Exports = append(m.Exports, ex)
	}
	return &m, nil
}

type rawExport struct {
	name  string
	kind  Kind
	index uint32
}

// parser reads one section; the first error sticks and ends the reading.
type parser struct {
	b   []byte
	pos int
	err error
}

func (p *parser) done() bool { return p.err != nil || p.pos >= len(p.b) }

func (p *parser) fail(at int, msg string) error {
	if p.err == nil {
		p.err = &FormatError{Offset: at, Msg: msg}
	}
	p.pos = len(p.b)
	return p.err
}

func (p *parser) byte() byte {
	if p.err != nil {
		return 0
	}
	if p.pos >= len(p.b) {
		p.fail(p.pos, "unexpected end")
		return 0
	}
	c := p.b[p.pos]
	p.pos++
	return c
}

// uleb reads an unsigned LEB128 of at most bits bits.
func (p *parser) uleb(bits uint) uint64 {
	start := p.pos
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := p.byte()
		if p.err != nil {
			return 0
		}
		if shift >= bits || shift+7 > bits && c>>(bits-shift) != 0 {
			p.fail(start, fmt.Sprintf("integer does not fit in %d bits", bits))
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
}

func (p *parser) u32() uint32 { return uint32(p.uleb(32)) }

// count reads a vector length, bounded by the bytes left (each element
// takes at least one byte), so that a forged count cannot make Parse
// allocate without limit.
func (p *parser) count() int {
	start := p.pos
	n := p.u32()
	if uint64(n) > uint64(len(p.b)-p.pos) {
		p.fail(start, fmt.Sprintf("vector of %d elements in %d bytes", n, len(p.b)-p.pos))
		return 0
	}
	return int(n)
}

func (p *parser) name() string {
	start := p.pos
	n := p.count()
	if p.err != nil {
		return ""
	}
	s := p.b[p.pos : p.pos+n]
	p.pos += n
	if !utf8.Valid(s) {
		p.fail(start, "name is not valid UTF-8")
		return ""
	}
	return string(s)
}

func (p *parser) valType() ValType {
	at := p.pos
	switch t := ValType(p.byte()); t {
	case I32, I64, F32, F64, V128, FuncRef, ExternRef:
		return t
	default:
		if p.err == nil {
			p.fail(at, fmt.Sprintf("unknown value type %#x", byte(t)))
		}
		return 0
	}
}

func (p *parser) valTypes() []ValType {
	n := p.count()
	ts := make([]ValType, 0, n)
	for range n {
		ts = append(ts, p.valType())
	}
	return ts
}

func (p *parser) types() []*FuncType {
	n := p.count()
	ts := make([]*FuncType, 0, n)
	for range n {
		at := p.pos
		if form := p.byte(); form != 0x60 && p.err == nil {
			p.fail(at, fmt.Sprintf("type form %#x is not a function type (0x60)", form))
		}
		ts = append(ts, &FuncType{Params: p.valTypes(), Results: p.valTypes()})
		if p.err != nil {
			return nil
		}
	}
	return ts
}

// limits skips table or memory limits: a flag byte, a minimum and, when
// the flag's low bit is set, a maximum; 64-bit when bit 2 is set.
func (p *parser) limits() {
	at := p.pos
	flags := p.byte()
	if flags > 0x07 {
		p.fail(at, fmt.Sprintf("limits flag %#x", flags))
		return
	}
	bits := uint(32)
	if flags&0x04 != 0 {
		bits = 64
	}
	p.uleb(bits)
	if flags&0x01 != 0 {
		p.uleb(bits)
	}
}

func (p *parser) imports() ([]Import, []uint32) {
	n := p.count()
	ims := make([]Import, 0, n)
	var funcTypes []uint32
	for range n {
		im := Import{Module: p.name(), Name: p.name()}
		at := p.pos
		im.Kind = Kind(p.byte())
		switch im.Kind {
		case KindFunc:
			funcTypes = append(funcTypes, p.u32())
		case KindTable:
			p.valType()
			p.limits()
		case KindMemory:
			p.limits()
		case KindGlobal:
			p.valType()
			if mut := p.byte(); mut > 1 && p.err == nil {
				p.fail(p.pos-1, fmt.Sprintf("global mutability %#x", mut))
			}
		case KindTag:
			p.byte() // attribute: 0, an exception
			p.u32()
		default:
			if p.err == nil {
				p.fail(at, fmt.Sprintf("unknown import kind %#x", byte(im.Kind)))
			}
		}
		if p.err != nil {
			return nil, nil
		}
		ims = append(ims, im)
	}
	return ims, funcTypes
}

func (p *parser) vecU32() []uint32 {
	n := p.count()
	v := make([]uint32, 0, n)
	for range n {
		v = append(v, p.u32())
	}
	return v
}

func (p *parser) exports() []rawExport {
	n := p.count()
	es := make([]rawExport, 0, n)
	for range n {
		e := rawExport{name: p.name()}
		at := p.pos
		e.kind = Kind(p.byte())
		if e.kind > KindTag && p.err == nil {
			p.fail(at, fmt.Sprintf("unknown export kind %#x", byte(e.kind)))
		}
		e.index = p.u32()
		if p.err != nil {
			return nil
		}
		es = append(es, e)
	}
	return es
}
