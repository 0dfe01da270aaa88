package pluginhost

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sign returns the signature of a module that Load accepts when the
// matching public key is trusted: ed25519 over the SHA-256 of the module's
// bytes. Sign panics, like ed25519.Sign, if the key is malformed.
func Sign(key ed25519.PrivateKey, wasm []byte) []byte {
	sum := sha256.Sum256(wasm)
	return ed25519.Sign(key, sum[:])
}

// verifySignature checks that sig is a signature of the module whose
// SHA-256 is sum by one of the trusted keys.
func verifySignature(sum [32]byte, sig []byte, trusted []ed25519.PublicKey) error {
	switch {
	case len(sig) == 0:
		return &Error{Kind: KindBadSignature, Err: errors.New("signatures are required and the module comes without one")}
	case len(sig) != ed25519.SignatureSize:
		return &Error{Kind: KindBadSignature, Err: fmt.Errorf("the signature is %d bytes long, not %d", len(sig), ed25519.SignatureSize)}
	case len(trusted) == 0:
		return &Error{Kind: KindBadSignature, Err: errors.New("the module is signed but no key is trusted")}
	}
	for _, k := range trusted {
		if ed25519.Verify(k, sum[:], sig) {
			return nil
		}
	}
	return &Error{Kind: KindBadSignature, Err: errors.New("the signature does not match the module's bytes with any trusted key")}
}

// ParsePublicKey decodes an ed25519 public key written in base64 (the
// content of a .pub file from `campagnon plugin keygen`, surrounding blank
// space ignored).
func ParsePublicKey(b64 string) (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key: %d bytes, want %d", len(raw), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}
