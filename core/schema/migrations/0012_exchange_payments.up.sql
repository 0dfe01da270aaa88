-- What the frozen quote says for the household's tax credit, and whether
-- the provider is a professional declared for services à la personne (the
-- plugin prices and allows modes by it).
ALTER TABLE exchanges ADD COLUMN provider_sap BOOLEAN NOT NULL DEFAULT FALSE;
-- +statement
ALTER TABLE exchanges ADD COLUMN tax_credit_eligible_cents BIGINT NOT NULL DEFAULT 0;
-- +statement
ALTER TABLE exchanges ADD COLUMN tax_credit_bucket TEXT NOT NULL DEFAULT '';
-- +statement
-- Payments are recorded, never held: CESU préfinancé titles (count, face
-- value, references), a professional's quote and invoice references, and
-- how a professional was paid.
CREATE TABLE exchange_payments (
    id               TEXT PRIMARY KEY,
    exchange_id      TEXT NOT NULL REFERENCES exchanges (id),
    territory_id     TEXT NOT NULL REFERENCES territories (id),
    recorded_by      TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('cesu_titles', 'quote', 'invoice', 'settlement')),
    titles_count     INTEGER NOT NULL DEFAULT 0,
    face_value_cents BIGINT NOT NULL DEFAULT 0,
    amount_cents     BIGINT NOT NULL,
    method           TEXT NOT NULL,
    reference        TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
-- +statement
CREATE INDEX exchange_payments_exchange ON exchange_payments (exchange_id);
-- +statement
-- CESU déclaratif reminders sent, one per employer and month.
CREATE TABLE cesu_reminders (
    employer_id  TEXT NOT NULL REFERENCES accounts (id),
    month        TEXT NOT NULL,
    sent_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (employer_id, month)
);
-- +statement
-- Reviews can be reported by members and hidden by territory admins.
ALTER TABLE reviews ADD COLUMN report_count INTEGER NOT NULL DEFAULT 0;
-- +statement
ALTER TABLE reviews ADD COLUMN hidden_at TIMESTAMPTZ;
-- +statement
CREATE TABLE review_reports (
    exchange_id TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    reporter_id TEXT NOT NULL REFERENCES accounts (id),
    reason      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (exchange_id, author_id, reporter_id),
    FOREIGN KEY (exchange_id, author_id) REFERENCES reviews (exchange_id, author_id)
);
