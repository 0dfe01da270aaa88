package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// baselineShutdownTimeout bounds Baseline.Close.
const baselineShutdownTimeout = 5 * time.Second

// cannedResponse is what the baseline answers.
type cannedResponse struct {
	status          int
	contentType     string
	contentEncoding string
	body            []byte
}

// Baseline is a bare Fiber v2 server on 127.0.0.1 with a single handler that
// answers every method and path with fixed bytes, written with no middleware
// and no per-request work beyond setting the status, headers and body. It is
// the reference point every loadgen figure is compared with.
type Baseline struct {
	app  *fiber.App
	ln   net.Listener
	url  string
	done chan struct{} // closed when the server goroutine returns

	mu        sync.Mutex
	closing   bool
	serveErr  error
	stopAfter func() bool // unregisters the ctx.Done hook

	closeOnce sync.Once
	closeErr  error
}

// StartBaseline starts a [Baseline] on 127.0.0.1:0 answering every request
// with status, contentType (omitted when empty: no default Content-Type is
// added) and body, which is copied. The server is closed by Close or when
// ctx is done, whichever comes first.
func StartBaseline(ctx context.Context, status int, contentType string, body []byte) (*Baseline, error) {
	if status < 100 || status > 599 {
		return nil, fmt.Errorf("%w: baseline status must be 100..599, got %d", ErrInvalidOptions, status)
	}
	if len(body) > MaxBodyBytes {
		return nil, fmt.Errorf("%w: baseline body is %d bytes, limit is %d", ErrInvalidOptions, len(body), MaxBodyBytes)
	}
	resp := cannedResponse{status: status, contentType: contentType, body: append([]byte(nil), body...)}
	return startBaseline(ctx, resp, nil)
}

// startBaseline starts a baseline answering fallback, or, when routes is
// non-empty, routes[method][requestURI] if present. The route lookup does not
// allocate; it is only installed when a comparison mixes requests whose
// target responses differ.
func startBaseline(ctx context.Context, fallback cannedResponse, routes map[string]map[string]cannedResponse) (*Baseline, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("loadgen: baseline listen on 127.0.0.1: %w", err)
	}
	app := fiber.New(fiber.Config{
		DisableStartupMessage:     true,
		DisableDefaultContentType: true, // mirror the target exactly
		BodyLimit:                 MaxBodyBytes,
		ReadBufferSize:            64 << 10, // tolerate large request headers
		IdleTimeout:               time.Minute,
	})
	app.Use(baselineHandler(fallback, routes))

	b := &Baseline{
		app:  app,
		ln:   ln,
		url:  "http://" + ln.Addr().String(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(b.done)
		err := app.Listener(ln)
		b.mu.Lock()
		if !b.closing && err != nil {
			b.serveErr = err
		}
		b.mu.Unlock()
	}()
	b.mu.Lock()
	b.stopAfter = context.AfterFunc(ctx, func() { _ = b.Close() })
	b.mu.Unlock()
	return b, nil
}

// baselineHandler returns the bare handler.
func baselineHandler(fallback cannedResponse, routes map[string]map[string]cannedResponse) fiber.Handler {
	write := func(c *fiber.Ctx, r *cannedResponse) error {
		c.Status(r.status)
		if r.contentType != "" {
			c.Response().Header.SetContentType(r.contentType)
		}
		if r.contentEncoding != "" {
			c.Response().Header.Set(fiber.HeaderContentEncoding, r.contentEncoding)
		}
		return c.Send(r.body)
	}
	if len(routes) == 0 {
		return func(c *fiber.Ctx) error { return write(c, &fallback) }
	}
	return func(c *fiber.Ctx) error {
		if r, ok := routes[c.Method()][string(c.Request().RequestURI())]; ok {
			return write(c, &r)
		}
		return write(c, &fallback)
	}
}

// URL returns the baseline's base URL, "http://127.0.0.1:PORT" (no trailing
// slash). Any path and query may be appended.
func (b *Baseline) URL() string { return b.url }

// Close shuts the server down, waiting at most 5 s for open connections. It
// is safe to call more than once and concurrently; later calls return the
// first call's result.
func (b *Baseline) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closing = true
		stop := b.stopAfter
		b.mu.Unlock()
		if stop != nil {
			stop()
		}

		var errs []error
		if err := b.app.ShutdownWithTimeout(baselineShutdownTimeout); err != nil {
			errs = append(errs, fmt.Errorf("loadgen: baseline shutdown: %w", err))
		}
		// Closing the listener too covers a Close that races the server
		// start, which Shutdown alone would miss.
		if err := b.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("loadgen: baseline close listener: %w", err))
		}
		select {
		case <-b.done:
		case <-time.After(baselineShutdownTimeout):
			errs = append(errs, errors.New("loadgen: baseline server did not stop within 5s"))
		}
		b.mu.Lock()
		if b.serveErr != nil {
			errs = append(errs, fmt.Errorf("loadgen: baseline serve: %w", b.serveErr))
		}
		b.mu.Unlock()
		b.closeErr = errors.Join(errs...)
	})
	return b.closeErr
}
