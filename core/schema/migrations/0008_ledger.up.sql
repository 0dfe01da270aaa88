-- Time credits (issue 5): a double-entry ledger per territory, in minutes.
-- Every transfer is two postings summing to zero; each ledger account keeps
-- its balance, updated in the transaction of the transfer by a conditional
-- UPDATE that enforces the floor and the ceiling (see core/ledger). Rows are
-- only ever added: a mistake is corrected by a reversal, never by an edit.
-- Only account IDs are stored: erasing an account leaves them pseudonymous.

-- One ledger account per member per territory, and one territory account
-- (member_id NULL) per territory, which issues the welcome credits.
CREATE TABLE ledger_accounts (
    id              TEXT PRIMARY KEY,
    territory_id    TEXT NOT NULL REFERENCES territories (id),
    member_id       TEXT REFERENCES accounts (id),
    balance_minutes BIGINT NOT NULL DEFAULT 0,
    last_seq        BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (territory_id, member_id)
);

-- +statement
CREATE UNIQUE INDEX ledger_accounts_territory ON ledger_accounts (territory_id) WHERE member_id IS NULL;
-- +statement
CREATE INDEX ledger_accounts_member ON ledger_accounts (member_id);

-- +statement
-- A transfer: who recorded it (actor), why (kind, reference, memo), and the
-- idempotency key a retry carries (unique per territory; fingerprint is the
-- SHA-256 of the content, to refuse a key reused for another transfer). A
-- reversal names the transfer it cancels; a transfer is reversed once.
CREATE TABLE ledger_transfers (
    id              TEXT PRIMARY KEY,
    territory_id    TEXT NOT NULL REFERENCES territories (id),
    kind            TEXT NOT NULL CHECK (kind IN ('exchange', 'welcome', 'reversal', 'adjustment')),
    amount_minutes  BIGINT NOT NULL CHECK (amount_minutes > 0),
    reference       TEXT NOT NULL DEFAULT '',
    memo            TEXT NOT NULL DEFAULT '',
    actor           TEXT NOT NULL,
    idempotency_key TEXT,
    fingerprint     TEXT NOT NULL,
    reverses_id     TEXT UNIQUE REFERENCES ledger_transfers (id),
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (territory_id, idempotency_key),
    CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL))
);

-- +statement
CREATE INDEX ledger_transfers_actor ON ledger_transfers (actor, created_at);

-- +statement
-- The postings: seq numbers each account's postings from 1 without gaps
-- (the account's last_seq), balance_after_minutes is the account's balance
-- once the posting applied, so a statement reads without summing.
CREATE TABLE ledger_postings (
    ledger_account_id     TEXT NOT NULL REFERENCES ledger_accounts (id),
    seq                   BIGINT NOT NULL,
    transfer_id           TEXT NOT NULL REFERENCES ledger_transfers (id),
    amount_minutes        BIGINT NOT NULL CHECK (amount_minutes <> 0),
    balance_after_minutes BIGINT NOT NULL,
    PRIMARY KEY (ledger_account_id, seq),
    UNIQUE (transfer_id, ledger_account_id)
);
