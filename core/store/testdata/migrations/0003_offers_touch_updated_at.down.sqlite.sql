DROP TRIGGER offers_touch_updated_at;
