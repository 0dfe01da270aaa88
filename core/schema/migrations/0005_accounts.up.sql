-- Accounts: residents, professionals and staff. The email is stored
-- lower-cased and is unique; the territory comes from the commune of
-- residence (never from the client). Every column holding personal data is
-- classified in core/account's PersonalColumns registry; a test fails when a
-- column here is not.
CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    email_verified_at TIMESTAMPTZ,
    password_hash     TEXT NOT NULL,
    display_name      TEXT NOT NULL,
    commune           TEXT NOT NULL,
    territory_id      TEXT NOT NULL REFERENCES territories (id),
    is_resident       BOOLEAN NOT NULL DEFAULT FALSE,
    is_professional   BOOLEAN NOT NULL DEFAULT FALSE,
    is_staff          BOOLEAN NOT NULL DEFAULT FALSE,
    company_name      TEXT,
    siret             TEXT,
    naf               TEXT,
    sap_number        TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    erased_at         TIMESTAMPTZ
);

CREATE INDEX accounts_territory ON accounts (territory_id);

-- Single-use tokens (email verification, password reset) and API tokens,
-- stored only as the SHA-256 of the plain token. used_at marks a consumed
-- single-use token; revoked_at a revoked API token.
CREATE TABLE account_tokens (
    hash       TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'api')),
    scope      TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);

-- Sessions, stored in the database so that any replica serves any request;
-- only the SHA-256 of the cookie value is kept.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    user_agent   TEXT NOT NULL DEFAULT ''
);

CREATE INDEX sessions_account ON sessions (account_id);

-- Login throttling, shared by every replica. key is "email:" or "address:"
-- followed by the SHA-256 of the lower-cased email or of the network
-- address (IPv4, or the /64 of an IPv6 address), so that unknown emails are
-- throttled exactly like known ones and no address is stored in clear.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL DEFAULT 0,
    window_start_at TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ
);

-- Notification outbox: messages written in the same transaction as the
-- change that causes them, sent later by an adapter (SMTP in production,
-- the log in development).
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('email')),
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ,
    attempts   INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX outbox_unsent ON outbox (sent_at, id);
