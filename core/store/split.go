package store

import (
	"strings"
)

// StatementMarker is the line that separates statements in a migration file
// whose statements contain semicolons at the end of lines, such as function
// or trigger bodies. See SplitStatements.
const StatementMarker = "-- +statement"

// Statement is one SQL statement of a migration file.
type Statement struct {
	// SQL is the statement text, trimmed.
	SQL string
	// Line is the 1-based line of the file where the statement starts, for
	// error messages.
	Line int
}

// SplitStatements splits the text of a migration file into statements, each
// to be executed on its own. The rule is:
//
//   - If any line of the file is the marker "-- +statement" (surrounding
//     blanks ignored), the file is split on those marker lines and only on
//     them: each part between markers is one statement, whatever semicolons
//     it contains. Use this for function, trigger or DO bodies.
//   - Otherwise a statement ends at every line whose last non-blank character
//     is ';', unless that line is a "--" comment. A ';' in the middle of a
//     line does not end a statement, so write one statement per line group
//     and end it with ';' at the end of its last line.
//
// Parts that hold only blanks and "--" comment lines are dropped. Text after
// the last statement-ending line is a statement of its own when it holds
// anything else.
//
// Migrations are split rather than sent whole: modernc.org/sqlite does run
// every statement of a multi-statement Exec, and pgx does too when the query
// has no arguments (it then uses the simple protocol), but running statements
// one at a time does not depend on those driver details and lets an error
// name the statement and line that failed.
func SplitStatements(src string) []Statement {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	lines := strings.Split(src, "\n")

	marked := false
	for _, l := range lines {
		if isMarker(l) {
			marked = true
			break
		}
	}

	var (
		out   []Statement
		buf   []string
		start int // 1-based line of buf[0]
	)
	flush := func() {
		if st, ok := makeStatement(buf, start); ok {
			out = append(out, st)
		}
		buf = buf[:0]
	}
	for i, l := range lines {
		if marked && isMarker(l) {
			flush()
			continue
		}
		if len(buf) == 0 {
			start = i + 1
		}
		buf = append(buf, l)
		if !marked {
			t := strings.TrimSpace(l)
			if strings.HasSuffix(t, ";") && !strings.HasPrefix(t, "--") {
				flush()
			}
		}
	}
	flush()
	return out
}

// isMarker reports whether line is the StatementMarker.
func isMarker(line string) bool {
	return strings.TrimSpace(line) == StatementMarker
}

// makeStatement joins lines (the first of which is line start of the file)
// into a statement, and reports false if they hold no SQL, only blanks and
// comments.
func makeStatement(lines []string, start int) (Statement, bool) {
	first := -1
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "--") {
			first = i
			break
		}
	}
	if first < 0 {
		return Statement{}, false
	}
	return Statement{
		SQL:  strings.TrimSpace(strings.Join(lines[first:], "\n")),
		Line: start + first,
	}, true
}
