package mail

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
)

// TestFormatDecodesBack renders messages and reads them back with the
// standard library's parsers, as a mail client would.
func TestFormatDecodesBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, from, subject, body string
		wantBody                  string // decoded, CRLF line ends
	}{
		{"short ASCII subject", "Campagnon <no-reply@example.fr>", "Bonjour", "Texte\n", "Texte\r\n"},
		{"long ASCII subject is folded", "no-reply@example.fr",
			strings.Repeat("Campagnon vous informe que ", 6) + "fin", "Texte", "Texte\r\n"},
		{"long accented subject spans several encoded words", "Mairie d'Épineuse-sur-Sologne <mairie@example.fr>",
			strings.Repeat("Réservation confirmée à Épineuse, ", 5), "Été\r\nÀ bientôt\n", "Été\r\nÀ bientôt\r\n"},
		{"body with long lines, dots, trailing spaces and = signs", "no-reply@example.fr", "Lien",
			".\n" + strings.Repeat("a=b ", 40) + "\nfin   \n", ".\r\n" + strings.Repeat("a=b ", 40) + "\r\nfin   \r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from, err := ParseFrom(tt.from)
			if err != nil {
				t.Fatal(err)
			}
			m := Message{ID: "id-1", To: "claire.martin@example.fr", Subject: tt.subject, Body: tt.body}
			if err := check(m); err != nil {
				t.Fatal(err)
			}
			raw, err := format(from, m, testNow)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
				if len(line) > maxLine {
					t.Errorf("line of %d characters: %q", len(line), line)
				}
			}
			if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
				t.Error("a line ends with LF alone")
			}
			got, err := netmail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(got.Header.Get("Subject"))
			if err != nil || subject != tt.subject {
				t.Errorf("subject read back = %q (%v), want %q", subject, err, tt.subject)
			}
			sender, err := got.Header.AddressList("From")
			if err != nil || len(sender) != 1 || sender[0].Name != from.Name || sender[0].Address != from.Address {
				t.Errorf("From read back = %v (%v), want %v", sender, err, from)
			}
			if to, err := got.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != m.To {
				t.Errorf("To read back = %v (%v)", to, err)
			}
			if id := got.Header.Get("Message-ID"); id != "<id-1@example.fr>" {
				t.Errorf("Message-ID = %q", id)
			}
			if d, err := got.Header.Date(); err != nil || !d.Equal(testNow) {
				t.Errorf("Date read back = %v (%v)", d, err)
			}
			body, err := io.ReadAll(quotedprintable.NewReader(got.Body))
			if err != nil || string(body) != tt.wantBody {
				t.Errorf("body read back = %q (%v), want %q", body, err, tt.wantBody)
			}
		})
	}
}

func TestMessageIDFallsBackToRandom(t *testing.T) {
	t.Parallel()
	random := regexp.MustCompile(`^<[0-9a-f]{32}@example\.fr>$`)
	tests := []struct{ id, want string }{
		{"0195a1b2-c3d4", "<0195a1b2-c3d4@example.fr>"},
		{"", ""},
		{"a>b", ""},
		{"a\r\nBcc: x@y", ""},
		{strings.Repeat("a", 65), ""},
	}
	for _, tt := range tests {
		got := messageID(tt.id, "no-reply@example.fr")
		if tt.want != "" && got != tt.want || tt.want == "" && !random.MatchString(got) {
			t.Errorf("messageID(%q) = %q, want %q or a random one", tt.id, got, tt.want)
		}
	}
	if messageID("", "a@example.fr") == messageID("", "a@example.fr") {
		t.Error("two random Message-IDs are equal")
	}
}
