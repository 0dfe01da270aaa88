package credential

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of a password hash.
type Params struct {
	Memory      uint32 // memory in KiB
	Iterations  uint32 // passes over the memory
	Parallelism uint8  // lanes
	SaltLen     uint32 // salt length in bytes
	KeyLen      uint32 // derived key length in bytes
}

// OWASPParams are the argon2id parameters of the OWASP Password Storage Cheat
// Sheet's first recommendation: m=19 MiB (19456 KiB), t=2, p=1, with a 16-byte
// salt and a 32-byte key. A login pays one derivation at this cost (about
// 19 MiB allocated and tens of milliseconds of one core), so a burst of
// logins costs that much per attempt: callers should throttle logins, and
// this package runs at most MaxConcurrentHashes derivations at once. Raising
// the parameters makes every stored hash report needsRehash at its next
// successful Verify.
var OWASPParams = Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// Bounds on the parameters accepted by Hash and read from a stored hash by
// Verify. They cap the memory and time a single verification can take, so a
// tampered or hostile hash cannot exhaust the server: anything outside them is
// refused with ErrParams before any derivation.
const (
	MaxMemoryKiB   = 256 * 1024 // 256 MiB
	MaxIterations  = 16
	MaxParallelism = 16
	MinSaltLen     = 8
	MaxSaltLen     = 64
	MinKeyLen      = 16
	MaxKeyLen      = 64
	// MaxVerifyPasswordBytes is the longest password Verify accepts; longer
	// ones are refused with ErrPasswordTooLong before any work. Callers must
	// apply the same bound before looking the account up, so that the answer
	// takes the same time for a known and an unknown account.
	MaxVerifyPasswordBytes = 4096
	// maxEncodedLen bounds a stored hash before it is parsed.
	maxEncodedLen = 256
)

// Errors returned by Hash and Verify; test them with errors.Is.
var (
	// ErrMalformedHash means a stored hash is not an argon2id PHC string this
	// package can read; the account cannot log in until its hash is reset.
	ErrMalformedHash = errors.New("credential: malformed password hash")
	// ErrParams means parameters are outside the accepted bounds.
	ErrParams = errors.New("credential: argon2id parameters out of bounds")
	// ErrPasswordTooLong means a password is longer than MaxVerifyPasswordBytes.
	ErrPasswordTooLong = errors.New("credential: password too long")
)

// validate refuses parameters outside the package bounds.
func (p Params) validate() error {
	switch {
	case p.Iterations < 1 || p.Iterations > MaxIterations:
		return fmt.Errorf("%w: iterations %d not in [1, %d]", ErrParams, p.Iterations, MaxIterations)
	case p.Parallelism < 1 || p.Parallelism > MaxParallelism:
		return fmt.Errorf("%w: parallelism %d not in [1, %d]", ErrParams, p.Parallelism, MaxParallelism)
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > MaxMemoryKiB:
		return fmt.Errorf("%w: memory %d KiB not in [%d, %d]", ErrParams, p.Memory, 8*uint32(p.Parallelism), MaxMemoryKiB)
	case p.SaltLen < MinSaltLen || p.SaltLen > MaxSaltLen:
		return fmt.Errorf("%w: salt length %d not in [%d, %d]", ErrParams, p.SaltLen, MinSaltLen, MaxSaltLen)
	case p.KeyLen < MinKeyLen || p.KeyLen > MaxKeyLen:
		return fmt.Errorf("%w: key length %d not in [%d, %d]", ErrParams, p.KeyLen, MinKeyLen, MaxKeyLen)
	}
	return nil
}

// Hash derives an argon2id hash of password with a fresh random salt and
// returns it in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>" (unpadded standard base64).
// Parameters outside the package bounds, and passwords longer than
// MaxVerifyPasswordBytes, are refused; Hash does not apply the password
// policy (see CheckPassword). At most MaxConcurrentHashes derivations run at
// once in the process; Hash waits for its turn (HashContext stops waiting
// when its context ends).
func Hash(password string, p Params) (string, error) {
	return HashContext(context.Background(), password, p)
}

// HashContext is Hash that gives up waiting for a free derivation slot when
// ctx ends, with an error wrapping ErrBusy and ctx.Err().
func HashContext(ctx context.Context, password string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	if len(password) > MaxVerifyPasswordBytes {
		return "", fmt.Errorf("hash password: %w", ErrPasswordTooLong)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: read salt: %w", err)
	}
	if err := derivations.enter(ctx); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	defer derivations.leave()
	return hashWithSalt(password, salt, p), nil
}

// hashWithSalt encodes the argon2id hash of password with the given salt.
// The caller has validated p and len(salt) == p.SaltLen.
func hashWithSalt(password string, salt []byte, p Params) string {
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return encodeHash(p, salt, key)
}

func encodeHash(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches the stored argon2id hash encoded,
// comparing the keys in constant time. needsRehash is true when the password
// matches but the stored parameters differ from current: the caller should
// then store Hash(password, current). A stored hash that is malformed
// (ErrMalformedHash) or whose parameters are outside the bounds (ErrParams,
// checked before any derivation, so a tampered row cannot make the server
// allocate gigabytes) is refused with ok false and an error; invalid current
// parameters are an error too. Verify never panics. Like Hash, it waits for
// one of the MaxConcurrentHashes derivation slots.
func Verify(password, encoded string, current Params) (ok bool, needsRehash bool, err error) {
	return VerifyContext(context.Background(), password, encoded, current)
}

// VerifyContext is Verify that gives up waiting for a free derivation slot
// when ctx ends, with an error wrapping ErrBusy and ctx.Err(). Everything
// Verify refuses is refused before the wait.
func VerifyContext(ctx context.Context, password, encoded string, current Params) (ok bool, needsRehash bool, err error) {
	if err := current.validate(); err != nil {
		return false, false, fmt.Errorf("verify password: current parameters: %w", err)
	}
	if len(password) > MaxVerifyPasswordBytes {
		return false, false, fmt.Errorf("verify password: %w", ErrPasswordTooLong)
	}
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	got, err := deriveKey(ctx, password, salt, p)
	if err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != current, nil
}

// deriveKey derives the argon2id key of password in one of the derivation
// slots, as Hash does. The caller has validated p.
func deriveKey(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	if err := derivations.enter(ctx); err != nil {
		return nil, err
	}
	defer derivations.leave()
	return argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen), nil
}

// dummyHash is an argon2id hash with OWASPParams of a random password that was
// thrown away; DummyVerify checks a password against it.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$PCkgIzOK3Pto+Fan24cDoA$GA2n+fWIlOX8MkVmkBcwOObnNe4g4KBqgFn+TojGSMk"

// DummyVerify performs a verification of the same cost as Verify with
// OWASPParams against a fixed hash that no password matches, and discards the
// result. Call it when the account is unknown, so that a login with an unknown
// email takes the same time as one with a known email and timing does not
// reveal which accounts exist. If the platform hashes with other parameters
// than OWASPParams, the costs differ and this protection weakens.
//
// It goes through the same derivation slots as Verify, so that waiting for
// a slot costs a known and an unknown email the same too.
func DummyVerify() { _ = DummyVerifyContext(context.Background()) }

// DummyVerifyContext is DummyVerify that gives up waiting for a free
// derivation slot when ctx ends, with an error wrapping ErrBusy and
// ctx.Err(), as VerifyContext does.
func DummyVerifyContext(ctx context.Context) error {
	_, _, err := VerifyContext(ctx, "credential: dummy password", dummyHash, OWASPParams)
	return err
}

// decodeHash parses a PHC argon2id string strictly: version 19, the
// parameters in the order m, t, p, canonical decimals, unpadded standard
// base64, and every value within the package bounds.
func decodeHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	if len(encoded) > maxEncodedLen {
		return p, nil, nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHash, maxEncodedLen)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: want 5 fields separated by '$'", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q is not argon2id", ErrMalformedHash, parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q is not v=%d", ErrMalformedHash, parts[2], argon2.Version)
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return p, nil, nil, fmt.Errorf("%w: want parameters m,t,p", ErrMalformedHash)
	}
	var vals [3]uint32
	for i, name := range [3]string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return p, nil, nil, fmt.Errorf("%w: parameter %d is not %s=", ErrMalformedHash, i+1, name)
		}
		n, err := parseCanonicalUint32(v)
		if err != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %s: %w", ErrMalformedHash, name, err)
		}
		vals[i] = n
	}
	if vals[2] > MaxParallelism {
		return p, nil, nil, fmt.Errorf("%w: parallelism %d above %d", ErrParams, vals[2], MaxParallelism)
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %w", ErrMalformedHash, err)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: key: %w", ErrMalformedHash, err)
	}
	p = Params{Memory: vals[0], Iterations: vals[1], Parallelism: uint8(vals[2]),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("stored hash: %w", err)
	}
	return p, salt, key, nil
}

// parseCanonicalUint32 parses a decimal without sign or leading zeros.
func parseCanonicalUint32(s string) (uint32, error) {
	if s == "" || len(s) > 10 {
		return 0, errors.New("not a decimal of 1 to 10 digits")
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("leading zero")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a decimal")
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, err
	}
	return uint32(n), nil
}
