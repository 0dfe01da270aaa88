package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/logging"
	"github.com/campagnon/campagnon/core/metrics"
)

// HeaderRequestID carries the request ID on requests and responses.
const HeaderRequestID = "X-Request-ID"

const localRequestID = "campagnon.request_id"

// requestID gives every request an ID: the caller's X-Request-ID when it is
// short and printable (a load balancer's), else a new random one. The ID is
// echoed in the response and carried in the request's context for logging.
func requestID() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := c.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Locals(localRequestID, id)
		c.Set(HeaderRequestID, id)
		c.SetUserContext(logging.WithRequestID(c.UserContext(), id))
		return c.Next()
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// recoverPanics turns a panic in a handler into an internal error answer and
// a logged stack trace, so one bad request never takes the process down.
func recoverPanics(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(c.UserContext(), "panic while serving", "panic", r, "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return c.Next()
	}
}

// observe records each request's metrics and access-log line once the
// response is known, labelled by route pattern rather than raw path.
func observe(log *slog.Logger, m *metrics.Registry) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			// Let the error handler write the answer now so that the
			// recorded status is the one the client gets.
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		d := time.Since(start)
		status := c.Response().StatusCode()
		route := c.Route().Path
		if status == fiber.StatusNotFound && route == "/" && c.Path() != "/" {
			route = "(unmatched)"
		}
		method := methodLabel(c.Method())
		m.ObserveRequest(method, route, status, d)
		level := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			level = slog.LevelDebug
		}
		log.Log(c.UserContext(), level, "request",
			"method", method, "path", c.Path(), "route", route, "status", status,
			"duration_ms", float64(d.Microseconds())/1000, "bytes", len(c.Response().Body()))
		return nil
	}
}

// securityHeaders sets the headers every answer carries. Pages that need
// more (a CSP for HTML) add to them.
func securityHeaders() fiber.Handler {
	return func(c *fiber.Ctx) error {
		setSecurityHeaders(c)
		return c.Next()
	}
}

func setSecurityHeaders(c *fiber.Ctx) {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
}

// methodLabel returns a constant string for the request's method. Fiber's
// c.Method() points into a buffer fasthttp reuses for the next request: a
// metric label must never keep it. Unknown methods share one label so that
// clients cannot create series at will.
func methodLabel(m string) string {
	switch m {
	case fiber.MethodGet:
		return fiber.MethodGet
	case fiber.MethodHead:
		return fiber.MethodHead
	case fiber.MethodPost:
		return fiber.MethodPost
	case fiber.MethodPut:
		return fiber.MethodPut
	case fiber.MethodPatch:
		return fiber.MethodPatch
	case fiber.MethodDelete:
		return fiber.MethodDelete
	case fiber.MethodOptions:
		return fiber.MethodOptions
	default:
		return "OTHER"
	}
}

// deadline bounds the work a request may start (database queries, plugin
// calls) to the server's write timeout: past it, nobody is waiting for the
// answer, so the work stops instead of outliving the request.
func deadline(d time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), d)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}
