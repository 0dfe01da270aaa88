package credential

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTSV returns the rows of testdata/name, skipping blank lines and
// '#' comments, and fails the test when a row has not exactly n fields.
func readTSV(t testing.TB, name string, n int) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != n {
			t.Fatalf("%s: want %d tab-separated fields in %q", name, n, line)
		}
		rows = append(rows, fields)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return rows
}
