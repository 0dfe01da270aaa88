package privacy

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/schema"
)

var (
	createTable = regexp.MustCompile(`(?is)CREATE TABLE\s+(\w+)\s*\((.*?)\n\);`)
	addColumn   = regexp.MustCompile(`(?is)ALTER TABLE\s+(\w+)\s+ADD\s+(?:COLUMN\s+)?(\w+)`)
)

// migrationColumns reads the columns of every table created by the
// migrations, every dialect's file (ALTER TABLE … ADD COLUMN included).
func migrationColumns(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	seen := map[string]bool{}
	files, err := fs.Glob(schema.Migrations(), "*.up*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration found: %v", err)
	}
	add := func(table, col string) {
		k := table + "." + strings.ToLower(col)
		if !seen[k] {
			seen[k] = true
			out[table] = append(out[table], strings.ToLower(col))
		}
	}
	for _, name := range files {
		b, err := fs.ReadFile(schema.Migrations(), name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
			for _, line := range strings.Split(m[2], "\n") {
				f := strings.Fields(strings.TrimSpace(line))
				if len(f) == 0 || strings.HasPrefix(f[0], "--") {
					continue
				}
				switch strings.ToUpper(f[0]) {
				case "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "CONSTRAINT":
					continue
				}
				add(m[1], f[0])
			}
		}
		for _, m := range addColumn.FindAllStringSubmatch(string(b), -1) {
			add(m[1], m[2])
		}
	}
	return out
}

// TestEveryColumnClassified fails when a column of the schema is
// neither in PersonalColumns nor in technicalColumns, when one is in both,
// or when the registry names a column that does not exist.
func TestEveryColumnClassified(t *testing.T) {
	cols := migrationColumns(t)
	known := map[string]string{}
	categories := map[string]bool{CategoryIdentity: true, CategoryContact: true, CategoryCredential: true,
		CategoryLocation: true, CategoryProfessional: true, CategoryActivity: true, CategoryMessage: true, CategoryPseudonym: true, CategoryContent: true}
	for _, p := range PersonalColumns {
		k := p.Table + "." + p.Column
		if known[k] != "" {
			t.Errorf("%s classified twice", k)
		}
		known[k] = "personal"
		if !categories[p.Category] || p.Retention == "" {
			t.Errorf("%s: category %q or retention %q missing", k, p.Category, p.Retention)
		}
	}
	for table, cs := range technicalColumns {
		for _, c := range cs {
			k := table + "." + c
			if known[k] != "" {
				t.Errorf("%s is both personal and technical", k)
			}
			known[k] = "technical"
		}
	}
	var missing []string
	for table, cs := range cols {
		for _, c := range cs {
			k := table + "." + c
			if known[k] == "" {
				missing = append(missing, k)
			}
			delete(known, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		t.Errorf("column %s is not classified: add it to PersonalColumns (with its category and retention) or, if it holds no personal data, to technicalColumns", k)
	}
	for k := range known {
		t.Errorf("registry names %s, which no migration creates", k)
	}
}
