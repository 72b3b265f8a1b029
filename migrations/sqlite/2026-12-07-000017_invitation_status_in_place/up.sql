-- How far a periodic sweep has come: everything up to `done_until` is done. The expiry sweep
-- reads from where its last run stopped (PostgreSQL needs that to keep the status out of its
-- indexes; SQLite keeps its partial index on open invitations, and runs the same query), and
-- starts just before the earliest window still open.
CREATE TABLE sweeps (
    name TEXT PRIMARY KEY NOT NULL,
    done_until BIGINT NOT NULL
);
INSERT INTO sweeps (name, done_until)
SELECT 'invitation_expiry', MIN(expires_at) - 1 FROM invitations WHERE status = 'pending' OR status = 'opened'
HAVING MIN(expires_at) IS NOT NULL;
