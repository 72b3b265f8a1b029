DROP TABLE sweeps;
ALTER TABLE invitations RESET (fillfactor);
DROP INDEX invitations_expiry;
CREATE INDEX invitations_open_expiry ON invitations(expires_at) WHERE status = 'pending' OR status = 'opened';
