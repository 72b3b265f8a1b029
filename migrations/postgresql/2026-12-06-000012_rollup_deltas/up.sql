-- Changes to the rollups, appended by the transaction that makes them (an answer, a batch of
-- invitations, an erasure) instead of updating the day's counter row: on PostgreSQL every answer
-- of a survey and day would otherwise wait for the one before it to commit on that row. A job
-- folds them into rollup_answers and rollup_invitations in batches (src/domain/rollups/stored.rs);
-- pages read the rollups plus the deltas not yet folded, so figures stay exact and current.
-- The key columns are those of the rollups. A row moves `invited` and `responded`, or the count
-- of answers with `score` by `n` (the survey's data version counts these answer rows). No
-- foreign key: a delta lives seconds, and a key check would share-lock the survey's row on
-- every answer.
CREATE TABLE rollup_deltas (
    id BIGINT PRIMARY KEY NOT NULL,
    survey_id BIGINT NOT NULL,
    segment TEXT NOT NULL,
    day BIGINT NOT NULL,
    touchpoint TEXT NOT NULL,
    channel TEXT NOT NULL,
    invited BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    score INTEGER,
    n BIGINT NOT NULL
);
CREATE INDEX rollup_deltas_by_day ON rollup_deltas (survey_id, segment, day);
