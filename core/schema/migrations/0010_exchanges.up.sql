-- Exchanges (mises en relation): one seeker, one provider, one listing,
-- through one state machine (core/exchange). The quote is computed by the
-- territory's plugin at acceptance and frozen (quote_id → quotes, with the
-- plugin's id, version and hash). Every transition is an event row with
-- its actor; version makes concurrent transitions exclusive.
CREATE TABLE exchanges (
    id                    TEXT PRIMARY KEY,
    territory_id          TEXT NOT NULL REFERENCES territories (id),
    listing_id            TEXT NOT NULL REFERENCES listings (id),
    seeker_id             TEXT NOT NULL REFERENCES accounts (id),
    provider_id           TEXT NOT NULL REFERENCES accounts (id),
    initiator             TEXT NOT NULL CHECK (initiator IN ('seeker', 'provider')),
    category              TEXT NOT NULL,
    modality              TEXT NOT NULL,
    mode                  TEXT NOT NULL,
    minutes               INTEGER NOT NULL,
    occurrences           INTEGER NOT NULL,
    hourly_cents          BIGINT NOT NULL DEFAULT 0,
    from_commune          TEXT NOT NULL,
    to_commune            TEXT NOT NULL,
    state                 TEXT NOT NULL,
    quote_id              TEXT REFERENCES quotes (id),
    total_cents           BIGINT NOT NULL DEFAULT 0,
    payable_cents         BIGINT NOT NULL DEFAULT 0,
    time_credit_minutes   INTEGER NOT NULL DEFAULT 0,
    scheduled_at          TIMESTAMPTZ,
    done_at               TIMESTAMPTZ,
    seeker_confirmed_at   TIMESTAMPTZ,
    provider_confirmed_at TIMESTAMPTZ,
    confirmed_at          TIMESTAMPTZ,
    seeker_reviewed_at    TIMESTAMPTZ,
    provider_reviewed_at  TIMESTAMPTZ,
    version               INTEGER NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
-- +statement
CREATE INDEX exchanges_territory ON exchanges (territory_id, state);
-- +statement
CREATE INDEX exchanges_seeker ON exchanges (seeker_id);
-- +statement
CREATE INDEX exchanges_provider ON exchanges (provider_id);
-- +statement
CREATE INDEX exchanges_listing ON exchanges (listing_id);
-- +statement
CREATE TABLE exchange_events (
    id           TEXT PRIMARY KEY,
    exchange_id  TEXT NOT NULL REFERENCES exchanges (id),
    event        TEXT NOT NULL,
    from_state   TEXT NOT NULL,
    to_state     TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_role   TEXT NOT NULL,
    mediator_id  TEXT,
    note         TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
-- +statement
CREATE INDEX exchange_events_exchange ON exchange_events (exchange_id, at);
-- +statement
-- Reviews: after confirmation, each party reviews the other once; both
-- reviews are published together when both are written or when the
-- window closes (published_at).
CREATE TABLE reviews (
    exchange_id  TEXT NOT NULL REFERENCES exchanges (id),
    author_id    TEXT NOT NULL REFERENCES accounts (id),
    subject_id   TEXT NOT NULL REFERENCES accounts (id),
    territory_id TEXT NOT NULL REFERENCES territories (id),
    rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ,
    PRIMARY KEY (exchange_id, author_id)
);
-- +statement
CREATE INDEX reviews_subject ON reviews (subject_id, published_at);
-- +statement
-- Idempotency-Key: a state-changing request retried with the same key by
-- the same caller gets the first answer again; the same key with another
-- body is refused. Rows are purged after a day.
CREATE TABLE idempotency_keys (
    account_id  TEXT NOT NULL,
    key         TEXT NOT NULL,
    route       TEXT NOT NULL,
    body_hash   TEXT NOT NULL,
    status      INTEGER NOT NULL,
    response    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, key)
);
