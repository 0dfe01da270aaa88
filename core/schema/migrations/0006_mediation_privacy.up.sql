-- Mediation: a mediator (mairie, France Services, CCAS) acts for a resident
-- who gave recorded consent (who, when, scope, how). Every action taken
-- under a consent is recorded before it runs ("done by X for Y"), shown to
-- the resident, and the resident can revoke the consent at any time.
-- Only account IDs are stored here: erasing an account pseudonymises them.
CREATE TABLE mediation_consents (
    id           TEXT PRIMARY KEY,
    territory_id TEXT NOT NULL REFERENCES territories (id),
    resident_id  TEXT NOT NULL REFERENCES accounts (id),
    mediator_id  TEXT NOT NULL REFERENCES accounts (id),
    scope        TEXT NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('paper', 'phone', 'in_person')),
    given_at     TIMESTAMPTZ NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    revoked_by   TEXT
);

-- +statement
CREATE INDEX mediation_consents_pair ON mediation_consents (mediator_id, resident_id);
-- +statement
CREATE INDEX mediation_consents_resident ON mediation_consents (resident_id);

-- +statement
CREATE TABLE mediation_actions (
    id           TEXT PRIMARY KEY,
    consent_id   TEXT NOT NULL REFERENCES mediation_consents (id),
    territory_id TEXT NOT NULL REFERENCES territories (id),
    resident_id  TEXT NOT NULL REFERENCES accounts (id),
    mediator_id  TEXT NOT NULL REFERENCES accounts (id),
    object       TEXT NOT NULL,
    action       TEXT NOT NULL,
    route        TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    at           TIMESTAMPTZ NOT NULL
);

-- +statement
CREATE INDEX mediation_actions_resident ON mediation_actions (resident_id, at);

-- +statement
-- The append-only log of staff reads of personal data: who read whose data,
-- where, what and when. No update, no delete (the triggers of migration 0007
-- refuse them).
CREATE TABLE personal_data_access (
    id          TEXT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    staff_id    TEXT NOT NULL,
    territory   TEXT NOT NULL,
    subject_id  TEXT,
    what        TEXT NOT NULL,
    request_id  TEXT NOT NULL
);

-- +statement
CREATE INDEX personal_data_access_subject ON personal_data_access (subject_id, at);
-- +statement
CREATE INDEX personal_data_access_territory ON personal_data_access (territory, at);
