-- PostgreSQL version of 0007_access_log_append_only.up.sql: the staff-access
-- log is append-only, the database itself refuses to change or delete its rows.
CREATE FUNCTION personal_data_access_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'personal_data_access is append-only';
END;
$$;
-- +statement
CREATE TRIGGER personal_data_access_no_change BEFORE UPDATE OR DELETE ON personal_data_access
FOR EACH ROW EXECUTE FUNCTION personal_data_access_append_only();
