-- Test fixture: stamps offers.updated_at with a sentinel date on every title
-- change, so that tests can see the trigger ran. The function body holds semicolons at the
-- end of lines, hence the statement markers.
-- +statement
CREATE FUNCTION offers_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := '2999-01-01 00:00:00';
    RETURN NEW;
END;
$$;
-- +statement
CREATE TRIGGER offers_touch_updated_at BEFORE UPDATE OF title ON offers
FOR EACH ROW EXECUTE FUNCTION offers_touch_updated_at();
