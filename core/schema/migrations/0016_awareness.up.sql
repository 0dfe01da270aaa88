-- Awareness events of a territory (issue 8): market stands, craftsmen's
-- fairs, information meetings for businesses, kept by the territory's
-- admins and shown on its public page. The place is one of the territory's
-- communes and an address in words.
CREATE TABLE awareness_events (
    id           TEXT PRIMARY KEY,
    territory_id TEXT NOT NULL REFERENCES territories (id),
    kind         TEXT NOT NULL CHECK (kind IN ('market_stand', 'craft_fair', 'business_meeting', 'other')),
    title        TEXT NOT NULL,
    commune      TEXT NOT NULL,
    address      TEXT NOT NULL,
    starts_at    TIMESTAMPTZ NOT NULL,
    ends_at      TIMESTAMPTZ NOT NULL,
    description  TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES accounts (id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CHECK (ends_at >= starts_at)
);

CREATE INDEX awareness_events_upcoming ON awareness_events (territory_id, ends_at);

-- A member's notification settings. No row means the defaults: the weekly
-- digest is on (members opt out on /mon-compte/notifications).
CREATE TABLE notify_settings (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    digest     BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The weekly digests sent: one per member per ISO week ("2026-W45", the
-- week it covers), written in the same transaction as its outbox row, so
-- that a digest leaves once even when the job runs again or on several
-- replicas. Rows are deleted after 13 weeks.
CREATE TABLE notify_digests (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    week       TEXT NOT NULL,
    listings   INTEGER NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, week)
);

CREATE INDEX notify_digests_sent ON notify_digests (sent_at);

-- The alerts sent about a listing, once per listing and kind
-- ('unanswered': a need without any request after N days, to the
-- territory's mediators and admins).
CREATE TABLE notify_alerts (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    kind       TEXT NOT NULL CHECK (kind IN ('unanswered')),
    recipients INTEGER NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (listing_id, kind)
);
