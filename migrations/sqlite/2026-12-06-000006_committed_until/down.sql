ALTER TABLE customers DROP COLUMN committed_until;
