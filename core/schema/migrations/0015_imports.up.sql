-- Imports of a communauté de communes' form exports (core/importer). One
-- row per file applied (or held by the web page between its validation
-- and its application: the file itself, base64, in content, deleted after
-- 24 hours or cleared once applied). Every personal column is classified
-- in core/privacy's registry.
CREATE TABLE imports (
    id            TEXT PRIMARY KEY,
    territory_id  TEXT NOT NULL REFERENCES territories (id),
    kind          TEXT NOT NULL CHECK (kind IN ('listings', 'businesses')),
    status        TEXT NOT NULL CHECK (status IN ('held', 'applied')),
    file_name     TEXT NOT NULL,
    file_sha256   TEXT NOT NULL,
    mapping       TEXT NOT NULL,
    content       TEXT,
    line_count    INTEGER NOT NULL DEFAULT 0,
    created_count INTEGER NOT NULL DEFAULT 0,
    skipped_count INTEGER NOT NULL DEFAULT 0,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    applied_at    TIMESTAMPTZ
);

CREATE INDEX imports_territory ON imports (territory_id, status, created_at);

-- The businesses of a territory's census: not accounts (they have not
-- joined), not listings; for the territory's admins. Their contact is
-- cleared three years after the import.
CREATE TABLE census_businesses (
    id            TEXT PRIMARY KEY,
    territory_id  TEXT NOT NULL REFERENCES territories (id),
    import_id     TEXT NOT NULL REFERENCES imports (id),
    company_name  TEXT NOT NULL,
    siret         TEXT NOT NULL,
    naf           TEXT NOT NULL DEFAULT '',
    sap_number    TEXT NOT NULL DEFAULT '',
    commune       TEXT NOT NULL,
    services      TEXT NOT NULL DEFAULT '',
    contact_name  TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (territory_id, siret)
);

CREATE INDEX census_businesses_import ON census_businesses (import_id);

-- Every row ever imported into a territory, by its stable key (the SHA-256
-- of the form's answer ID, of the SIRET, or of the row's content): a row
-- whose key is here is not imported again. The respondent's contact is
-- kept only with their consent, and cleared three years after the import.
CREATE TABLE import_rows (
    territory_id  TEXT NOT NULL REFERENCES territories (id),
    row_key       TEXT NOT NULL,
    import_id     TEXT NOT NULL REFERENCES imports (id),
    line          INTEGER NOT NULL,
    listing_id    TEXT REFERENCES listings (id),
    business_id   TEXT REFERENCES census_businesses (id),
    contact_name  TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    PRIMARY KEY (territory_id, row_key)
);

CREATE INDEX import_rows_import ON import_rows (import_id);
