-- Authorization (Casbin, RBAC with domains): one row per policy (ptype "p":
-- role, territory, object, action) or role assignment (ptype "g": user,
-- role, territory). Unused columns hold ''.
CREATE TABLE authz_rules (
    id    TEXT PRIMARY KEY,
    ptype TEXT NOT NULL,
    v0    TEXT NOT NULL DEFAULT '',
    v1    TEXT NOT NULL DEFAULT '',
    v2    TEXT NOT NULL DEFAULT '',
    v3    TEXT NOT NULL DEFAULT '',
    v4    TEXT NOT NULL DEFAULT '',
    v5    TEXT NOT NULL DEFAULT ''
);

CREATE UNIQUE INDEX authz_rules_rule ON authz_rules (ptype, v0, v1, v2, v3, v4, v5);

-- Every change of authz_rules, written in the same transaction as the
-- change; rows are only ever inserted. domain is the territory the rule
-- concerns ("*" for national rules), for listing a territory's history.
CREATE TABLE authz_audit (
    id     TEXT PRIMARY KEY,
    at     TIMESTAMPTZ NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'remove')),
    domain TEXT NOT NULL,
    ptype  TEXT NOT NULL,
    v0     TEXT NOT NULL DEFAULT '',
    v1     TEXT NOT NULL DEFAULT '',
    v2     TEXT NOT NULL DEFAULT '',
    v3     TEXT NOT NULL DEFAULT '',
    v4     TEXT NOT NULL DEFAULT '',
    v5     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX authz_audit_domain ON authz_audit (domain, id);
