//go:build !wasip1

package plugin

import (
	"context"
	"log/slog"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Log writes a message to the host's log: on wasm through the campagnon.log
// import (at most 1 KiB a message, rate-limited by the host), natively to
// log/slog's default logger. level is abi.LogDebug, LogInfo, LogWarn or
// LogError.
func Log(level int32, msg string) {
	slog.Default().Log(context.Background(), slogLevel(level), msg, "source", "plugin")
}

func slogLevel(level int32) slog.Level {
	switch {
	case level <= abi.LogDebug:
		return slog.LevelDebug
	case level == abi.LogInfo:
		return slog.LevelInfo
	case level == abi.LogWarn:
		return slog.LevelWarn
	}
	return slog.LevelError
}
