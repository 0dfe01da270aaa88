-- Members of the platform: the people who offer and ask for services.
CREATE TABLE members (
    id           BIGINT PRIMARY KEY,
    email        TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    commune      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX members_commune_idx ON members (commune);
