package account

import (
	"sync"
	"time"
)

// Bounds of the cache of validated sessions (Options.SessionCacheTTL and
// Options.SessionCacheSize).
const (
	// DefaultSessionCacheTTL is how long a validated session is served from
	// memory before its rows are read again. It is also how long another
	// replica may keep honouring a session revoked elsewhere.
	DefaultSessionCacheTTL = 5 * time.Second
	// MaxSessionCacheTTL bounds Options.SessionCacheTTL: a revocation made
	// on another replica must take effect within it.
	MaxSessionCacheTTL = time.Minute
	// DefaultSessionCacheSize is how many sessions the cache holds at most.
	DefaultSessionCacheSize = 10_000
	// revocationHold is how long, after a revocation, the sessions it
	// concerns are neither served from nor added to the cache. It outlasts
	// the transaction that writes the revocation and any lookup that read
	// the rows before it committed (both are bounded by request deadlines
	// well under a minute), so none of them can put back what was revoked.
	revocationHold = time.Minute
	// maxHolds bounds the revocations remembered at once; past it the
	// whole cache is emptied and held instead (see sessionCache.hold).
	maxHolds = 4096
)

// sessionCache keeps sessions validated against the database for a few
// seconds, so that a signed-in person's requests do not each read their
// session and account rows. It is bounded in size and in age, and shared by
// the requests of one Service (one replica).
//
// A revocation made through this Service (Logout, LogoutEverywhere,
// ResetPassword, EraseData) drops the entries it concerns at once and holds
// them out of the cache for revocationHold, so that a lookup that read the
// rows just before the revocation committed cannot put them back. A
// revocation made by another replica is seen here when the entry expires:
// after at most the TTL.
type sessionCache struct {
	ttl  time.Duration
	size int

	mu      sync.RWMutex
	entries map[string]cachedSession // by session ID hash
	// holds maps "s:"+hash and "a:"+accountID to the end of their hold.
	holds map[string]time.Time
	// allUntil holds every session out of the cache until then.
	allUntil time.Time
	// sweptAt is when expired entries were last swept out.
	sweptAt time.Time
}

// cachedSession is a validated session and its account as read from the
// database, and when it stops being served from memory.
type cachedSession struct {
	account    Account
	createdAt  time.Time
	expiresAt  time.Time
	lastSeenAt time.Time
	until      time.Time
}

// newSessionCache returns a cache of at most size sessions kept for ttl, or
// nil (no caching) when ttl or size is not positive.
func newSessionCache(ttl time.Duration, size int) *sessionCache {
	if ttl <= 0 || size <= 0 {
		return nil
	}
	return &sessionCache{ttl: ttl, size: size,
		entries: make(map[string]cachedSession), holds: make(map[string]time.Time)}
}

// get returns the session cached under hash, if it is still fresh at now.
func (c *sessionCache) get(hash string, now time.Time) (cachedSession, bool) {
	if c == nil {
		return cachedSession{}, false
	}
	c.mu.RLock()
	e, ok := c.entries[hash]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return cachedSession{}, false
	}
	return e, true
}

// put caches the session of hash, read from the database at now, unless a
// revocation holds it (or its account, or every session) out.
func (c *sessionCache) put(hash string, s *Session, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Before(c.allUntil) || now.Before(c.holds["s:"+hash]) || now.Before(c.holds["a:"+s.Account.ID]) {
		return
	}
	if _, ok := c.entries[hash]; !ok && len(c.entries) >= c.size {
		c.makeRoom(now)
	}
	c.entries[hash] = cachedSession{account: *s.Account, createdAt: s.CreatedAt, expiresAt: s.ExpiresAt,
		lastSeenAt: s.LastSeenAt, until: now.Add(c.ttl)}
}

// makeRoom frees at least one entry: the expired ones if they were not
// swept within the TTL, otherwise any one (the map's order is random
// enough: the evicted session is read again at its next request).
func (c *sessionCache) makeRoom(now time.Time) {
	if now.Sub(c.sweptAt) >= c.ttl {
		c.sweptAt = now
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) < c.size {
			return
		}
	}
	for k := range c.entries {
		delete(c.entries, k)
		return
	}
}

// forgetSession drops the session of hash and holds it out of the cache.
func (c *sessionCache) forgetSession(hash string, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, hash)
	c.hold("s:"+hash, now)
}

// forgetAccount drops every session of accountID and holds them out of the
// cache. It walks the cache: revocations are rare next to lookups.
func (c *sessionCache) forgetAccount(accountID string, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.account.ID == accountID {
			delete(c.entries, k)
		}
	}
	c.hold("a:"+accountID, now)
}

// hold records a hold on key until now+revocationHold. Past maxHolds live
// holds, every session is held instead and the cache emptied: safe, and
// only as slow as having no cache for a minute.
func (c *sessionCache) hold(key string, now time.Time) {
	for k, until := range c.holds {
		if !now.Before(until) {
			delete(c.holds, k)
		}
	}
	if len(c.holds) >= maxHolds {
		c.allUntil = now.Add(revocationHold)
		clear(c.holds)
		clear(c.entries)
		return
	}
	c.holds[key] = now.Add(revocationHold)
}

// count returns how many sessions are cached, fresh or not.
func (c *sessionCache) count() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
