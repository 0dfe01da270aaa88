-- Plugin modules, content-addressed by the SHA-256 of their bytes, so that
-- every replica loads the same code and every decision names the code that
-- made it.
CREATE TABLE plugin_modules (
    hash       TEXT PRIMARY KEY,
    plugin_id  TEXT NOT NULL,
    version    TEXT NOT NULL,
    abi        INTEGER NOT NULL,
    size       INTEGER NOT NULL CHECK (size > 0),
    wasm       BLOB NOT NULL,
    signature  BLOB,
    manifest   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- The rules in force in a territory: its plugin module and configuration.
-- A territory without a row runs the default (standard) plugin.
CREATE TABLE territory_rules (
    territory_id TEXT PRIMARY KEY REFERENCES territories (id) ON DELETE CASCADE,
    module_hash  TEXT NOT NULL REFERENCES plugin_modules (hash),
    config       TEXT NOT NULL,
    config_hash  TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   TEXT NOT NULL
);

-- Quotes computed by a territory's plugin, each with the plugin and the
-- configuration that made it.
CREATE TABLE quotes (
    id             TEXT PRIMARY KEY,
    territory_id   TEXT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    plugin_id      TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    module_hash    TEXT NOT NULL,
    config_hash    TEXT NOT NULL,
    category       TEXT NOT NULL,
    mode           TEXT NOT NULL,
    total_cents    BIGINT NOT NULL,
    request        TEXT NOT NULL,
    result         TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE INDEX quotes_territory_created ON quotes (territory_id, created_at);
