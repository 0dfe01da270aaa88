package pluginhost

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// Config bounds what a Host lets a plugin do. The zero value of every
// field means its default; a value beyond an ABI limit is refused by New
// rather than silently clamped.
type Config struct {
	// CacheDir is the directory of wazero's on-disk compilation cache, so
	// that a restarted server loads a known module in milliseconds instead
	// of compiling it again. Empty means an in-memory cache only.
	CacheDir string

	// MaxInstances bounds the instances of one module, hence its
	// concurrent calls (a Go guest is not re-entrant: one call at a time
	// per instance). A call that finds every instance busy waits, bounded
	// by its context. Default runtime.GOMAXPROCS(0)*2.
	MaxInstances int

	// IdleTimeout is how long an instance may stay idle before it is
	// closed; one warm instance per open module is always kept.
	// Default 1 minute.
	IdleTimeout time.Duration

	// CallTimeout is the deadline of one operation call. When it expires
	// wazero closes the instance in the middle of whatever the guest is
	// doing (WithCloseOnContextDone is always on) and the call fails with
	// KindTimeout. Default 100 ms.
	CallTimeout time.Duration

	// InitTimeout is the deadline of the slower, rarer steps: creating an
	// instance (which runs the guest's _initialize) and describe at load.
	// Default 2 s.
	InitTimeout time.Duration

	// MaxMemoryPages bounds a guest's linear memory, in 64 KiB pages. A
	// guest that tries to grow past it is refused the memory and, if it
	// then crashes, the call fails with KindMemory. At most
	// abi.MaxMemoryPages, which is the default.
	MaxMemoryPages uint32

	// MaxInputBytes bounds an operation's encoded input; a larger input is
	// refused with KindTooLarge before any guest code runs. At most
	// abi.MaxInputBytes, which is the default.
	MaxInputBytes int

	// MaxOutputBytes bounds an operation's output; a guest that claims a
	// longer output fails with KindOutputTooLarge before any byte is read.
	// At most abi.MaxOutputBytes, which is the default.
	MaxOutputBytes int

	// MaxModuleBytes bounds the size of a .wasm file given to Load.
	// Default 64 MiB.
	MaxModuleBytes int

	// RequireSignatures refuses every module that does not come with a
	// valid signature by one of TrustedKeys.
	RequireSignatures bool

	// TrustedKeys are the ed25519 keys whose signatures Load accepts. A
	// signature is over the SHA-256 of the module's bytes (see Sign).
	TrustedKeys []ed25519.PublicKey

	// LogRate bounds the log lines one module may write per second
	// (token bucket, burst of the same size). Excess lines are dropped and
	// counted; the count is reported with the next line let through and in
	// Stats. Default 10.
	LogRate int

	// FaultLimit faults of a module within FaultWindow cut it off for
	// Cooldown: every call then fails at once with KindCutOff and a French
	// message for the territory admin, without running guest code.
	// Default 10; a negative value disables the cut-off.
	FaultLimit int

	// FaultWindow is the sliding window of FaultLimit. Default 1 minute.
	FaultWindow time.Duration

	// Cooldown is how long a cut-off module stays cut off; afterwards it
	// serves again with a clean fault history. Default 5 minutes.
	Cooldown time.Duration
}

// Defaults used for the zero value of Config's fields.
const (
	DefaultIdleTimeout    = time.Minute
	DefaultCallTimeout    = 100 * time.Millisecond
	DefaultInitTimeout    = 2 * time.Second
	DefaultMaxModuleBytes = 64 << 20
	DefaultLogRate        = 10
	DefaultFaultLimit     = 10
	DefaultFaultWindow    = time.Minute
	DefaultCooldown       = 5 * time.Minute
)

// logLineMax bounds one message written through the campagnon.log import.
const logLineMax = 1 << 10

// withDefaults returns c with its zero fields set to their defaults, or an
// error naming the first field that is out of range.
func (c Config) withDefaults() (Config, error) {
	if c.MaxInstances == 0 {
		c.MaxInstances = runtime.GOMAXPROCS(0) * 2
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.InitTimeout == 0 {
		c.InitTimeout = DefaultInitTimeout
	}
	if c.MaxMemoryPages == 0 {
		c.MaxMemoryPages = abi.MaxMemoryPages
	}
	if c.MaxInputBytes == 0 {
		c.MaxInputBytes = abi.MaxInputBytes
	}
	if c.MaxOutputBytes == 0 {
		c.MaxOutputBytes = abi.MaxOutputBytes
	}
	if c.MaxModuleBytes == 0 {
		c.MaxModuleBytes = DefaultMaxModuleBytes
	}
	if c.LogRate == 0 {
		c.LogRate = DefaultLogRate
	}
	if c.FaultLimit == 0 {
		c.FaultLimit = DefaultFaultLimit
	}
	if c.FaultWindow == 0 {
		c.FaultWindow = DefaultFaultWindow
	}
	if c.Cooldown == 0 {
		c.Cooldown = DefaultCooldown
	}
	var errs []error
	if c.MaxInstances < 1 {
		errs = append(errs, fmt.Errorf("MaxInstances %d: must be at least 1", c.MaxInstances))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"IdleTimeout", c.IdleTimeout}, {"CallTimeout", c.CallTimeout}, {"InitTimeout", c.InitTimeout},
		{"FaultWindow", c.FaultWindow}, {"Cooldown", c.Cooldown}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %v: must not be negative", d.name, d.v))
		}
	}
	if c.MaxMemoryPages > abi.MaxMemoryPages {
		errs = append(errs, fmt.Errorf("MaxMemoryPages %d: the ABI allows at most %d", c.MaxMemoryPages, abi.MaxMemoryPages))
	}
	if c.MaxInputBytes < 0 || c.MaxInputBytes > abi.MaxInputBytes {
		errs = append(errs, fmt.Errorf("MaxInputBytes %d: must be between 1 and %d", c.MaxInputBytes, abi.MaxInputBytes))
	}
	if c.MaxOutputBytes < 0 || c.MaxOutputBytes > abi.MaxOutputBytes {
		errs = append(errs, fmt.Errorf("MaxOutputBytes %d: must be between 1 and %d", c.MaxOutputBytes, abi.MaxOutputBytes))
	}
	if c.MaxModuleBytes < 8 {
		errs = append(errs, fmt.Errorf("MaxModuleBytes %d: must be at least 8", c.MaxModuleBytes))
	}
	if c.LogRate < 0 {
		errs = append(errs, fmt.Errorf("LogRate %d: must not be negative", c.LogRate))
	}
	for i, k := range c.TrustedKeys {
		if len(k) != ed25519.PublicKeySize {
			errs = append(errs, fmt.Errorf("TrustedKeys[%d]: %d bytes, want %d", i, len(k), ed25519.PublicKeySize))
		}
	}
	if c.RequireSignatures && len(c.TrustedKeys) == 0 {
		errs = append(errs, errors.New("RequireSignatures without TrustedKeys would refuse every module"))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("pluginhost: invalid config: %w", err)
	}
	return c, nil
}
