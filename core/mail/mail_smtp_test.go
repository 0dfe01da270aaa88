package mail

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testCert is a self-signed certificate for 127.0.0.1 and localhost, made
// once for the whole test binary.
var testCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "campagnon test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
})

// testTLS returns the test server's TLS configuration and a client
// configuration that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	cert, err := testCert()
	if err != nil {
		t.Fatalf("make a test certificate: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	return &tls.Config{Certificates: []tls.Certificate{cert}}, &tls.Config{RootCAs: roots}
}

// fakeSMTP is a small SMTP server on 127.0.0.1 for these tests. It speaks
// EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA and QUIT, answers as its
// fields say, and records every session.
type fakeSMTP struct {
	implicitTLS bool   // TLS from the first byte (port 465 style)
	noSTARTTLS  bool   // do not offer STARTTLS
	silent      bool   // accept connections and never say a word
	user, pass  string // credentials AUTH PLAIN accepts; "" : AUTH not offered
	mailReply   string // answer to MAIL instead of 250
	rcptReply   string // answer to RCPT instead of 250
	dataReply   string // answer after the data instead of 250

	addr     string
	tls      *tls.Config
	sessions chan session  // one per connection, when it ends
	accepted chan struct{} // one per connection, when it is accepted
}

// session is what one connection brought.
type session struct {
	commands []string // every command line, as received
	data     []byte   // the DATA bytes as received (dot-stuffed, CRLF), without the final ".\r\n"
	tls      bool     // whether the session was encrypted when it ended
}

// start listens on 127.0.0.1 until the test ends.
func (f *fakeSMTP) start(t *testing.T) {
	t.Helper()
	f.tls, _ = testTLS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	f.addr = ln.Addr().String()
	f.sessions = make(chan session, 8)
	f.accepted = make(chan struct{}, 8)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			f.accepted <- struct{}{}
			go f.serve(conn)
		}
	}()
}

// port returns the port the server listens on.
func (f *fakeSMTP) port(t *testing.T) int {
	t.Helper()
	_, p, _ := net.SplitHostPort(f.addr)
	n, err := net.LookupPort("tcp", p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fakeSMTP) serve(conn net.Conn) {
	var s session
	defer func() { f.sessions <- s }()
	defer func() { _ = conn.Close() }()
	if f.silent {
		_, _ = io.Copy(io.Discard, conn) // until the client gives up
		return
	}
	if f.implicitTLS {
		conn = tls.Server(conn, f.tls)
		s.tls = true
	}
	r := bufio.NewReader(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			_, _ = io.WriteString(conn, l+"\r\n")
		}
	}
	or := func(answer, def string) string {
		if answer != "" {
			return answer
		}
		return def
	}
	reply("220 smtp.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\r\n")
		s.commands = append(s.commands, line)
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"smtp.test"}
			if !s.tls && !f.noSTARTTLS {
				ext = append(ext, "STARTTLS")
			}
			if f.user != "" {
				ext = append(ext, "AUTH PLAIN")
			}
			for i, e := range ext {
				if i < len(ext)-1 {
					reply("250-" + e)
				} else {
					reply("250 " + e)
				}
			}
		case "STARTTLS":
			reply("220 2.0.0 Ready to start TLS")
			tc := tls.Server(conn, f.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, r, s.tls = tc, bufio.NewReader(tc), true
		case "AUTH":
			want := "PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+f.user+"\x00"+f.pass))
			if arg == want {
				reply("235 2.7.0 Authentication successful")
			} else {
				reply("535 5.7.8 Authentication credentials invalid")
			}
		case "MAIL":
			reply(or(f.mailReply, "250 2.1.0 Ok"))
		case "RCPT":
			reply(or(f.rcptReply, "250 2.1.5 Ok"))
		case "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				s.data = append(s.data, l...)
			}
			reply(or(f.dataReply, "250 2.0.0 Ok: queued as 42"))
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 Error: command not recognized")
		}
	}
}

// testNow is the date of the test messages.
var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600))

// verification is a message like the accounts' verification email, with a
// line that starts with a dot and one that ends with a space.
var verification = Message{
	ID:      "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
	Kind:    "email",
	To:      "claire.martin@example.fr",
	Subject: "Campagnon : confirmez votre adresse électronique",
	Body: "Bonjour Claire,\n\nPour activer votre compte Campagnon, ouvrez ce lien dans les 24 heure(s) :\n\n" +
		"http://localhost:8080/compte/verifier?jeton=cmp_verify_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789\n\n" +
		".Une ligne qui commence par un point.\nFin. \n",
}

// verificationBytes is verification as the server must receive it:
// headers, quoted-printable body, dot-stuffed, every line ending in CRLF.
var verificationBytes = strings.Join([]string{
	"Date: Mon, 02 Mar 2026 09:30:00 +0100",
	"Message-ID: <0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b@campagnon.example>",
	`From: "Campagnon" <no-reply@campagnon.example>`,
	"To: <claire.martin@example.fr>",
	"Subject: =?utf-8?q?Campagnon_:_confirmez_votre_adresse_=C3=A9lectronique?=",
	"MIME-Version: 1.0",
	"Content-Type: text/plain; charset=utf-8",
	"Content-Transfer-Encoding: quoted-printable",
	"Auto-Submitted: auto-generated",
	"",
	"Bonjour Claire,",
	"",
	"Pour activer votre compte Campagnon, ouvrez ce lien dans les 24 heure(s) :",
	"",
	"http://localhost:8080/compte/verifier?jeton=3Dcmp_verify_AbCdEfGhIjKlMnOpQr=", // 76 characters, the most RFC 2045 allows
	"StUvWxYz0123456789",
	"",
	"..Une ligne qui commence par un point.",
	"Fin.=20",
	"",
}, "\r\n")

// authPlain is AUTH PLAIN's initial response for campagnon / s3cr3t.
var authPlain = "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00campagnon\x00s3cr3t"))

func TestSMTPSend(t *testing.T) {
	t.Parallel()
	rejected := verification
	rejected.Subject = "Bonjour"
	tests := []struct {
		name   string
		server fakeSMTP
		mode   TLSMode
		user   string // password s3cr3t
		msg    Message
		// what the server must have received; nil: nothing checked
		commands []string
		data     string
		tls      bool
		// the error; "" : none
		op        string
		stage     Stage
		code      int
		permanent bool
	}{
		{name: "STARTTLS then AUTH PLAIN, exact bytes",
			server: fakeSMTP{user: "campagnon", pass: "s3cr3t"}, mode: TLSStartTLS, user: "campagnon", msg: verification,
			commands: []string{"EHLO campagnon.test", "STARTTLS", "EHLO campagnon.test", authPlain,
				"MAIL FROM:<no-reply@campagnon.example>", "RCPT TO:<claire.martin@example.fr>", "DATA", "QUIT"},
			data: verificationBytes, tls: true},
		{name: "implicit TLS without authentication",
			server: fakeSMTP{implicitTLS: true}, mode: TLSImplicit, msg: verification,
			commands: []string{"EHLO campagnon.test", "MAIL FROM:<no-reply@campagnon.example>", "RCPT TO:<claire.martin@example.fr>", "DATA", "QUIT"},
			data:     verificationBytes, tls: true},
		{name: "clear text to a loopback relay",
			server: fakeSMTP{noSTARTTLS: true}, mode: TLSNone, msg: verification,
			commands: []string{"EHLO campagnon.test", "MAIL FROM:<no-reply@campagnon.example>", "RCPT TO:<claire.martin@example.fr>", "DATA", "QUIT"},
			data:     verificationBytes},
		{name: "no STARTTLS offered: nothing sent in clear",
			server: fakeSMTP{noSTARTTLS: true, user: "campagnon", pass: "s3cr3t"}, mode: TLSStartTLS, user: "campagnon", msg: verification,
			commands: []string{"EHLO campagnon.test"},
			op:       "starttls", stage: StageConnect, permanent: true},
		{name: "wrong password is 535, permanent",
			server: fakeSMTP{user: "campagnon", pass: "autre"}, mode: TLSStartTLS, user: "campagnon", msg: verification,
			op: "auth", stage: StageConnect, code: 535, permanent: true, tls: true},
		{name: "recipient refused with 550, permanent",
			server: fakeSMTP{rcptReply: "550 5.1.1 <claire.martin@example.fr>: Recipient address rejected"}, mode: TLSStartTLS, msg: verification,
			commands: []string{"EHLO campagnon.test", "STARTTLS", "EHLO campagnon.test", "MAIL FROM:<no-reply@campagnon.example>", "RCPT TO:<claire.martin@example.fr>"},
			op:       "rcpt", stage: StageTransfer, code: 550, permanent: true, tls: true},
		{name: "sender greylisted with 451, temporary",
			server: fakeSMTP{mailReply: "451 4.7.1 Greylisted, try again later"}, mode: TLSStartTLS, msg: verification,
			op: "mail", stage: StageTransfer, code: 451, tls: true},
		{name: "data refused with 554 after transfer, permanent",
			server: fakeSMTP{dataReply: "554 5.7.1 Message rejected as spam"}, mode: TLSStartTLS, msg: rejected,
			op: "data", stage: StageTransfer, code: 554, permanent: true, tls: true},
		{name: "data deferred with 452, temporary",
			server: fakeSMTP{dataReply: "452 4.3.1 Insufficient system storage"}, mode: TLSStartTLS, msg: verification,
			data: verificationBytes, op: "data", stage: StageTransfer, code: 452, tls: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := tt.server
			srv.start(t)
			_, client := testTLS(t)
			pass := ""
			if tt.user != "" {
				pass = "s3cr3t"
			}
			s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.port(t), TLS: tt.mode, Username: tt.user, Password: pass,
				From: "Campagnon <no-reply@campagnon.example>", LocalName: "campagnon.test", TLSConfig: client,
				Now: func() time.Time { return testNow }})
			if err != nil {
				t.Fatalf("NewSMTP: %v", err)
			}
			err = s.Send(context.Background(), tt.msg)
			checkError(t, err, tt.op, tt.stage, tt.code, tt.permanent)
			got := <-srv.sessions
			if tt.commands != nil && !slices.Equal(got.commands, tt.commands) {
				t.Errorf("commands:\n got %q\nwant %q", got.commands, tt.commands)
			}
			if tt.data != "" && string(got.data) != tt.data {
				t.Errorf("data:\n got %q\nwant %q", got.data, tt.data)
			}
			if got.tls != tt.tls {
				t.Errorf("session encrypted = %v, want %v", got.tls, tt.tls)
			}
		})
	}
}

// checkError checks err against the expected classification; op "" means
// no error.
func checkError(t *testing.T, err error, op string, stage Stage, code int, permanent bool) {
	t.Helper()
	if op == "" {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Send error = %v (%T), want *Error", err, err)
	}
	if e.Op != op || e.Stage != stage || e.Code != code || e.Permanent != permanent || IsPermanent(err) != permanent {
		t.Errorf("Send error = %+v, want op %s stage %s code %d permanent %v", e, op, stage, code, permanent)
	}
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	t.Parallel()
	srv := fakeSMTP{}
	srv.start(t)
	_, client := testTLS(t)
	s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.port(t), From: "no-reply@campagnon.example", TLSConfig: client})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(m *Message)
	}{
		{"CRLF in the recipient", func(m *Message) { m.To = "claire.martin@example.fr\r\nBcc: cible@example.org" }},
		{"LF alone in the recipient", func(m *Message) { m.To = "claire.martin@example.fr\nBcc: cible@example.org" }},
		{"CRLF in the subject", func(m *Message) { m.Subject = "Bonjour\r\nBcc: cible@example.org" }},
		{"CR alone in the subject", func(m *Message) { m.Subject = "Bonjour\rBcc: cible@example.org" }},
		{"a display name in the recipient", func(m *Message) { m.To = "Claire <claire.martin@example.fr>" }},
		{"two recipients", func(m *Message) { m.To = "claire.martin@example.fr, cible@example.org" }},
		{"no recipient", func(m *Message) { m.To = "" }},
		{"a subject that is not UTF-8", func(m *Message) { m.Subject = "caf\xe9" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := verification
			tt.edit(&m)
			err := s.Send(context.Background(), m)
			// StageMessage: refused before dialing, so nothing reached the server.
			checkError(t, err, "message", StageMessage, 0, true)
			if err != nil && strings.Contains(err.Error(), "cible@example.org") {
				t.Errorf("error %q quotes the address", err)
			}
			if err := (LogSender{Log: discardLog()}).Send(context.Background(), m); err == nil {
				t.Error("the development sender accepted it")
			}
		})
	}
}

func TestSMTPDeadlineAndCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// ctx returns the context of Send and what to do once the server
		// has accepted the connection (nil: nothing).
		ctx  func(t *testing.T) (context.Context, func())
		want []error // any of them
	}{
		{"a server that never answers hits the deadline", func(t *testing.T) (context.Context, func()) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			t.Cleanup(cancel)
			return ctx, nil
		}, []error{os.ErrDeadlineExceeded, context.DeadlineExceeded}},
		{"cancelling interrupts the exchange", func(t *testing.T) (context.Context, func()) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return ctx, cancel
		}, []error{context.Canceled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := fakeSMTP{silent: true}
			srv.start(t)
			s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.port(t), From: "no-reply@campagnon.example", Timeout: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			ctx, then := tt.ctx(t)
			done := make(chan error, 1)
			go func() { done <- s.Send(ctx, verification) }()
			<-srv.accepted
			if then != nil {
				then()
			}
			err = <-done
			var e *Error
			// The dial may still be returning when the context ends.
			if !errors.As(err, &e) || (e.Op != "greeting" && e.Op != "dial") || e.Stage != StageConnect || e.Code != 0 || e.Permanent {
				t.Fatalf("Send error = %#v, want a temporary connect failure while dialing or waiting for the greeting", err)
			}
			if !slices.ContainsFunc(tt.want, func(w error) bool { return errors.Is(err, w) }) {
				t.Errorf("Send error = %v, want one of %v", err, tt.want)
			}
		})
	}
}

func TestNewSMTPChecksItsConfiguration(t *testing.T) {
	t.Parallel()
	ok := SMTPConfig{Host: "smtp.example.fr", Port: 587, From: "Campagnon <no-reply@example.fr>"}
	tests := []struct {
		name string
		edit func(c *SMTPConfig)
		want string // "" : accepted
	}{
		{"defaults", func(*SMTPConfig) {}, ""},
		{"clear text to localhost", func(c *SMTPConfig) { c.Host, c.TLS = "localhost", TLSNone }, ""},
		{"clear text to ::1", func(c *SMTPConfig) { c.Host, c.TLS = "::1", TLSNone }, ""},
		{"clear text to 127.0.0.2", func(c *SMTPConfig) { c.Host, c.TLS = "127.0.0.2", TLSNone }, ""},
		{"clear text to a remote host", func(c *SMTPConfig) { c.TLS = TLSNone }, "loopback"},
		{"clear text to a name that resolves anywhere", func(c *SMTPConfig) { c.Host, c.TLS = "localhost.example.fr", TLSNone }, "loopback"},
		{"no host", func(c *SMTPConfig) { c.Host = " " }, "no host"},
		{"port 0", func(c *SMTPConfig) { c.Port = 0 }, "port"},
		{"unknown TLS mode", func(c *SMTPConfig) { c.TLS = "ssl" }, "unknown TLS mode"},
		{"sender with CRLF", func(c *SMTPConfig) { c.From = "no-reply@example.fr\r\nBcc: x@example.org" }, "CR or LF"},
		{"sender unreadable", func(c *SMTPConfig) { c.From = "Campagnon" }, "sender"},
		{"password without username", func(c *SMTPConfig) { c.Password = "s3cr3t" }, "without a username"},
		{"EHLO name with CRLF", func(c *SMTPConfig) { c.LocalName = "a\r\nMAIL FROM:<x@y>" }, "local name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tt.edit(&c)
			_, err := NewSMTP(c)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("NewSMTP: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("NewSMTP error = %v, want one that says %q", err, tt.want)
			}
		})
	}
}
