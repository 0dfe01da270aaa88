-- Listings: offers and needs of residents and professionals. The territory
-- is the owner's; the commune one of the territory's; the category, the
-- modality and the payment modes come from the territory's plugin, which
-- also validates the listing. A published listing expires (a reminder is
-- sent before); territory admins can hide one.
CREATE TABLE listings (
    id                TEXT PRIMARY KEY,
    territory_id      TEXT NOT NULL REFERENCES territories (id),
    owner_id          TEXT NOT NULL REFERENCES accounts (id),
    kind              TEXT NOT NULL CHECK (kind IN ('offer', 'need')),
    category          TEXT NOT NULL,
    modality          TEXT NOT NULL CHECK (modality IN ('resident', 'professional')),
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    modes             TEXT NOT NULL,
    price_kind        TEXT NOT NULL CHECK (price_kind IN ('free', 'hourly', 'fixed', 'on_quote')),
    price_cents       BIGINT NOT NULL DEFAULT 0,
    commune           TEXT NOT NULL,
    travel_km         INTEGER NOT NULL DEFAULT 0,
    availability      TEXT NOT NULL,
    availability_note TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'published', 'paused', 'closed', 'expired')),
    hidden_at         TIMESTAMPTZ,
    hidden_by         TEXT,
    hidden_reason     TEXT,
    published_at      TIMESTAMPTZ,
    expires_at        TIMESTAMPTZ,
    reminded_at       TIMESTAMPTZ,
    report_count      INTEGER NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
-- +statement
CREATE INDEX listings_territory ON listings (territory_id, status, published_at);
-- +statement
CREATE INDEX listings_owner ON listings (owner_id);
-- +statement
CREATE INDEX listings_expiry ON listings (status, expires_at);
-- +statement
-- A member reports a listing once; territory admins see the reports.
CREATE TABLE listing_reports (
    listing_id  TEXT NOT NULL REFERENCES listings (id),
    reporter_id TEXT NOT NULL REFERENCES accounts (id),
    reason      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (listing_id, reporter_id)
);
