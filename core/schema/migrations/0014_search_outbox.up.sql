-- The search index is a projection of the database: every change of a
-- listing writes a row here in the same transaction, and the indexer
-- (core/search) applies them to the index — at least once, idempotently,
-- catching up by itself after a crash or an engine outage.
CREATE TABLE search_outbox (
    id           TEXT PRIMARY KEY,
    listing_id   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
-- +statement
CREATE INDEX search_outbox_listing ON search_outbox (listing_id);
