package metrics

import (
	"database/sql"
	"strings"
	"testing"
	"time"
)

func TestTextHasRequestsLatencyAndPools(t *testing.T) {
	t.Parallel()
	r := New(func() map[string]sql.DBStats {
		return map[string]sql.DBStats{"write": {OpenConnections: 1, MaxOpenConnections: 1}, "read": {OpenConnections: 3, InUse: 2}}
	})
	r.ObserveRequest("GET", "/api/v1/territories/:slug", 200, 3*time.Millisecond)
	r.ObserveRequest("GET", "/api/v1/territories/:slug", 404, time.Millisecond)
	out, err := r.Text()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{
		`campagnon_http_requests_total{method="GET",route="/api/v1/territories/:slug",status="200"} 1`,
		`campagnon_http_requests_total{method="GET",route="/api/v1/territories/:slug",status="404"} 1`,
		`campagnon_http_request_duration_seconds_count{method="GET",route="/api/v1/territories/:slug"} 2`,
		`campagnon_db_open_connections{pool="read"} 3`,
		`campagnon_db_in_use_connections{pool="read"} 2`,
		`campagnon_db_max_open_connections{pool="write"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
