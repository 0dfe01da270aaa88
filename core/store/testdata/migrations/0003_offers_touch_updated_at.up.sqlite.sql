-- Test fixture: stamps offers.updated_at with a sentinel date on every title
-- change, so that tests can see the trigger ran. The trigger body holds semicolons at the
-- end of lines, hence the statement marker.
-- +statement
CREATE TRIGGER offers_touch_updated_at AFTER UPDATE OF title ON offers
FOR EACH ROW
BEGIN
    UPDATE offers SET updated_at = '2999-01-01 00:00:00' WHERE id = NEW.id;
END;
