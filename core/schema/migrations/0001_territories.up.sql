-- Territories: the tenants of the platform, one communauté de communes (EPCI)
-- or any set of communes an operator defines.
CREATE TABLE territories (
    id            TEXT PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('epci', 'custom')),
    epci_siren    TEXT UNIQUE,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    population    INTEGER NOT NULL CHECK (population >= 0),
    commune_count INTEGER NOT NULL CHECK (commune_count > 0),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- A commune belongs to at most one territory: the commune of residence of a
-- member decides their territory.
CREATE TABLE territory_communes (
    territory_id TEXT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    insee        TEXT NOT NULL UNIQUE,
    PRIMARY KEY (territory_id, insee)
);
