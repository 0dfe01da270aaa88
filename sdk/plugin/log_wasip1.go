//go:build wasip1

package plugin

import "unsafe"

// maxLogBytes is the longest message the host accepts.
const maxLogBytes = 1024

// hostLog is the host's log function: level, then the UTF-8 message.
//
//go:wasmimport campagnon log
//go:noescape
func hostLog(level int32, ptr unsafe.Pointer, size int32)

// Log writes a message to the host's log: on wasm through the campagnon.log
// import (at most 1 KiB a message, rate-limited by the host), natively to
// log/slog's default logger. level is abi.LogDebug, LogInfo, LogWarn or
// LogError.
func Log(level int32, msg string) {
	msg = truncate(msg, maxLogBytes)
	hostLog(level, unsafe.Pointer(unsafe.StringData(msg)), int32(len(msg)))
}
