package pluginhost

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/tetratelabs/wazero/api"

	"github.com/campagnon/campagnon/sdk/abi"
)

// hostLog implements the campagnon.log import: log(level i32, ptr i32,
// len i32). The message is read bounded (at most logLineMax bytes, the
// rest cut), bounds-checked (a message outside memory is dropped and
// counted, the guest is not trapped), stripped of control characters, and
// written to the host's log tagged with the plugin, rate-limited per
// module. It never fails the guest.
func (h *Host) hostLog(ctx context.Context, mod api.Module, stack []uint64) {
	v, ok := h.names.Load(mod.Name())
	if !ok {
		return
	}
	m := v.(*Module)
	level, ptr, n := int32(stack[0]), uint32(stack[1]), uint32(stack[2])
	allowed, dropped := m.logLimit.allow(time.Now())
	if !allowed {
		m.logDropped.Add(1)
		return
	}
	truncated := n > logLineMax
	if truncated {
		n = logLineMax
	}
	b, ok := mod.Memory().Read(ptr, n)
	if !ok {
		m.logDropped.Add(1)
		return
	}
	attrs := m.logAttrs()
	if truncated {
		attrs = append(attrs, slog.Bool("truncated", true))
	}
	if dropped > 0 {
		attrs = append(attrs, slog.Uint64("dropped_before", dropped))
	}
	h.log.Log(ctx, slogLevel(level), cleanMessage(b), attrs...)
}

// slogLevel maps an ABI log level to slog's; an unknown level is Info.
func slogLevel(l int32) slog.Level {
	switch l {
	case abi.LogDebug:
		return slog.LevelDebug
	case abi.LogWarn:
		return slog.LevelWarn
	case abi.LogError:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// cleanMessage makes a guest's bytes a one-line, valid UTF-8 message.
func cleanMessage(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// limiter is a token bucket: rate tokens a second, burst of rate. It
// counts what it refused between two allowed events.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	tokens  float64
	last    time.Time
	dropped uint64
}

func (l *limiter) init(rate int) {
	l.rate = float64(rate)
	l.tokens = float64(rate)
}

// allow takes a token if one is left; when it does, it also returns how
// many events were refused since the previous allowed one.
func (l *limiter) allow(now time.Time) (bool, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() {
		l.tokens = min(l.rate, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if l.tokens < 1 {
		l.dropped++
		return false, 0
	}
	l.tokens--
	d := l.dropped
	l.dropped = 0
	return true, d
}
