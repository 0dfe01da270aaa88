DROP TABLE personal_data_access;
DROP FUNCTION personal_data_access_append_only();
DROP TABLE mediation_actions;
DROP TABLE mediation_consents;
