DROP TABLE exchange_months;
-- +statement
ALTER TABLE exchanges DROP COLUMN recurrence;
