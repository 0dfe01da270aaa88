package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// schema is one JSON object of the OpenAPI document.
type schema = map[string]any

// fieldDoc says what a Go type cannot: whether an input field must be
// given, and its enum, bounds, format or description (merged into the
// reflected schema of the field).
type fieldDoc struct {
	required bool
	s        schema
}

// reflector turns Go types into JSON Schemas (draft 2020-12, the dialect of
// OpenAPI 3.1) the way encoding/json reads and writes them: field names and
// omitempty from the json tags, embedded structs flattened with the same
// precedence rules, nil pointers, slices and maps written as null. Named
// struct types become components, once per direction: an input (a request
// body, decoded strictly, so no unknown property) or an output (an answer,
// whose properties without omitempty are always there).
type reflector struct {
	// fields documents fields by "package.Type.json_name", Type being the
	// struct that declares the field.
	fields map[string]fieldDoc
	// enums lists the values of named string types.
	enums map[reflect.Type][]string
	// components are the schemas made so far, by name.
	components map[string]schema
	names      map[refKey]string
	owners     map[string]refKey
	// used records which field documentation was applied, to refuse stale entries.
	used map[string]bool
	err  error
}

type refKey struct {
	t     reflect.Type
	input bool
}

func newReflector(fields map[string]fieldDoc, enums map[reflect.Type][]string) *reflector {
	return &reflector{fields: fields, enums: enums, components: map[string]schema{},
		names: map[refKey]string{}, owners: map[string]refKey{}, used: map[string]bool{}}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// of returns the schema of a value of type t: a $ref for a named struct.
func (r *reflector) of(t reflect.Type, input bool) schema {
	if t == timeType {
		return schema{"type": "string", "format": "date-time"}
	}
	if t == rawType {
		return schema{"description": "Valeur JSON quelconque. / Any JSON value."}
	}
	var s schema
	switch t.Kind() {
	case reflect.Pointer:
		return r.of(t.Elem(), input)
	case reflect.String:
		s = schema{"type": "string"}
	case reflect.Bool:
		s = schema{"type": "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32:
		s = schema{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64:
		s = schema{"type": "integer", "format": "int64"}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64:
		s = schema{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		s = schema{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return schema{"type": "string", "contentEncoding": "base64"}
		}
		s = schema{"type": "array", "items": r.of(t.Elem(), input)}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			r.fail(fmt.Errorf("openapi: map key of %s is not a string", t))
		}
		s = schema{"type": "object", "additionalProperties": r.of(t.Elem(), input)}
	case reflect.Interface:
		return schema{}
	case reflect.Struct:
		if t.Name() == "" {
			return r.object(t, input)
		}
		return r.ref(t, input)
	default:
		r.fail(fmt.Errorf("openapi: no JSON Schema for %s", t))
		return schema{}
	}
	if values, ok := r.enums[t]; ok {
		s["enum"] = values
	}
	return s
}

func (r *reflector) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// ref returns a reference to the component of struct type t, making it
// the first time.
func (r *reflector) ref(t reflect.Type, input bool) schema {
	key := refKey{t, input}
	if name, ok := r.names[key]; ok {
		return schema{"$ref": "#/components/schemas/" + name}
	}
	name := componentName(t)
	if input {
		if _, taken := r.owners[name]; taken {
			name += "Input"
		}
	} else if other, taken := r.owners[name]; taken && other.input {
		// The input took the plain name first: the output gets a suffix.
		name += "Answer"
	}
	if other, taken := r.owners[name]; taken && other != key {
		r.fail(fmt.Errorf("openapi: %s and %s both want the component name %s", t, other.t, name))
	}
	// Named before it is made: a recursive type refers to itself.
	r.names[key], r.owners[name] = name, key
	r.components[name] = r.object(t, input)
	return schema{"$ref": "#/components/schemas/" + name}
}

// componentName names a type's component: its package then its name
// ("listing.View" → "ListingView"), without stutter ("exchange.Exchange" →
// "Exchange"); the API's own types keep their name.
func componentName(t reflect.Type) string {
	name := upperFirst(t.Name())
	pkg := t.PkgPath()
	pkg = pkg[strings.LastIndexByte(pkg, '/')+1:]
	switch pkg {
	case "api":
		return name
	case "abi":
		pkg = "plugin"
	}
	prefix := upperFirst(pkg)
	if strings.HasPrefix(name, prefix) {
		return name
	}
	return prefix + name
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// object is the schema of struct type t.
func (r *reflector) object(t reflect.Type, input bool) schema {
	props := schema{}
	var required []string
	for _, f := range jsonFields(t) {
		s := r.of(f.typ, input)
		key := f.owner + "." + f.name
		doc, ok := r.fields[key]
		if ok {
			r.used[key] = true
			for k, v := range doc.s {
				s[k] = v
			}
		}
		if !input && f.nullable() {
			s = orNull(s)
		}
		props[f.name] = s
		if input && doc.required || !input && !f.omittable() {
			required = append(required, f.name)
		}
	}
	s := schema{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	if input {
		// Request bodies are decoded strictly: an unknown field is refused.
		s["additionalProperties"] = false
	}
	return s
}

// orNull lets a schema also match null.
func orNull(s schema) schema {
	switch typ := s["type"].(type) {
	case string:
		s["type"] = []any{typ, "null"}
		if e, ok := s["enum"].([]string); ok {
			s["enum"] = append(append([]any{}, toAny(e)...), nil)
		}
		return s
	case nil:
		if _, isRef := s["$ref"]; isRef {
			return schema{"anyOf": []any{s, schema{"type": "null"}}}
		}
	}
	return s
}

func toAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// jsonField is one field as encoding/json sees it.
type jsonField struct {
	name      string
	typ       reflect.Type
	omitEmpty bool
	// owner is "package.Type" of the struct declaring the field.
	owner  string
	index  []int
	tagged bool
}

// omittable reports whether the field may be absent from an answer:
// omitempty leaves out false, 0, "", nil and empty slices and maps, never
// a struct.
func (f jsonField) omittable() bool {
	return f.omitEmpty && f.typ.Kind() != reflect.Struct
}

// nullable reports whether the field may be null in an answer: a nil
// pointer (to a value that is not an object: the API always fills the
// objects it points to), slice or map that omitempty does not leave out.
func (f jsonField) nullable() bool {
	if f.omitEmpty || f.typ == rawType {
		return false
	}
	switch f.typ.Kind() {
	case reflect.Pointer:
		return f.typ.Elem().Kind() != reflect.Struct || f.typ.Elem() == timeType
	case reflect.Slice, reflect.Map:
		return true
	}
	return false
}

// jsonFields lists t's fields as encoding/json encodes them: embedded
// structs without a tag flattened, the shallowest field of a name winning
// (a tagged one among equals), ties at the same depth dropped.
func jsonFields(t reflect.Type) []jsonField {
	type queued struct {
		t     reflect.Type
		index []int
	}
	var all []jsonField
	current, visited := []queued{{t, nil}}, map[reflect.Type]bool{}
	for len(current) > 0 {
		var next []queued
		for _, q := range current {
			if visited[q.t] {
				continue
			}
			visited[q.t] = true
			owner := q.t.PkgPath()
			owner = owner[strings.LastIndexByte(owner, '/')+1:] + "." + q.t.Name()
			for i := 0; i < q.t.NumField(); i++ {
				sf := q.t.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				index := append(append([]int{}, q.index...), i)
				if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
					next = append(next, queued{ft, index})
					continue
				}
				tagged := name != ""
				if name == "" {
					name = sf.Name
				}
				all = append(all, jsonField{name: name, typ: sf.Type, owner: owner, index: index, tagged: tagged,
					omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
			}
		}
		current = next
	}
	byName := map[string][]jsonField{}
	for _, f := range all {
		byName[f.name] = append(byName[f.name], f)
	}
	var out []jsonField
	for _, fs := range byName {
		sort.SliceStable(fs, func(i, j int) bool {
			if len(fs[i].index) != len(fs[j].index) {
				return len(fs[i].index) < len(fs[j].index)
			}
			return fs[i].tagged && !fs[j].tagged
		})
		if len(fs) > 1 && len(fs[0].index) == len(fs[1].index) && fs[0].tagged == fs[1].tagged {
			continue // ambiguous: encoding/json drops them all
		}
		out = append(out, fs[0])
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].index, out[j].index
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return len(a) < len(b)
	})
	return out
}
