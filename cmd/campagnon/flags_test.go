package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		max       int
		wantPos   []string
		wantJSON  bool
		wantNear  float64
		wantErr   error
		wantInOut string
	}{
		{"flags after positional", []string{"portes-de-sologne", "--json"}, 1, []string{"portes-de-sologne"}, true, 0, nil, ""},
		{"flags before positional", []string{"--json", "portes-de-sologne"}, 1, []string{"portes-de-sologne"}, true, 0, nil, ""},
		{"flag with separate value", []string{"songeons", "--near", "5"}, -1, []string{"songeons"}, false, 5, nil, ""},
		{"flag with equals", []string{"--near=2.5", "songeons"}, -1, []string{"songeons"}, false, 2.5, nil, ""},
		{"double dash makes the rest positional", []string{"--", "-x", "--near", "5"}, -1, []string{"-x", "--near", "5"}, false, 0, nil, ""},
		{"unknown flag in French", []string{"--frobnicate"}, -1, nil, false, 0, errUsage, "option inconnue -frobnicate"},
		{"missing value in French", []string{"--near"}, -1, nil, false, 0, errUsage, "attend une valeur"},
		{"bad value in French", []string{"--near", "far"}, -1, nil, false, 0, errUsage, "valeur \"far\" refusée pour l'option -near"},
		{"too many positional arguments", []string{"a", "b"}, 1, nil, false, 0, errUsage, "argument(s) en trop : b"},
		{"help", []string{"-h"}, 0, nil, false, 0, errHelp, "Usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			fs, _ := newFlags("test", "test [--json] [--near KM] ARGS", &out)
			asJSON := fs.Bool("json", false, "")
			near := fs.Float64("near", 0, "")
			pos, err := parse(fs, tt.args, tt.max)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v (output %q)", err, tt.wantErr, out.String())
			}
			if tt.wantInOut != "" && !strings.Contains(out.String(), tt.wantInOut) {
				t.Errorf("output %q lacks %q", out.String(), tt.wantInOut)
			}
			if err != nil {
				return
			}
			if strings.Join(pos, "|") != strings.Join(tt.wantPos, "|") || *asJSON != tt.wantJSON || *near != tt.wantNear {
				t.Errorf("pos=%q json=%v near=%v", pos, *asJSON, *near)
			}
		})
	}
}
