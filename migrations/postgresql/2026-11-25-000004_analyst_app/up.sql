-- The analyst app: accounts, sessions, sign-in throttling, rollups and stored analyses.

CREATE TABLE users (
    id BIGINT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,          -- lower-cased
    password_hash TEXT NOT NULL,         -- argon2id PHC string
    role TEXT NOT NULL CHECK (role IN ('admin', 'analyst')),
    locale TEXT NOT NULL,                -- the language the user chose for the app
    created_at BIGINT NOT NULL,
    disabled_at BIGINT                   -- a disabled account cannot sign in; its sessions end
);

-- Sessions live in the database so that every instance knows them. Only a hash of the cookie's
-- token is stored: a copy of the database does not let anyone sign in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,        -- idle expiry counts from here (written at most once a minute)
    expires_at BIGINT NOT NULL           -- absolute expiry
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed sign-ins, for throttling per account and per address across instances.
CREATE TABLE signin_failures (
    id BIGINT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    source TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX signin_failures_email ON signin_failures(email, at);
CREATE INDEX signin_failures_source ON signin_failures(source, at);

-- Counted answers and invitations per survey, UTC day, touchpoint, channel and customer segment,
-- kept up to date as answers arrive (src/domain/rollups.rs), so trend pages read a few thousand
-- rows however many answers there are. segment '' is every customer; 'key=value' those with that
-- attribute. s0..s10 count answers by score on the day they were given.
CREATE TABLE rollup_answers (
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    segment TEXT NOT NULL,
    day BIGINT NOT NULL,
    touchpoint TEXT NOT NULL,
    channel TEXT NOT NULL,
    s0 BIGINT NOT NULL, s1 BIGINT NOT NULL, s2 BIGINT NOT NULL, s3 BIGINT NOT NULL,
    s4 BIGINT NOT NULL, s5 BIGINT NOT NULL, s6 BIGINT NOT NULL, s7 BIGINT NOT NULL,
    s8 BIGINT NOT NULL, s9 BIGINT NOT NULL, s10 BIGINT NOT NULL,
    PRIMARY KEY (survey_id, segment, day, touchpoint, channel)
);
-- Invitations by the day they were sent, and how many of them have a counted answer: the
-- response rate.
CREATE TABLE rollup_invitations (
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    segment TEXT NOT NULL,
    day BIGINT NOT NULL,
    touchpoint TEXT NOT NULL,
    channel TEXT NOT NULL,
    invited BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    PRIMARY KEY (survey_id, segment, day, touchpoint, channel)
);

-- The values the filters offer, per survey: kind is touchpoint, channel or segment.
CREATE TABLE rollup_keys (
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (survey_id, kind, value)
);

-- The customer's segments when the invitation was made: the invitation, its response and its
-- answer are counted under these for good, however the customer's attributes change later.
ALTER TABLE invitations ADD COLUMN segments TEXT NOT NULL DEFAULT '[]';

-- The score an answer adds to the rollups now (NULL: none). An answer enters when it counts
-- and leaves or moves when its state or score changes; provisional answers enter when their quiet
-- window passes, through the sweep, which finds them by this partial index.
ALTER TABLE responses ADD COLUMN rolled_score INTEGER;
CREATE INDEX responses_to_settle ON responses(counts_from) WHERE state = 'provisional' AND rolled_score IS NULL;

-- Counters that move when a survey's counted answers or any churn change: a stored analysis
-- older than its counters is refreshed in the background.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);

-- The latest retention analysis per survey (the acht analyze --json report), so its page never
-- makes a viewer wait for the analysis.
CREATE TABLE analysis_results (
    survey_id BIGINT PRIMARY KEY NOT NULL REFERENCES surveys(id),
    data_version BIGINT NOT NULL,        -- the survey's and churn's counters it was computed from
    computed_at BIGINT NOT NULL,
    took_ms BIGINT NOT NULL,
    report TEXT NOT NULL                 -- JSON
);

-- The answer list and its export read newest first, a page at a time (keyset on time and id).
CREATE INDEX responses_time ON responses(answered_at, id);
