// Package schema holds Campagnon's database migrations, one numbered pair of
// SQL files per change (NNNN_name.up.sql and NNNN_name.down.sql, with optional
// .postgres.sql or .sqlite.sql overrides where the dialects differ). The same
// files give the same schema on SQLite and PostgreSQL; store.Migrator applies
// them.
package schema

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var files embed.FS

// Migrations returns the migration files, rooted at the folder that holds them.
func Migrations() fs.FS {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		panic(err) // the embedded path is fixed at compile time
	}
	return sub
}
