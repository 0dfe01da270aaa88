package meili

import (
	"errors"
	"fmt"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// MaxTenantTokenTTL bounds how long a tenant token lives.
const MaxTenantTokenTTL = 24 * time.Hour

// SearchKey is the Meilisearch API key that signs tenant tokens. Create it
// for this purpose only, with the single action "search" on the listings
// index (never the master key nor an admin key): a tenant token can do at
// most what its key can, and revoking the key revokes every token signed
// with it. Meilisearch identifies the key by its UID (a UUID); the key
// itself is only the signing secret and never leaves the server.
type SearchKey struct {
	UID string
	Key string
}

// TenantToken mints a token for a client that queries Meilisearch
// directly (a partner's map, a future browser widget): it can search
// index, and only the documents of territory — Meilisearch adds the
// filter territory = "<territory>" to every query made with it, whatever
// the query asks — until expiresAt, which must be in the future and at
// most MaxTenantTokenTTL away. It is a JWT signed with key (HS256): no
// call to the server. The platform's own searches do not use it: they go
// through Engine.Search, which filters by territory itself.
func TenantToken(key SearchKey, index, territory string, expiresAt time.Time) (string, error) {
	switch {
	case key.UID == "" || key.Key == "":
		return "", errors.New("meilisearch tenant token: the search key's UID and key are both needed")
	case !indexName.MatchString(index):
		return "", fmt.Errorf("meilisearch tenant token: index name %q is not valid", index)
	case territory == "":
		return "", errors.New("meilisearch tenant token: a territory is needed")
	}
	now := time.Now()
	if !expiresAt.After(now) || expiresAt.Sub(now) > MaxTenantTokenTTL {
		return "", fmt.Errorf("meilisearch tenant token: expiry %s must be in the future and at most %s away", expiresAt.Format(time.RFC3339), MaxTenantTokenTTL)
	}
	rules := map[string]any{index: map[string]any{"filter": territoryFilter(territory)}}
	// GenerateTenantToken only signs: the address is never contacted.
	client := meilisearch.New("http://127.0.0.1:7700", meilisearch.WithAPIKey(key.Key))
	defer client.Close()
	token, err := client.GenerateTenantToken(key.UID, rules, &meilisearch.TenantTokenOptions{APIKey: key.Key, ExpiresAt: expiresAt})
	if err != nil {
		return "", fmt.Errorf("meilisearch tenant token: %w", err)
	}
	return token, nil
}

// TenantToken mints a tenant token for the engine's index: see the
// function TenantToken.
func (e *Engine) TenantToken(key SearchKey, territory string, expiresAt time.Time) (string, error) {
	return TenantToken(key, e.name, territory, expiresAt)
}
