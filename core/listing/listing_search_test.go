package listing

import (
	"context"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/schema/schematest"
	"github.com/campagnon/campagnon/core/store/storetest"
)

// TestSearchQueriesUseThePrimaryKey: on SQLite, the page of a reindex and
// the read-back of a search's hits go through the listings' primary key.
// With the status or the territory in the WHERE clause the planner took
// their indexes instead: a reindex of 100,000 listings sorted them all
// again for every page (66 s instead of 13 s), and each search read every
// listing of its territory to return 20 (68 requests/s instead of 413,
// docs/benchmarks.md).
func TestSearchQueriesUseThePrimaryKey(t *testing.T) {
	st := schematest.Open(t, storetest.New(t, "sqlite"))
	s := &Service{store: st}
	var rows []searchRow
	var ls []Listing
	tests := []struct {
		name, sql string
	}{
		{"first page of a reindex", s.pageQuery(&rows, "", 500).String()},
		{"next page of a reindex", s.pageQuery(&rows, "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", 500).String()},
		{"a search's hits", s.hitsQuery(&ls, []string{"a", "b", "c"}).String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := st.DB().QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			defer plan.Close()
			var steps []string
			for plan.Next() {
				var id, parent, unused int
				var detail string
				if err := plan.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				steps = append(steps, detail)
			}
			if err := plan.Err(); err != nil {
				t.Fatal(err)
			}
			all := strings.Join(steps, "\n")
			if !strings.Contains(all, "sqlite_autoindex_listings_1") || strings.Contains(all, "TEMP B-TREE") {
				t.Errorf("plan of %s:\n%s\nwant the primary key (sqlite_autoindex_listings_1) and no sort", tt.sql, all)
			}
		})
	}
}
