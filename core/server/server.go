// Package server assembles Campagnon's HTTP server: the Fiber application
// with its timeouts and body limit, the middleware every request goes through
// (request ID, recovery, metrics, access log, security headers), the one
// place where errors become HTTP answers, the operational endpoints
// (/healthz, /readyz, /metrics) and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/metrics"
)

// ReadyFunc reports whether the process can serve: nil when ready, else an
// error whose public message says why.
type ReadyFunc func(ctx context.Context) error

// Deps are what the server needs from the rest of the process.
type Deps struct {
	// Logger receives the access log and errors.
	Logger *slog.Logger
	// Metrics records requests and renders /metrics.
	Metrics *metrics.Registry
	// Ready backs /readyz.
	Ready ReadyFunc
}

// Server is the HTTP server of one Campagnon process.
type Server struct {
	app *fiber.App
	cfg config.Server
	log *slog.Logger
}

// readyTimeout bounds the checks behind /readyz.
const readyTimeout = 2 * time.Second

// New returns a server configured from cfg, with the middleware and the
// operational endpoints registered. Routes are added through App.
func New(cfg config.Server, d Deps) *Server {
	s := &Server{cfg: cfg, log: d.Logger}
	s.app = fiber.New(fiber.Config{
		AppName:               "campagnon",
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		BodyLimit:             cfg.BodyLimit,
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		ReadBufferSize:        8192,
	})
	s.app.Use(requestID(), observe(d.Logger, d.Metrics), recoverPanics(d.Logger), securityHeaders(), deadline(cfg.WriteTimeout))

	s.app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	s.app.Get("/readyz", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
		defer cancel()
		if err := d.Ready(ctx); err != nil {
			e := apperr.As(err)
			d.Logger.WarnContext(c.UserContext(), "not ready", "error", err)
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
				"status": "unavailable", "reason": e.Message, "reason_en": e.MessageEN,
			})
		}
		return c.JSON(fiber.Map{"status": "ready"})
	})
	s.app.Get("/metrics", func(c *fiber.Ctx) error {
		text, err := d.Metrics.Text()
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, metrics.ContentType)
		return c.Send(text)
	})
	return s
}

// App returns the Fiber application, to register routes on.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers requests on ln until ctx is done, then stops accepting
// connections and lets in-flight requests finish within the shutdown timeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.app.ShutdownWithContext(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	s.log.Info("server stopped")
	return nil
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// handleError is the one place where an error becomes an HTTP answer: the
// status comes from the error's kind, the message from its public text in the
// caller's language, and internal causes go only to the log.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	if requestIDOf(c) == "" {
		// Fasthttp refused the request before the middleware ran (a body
		// over the limit, say): the answer still gets its ID and headers.
		id := newRequestID()
		c.Locals(localRequestID, id)
		c.Set(HeaderRequestID, id)
		setSecurityHeaders(c)
	}
	e := publicError(err)
	status := e.Kind.HTTPStatus()
	if status >= 500 {
		s.log.ErrorContext(c.UserContext(), "request failed", "error", err, "path", c.Path())
	}
	msg := e.Message
	if prefersEnglish(c.Get(fiber.HeaderAcceptLanguage)) && e.MessageEN != "" {
		msg = e.MessageEN
	}
	return c.Status(status).JSON(errorBody{Error: errorDetail{
		Code: e.Code, Message: msg, RequestID: requestIDOf(c),
	}})
}

// publicError maps Fiber's own errors (unknown route, body too large, …) to
// application errors with a public message.
func publicError(err error) *apperr.Error {
	var fe *fiber.Error
	if !errors.As(err, &fe) {
		return apperr.As(err)
	}
	switch fe.Code {
	case fiber.StatusNotFound:
		return apperr.New(apperr.KindNotFound, "not_found",
			"Cette adresse n'existe pas. La liste des routes de l'API est décrite dans la documentation.",
			"No such address. The API routes are listed in the documentation.")
	case fiber.StatusMethodNotAllowed:
		return apperr.New(apperr.KindMethodNotAllowed, "method_not_allowed",
			"Méthode HTTP non acceptée sur cette adresse.", "HTTP method not allowed on this address.")
	case fiber.StatusRequestEntityTooLarge:
		return apperr.New(apperr.KindTooLarge, "body_too_large",
			"Requête trop volumineuse : réduisez sa taille.", "Request body too large: make it smaller.")
	case fiber.StatusRequestTimeout:
		return apperr.New(apperr.KindInvalid, "request_timeout",
			"La requête a mis trop de temps à arriver : réessayez.", "The request took too long to arrive: try again.")
	default:
		if fe.Code >= 400 && fe.Code < 500 {
			return apperr.New(apperr.KindInvalid, "bad_request", "Requête invalide : "+fe.Message, "Bad request: "+fe.Message)
		}
		return apperr.As(err)
	}
}

// prefersEnglish reports whether an Accept-Language header ranks English
// above French, by quality weight then order; French is the default.
func prefersEnglish(accept string) bool {
	bestFR, bestEN := -1.0, -1.0
	for i, part := range strings.Split(accept, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		// Earlier entries win ties: subtract a little by position.
		score := q - float64(i)*1e-6
		switch {
		case q > 0 && (tag == "fr" || strings.HasPrefix(tag, "fr-")) && score > bestFR:
			bestFR = score
		case q > 0 && (tag == "en" || strings.HasPrefix(tag, "en-")) && score > bestEN:
			bestEN = score
		}
	}
	return bestEN > bestFR
}

// GCPercent is the garbage collector's target the server runs with when
// the GOGC environment variable does not set one: a request allocates a
// lot and keeps little (a search answer, a page), so collecting when the
// heap has grown 4× rather than 2× costs some memory (tens of MB) and
// saves CPU (+13 % searches a second on 2 cores, docs/benchmarks.md).
const GCPercent = 400

// TuneGC applies GCPercent unless GOGC is set; it returns the percentage
// in force.
func TuneGC() int {
	if v, ok := os.LookupEnv("GOGC"); ok && v != "" {
		old := debug.SetGCPercent(100)
		debug.SetGCPercent(old)
		return old
	}
	debug.SetGCPercent(GCPercent)
	return GCPercent
}
