package cesu

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/golden"
)

// goldenInterventions is March–April 2025 for two pairs: summer time starts
// on 30 March, one pair has two wages, one intervention is given in UTC
// and falls in April in Paris, names try formula injection.
func goldenInterventions() []Intervention {
	garden, house, homework := "petits travaux de jardinage", "entretien de la maison", "soutien scolaire"
	return []Intervention{
		{Employer: "emp-2", Employee: "sal-2", Date: utc(2025, time.March, 31, 22, 30), Minutes: 60, NetHourlyCents: minimum, Activity: homework},
		{Employer: "emp-1", Employee: "sal-1", Date: at(2025, time.March, 3, 9, 0), Minutes: 120, NetHourlyCents: 1200, Activity: garden},
		{Employer: "emp-1", Employee: "sal-1", Date: at(2025, time.March, 10, 9, 0), Minutes: 140, NetHourlyCents: 1200, Activity: garden},
		{Employer: "emp-1", Employee: "sal-1", Date: at(2025, time.March, 31, 18, 0), Minutes: 30, NetHourlyCents: 1250, Activity: house},
		{Employer: "emp-2", Employee: "sal-2", Date: utc(2025, time.February, 28, 23, 30), Minutes: 90, NetHourlyCents: minimum, Activity: homework},
		{Employer: "emp-2", Employee: "sal-2", Date: at(2025, time.March, 29, 17, 0), Minutes: 45, NetHourlyCents: minimum, Activity: "  " + homework},
	}
}

func goldenSummaries(t *testing.T) []MonthlySummary {
	t.Helper()
	s, err := Summarize(goldenInterventions())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"emp-1": "Mme Lefèvre", "sal-1": "Jean Dupont", "emp-2": "=cmd|' /C calc'!A0", "sal-2": "@Paul; \"le voisin\""}
	for i := range s {
		s[i].EmployerName, s[i].EmployeeName = names[s[i].Employer], names[s[i].Employee]
	}
	return s
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	got := goldenSummaries(t)
	if len(got) != 3 {
		t.Fatalf("%d summaries, want 3 (emp-1 March, emp-2 March, emp-2 April)", len(got))
	}
	a, b, c := got[0], got[1], got[2]
	if a.Employer != "emp-1" || a.Month != (Month{2025, time.March}) || b.Month != (Month{2025, time.March}) || c.Month != (Month{2025, time.April}) {
		t.Fatalf("order: %v %v / %v %v / %v %v", a.Employer, a.Month, b.Employer, b.Month, c.Employer, c.Month)
	}
	// Two wages: one line each, lowest first, and the sum.
	if len(a.Lines) != 2 || a.Lines[0].NetHourlyCents != 1200 || a.Lines[1].NetHourlyCents != 1250 {
		t.Fatalf("lines %+v", a.Lines)
	}
	l := a.Lines[0]
	if l.Minutes != 260 || l.Interventions != 2 || l.NetCents != 5200 || l.HoursHundredths() != 433 || l.HoursExact() {
		t.Errorf("line at 12 €: %+v, hours %d exact %v", l, l.HoursHundredths(), l.HoursExact())
	}
	if a.Minutes != 290 || a.NetCents != 5200+625 || a.HoursHundredths() != 483 {
		t.Errorf("month: %d min, %d c, %d hundredths", a.Minutes, a.NetCents, a.HoursHundredths())
	}
	if !a.FirstDay.Equal(at(2025, time.March, 3, 0, 0)) || !a.LastDay.Equal(at(2025, time.March, 31, 0, 0)) {
		t.Errorf("days worked %v – %v", a.FirstDay, a.LastDay)
	}
	// 23:30 UTC on 28 February is 1 March in Paris; activities are trimmed.
	if b.Minutes != 135 || !b.FirstDay.Equal(at(2025, time.March, 1, 0, 0)) || !slices.Equal(b.Lines[0].Activities, []string{"soutien scolaire"}) {
		t.Errorf("emp-2 March: %+v", b)
	}
	// 135 min at exactly the minimum: 23,265 € → 23,27 €.
	if b.NetCents != 2327 || !b.HoursExact() || b.HoursHundredths() != 225 {
		t.Errorf("emp-2 March: %d c, %d hundredths", b.NetCents, b.HoursHundredths())
	}
	if c.Declaration.DueDate != at(2025, time.May, 5, 0, 0) {
		t.Errorf("April is due on %v", c.Declaration.DueDate)
	}
	// The order of the input does not matter.
	ivs := goldenInterventions()
	slices.Reverse(ivs)
	again, err := Summarize(ivs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		again[i].EmployerName, again[i].EmployeeName = got[i].EmployerName, got[i].EmployeeName
	}
	var x, y bytes.Buffer
	if err := WriteCSV(&x, got); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&y, again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Error("Summarize depends on the order of its input")
	}
}

func TestSummarizeRoundsOncePerLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		minutes []int
		wage    int64
		want    int64
	}{
		// Three single minutes at 10,50 €: 17,5 c each; rounded each it
		// would be 54 c, once it is 52,5 → 53 c.
		{"half cents add up before rounding", []int{1, 1, 1}, 1050, 53},
		{"7 h 20 at 12 €", []int{200, 240}, 1200, 8800},
		{"exactly the minimum", []int{60, 60, 60}, minimum, 3 * minimum},
		{"a third of a cent", []int{20}, 1001, 334}, // 333,67 c
		{"a long month", []int{MaxMinutes, MaxMinutes, MaxMinutes}, MaxNetHourlyCents, 7_200_000},
	}
	for _, tt := range tests {
		var ivs []Intervention
		for i, m := range tt.minutes {
			ivs = append(ivs, Intervention{Employer: "e", Employee: "s", Date: at(2025, time.May, 2+i, 10, 0), Minutes: m, NetHourlyCents: tt.wage, Activity: "ménage"})
		}
		s, err := Summarize(ivs)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 1 || s[0].NetCents != tt.want {
			t.Errorf("%s: %+v, want %d c", tt.name, s, tt.want)
		}
	}
}

func TestSummarizeSplitsMonthsAtParisMidnight(t *testing.T) {
	t.Parallel()
	iv := func(at time.Time) Intervention {
		return Intervention{Employer: "e", Employee: "s", Date: at, Minutes: 60, NetHourlyCents: 1200, Activity: "ménage"}
	}
	// The autumn change: 31 October 2025 23:30 in Paris is 22:30 UTC.
	s, err := Summarize([]Intervention{iv(utc(2025, time.October, 31, 22, 30)), iv(utc(2025, time.October, 31, 23, 30)), iv(at(2025, time.October, 26, 2, 30))})
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 || s[0].Month != (Month{2025, time.October}) || s[0].Minutes != 120 || s[1].Month != (Month{2025, time.November}) {
		t.Fatalf("summaries %+v", s)
	}
	if !s[1].FirstDay.Equal(at(2025, time.November, 1, 0, 0)) {
		t.Errorf("first day %v", s[1].FirstDay)
	}
}

func TestSummarizeRefusesBadInterventions(t *testing.T) {
	t.Parallel()
	ivs := goldenInterventions()
	ivs[2].Minutes = 0
	ae := wantAppErr(t, func() error { _, err := Summarize(ivs); return err }(), apperr.KindInvalid, "cesu_minutes_out_of_range")
	if !strings.HasPrefix(ae.Message, "Intervention n° 3. ") || !strings.HasPrefix(ae.MessageEN, "Intervention #3. ") {
		t.Errorf("messages %q / %q do not name the intervention", ae.Message, ae.MessageEN)
	}
	if s, err := Summarize(nil); err != nil || len(s) != 0 {
		t.Errorf("Summarize(nil) = %v, %v", s, err)
	}
}

func TestDeclarationCalendar(t *testing.T) {
	t.Parallel()
	march := Month{2025, time.March}
	tests := []struct {
		now      time.Time
		status   DeclarationStatus
		reminder bool
	}{
		{at(2025, time.March, 15, 12, 0), DeclarationNotYet, false},
		{at(2025, time.March, 31, 23, 59), DeclarationNotYet, false},
		{at(2025, time.April, 1, 0, 0), DeclarationOpen, true},
		{utc(2025, time.March, 31, 22, 0), DeclarationOpen, true}, // 00:00 in Paris
		{at(2025, time.April, 5, 23, 59), DeclarationOpen, true},
		{at(2025, time.April, 6, 0, 0), DeclarationLate, false},
		{at(2025, time.June, 1, 0, 0), DeclarationLate, false},
	}
	for _, tt := range tests {
		if got := DeclarationFor(march).Status(tt.now); got != tt.status {
			t.Errorf("status at %v = %v, want %v", tt.now, got, tt.status)
		}
		if got := ReminderDue(march, tt.now); got != tt.reminder {
			t.Errorf("ReminderDue at %v = %v, want %v", tt.now, got, tt.reminder)
		}
	}
	dec := DeclarationFor(Month{2025, time.December})
	if !dec.Opens.Equal(at(2026, time.January, 1, 0, 0)) || !dec.DueDate.Equal(at(2026, time.January, 5, 0, 0)) || !dec.Deadline.Equal(at(2026, time.January, 6, 0, 0)) {
		t.Errorf("December 2025: %+v", dec)
	}
	if DeclarationOpen.String() != "open" || DeclarationLate.String() != "late" || DeclarationNotYet.String() != "not_yet" {
		t.Error("status names")
	}
}

func TestWriteCSVGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, goldenSummaries(t)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "summary.csv", buf.Bytes())

	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) || !utf8.Valid(b) {
		t.Fatal("the CSV is not UTF-8 with a byte-order mark")
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v", err)
	}
	if len(rows) != 1+3+1+1 {
		t.Fatalf("%d rows, want header + 3 lines + 1 total + 1 line", len(rows))
	}
	for _, row := range rows {
		for _, cell := range row {
			if formulaLike(cell) {
				t.Errorf("cell %q could run as a formula", cell)
			}
		}
	}
	if rows[4][1] != "'=cmd|' /C calc'!A0" || rows[4][2] != "'@Paul; \"le voisin\"" {
		t.Errorf("names not neutralised: %q %q", rows[4][1], rows[4][2])
	}
	if rows[1][10] != "12,00" || rows[1][11] != "52,00" || rows[1][3] != "03/03/2025" || rows[1][12] != "05/04/2025" {
		t.Errorf("first line %q", rows[1])
	}
	if rows[3][5] != csvLineTotal || rows[3][11] != "58,25" {
		t.Errorf("total row %q", rows[3])
	}
}

func TestWriteHTMLGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := goldenSummaries(t)
	if err := WriteHTMLPage(&buf, s[:2], "/static/campagnon.css"); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "summary.html", buf.Bytes())
	page := buf.String()
	for _, bad := range []string{"<script", "style=", "=cmd|' /C", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	for _, want := range []string{`<html lang="fr">`, "Relevé CESU — mars 2025", "samedi 5 avril 2025", "58,25 €", "4,33", "Total du mois", "ne calcule pas les cotisations"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}

	var frag bytes.Buffer
	if err := WriteHTML(&frag, nil); err != nil || !strings.Contains(frag.String(), "Aucune intervention") {
		t.Errorf("empty fragment %q, %v", frag.String(), err)
	}
	frag.Reset()
	if err := WriteHTMLPage(&frag, s, "javascript:alert(1)"); err != nil || strings.Contains(frag.String(), "javascript:") || !strings.Contains(frag.String(), "<title>Relevés CESU — Campagnon</title>") {
		t.Errorf("page with an unsafe stylesheet or several months: %v\n%s", err, frag.String())
	}
}

func TestNeutraliseCell(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Jean Dupont", "Jean Dupont"},
		{"10,34", "10,34"},
		{"=1+2", "'=1+2"},
		{"+33 6 12 34 56 78", "'+33 6 12 34 56 78"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"  =1", "'  =1"},
		{"\u00a0=1", "'\u00a0=1"},
		{"＝1", "'＝1"},
		{"a=1", "a=1"},
		{"Marie-Jeanne", "Marie-Jeanne"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
	}
	for _, tt := range tests {
		if got := NeutraliseCell(tt.in); got != tt.want {
			t.Errorf("NeutraliseCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNeutraliseCell(f *testing.F) {
	for _, s := range []string{"", "=1+2", "+", "-", "@", "\t", "\r\n=", " =x", "Jean", "a;b\"c\nd", "\xff=", "＠x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := NeutraliseCell(in)
		if !utf8.ValidString(out) {
			t.Fatalf("NeutraliseCell(%q) = %q is not UTF-8", in, out)
		}
		if formulaLike(out) {
			t.Fatalf("NeutraliseCell(%q) = %q still looks like a formula", in, out)
		}
		// Only a leading apostrophe is ever added.
		if valid := strings.ToValidUTF8(in, "\uFFFD"); out != valid && out != "'"+valid {
			t.Fatalf("NeutraliseCell(%q) = %q changes more than needed", in, out)
		}
		// What a spreadsheet would see first is never a formula sign.
		first, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(out, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }))
		if strings.ContainsRune("=+-@＝＋－＠", first) {
			t.Fatalf("NeutraliseCell(%q) = %q starts with %q", in, out, first)
		}
		// The cell survives a round trip through the CSV writer and reader.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Comma = ';'
		w.UseCRLF = true
		if err := w.Write([]string{out, "x"}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		r := csv.NewReader(&buf)
		r.Comma = ';'
		row, err := r.Read()
		if err != nil {
			t.Fatalf("cell %q does not read back: %v", out, err)
		}
		// With UseCRLF, encoding/csv drops carriage returns inside a field
		// (and writes line feeds as CRLF, which it reads back as LF).
		if want := strings.ReplaceAll(out, "\r", ""); len(row) != 2 || row[0] != want {
			t.Fatalf("cell %q reads back as %q", out, row)
		}
	})
}
