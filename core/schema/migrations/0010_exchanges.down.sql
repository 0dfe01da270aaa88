DROP TABLE idempotency_keys;
DROP TABLE reviews;
DROP TABLE exchange_events;
DROP TABLE exchanges;
