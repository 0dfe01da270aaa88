DROP TABLE import_rows;
DROP TABLE census_businesses;
DROP TABLE imports;
