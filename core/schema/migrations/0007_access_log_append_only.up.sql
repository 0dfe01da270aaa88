-- The staff-access log is append-only: the database itself refuses to
-- change or delete its rows (SQLite triggers here, PL/pgSQL on PostgreSQL).
CREATE TRIGGER personal_data_access_no_update BEFORE UPDATE ON personal_data_access
BEGIN
    SELECT RAISE(ABORT, 'personal_data_access is append-only');
END;
-- +statement
CREATE TRIGGER personal_data_access_no_delete BEFORE DELETE ON personal_data_access
BEGIN
    SELECT RAISE(ABORT, 'personal_data_access is append-only');
END;
