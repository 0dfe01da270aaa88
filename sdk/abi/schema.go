package abi

import (
	"embed"
	"io/fs"
)

//go:embed schema/*.json
var schemaFiles embed.FS

// Schemas returns the JSON Schemas (draft 2020-12) of ABI version 1, one
// file per wire type, such as "quote.json" and "quote_request.json", plus
// "envelope.json", "refusal.json" and "context.json", which the others
// reference by relative $ref. A test keeps them in step with the Go types.
func Schemas() fs.FS {
	sub, err := fs.Sub(schemaFiles, "schema")
	if err != nil {
		panic("abi: embedded schemas: " + err.Error()) // a build defect: the directory is embedded above
	}
	return sub
}
