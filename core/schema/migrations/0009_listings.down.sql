DROP TABLE listing_reports;
DROP TABLE listings;
