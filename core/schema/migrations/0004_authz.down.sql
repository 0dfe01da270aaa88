DROP INDEX authz_audit_domain;
DROP TABLE authz_audit;
DROP INDEX authz_rules_rule;
DROP TABLE authz_rules;
