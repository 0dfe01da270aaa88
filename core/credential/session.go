package credential

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// MinCSRFSecretLen is the shortest session secret NewCSRFToken and
// VerifyCSRFToken accept.
const MinCSRFSecretLen = 32

// csrfLabel separates the CSRF MAC from any other use of the same secret.
const csrfLabel = "campagnon csrf v1\x00"

// NewSessionID returns a new session identifier: plain is 32 random bytes in
// unpadded URL-safe base64 (43 characters), to be put in the session cookie
// only; hash is HashToken(plain), the only form to store, so that a leaked
// sessions table opens no session. Issue a new one at every login (session
// fixation).
func NewSessionID() (plain, hash string, err error) {
	var b [tokenRandomBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("new session id: read random: %w", err)
	}
	plain = base64.RawURLEncoding.EncodeToString(b[:])
	return plain, HashToken(plain), nil
}

// ValidSessionID reports whether s has the shape NewSessionID gives. Check a
// cookie with it before hashing and looking it up, so that oversized or
// forged values cost nothing.
func ValidSessionID(s string) bool {
	return validRandom(s)
}

// NewCSRFToken returns the CSRF token of a session: the HMAC-SHA256 under
// sessionSecret of sessionID (its plain value or its hash, used the same way
// on both sides), in unpadded URL-safe base64. The token is the same for the
// life of the session and worthless for any other session. With a secret
// shorter than MinCSRFSecretLen or an empty sessionID it returns "", which
// VerifyCSRFToken always refuses.
func NewCSRFToken(sessionSecret []byte, sessionID string) string {
	if len(sessionSecret) < MinCSRFSecretLen || sessionID == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(csrfMAC(sessionSecret, sessionID))
}

// VerifyCSRFToken reports whether token is the CSRF token of sessionID under
// sessionSecret, comparing in constant time. A token of another session, an
// empty or oversized token, a short secret or an empty session ID are refused.
func VerifyCSRFToken(sessionSecret []byte, sessionID, token string) bool {
	if len(sessionSecret) < MinCSRFSecretLen || sessionID == "" || len(token) != tokenEncodedLen {
		return false
	}
	var got [sha256.Size + 2]byte
	n, err := base64.RawURLEncoding.Strict().Decode(got[:], []byte(token))
	if err != nil || n != sha256.Size {
		return false
	}
	return hmac.Equal(got[:n], csrfMAC(sessionSecret, sessionID))
}

func csrfMAC(secret []byte, sessionID string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(csrfLabel))
	m.Write([]byte(sessionID))
	return m.Sum(nil)
}
