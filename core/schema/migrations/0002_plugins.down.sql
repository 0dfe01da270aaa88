DROP INDEX quotes_territory_created;
DROP TABLE quotes;
DROP TABLE territory_rules;
DROP TABLE plugin_modules;
