-- Messages: one thread per exchange between its two parties (core/message).
-- seq numbers a thread's messages 1, 2, … in the order they were written
-- (allocated under the exchange's lock), so reading and unread counts do
-- not depend on the replicas' clocks. mediator_id is set when a mediator
-- wrote for the resident who is the author. Erasure of the author clears
-- body and keeps the row, so the other party's thread stays whole.
CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    territory_id TEXT NOT NULL REFERENCES territories (id),
    exchange_id  TEXT NOT NULL REFERENCES exchanges (id),
    seq          INTEGER NOT NULL,
    author_id    TEXT NOT NULL REFERENCES accounts (id),
    mediator_id  TEXT REFERENCES accounts (id),
    body         TEXT NOT NULL CHECK (length(body) <= 2000),
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (exchange_id, seq)
);
-- +statement
CREATE INDEX messages_author ON messages (author_id);
-- +statement
-- What each party has read of a thread (last_read_seq: every message up
-- to it), and when they were last told by email of a new message in it
-- (notified_at: at most one email per exchange per hour per recipient).
CREATE TABLE message_reads (
    exchange_id   TEXT NOT NULL REFERENCES exchanges (id),
    reader_id     TEXT NOT NULL REFERENCES accounts (id),
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    read_at       TIMESTAMPTZ,
    notified_at   TIMESTAMPTZ,
    PRIMARY KEY (exchange_id, reader_id)
);
-- +statement
CREATE INDEX message_reads_reader ON message_reads (reader_id);
