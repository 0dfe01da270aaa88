package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in       string
		key, val string
		wantErr  bool
	}{
		{"Accept: application/json", "Accept", "application/json", false},
		{"X-Token:abc:def", "X-Token", "abc:def", false},
		{"  Host :  example.test ", "Host", "example.test", false},
		{"X-Empty:", "X-Empty", "", false},
		{"no colon", "", "", true},
		{": value", "", "", true},
		{"Bad Key: v", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			k, v, err := parseHeader(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseHeader(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if k != tt.key || v != tt.val {
				t.Errorf("parseHeader(%q) = %q, %q, want %q, %q", tt.in, k, v, tt.key, tt.val)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no url", []string{"-c", "2"}, "-url is required"},
		{"remote refused", []string{"-url", "http://example.com/"}, "pass -allow-remote"},
		{"remote among loopback", []string{"-url", "http://127.0.0.1:1/", "-url", "https://10.1.2.3/"}, "not a loopback host"},
		{"bad scheme", []string{"-url", "ftp://127.0.0.1/"}, "scheme must be http or https"},
		{"bad clients", []string{"-url", "http://127.0.0.1:1/", "-c", "0"}, "clients must be between"},
		{"no duration", []string{"-url", "http://127.0.0.1:1/", "-d", "0"}, "either duration or requests"},
		{"bad header", []string{"-url", "http://127.0.0.1:1/", "-H", "nocolon"}, "want 'Key: Value'"},
		{"json and markdown", []string{"-url", "http://127.0.0.1:1/", "-json", "-markdown"}, "exclusive"},
		{"missing body file", []string{"-url", "http://127.0.0.1:1/", "-body", filepath.Join(t.TempDir(), "nope")}, "open body file"},
		{"stray argument", []string{"-url", "http://127.0.0.1:1/", "extra"}, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want empty", stdout.String())
			}
		})
	}
}

func TestRunOutputs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Campagnon") != "1" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"territories":["Creuse"]}`))
	}))
	defer srv.Close()
	bodyFile := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(bodyFile, []byte(`{"q":"bois"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"-url", srv.URL + "/api/v1/territories", "-c", "2", "-n", "40", "-warmup", "0",
		"-H", "X-Campagnon: 1", "-method", "POST", "-body", bodyFile}

	tests := []struct {
		name  string
		extra []string
		check func(t *testing.T, out string)
	}{
		{"text", nil, func(t *testing.T, out string) {
			for _, want := range []string{"baseline: requests=40 errors=0", "target:   requests=40 errors=0", "ratios (target/baseline): throughput"} {
				if !strings.Contains(out, want) {
					t.Errorf("text output lacks %q:\n%s", want, out)
				}
			}
		}},
		{"markdown", []string{"-markdown", "-scenario", "territories POST"}, func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "| scenario |") || strings.Count(out, "| territories POST |") != 3 {
				t.Errorf("markdown output:\n%s", out)
			}
		}},
		{"json", []string{"-json"}, func(t *testing.T, out string) {
			var rep struct {
				URLs            []string `json:"urls"`
				ThroughputRatio float64  `json:"throughput_ratio"`
				P50Ratio        float64  `json:"p50_ratio"`
				Target          struct {
					Requests     int            `json:"requests"`
					StatusCounts map[string]int `json:"status_counts"`
				} `json:"target"`
				Baseline struct {
					Requests int `json:"requests"`
				} `json:"baseline"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("decode JSON: %v\n%s", err, out)
			}
			if rep.Target.Requests != 40 || rep.Baseline.Requests != 40 || rep.Target.StatusCounts["200"] != 40 ||
				rep.ThroughputRatio <= 0 || rep.P50Ratio <= 0 || len(rep.URLs) != 1 {
				t.Errorf("unexpected JSON report: %+v", rep)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), append(append([]string{}, base...), tt.extra...), &stdout, &stderr); code != exitOK {
				t.Fatalf("exit code = %d, stderr:\n%s", code, stderr.String())
			}
			tt.check(t, stdout.String())
		})
	}
}
