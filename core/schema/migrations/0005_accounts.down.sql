DROP TABLE outbox;
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE account_tokens;
DROP TABLE accounts;
