-- Recurring exchanges (weekly cleaning, the school run): one agreement,
-- with its sessions counted and settled month by month. recurrence is ''
-- for a one-off exchange, 'weekly' for an agreement whose occurrences are
-- the sessions of a month.
ALTER TABLE exchanges ADD COLUMN recurrence TEXT NOT NULL DEFAULT '';
-- +statement
CREATE TABLE exchange_months (
    exchange_id           TEXT NOT NULL REFERENCES exchanges (id),
    month                 TEXT NOT NULL,
    territory_id          TEXT NOT NULL REFERENCES territories (id),
    sessions              INTEGER NOT NULL CHECK (sessions BETWEEN 1 AND 31),
    minutes               INTEGER NOT NULL,
    recorded_at           TIMESTAMPTZ NOT NULL,
    seeker_confirmed_at   TIMESTAMPTZ,
    provider_confirmed_at TIMESTAMPTZ,
    confirmed_at          TIMESTAMPTZ,
    PRIMARY KEY (exchange_id, month)
);
