-- Services offered by members; removed with their member.
CREATE TABLE offers (
    id         BIGINT PRIMARY KEY,
    member_id  BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('offer', 'request')),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX offers_member_idx ON offers (member_id);
