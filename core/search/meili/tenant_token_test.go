package meili

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var testSearchKey = SearchKey{UID: "6062abda-a5aa-4414-ac91-ecd7944c0f8d", Key: "d0552b41536279a0ad88bd595327b96f01176a60c2243e906c52ac02375f9bc4"}

// decodeToken checks a tenant token's HS256 signature with key and
// returns its claims: what Meilisearch does before honouring it.
func decodeToken(t *testing.T, token, key string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		t.Fatal("token is not signed with the search key")
	}
	var header map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(raw, &header); err != nil || header["alg"] != "HS256" {
		t.Fatalf("header %s", raw)
	}
	var claims map[string]any
	raw, _ = base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestTenantToken(t *testing.T) {
	t.Parallel()
	expires := time.Now().Add(time.Hour).Truncate(time.Second)
	for _, territory := range []string{"picardie-verte", `x" OR territory = "portes-de-sologne`} {
		token, err := TenantToken(testSearchKey, "listings", territory, expires)
		if err != nil {
			t.Fatal(err)
		}
		claims := decodeToken(t, token, testSearchKey.Key)
		if claims["apiKeyUid"] != testSearchKey.UID {
			t.Errorf("apiKeyUid %v", claims["apiKeyUid"])
		}
		if exp, _ := claims["exp"].(float64); int64(exp) != expires.Unix() {
			t.Errorf("exp %v, want %d", claims["exp"], expires.Unix())
		}
		rules, _ := claims["searchRules"].(map[string]any)
		if len(rules) != 1 {
			t.Fatalf("search rules %v: want the one index", rules)
		}
		index, _ := rules["listings"].(map[string]any)
		f, _ := index["filter"].(string)
		conds, err := parseFilter(f, true)
		if err != nil || len(conds) != 1 || conds[0] != (cond{attrTerritory, territory}) {
			t.Errorf("filter %q reads as %q (%v), want territory = %q only", f, conds, err, territory)
		}
	}
}

func TestTenantTokenRefused(t *testing.T) {
	t.Parallel()
	soon := time.Now().Add(time.Hour)
	tests := []struct {
		name      string
		key       SearchKey
		index     string
		territory string
		expires   time.Time
		want      string
	}{
		{"no key", SearchKey{UID: testSearchKey.UID}, "listings", "t", soon, "key"},
		{"no UID", SearchKey{Key: testSearchKey.Key}, "listings", "t", soon, "key"},
		{"UID not a UUID", SearchKey{UID: "search", Key: testSearchKey.Key}, "listings", "t", soon, "uuid"},
		{"every index", testSearchKey, "*", "t", soon, "index"},
		{"no territory", testSearchKey, "listings", "", soon, "territory"},
		{"no expiry", testSearchKey, "listings", "t", time.Time{}, "expiry"},
		{"expired", testSearchKey, "listings", "t", time.Now().Add(-time.Minute), "expiry"},
		{"too long", testSearchKey, "listings", "t", time.Now().Add(MaxTenantTokenTTL + time.Hour), "expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := TenantToken(tt.key, tt.index, tt.territory, tt.expires)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one about %q", err, tt.want)
			}
		})
	}
}
