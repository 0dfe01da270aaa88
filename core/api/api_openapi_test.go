package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestOpenAPIDocumentsTheRouteTable: the document has one operation per
// route of the table, at its path and method, and no other.
func TestOpenAPIDocumentsTheRouteTable(t *testing.T) {
	t.Parallel()
	routes := Register(fiber.New(), Deps{})
	b, err := OpenAPI(routes)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != OpenAPIVersion {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	n := 0
	for _, ops := range doc.Paths {
		n += len(ops)
	}
	if n != len(routes) {
		t.Errorf("the document has %d operations for %d routes", n, len(routes))
	}
	for _, r := range routes {
		if _, ok := doc.Paths[openAPIPath(r.Path)][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in the document", r.Method, r.Path)
		}
	}
}

// TestJSONFieldsFollowEncodingJSON: the reflected properties of an answer
// are the keys encoding/json writes, embedded structs and shadowed fields
// included.
func TestJSONFieldsFollowEncodingJSON(t *testing.T) {
	t.Parallel()
	type inner struct {
		A string `json:"a"`
		B string `json:"-"`
		C int
		D string `json:"d,omitempty"`
	}
	type outer struct {
		*inner
		B []string `json:"b"`
		C string   `json:"C"`
		e int
	}
	v := outer{inner: &inner{}}
	b, _ := json.Marshal(v)
	var keys map[string]any
	_ = json.Unmarshal(b, &keys)
	var got []string
	for _, f := range jsonFields(reflect.TypeOf(v)) {
		if !f.omittable() {
			got = append(got, f.name)
		}
	}
	var want []string
	for _, k := range []string{"a", "b", "C"} {
		if _, ok := keys[k]; ok {
			want = append(want, k)
		}
	}
	if !reflect.DeepEqual(got, want) || len(keys) != len(want) {
		t.Errorf("fields %v, encoding/json wrote %v", got, keys)
	}
}
