package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// maxLine is the length a header line is folded under (RFC 5322 2.1.1).
const maxLine = 78

// idPattern is what an outbox ID may be to become a Message-ID's left part.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ParseFrom reads a sender such as "Campagnon <no-reply@example.fr>" or a
// bare address. It refuses CR and LF (header injection), lists, and
// anything net/mail cannot read.
func ParseFrom(s string) (*netmail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("sender contains CR or LF")
	}
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %w", s, err)
	}
	if !strings.Contains(a.Address, "@") {
		return nil, fmt.Errorf("sender %q has no domain", s)
	}
	return a, nil
}

// check refuses a message that cannot be sent safely: CR or LF in the
// recipient or the subject (header injection), a recipient that is not one
// bare address, text that is not UTF-8. Its errors never quote the
// recipient, so that they can be logged.
func check(m Message) error {
	invalid := func(format string, args ...any) error {
		return &Error{Stage: StageMessage, Op: "message", Permanent: true, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case strings.ContainsAny(m.To, "\r\n"):
		return invalid("recipient address contains CR or LF")
	case strings.ContainsAny(m.Subject, "\r\n"):
		return invalid("subject contains CR or LF")
	case m.To == "":
		return invalid("no recipient address")
	case !utf8.ValidString(m.To) || !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Body):
		return invalid("recipient, subject or body is not UTF-8")
	}
	a, err := netmail.ParseAddress(m.To)
	if err != nil || a.Name != "" || a.Address != m.To {
		return invalid("recipient is not one bare address")
	}
	return nil
}

// format renders m as an RFC 5322 message from from, dated now: headers,
// a blank line, the body in quoted-printable; every line ends with CRLF.
// Call check first.
func format(from *netmail.Address, m Message, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(fold(name+": "+value) + "\r\n")
	}
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(m.ID, from.Address))
	header("From", from.String())
	header("To", (&netmail.Address{Address: m.To}).String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: no vacation autoresponder should answer a notification.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := m.Body
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	return b.Bytes(), nil
}

// messageID returns "<id@domain>": the outbox ID when it is a safe token,
// so that every attempt carries the same Message-ID, else random.
func messageID(id, from string) string {
	if !idPattern.MatchString(id) {
		var r [16]byte
		_, _ = rand.Read(r[:]) // crypto/rand.Read never fails
		id = hex.EncodeToString(r[:])
	}
	return "<" + id + "@" + from[strings.LastIndexByte(from, '@')+1:] + ">"
}

// fold breaks a header line at spaces so that its lines stay under maxLine
// where the words allow; a word longer than that stays whole.
// Encoded-words contain no spaces, and whitespace between two of them is
// ignored when decoding, so folding never changes the decoded value.
func fold(line string) string {
	if len(line) <= maxLine {
		return line
	}
	words := strings.Split(line, " ")
	var b strings.Builder
	n := 0
	for i, w := range words {
		switch {
		case i == 0:
		case n+1+len(w) > maxLine:
			b.WriteString("\r\n")
			n = 0
			fallthrough
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
