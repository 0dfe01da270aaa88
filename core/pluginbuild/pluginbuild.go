// Package pluginbuild compiles a Go territory plugin to WebAssembly with the
// stock Go toolchain (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared), and keeps
// a content-addressed cache of built modules so that tests and `make` rebuild
// only what changed. It runs the `go` command; it never runs the plugin.
package pluginbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Options adjusts a build.
type Options struct {
	// Stderr receives the compiler's messages; nil discards them (they are
	// still returned in the error).
	Stderr io.Writer
	// Timeout bounds the build; zero means 5 minutes.
	Timeout time.Duration
}

// env is the environment of every plugin build.
func env() []string {
	return append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
}

// Build compiles the Go main package in dir into the WebAssembly module out.
// The package registers its handlers from init() with sdk/plugin and has an
// empty main().
func Build(ctx context.Context, dir, out string, o Options) error {
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("plugin output path %s: %w", out, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return fmt.Errorf("create output folder for %s: %w", out, err)
	}
	tmpFile, err := os.CreateTemp(filepath.Dir(abs), filepath.Base(abs)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", out, err)
	}
	tmp := tmpFile.Name()
	_ = tmpFile.Close()
	cmd := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", tmp, ".")
	cmd.Dir = dir
	cmd.Env = env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if o.Stderr != nil {
		cmd.Stderr = io.MultiWriter(&stderr, o.Stderr)
	}
	if err := cmd.Run(); err != nil {
		_ = os.Remove(tmp)
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("build plugin %s: the go command is not installed or not on PATH (Go 1.26 or newer is needed)", dir)
		}
		return fmt.Errorf("build plugin %s: %w\n%s", dir, err, strings.TrimSpace(stderr.String()))
	}
	if err := os.Rename(tmp, abs); err != nil {
		return fmt.Errorf("install built plugin %s: %w", out, err)
	}
	return nil
}

// SourceHash returns a hash of every non-standard-library Go source file the
// plugin in dir depends on (as the wasip1 build sees them), with go.mod and
// go.sum of the modules involved: a built module is up to date when this
// hash has not changed.
func SourceHash(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f",
		`{{if not .Standard}}{{.Dir}}{{"\t"}}{{join .GoFiles "\t"}}{{"\t"}}{{join .EmbedFiles "\t"}}{{if .Module}}{{"\t"}}{{.Module.GoMod}}{{end}}{{end}}`, ".")
	cmd.Dir = dir
	cmd.Env = env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("list the sources of plugin %s: %w\n%s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var files []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) == 0 || fields[0] == "" {
			continue
		}
		pkgDir := fields[0]
		for _, f := range fields[1:] {
			if f == "" {
				continue
			}
			if !filepath.IsAbs(f) {
				f = filepath.Join(pkgDir, f)
			}
			files = append(files, f)
			if strings.HasSuffix(f, "go.mod") {
				files = append(files, strings.TrimSuffix(f, "go.mod")+"go.sum")
			}
		}
	}
	sort.Strings(files)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", goVersion(ctx))
	prev := ""
	for _, f := range files {
		if f == prev {
			continue
		}
		prev = f
		data, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) && strings.HasSuffix(f, "go.sum") {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("hash plugin source %s: %w", f, err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func goVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// Cached builds the plugin in dir into cacheDir unless a module built from
// the same sources is already there, and returns its path. Concurrent calls
// for the same sources are safe: the file is written then renamed.
func Cached(ctx context.Context, dir, cacheDir string, o Options) (string, error) {
	sum, err := SourceHash(ctx, dir)
	if err != nil {
		return "", err
	}
	out := filepath.Join(cacheDir, filepath.Base(filepath.Clean(dir))+"-"+sum[:16]+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := Build(ctx, dir, out, o); err != nil {
		return "", err
	}
	return out, nil
}

// TestCacheDir is the folder tests keep built plugins in, shared between
// runs on one machine: the user cache folder, or the system temporary folder.
func TestCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "campagnon", "plugins")
	}
	return filepath.Join(os.TempDir(), "campagnon-plugins")
}

// Install builds (or takes from cacheDir) the named plugins of pluginsDir
// (pluginsDir/<name>) and copies each to outDir/<name>.wasm, as `make
// plugins` lays them out for plugins.dir. Tests use it to serve the real
// plugins.
func Install(ctx context.Context, pluginsDir, cacheDir, outDir string, names ...string) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("create plugin folder %s: %w", outDir, err)
	}
	for _, name := range names {
		built, err := Cached(ctx, filepath.Join(pluginsDir, name), cacheDir, Options{})
		if err != nil {
			return err
		}
		data, err := os.ReadFile(built)
		if err != nil {
			return fmt.Errorf("read built plugin %s: %w", built, err)
		}
		if err := os.WriteFile(filepath.Join(outDir, name+".wasm"), data, 0o644); err != nil {
			return fmt.Errorf("install plugin %s: %w", name, err)
		}
	}
	return nil
}
