-- An answer changes its invitation's status (pending → opened → answered). While the status
-- was in an index (the expiry sweep's partial index names it in its WHERE), PostgreSQL wrote
-- every such change as a new row version with a new entry in each of the table's indexes; with
-- the status in no index and room left on each page (fillfactor), the new version stays on the
-- row's page and no index changes (a heap-only tuple). The sweep now reads the plain expiry
-- index from where its last run stopped (`sweeps`), so it never rereads the past.
DROP INDEX invitations_open_expiry;
CREATE INDEX invitations_expiry ON invitations(expires_at);
ALTER TABLE invitations SET (fillfactor = 85);

-- How far a periodic sweep has come: everything up to `done_until` is done.
CREATE TABLE sweeps (
    name TEXT PRIMARY KEY NOT NULL,
    done_until BIGINT NOT NULL
);
