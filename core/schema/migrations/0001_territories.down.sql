DROP TABLE territory_communes;
DROP TABLE territories;
