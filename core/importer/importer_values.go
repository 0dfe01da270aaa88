package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/campagnon/campagnon/sdk/abi"
)

// paris is the zone of the forms' dates.
var paris = mustParis()

func mustParis() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic("importer: Europe/Paris is missing although time/tzdata is embedded: " + err.Error())
	}
	return loc
}

// oldest is the earliest date of an answer accepted.
var oldest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// issue is one problem of a value: what is wrong and what to do.
type issue struct{ fr, en, suggestion string }

func (i *issue) Error() string { return i.en }

// parseDate reads an answer's date with the mapping's layouts, or as a
// spreadsheet's serial number; an answer without a time is at noon,
// French time, so that it stays in its day and week.
func parseDate(s string, layouts []string, now time.Time) (time.Time, *issue) {
	s = strings.Join(strings.Fields(s), " ")
	var t time.Time
	ok := false
	for _, l := range layouts {
		p, err := time.ParseInLocation(l, s, paris)
		if err == nil {
			t, ok = p, true
			if !strings.Contains(l, "15") {
				t = t.Add(12 * time.Hour)
			}
			break
		}
	}
	if !ok {
		if f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err == nil && f > 20000 && f < 80000 {
			if u, err := excelize.ExcelDateToTime(f, false); err == nil {
				t, ok = time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), 0, paris), true
				if f == float64(int64(f)) {
					t = t.Add(12 * time.Hour)
				}
			}
		}
	}
	if !ok {
		return time.Time{}, &issue{"date illisible : écrivez-la jj/mm/aaaa", "unreadable date: write it dd/mm/yyyy", dateSuggestion(s)}
	}
	switch {
	case t.Before(oldest):
		return time.Time{}, &issue{"date avant l'an 2000 : l'année a-t-elle quatre chiffres ?", "date before 2000: does the year have four digits?", ""}
	case t.After(now.Add(24 * time.Hour)):
		return time.Time{}, &issue{"date dans le futur : une réponse ne peut pas être postérieure à aujourd'hui",
			"date in the future: an answer cannot be later than today", ""}
	}
	return t, nil
}

var (
	shortYear = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{2})$`)
	dmy       = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})`)
)

// dateSuggestion proposes the date a badly written one probably is: a
// two-digit year, or day and month swapped (an American export).
func dateSuggestion(s string) string {
	if m := shortYear.FindStringSubmatch(s); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		return fmt.Sprintf("%02d/%02d/20%s", d, mo, m[3])
	}
	if m := dmy.FindStringSubmatch(s); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo > 12 && d <= 12 && mo <= 31 {
			return fmt.Sprintf("%02d/%02d/%s", mo, d, m[3])
		}
	}
	return ""
}

// parsePrice reads an hourly price as French forms write it: "12,50",
// "12,50 €", "1 234,5", "12.5", "12 €/h"; it returns cents.
func parsePrice(s string) (int64, *issue) {
	v := strings.ToLower(s)
	for _, cut := range []string{"de l'heure", "de l’heure", "par heure", "l'heure", "€", "euros", "euro", "eur", "/ h", "/h", "h"} {
		v = strings.ReplaceAll(v, cut, "")
	}
	v = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u202f' || r == '\u00a0' {
			return -1
		}
		return r
	}, v)
	if strings.Contains(v, ",") {
		v = strings.ReplaceAll(v, ".", "") // 1.234,50
		v = strings.Replace(v, ",", ".", 1)
	}
	whole, frac, _ := strings.Cut(v, ".")
	bad := &issue{"prix illisible : écrivez un montant en euros, par exemple 12,50", "unreadable price: write an amount in euros, such as 12,50", ""}
	if whole == "" || len(whole) > 7 || len(frac) > 2 || !digits(whole) || (frac != "" && !digits(frac)) {
		if len(frac) > 2 && digits(whole) && digits(frac) {
			bad.suggestion = whole + "," + frac[:2]
		}
		return 0, bad
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	cents := n * 100
	if frac != "" {
		f, _ := strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
		cents += f
	}
	if cents <= 0 || cents > 1_000_000 {
		return 0, &issue{"le prix va de 0,01 € à 10 000 €", "the price is €0.01 to €10,000", ""}
	}
	return cents, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parsePhone returns a French phone number as "06 12 34 56 78".
func parsePhone(s string) (string, *issue) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '+':
			b.WriteRune(r)
		case r == ' ', r == '.', r == '-', r == '(', r == ')', r == '/', r == '\u00a0', r == '\u202f':
		default:
			return "", &issue{"numéro de téléphone illisible : dix chiffres, par exemple 06 12 34 56 78", "unreadable phone number: ten digits, such as 06 12 34 56 78", ""}
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "+33"):
		d = "0" + strings.TrimPrefix(strings.TrimPrefix(d, "+33"), "0")
	case strings.HasPrefix(d, "0033"):
		d = "0" + strings.TrimPrefix(d, "0033")
	}
	if len(d) == 9 && d[0] >= '1' && d[0] <= '9' && digits(d) {
		return "", &issue{"numéro de téléphone à neuf chiffres : le tableur a sans doute retiré le 0 du début", "nine-digit phone number: the spreadsheet probably dropped the leading 0",
			groupPhone("0" + d)}
	}
	if len(d) != 10 || d[0] != '0' || d[1] == '0' || !digits(d) {
		return "", &issue{"numéro de téléphone invalide : dix chiffres commençant par 0, par exemple 06 12 34 56 78", "invalid phone number: ten digits starting with 0, such as 06 12 34 56 78", ""}
	}
	return groupPhone(d), nil
}

func groupPhone(d string) string {
	return d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8] + " " + d[8:10]
}

// modeLabels name the payment modes in reports, French then English.
var modeLabels = map[string][2]string{
	abi.ModeFree:           {"gratuit (bénévole)", "free (volunteer)"},
	abi.ModeTimeCredits:    {"crédits temps", "time credits"},
	abi.ModeCESUDeclaratif: {"CESU déclaratif", "CESU déclaratif"},
	abi.ModeCESUPrefinance: {"CESU préfinancé", "prefunded CESU"},
	abi.ModeProfessional:   {"professionnel (devis et facture)", "professional (quote and invoice)"},
}

// splitAnswers splits a cell holding several answers of a checkbox
// question: "Gratuit, crédits temps", "CESU / devis", "temps et CESU".
func splitAnswers(s string) []string {
	s = strings.NewReplacer(" et ", ",", " ou ", ",", ";", ",", "/", ",", "+", ",", "\n", ",").Replace(s)
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cleanText trims s, and for a title folds every run of spaces and line
// breaks into one space.
func cleanText(s string, oneLine bool) string {
	if oneLine {
		return strings.Join(strings.Fields(s), " ")
	}
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// printable reports valid UTF-8 without control characters other than
// line breaks and tabs (listing's rule).
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// distance is the optimal string alignment distance between a and b
// (edits, a swap of two neighbours counting one), bounded: beyond limit it
// returns limit+1.
func distance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// closeEnough is the largest distance at which a word is a typo of
// another of length n.
func closeEnough(n int) int { return max(2, n/4) }
