DROP TRIGGER offers_touch_updated_at ON offers;
DROP FUNCTION offers_touch_updated_at();
