DROP TABLE personal_data_access;
DROP TABLE mediation_actions;
DROP TABLE mediation_consents;
