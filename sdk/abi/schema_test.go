package abi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// schemaTypes pairs every schema file with its Go type. Every file must be
// listed, and every listed file must exist.
var schemaTypes = map[string]reflect.Type{
	"context.json":                  reflect.TypeFor[Context](),
	"refusal.json":                  reflect.TypeFor[Refusal](),
	"envelope.json":                 reflect.TypeFor[Envelope](),
	"describe_request.json":         reflect.TypeFor[DescribeRequest](),
	"manifest.json":                 reflect.TypeFor[Manifest](),
	"categories_request.json":       reflect.TypeFor[CategoriesRequest](),
	"categories.json":               reflect.TypeFor[Categories](),
	"payment_modes_request.json":    reflect.TypeFor[PaymentModesRequest](),
	"payment_modes.json":            reflect.TypeFor[PaymentModes](),
	"quote_request.json":            reflect.TypeFor[QuoteRequest](),
	"quote.json":                    reflect.TypeFor[Quote](),
	"validate_listing_request.json": reflect.TypeFor[ValidateListingRequest](),
	"listing_verdict.json":          reflect.TypeFor[ListingVerdict](),
}

// schemaSet holds the parsed schema files.
type schemaSet map[string]map[string]any

func loadSchemas(t *testing.T) schemaSet {
	t.Helper()
	set := schemaSet{}
	err := fs.WalkDir(Schemas(), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Schemas(), p)
		if err != nil {
			return err
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		set[p] = doc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// resolve follows $ref from a node of file, returning the target's file and node.
func (s schemaSet) resolve(t *testing.T, file string, node map[string]any) (string, map[string]any) {
	t.Helper()
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return file, node
		}
		target, frag, _ := strings.Cut(ref, "#")
		if target != "" {
			file = path.Clean(target)
		}
		doc, ok := s[file]
		if !ok {
			t.Fatalf("%s: $ref %q: no schema file %s", file, ref, file)
		}
		node = doc
		for _, part := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			if part == "" {
				continue
			}
			next, ok := node[part].(map[string]any)
			if !ok {
				t.Fatalf("%s: $ref %q: no %s", file, ref, part)
			}
			node = next
		}
	}
}

func TestSchemaFilesAreWellFormed(t *testing.T) {
	t.Parallel()
	set := loadSchemas(t)
	for file, doc := range set {
		if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: $schema is %v, want draft 2020-12", file, doc["$schema"])
		}
		if id, _ := doc["$id"].(string); !strings.HasSuffix(id, "/sdk/abi/schema/"+file) {
			t.Errorf("%s: $id %q does not name the file", file, id)
		}
		if _, ok := schemaTypes[file]; !ok {
			t.Errorf("%s: no Go type pairs with this schema in schemaTypes", file)
		}
	}
	for file := range schemaTypes {
		if _, ok := set[file]; !ok {
			t.Errorf("%s: listed in schemaTypes but not in schema/", file)
		}
	}
}

// TestSchemasMatchGoTypes walks every Go type and its schema together: the
// same JSON fields, required exactly when not omitempty, compatible types.
func TestSchemasMatchGoTypes(t *testing.T) {
	t.Parallel()
	set := loadSchemas(t)
	for file, typ := range schemaTypes {
		doc, ok := set[file]
		if !ok {
			continue // reported by TestSchemaFilesAreWellFormed
		}
		t.Run(file, func(t *testing.T) {
			set.compare(t, file, typ.Name(), typ, doc)
		})
	}
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

func (s schemaSet) compare(t *testing.T, file, where string, typ reflect.Type, node map[string]any) {
	file, node = s.resolve(t, file, node)
	types := schemaTypeNames(node)
	switch {
	case typ == rawMessageType:
		if len(types) > 0 && !slices.Contains(types, "object") {
			t.Errorf("%s (%s): raw JSON should be an object or unconstrained, schema says %v", where, file, types)
		}
		return
	case typ.Kind() == reflect.Pointer:
		s.compare(t, file, where, typ.Elem(), node)
		return
	case typ.Kind() == reflect.Struct:
		s.compareStruct(t, file, where, typ, node)
		return
	case typ.Kind() == reflect.Slice:
		if !slices.Contains(types, "array") {
			t.Errorf("%s (%s): Go slice, schema type %v", where, file, types)
			return
		}
		items, ok := node["items"].(map[string]any)
		if !ok {
			t.Errorf("%s (%s): array without items", where, file)
			return
		}
		s.compare(t, file, where+"[]", typ.Elem(), items)
		return
	}
	want := map[reflect.Kind]string{
		reflect.String: "string", reflect.Bool: "boolean",
		reflect.Int: "integer", reflect.Int32: "integer", reflect.Int64: "integer",
	}[typ.Kind()]
	if want == "" {
		t.Fatalf("%s: Go kind %s not handled by this test", where, typ.Kind())
	}
	if len(types) == 0 {
		types = enumTypes(node)
	}
	if len(types) == 0 || slices.ContainsFunc(types, func(s string) bool { return s != want }) {
		t.Errorf("%s (%s): Go %s, schema type %v", where, file, typ.Kind(), types)
	}
}

func (s schemaSet) compareStruct(t *testing.T, file, where string, typ reflect.Type, node map[string]any) {
	if types := schemaTypeNames(node); !slices.Equal(types, []string{"object"}) {
		t.Errorf("%s (%s): Go struct, schema type %v", where, file, types)
	}
	if node["additionalProperties"] != false {
		t.Errorf("%s (%s): additionalProperties must be false", where, file)
	}
	props, _ := node["properties"].(map[string]any)
	var required []string
	for _, r := range node["required"].([]any) {
		required = append(required, r.(string))
	}
	var goFields, goRequired []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			t.Fatalf("%s.%s: no json name", where, f.Name)
		}
		goFields = append(goFields, name)
		if !strings.Contains(opts, "omitempty") {
			goRequired = append(goRequired, name)
		}
		sub, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("%s (%s): field %q is in Go, not in the schema", where, file, name)
			continue
		}
		s.compare(t, file, where+"."+name, f.Type, sub)
	}
	for name := range props {
		if !slices.Contains(goFields, name) {
			t.Errorf("%s (%s): property %q is in the schema, not in Go", where, file, name)
		}
	}
	sort.Strings(required)
	sort.Strings(goRequired)
	if !slices.Equal(required, goRequired) {
		t.Errorf("%s (%s): schema requires %v; Go always writes (no omitempty) %v", where, file, required, goRequired)
	}
}

func schemaTypeNames(node map[string]any) []string {
	switch v := node["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if x != "null" {
				out = append(out, x.(string))
			}
		}
		return out
	}
	return nil
}

// enumTypes infers the JSON types of an enum or const.
func enumTypes(node map[string]any) []string {
	values, _ := node["enum"].([]any)
	if c, ok := node["const"]; ok {
		values = append(values, c)
	}
	var out []string
	for _, v := range values {
		var typ string
		switch v.(type) {
		case string:
			typ = "string"
		case float64:
			typ = "integer"
		case bool:
			typ = "boolean"
		}
		if !slices.Contains(out, typ) {
			out = append(out, typ)
		}
	}
	return out
}

// validator is a small JSON Schema validator for the keywords our schemas
// use; an unknown keyword fails the test, so the schemas stay within what
// this test checks.
type validator struct {
	t    *testing.T
	set  schemaSet
	errs []string
}

var knownKeywords = map[string]bool{
	"$schema": true, "$id": true, "$ref": true, "$defs": true, "title": true, "description": true,
	"type": true, "properties": true, "required": true, "additionalProperties": true, "items": true,
	"enum": true, "const": true, "pattern": true, "format": true, "minLength": true, "maxLength": true,
	"minimum": true, "maximum": true, "minItems": true, "maxItems": true, "uniqueItems": true,
	"if": true, "then": true, "else": true, "not": true,
}

func (v *validator) fail(at, format string, args ...any) {
	v.errs = append(v.errs, at+": "+fmt.Sprintf(format, args...))
}

func (v *validator) validate(file, at string, node map[string]any, x any) {
	for k := range node {
		if !knownKeywords[k] {
			v.t.Fatalf("%s: keyword %q is not handled by the test validator", file, k)
		}
	}
	if _, ok := node["$ref"]; ok {
		f, target := v.set.resolve(v.t, file, node)
		v.validate(f, at, target, x)
	}
	if types := node["type"]; types != nil {
		var allowed []string
		switch ts := types.(type) {
		case string:
			allowed = []string{ts}
		case []any:
			for _, s := range ts {
				allowed = append(allowed, s.(string))
			}
		}
		if got := jsonType(x); !slices.Contains(allowed, got) && !(got == "integer" && slices.Contains(allowed, "number")) {
			v.fail(at, "is %s, want %v", got, allowed)
			return
		}
	}
	if values, ok := node["enum"].([]any); ok && !slices.ContainsFunc(values, func(e any) bool { return reflect.DeepEqual(e, x) }) {
		v.fail(at, "%v is not one of %v", x, values)
	}
	if c, ok := node["const"]; ok && !reflect.DeepEqual(c, x) {
		v.fail(at, "%v is not %v", x, c)
	}
	switch x := x.(type) {
	case string:
		n := float64(utf8.RuneCountInString(x))
		if m, ok := node["minLength"].(float64); ok && n < m {
			v.fail(at, "is shorter than %v", m)
		}
		if m, ok := node["maxLength"].(float64); ok && n > m {
			v.fail(at, "is longer than %v", m)
		}
		if p, ok := node["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			v.fail(at, "%q does not match %s", x, p)
		}
	case float64:
		if m, ok := node["minimum"].(float64); ok && x < m {
			v.fail(at, "%v is below %v", x, m)
		}
		if m, ok := node["maximum"].(float64); ok && x > m {
			v.fail(at, "%v is above %v", x, m)
		}
	case []any:
		if m, ok := node["minItems"].(float64); ok && float64(len(x)) < m {
			v.fail(at, "has fewer than %v items", m)
		}
		if m, ok := node["maxItems"].(float64); ok && float64(len(x)) > m {
			v.fail(at, "has more than %v items", m)
		}
		if node["uniqueItems"] == true {
			for i := range x {
				for j := range i {
					if reflect.DeepEqual(x[i], x[j]) {
						v.fail(at, "items %d and %d are equal", j, i)
					}
				}
			}
		}
		if items, ok := node["items"].(map[string]any); ok {
			for i, e := range x {
				v.validate(file, fmt.Sprintf("%s[%d]", at, i), items, e)
			}
		}
	case map[string]any:
		props, _ := node["properties"].(map[string]any)
		if req, ok := node["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[r.(string)]; !ok {
					v.fail(at, "required property %q is missing", r)
				}
			}
		}
		for k, val := range x {
			sub, ok := props[k].(map[string]any)
			if !ok {
				if node["additionalProperties"] == false {
					v.fail(at, "property %q is not allowed", k)
				}
				continue
			}
			v.validate(file, at+"."+k, sub, val)
		}
	}
	if cond, ok := node["if"].(map[string]any); ok {
		probe := validator{t: v.t, set: v.set}
		probe.validate(file, at, cond, x)
		branch := "then"
		if len(probe.errs) > 0 {
			branch = "else"
		}
		if b, ok := node[branch].(map[string]any); ok {
			v.validate(file, at, b, x)
		}
	}
	if not, ok := node["not"].(map[string]any); ok {
		probe := validator{t: v.t, set: v.set}
		probe.validate(file, at, not, x)
		if len(probe.errs) == 0 {
			v.fail(at, "matches a schema it must not (%v)", not)
		}
	}
}

func jsonType(x any) string {
	switch x := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", x)
}

// schemaExample is one example document of testdata/examples.
type schemaExample struct {
	file   string
	schema string
	// check decodes the example into its Go type (refusing unknown fields)
	// and runs the type's Check.
	check func(data []byte) error
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func checked[T any](check func(*T) error) func([]byte) error {
	return func(data []byte) error {
		var v T
		if err := decodeStrict(data, &v); err != nil {
			return err
		}
		return check(&v)
	}
}

func exampleRequest(t testing.TB) *QuoteRequest {
	var r QuoteRequest
	if err := json.Unmarshal(readExamples(t, "examples/quote_request.json")["quote_request.json"], &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func schemaExamples(t *testing.T) []schemaExample {
	req := exampleRequest(t)
	return []schemaExample{
		{"describe_request.json", "describe_request.json", checked((*DescribeRequest).Check)},
		{"manifest.json", "manifest.json", checked((*Manifest).Check)},
		{"categories_request.json", "categories_request.json", checked((*CategoriesRequest).Check)},
		{"categories.json", "categories.json", checked((*Categories).Check)},
		{"payment_modes_request.json", "payment_modes_request.json", checked((*PaymentModesRequest).Check)},
		{"payment_modes.json", "payment_modes.json", checked(func(p *PaymentModes) error {
			var r PaymentModesRequest
			if err := json.Unmarshal(readExamples(t, "examples/payment_modes_request.json")["payment_modes_request.json"], &r); err != nil {
				return err
			}
			return p.Check(&r)
		})},
		{"quote_request.json", "quote_request.json", checked((*QuoteRequest).Check)},
		{"quote.json", "quote.json", checked(func(q *Quote) error { return q.Check(req) })},
		{"validate_listing_request.json", "validate_listing_request.json", checked((*ValidateListingRequest).Check)},
		{"listing_verdict.json", "listing_verdict.json", checked((*ListingVerdict).Check)},
		{"refusal.json", "refusal.json", checked((*Refusal).Check)},
		{"envelope_ok.json", "envelope.json", checked((*Envelope).Check)},
		{"envelope_refusal.json", "envelope.json", checked((*Envelope).Check)},
	}
}

// TestExamplesMatchSchemas validates every example against its schema,
// decodes it strictly into its Go type and runs the type's Check.
func TestExamplesMatchSchemas(t *testing.T) {
	t.Parallel()
	set := loadSchemas(t)
	files := readExamples(t, "examples/*.json")
	seen := map[string]bool{}
	for _, ex := range schemaExamples(t) {
		seen[ex.file] = true
		t.Run(ex.file, func(t *testing.T) {
			data := files[ex.file]
			var doc any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			v := validator{t: t, set: set}
			v.validate(ex.schema, "$", set[ex.schema], doc)
			if len(v.errs) > 0 {
				t.Errorf("does not match %s:\n%s", ex.schema, strings.Join(v.errs, "\n"))
			}
			if err := ex.check(data); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
	for f := range files {
		if !seen[f] {
			t.Errorf("testdata/examples/%s is not checked by any test", f)
		}
	}
}

// TestExamplesWithoutARequiredFieldFail removes, one at a time, every
// required field present anywhere in every example, and expects the schema
// to reject the result: the required lists are real.
func TestExamplesWithoutARequiredFieldFail(t *testing.T) {
	t.Parallel()
	set := loadSchemas(t)
	files := readExamples(t, "examples/*.json")
	for _, ex := range schemaExamples(t) {
		var doc any
		if err := json.Unmarshal(files[ex.file], &doc); err != nil {
			t.Fatal(err)
		}
		n := 0
		set.visitObjects(t, ex.schema, set[ex.schema], doc, "$", func(at string, obj map[string]any, required []string) {
			for _, name := range required {
				val, ok := obj[name]
				if !ok {
					continue
				}
				delete(obj, name)
				v := validator{t: t, set: set}
				v.validate(ex.schema, "$", set[ex.schema], doc)
				obj[name] = val
				n++
				if len(v.errs) == 0 {
					t.Errorf("%s: without %s.%s it still matches %s", ex.file, at, name, ex.schema)
				}
			}
		})
		if n == 0 && ex.file != "describe_request.json" && ex.file != "listing_verdict.json" {
			t.Errorf("%s: no required field found to remove", ex.file)
		}
	}
}

// visitObjects calls fn for every object of x with the required list of
// its schema node.
func (s schemaSet) visitObjects(t *testing.T, file string, node map[string]any, x any, at string, fn func(string, map[string]any, []string)) {
	file, node = s.resolve(t, file, node)
	switch x := x.(type) {
	case map[string]any:
		var required []string
		for _, r := range asList(node["required"]) {
			required = append(required, r.(string))
		}
		fn(at, x, required)
		props, _ := node["properties"].(map[string]any)
		for k, val := range x {
			if sub, ok := props[k].(map[string]any); ok {
				s.visitObjects(t, file, sub, val, at+"."+k, fn)
			}
		}
	case []any:
		if items, ok := node["items"].(map[string]any); ok {
			for i, e := range x {
				s.visitObjects(t, file, items, e, fmt.Sprintf("%s[%d]", at, i), fn)
			}
		}
	}
}

func asList(x any) []any {
	l, _ := x.([]any)
	return l
}
