DROP TABLE notify_alerts;
DROP TABLE notify_digests;
DROP TABLE notify_settings;
DROP TABLE awareness_events;
