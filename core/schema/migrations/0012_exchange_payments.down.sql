DROP TABLE review_reports;
-- +statement
ALTER TABLE reviews DROP COLUMN hidden_at;
-- +statement
ALTER TABLE reviews DROP COLUMN report_count;
-- +statement
DROP TABLE cesu_reminders;
-- +statement
DROP TABLE exchange_payments;
-- +statement
ALTER TABLE exchanges DROP COLUMN tax_credit_bucket;
-- +statement
ALTER TABLE exchanges DROP COLUMN tax_credit_eligible_cents;
-- +statement
ALTER TABLE exchanges DROP COLUMN provider_sap;
