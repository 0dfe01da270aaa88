package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// Shape of a token: "cmp_" + purpose + "_" + 43 characters of unpadded
// URL-safe base64 (32 random bytes).
const (
	tokenPrefix        = "cmp_"
	tokenRandomBytes   = 32
	tokenEncodedLen    = 43 // base64.RawURLEncoding.EncodedLen(32)
	MinTokenPurposeLen = 2
	MaxTokenPurposeLen = 12
	// MaxTokenLen is the length of the longest well-formed token; anything
	// longer is refused by ParseToken before it is scanned.
	MaxTokenLen = len(tokenPrefix) + MaxTokenPurposeLen + 1 + tokenEncodedLen
)

// Errors returned by NewToken, ParseToken and CheckToken.
var (
	// ErrTokenPurpose means a purpose is not 2 to 12 lower-case ASCII letters.
	ErrTokenPurpose = errors.New("credential: invalid token purpose")
	// ErrMalformedToken means a token does not have the shape NewToken gives.
	ErrMalformedToken = errors.New("credential: malformed token")
	// ErrWrongPurpose means a well-formed token was made for another purpose.
	ErrWrongPurpose = errors.New("credential: token made for another purpose")
)

// NewToken returns a new single-use token for purpose (2 to 12 lower-case
// ASCII letters such as "verify", "reset" or "api"): plain is
// "cmp_<purpose>_" followed by 32 random bytes in unpadded URL-safe base64, to
// be sent to the user once; hash is HashToken(plain), the only form to store.
// Expiry and single use are the store's job: keep an expiry next to the hash
// and delete the row when the token is used. A purpose outside the rule is
// refused with ErrTokenPurpose.
func NewToken(purpose string) (plain string, hash string, err error) {
	if !validPurpose(purpose) {
		return "", "", fmt.Errorf("new token %q: %w", purpose, ErrTokenPurpose)
	}
	var b [tokenRandomBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("new token: read random: %w", err)
	}
	plain = tokenPrefix + purpose + "_" + base64.RawURLEncoding.EncodeToString(b[:])
	return plain, HashToken(plain), nil
}

// HashToken returns the lower-case hex SHA-256 of plain, the form in which
// tokens and session IDs are stored and looked up. A leaked table of hashes
// gives no usable token, and since the plain text holds 256 random bits a
// fast hash is enough. It accepts any input; call ParseToken first on
// untrusted input so that no lookup is made for a malformed token.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// ParseToken checks that plain has the shape NewToken gives — length bounds
// first, then prefix, purpose and 32 bytes of canonical URL-safe base64 — and
// returns its purpose. Anything else is refused with ErrMalformedToken without
// being copied or decoded at length, so no lookup need be made for it.
func ParseToken(plain string) (purpose string, err error) {
	if len(plain) > MaxTokenLen || len(plain) < len(tokenPrefix)+MinTokenPurposeLen+1+tokenEncodedLen {
		return "", fmt.Errorf("parse token: %w: length %d", ErrMalformedToken, len(plain))
	}
	if plain[:len(tokenPrefix)] != tokenPrefix {
		return "", fmt.Errorf("parse token: %w: prefix", ErrMalformedToken)
	}
	rest := plain[len(tokenPrefix):]
	cut := len(rest) - tokenEncodedLen - 1
	if rest[cut] != '_' || !validPurpose(rest[:cut]) {
		return "", fmt.Errorf("parse token: %w: purpose", ErrMalformedToken)
	}
	if !validRandom(rest[cut+1:]) {
		return "", fmt.Errorf("parse token: %w: random part", ErrMalformedToken)
	}
	return rest[:cut], nil
}

// CheckToken parses plain, checks that it was made for purpose and returns
// the hash under which it is stored. A malformed token gives
// ErrMalformedToken, a token for another purpose (a reset token sent to the
// email verification route) ErrWrongPurpose; in both cases no lookup should
// be made.
func CheckToken(plain, purpose string) (hash string, err error) {
	got, err := ParseToken(plain)
	if err != nil {
		return "", err
	}
	if got != purpose {
		return "", fmt.Errorf("check token: %w: %q, want %q", ErrWrongPurpose, got, purpose)
	}
	return HashToken(plain), nil
}

func validPurpose(s string) bool {
	if len(s) < MinTokenPurposeLen || len(s) > MaxTokenPurposeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// validRandom reports whether s is exactly 32 bytes in canonical unpadded
// URL-safe base64.
func validRandom(s string) bool {
	if len(s) != tokenEncodedLen {
		return false
	}
	var b [tokenRandomBytes + 2]byte
	n, err := base64.RawURLEncoding.Strict().Decode(b[:], []byte(s))
	return err == nil && n == tokenRandomBytes
}
