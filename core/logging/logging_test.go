package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestRequestIDOnEveryLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, err := New(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithRequestID(context.Background(), "req-42")
	log.With("component", "test").InfoContext(ctx, "hello")
	log.InfoContext(context.Background(), "no request")
	log.DebugContext(ctx, "below level")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2: %s", len(lines), buf.String())
	}
	var first, second map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first["request_id"] != "req-42" || first["component"] != "test" {
		t.Errorf("first line = %v", first)
	}
	if _, ok := second["request_id"]; ok {
		t.Errorf("second line has a request id: %v", second)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ format, level string }{{"xml", "info"}, {"json", "loud"}} {
		if _, err := New(&bytes.Buffer{}, tc.format, tc.level); err == nil {
			t.Errorf("New(%q, %q) accepted", tc.format, tc.level)
		}
	}
}
