DROP INDEX offers_member_idx;
DROP TABLE offers;
