package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TLSMode says how the SMTP connection is protected.
type TLSMode string

// The TLS modes of SMTPConfig.TLS.
const (
	// TLSStartTLS connects in clear and requires the server to offer
	// STARTTLS before anything else is sent (submission, port 587).
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (port 465).
	TLSImplicit TLSMode = "tls"
	// TLSNone sends in clear; accepted only for a loopback host (a local
	// relay, a development mail catcher).
	TLSNone TLSMode = "none"
)

// defaultSMTPTimeout bounds a Send whose context has no deadline.
const defaultSMTPTimeout = 30 * time.Second

// SMTPConfig says where and how an SMTP sender delivers.
type SMTPConfig struct {
	// Host is the server's name (checked against its certificate) or IP.
	Host string
	// Port is the server's port, such as 587 (STARTTLS) or 465 (TLS).
	Port int
	// Username and Password authenticate with AUTH PLAIN, always over TLS
	// (or to a loopback host); no authentication when Username is empty.
	Username, Password string
	// TLS is the protection of the connection; empty means TLSStartTLS.
	TLS TLSMode
	// From is the sender, such as "Campagnon <no-reply@example.fr>".
	From string
	// LocalName is the name given in EHLO; empty means "localhost".
	LocalName string
	// TLSConfig, when set, is the base of the client's TLS configuration
	// (its ServerName defaults to Host); nil means the system's roots.
	TLSConfig *tls.Config
	// Timeout bounds a Send whose context has no deadline; 0 means 30s.
	Timeout time.Duration
	// Now dates the messages; nil means time.Now.
	Now func() time.Time
}

// SMTP sends messages to one SMTP server, one connection per message.
// It is safe for concurrent use.
type SMTP struct {
	c    SMTPConfig
	from *netmail.Address
	addr string
}

// NewSMTP checks c and returns its sender. It refuses a missing host or
// port, an unreadable sender, an unknown TLS mode, and clear text (TLSNone)
// to any host but a loopback one.
func NewSMTP(c SMTPConfig) (*SMTP, error) {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.LocalName == "" {
		c.LocalName = "localhost"
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultSMTPTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case strings.TrimSpace(c.Host) == "":
		return nil, errors.New("smtp: no host")
	case c.Port < 1 || c.Port > 65535:
		return nil, fmt.Errorf("smtp: port %d out of range", c.Port)
	case c.TLS != TLSStartTLS && c.TLS != TLSImplicit && c.TLS != TLSNone:
		return nil, fmt.Errorf("smtp: unknown TLS mode %q (starttls, tls or none)", c.TLS)
	case c.TLS == TLSNone && !IsLoopback(c.Host):
		return nil, fmt.Errorf("smtp: clear text to %s refused: TLS mode none is for a loopback host only", c.Host)
	case strings.ContainsAny(c.LocalName, "\r\n "):
		return nil, errors.New("smtp: local name contains a space, CR or LF")
	case c.Username == "" && c.Password != "":
		return nil, errors.New("smtp: a password without a username")
	}
	from, err := ParseFrom(c.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return &SMTP{c: c, from: from, addr: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}, nil
}

// IsLoopback reports whether host names this machine: "localhost" or a
// loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Send delivers m. The whole exchange is bounded by ctx's deadline (or the
// configured timeout) and stops when ctx is cancelled. A failure is an
// *Error: 5xx answers are permanent, 4xx answers and network failures
// temporary.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := check(m); err != nil {
		return err
	}
	msg, err := format(s.from, m, s.c.Now())
	if err != nil {
		return &Error{Stage: StageMessage, Op: "message", Permanent: true, Err: err}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.c.Timeout)
		defer cancel()
	}
	conn, err := s.dial(ctx)
	if err != nil {
		return failure(ctx, StageConnect, "dial", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return failure(ctx, StageConnect, "dial", err)
	}
	// Cancellation interrupts a read or write in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.c.Host)
	if err != nil {
		return failure(ctx, StageConnect, "greeting", err)
	}
	defer c.Close()
	if err := s.hello(ctx, c); err != nil {
		return err
	}
	if !isASCII(m.To) {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			return &Error{Stage: StageTransfer, Op: "mail", Permanent: true,
				Err: errors.New("the recipient's address is not ASCII and the server does not offer SMTPUTF8")}
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return failure(ctx, StageTransfer, "mail", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return failure(ctx, StageTransfer, "rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return failure(ctx, StageTransfer, "data", err)
	}
	if _, err := w.Write(msg); err != nil {
		_ = w.Close()
		return failure(ctx, StageTransfer, "data", err)
	}
	if err := w.Close(); err != nil {
		return failure(ctx, StageTransfer, "data", err)
	}
	// The server has taken the message: a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// dial opens the TCP connection, in TLS from the start in TLSImplicit mode.
func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{}
	if s.c.TLS != TLSImplicit {
		return d.DialContext(ctx, "tcp", s.addr)
	}
	td := &tls.Dialer{NetDialer: d, Config: s.tlsConfig()}
	return td.DialContext(ctx, "tcp", s.addr)
}

// hello greets the server, upgrades to TLS in TLSStartTLS mode (refusing to
// go on in clear) and authenticates when a username is set.
func (s *SMTP) hello(ctx context.Context, c *smtp.Client) error {
	if err := c.Hello(s.c.LocalName); err != nil {
		return failure(ctx, StageConnect, "ehlo", err)
	}
	if s.c.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return &Error{Stage: StageConnect, Op: "starttls", Permanent: true,
				Err: errors.New("the server does not offer STARTTLS: set mail.smtp_tls to tls for a server that speaks TLS from the start")}
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return failure(ctx, StageConnect, "starttls", err)
		}
	}
	if s.c.Username == "" {
		return nil
	}
	ok, mechs := c.Extension("AUTH")
	if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
		return &Error{Stage: StageConnect, Op: "auth", Permanent: true,
			Err: errors.New("the server does not offer AUTH PLAIN")}
	}
	if err := c.Auth(smtp.PlainAuth("", s.c.Username, s.c.Password, s.c.Host)); err != nil {
		return failure(ctx, StageConnect, "auth", err)
	}
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if s.c.TLSConfig != nil {
		cfg = s.c.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = strings.Trim(s.c.Host, "[]")
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// failure classifies err: a server's answer by its code (5xx permanent, else
// temporary), anything else (network, timeout, TLS) temporary; when ctx has
// ended, the error says so.
func failure(ctx context.Context, stage Stage, op string, err error) *Error {
	e := &Error{Stage: stage, Op: op, Err: err}
	var reply *textproto.Error
	switch {
	case errors.As(err, &reply):
		e.Code = reply.Code
		e.Permanent = reply.Code >= 500
	case ctx.Err() != nil:
		e.Err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The connection's deadline is the context's: it may fire first.
		e.Err = fmt.Errorf("%w (time allowed to send the message is over)", err)
	}
	return e
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var _ Sender = (*SMTP)(nil)
