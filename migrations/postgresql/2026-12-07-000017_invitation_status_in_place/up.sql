-- An answer changes its invitation's status (pending → opened → answered). While the status
-- was in an index (the expiry sweep's partial index names it in its WHERE), PostgreSQL wrote
-- every such change as a new row version with a new entry in each of the table's indexes; with
-- the status in no index and room left on each page (fillfactor: pages written from now on;
-- older ones once the table is rewritten, e.g. by VACUUM FULL), the new version stays on the
-- row's page and no index changes (a heap-only tuple). The sweep now reads the plain expiry
-- index from where its last run stopped (`sweeps`), less a few minutes of overlap.
-- On a large table the index build holds up invitation writes for its length: upgrade in a
-- quiet hour.

-- How far a periodic sweep has come: everything up to `done_until` is done. The expiry sweep
-- starts just before the earliest window still open (read through the old index while it is
-- there), so its first run reads no more than the old one did.
CREATE TABLE sweeps (
    name TEXT PRIMARY KEY NOT NULL,
    done_until BIGINT NOT NULL
);
INSERT INTO sweeps (name, done_until)
SELECT 'invitation_expiry', MIN(expires_at) - 1 FROM invitations WHERE status = 'pending' OR status = 'opened'
HAVING MIN(expires_at) IS NOT NULL;

DROP INDEX invitations_open_expiry;
CREATE INDEX invitations_expiry ON invitations(expires_at);
ALTER TABLE invitations SET (fillfactor = 75);
