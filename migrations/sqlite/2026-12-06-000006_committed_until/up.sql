-- Until when a customer cannot leave (a contract), where the company says so: the headline's
-- person-time starts there (docs/headline.md).
ALTER TABLE customers ADD COLUMN committed_until BIGINT;
