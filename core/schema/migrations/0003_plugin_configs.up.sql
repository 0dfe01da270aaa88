-- Every territory configuration ever put in force, content-addressed, so
-- that a stored quote's config_hash always leads to the configuration that
-- priced it, even after the territory's rules changed.
CREATE TABLE plugin_configs (
    hash       TEXT PRIMARY KEY,
    config     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
