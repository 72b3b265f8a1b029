-- Times are unix milliseconds (UTC) in BIGINT columns: portable across SQLite and PostgreSQL.
-- Ids are time-ordered positive 63-bit integers made by the application (src/db/ids.rs), with
-- an instance tag leased from instance_leases, so several instances insert without coordination.
-- Every column with a fixed set of values has a CHECK with exactly the values of its Rust enum
-- (src/types): an unknown value is refused here and is a decoding error there.
CREATE TABLE surveys (
    id BIGINT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    scale TEXT NOT NULL CHECK (scale IN ('grade10', 'ces7', 'nps11', 'csat5')),
    texts TEXT NOT NULL,                 -- JSON object: locale -> {"question", "followup"}, the company's own words
    touchpoints TEXT NOT NULL,           -- JSON array of strings
    delay_minutes BIGINT NOT NULL,
    expiry_days BIGINT NOT NULL,
    sample_rate DOUBLE PRECISION NOT NULL,
    fatigue_survey_days BIGINT NOT NULL,
    fatigue_global_days BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE customers (
    id BIGINT PRIMARY KEY NOT NULL,
    external_id TEXT NOT NULL UNIQUE,
    email TEXT,
    locale TEXT NOT NULL,                -- a language tag of the message catalogue, e.g. nl, en
    attributes TEXT NOT NULL,            -- JSON object
    first_seen_at BIGINT NOT NULL,
    churned_at BIGINT,
    unsubscribed_at BIGINT,              -- set by an unsubscribe event; cleared by resubscribe
    erased_at BIGINT                     -- set by erasure, which also removes personal data
);

CREATE TABLE interactions (
    id BIGINT PRIMARY KEY NOT NULL,
    external_id TEXT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    touchpoint TEXT NOT NULL,
    channel TEXT,
    occurred_at BIGINT NOT NULL,
    attributes TEXT NOT NULL,            -- JSON object
    decision TEXT NOT NULL CHECK (decision IN ('invited', 'throttled', 'sampled_out', 'no_email', 'unsubscribed', 'erased', 'no_matching_survey')),
    decision_detail TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX interactions_customer ON interactions(customer_id);

CREATE TABLE invitations (
    id BIGINT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL,            -- SHA-256 of the token (id + 160-bit MAC); the token itself is never stored
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    interaction_id BIGINT REFERENCES interactions(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'opened', 'answered', 'expired')),
    send_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX invitations_customer ON invitations(customer_id, survey_id, created_at);
-- The expiry sweep finds unanswered invitations past their window without reading the others
-- (its query repeats this WHERE literally, so the planner can use the index).
CREATE INDEX invitations_open_expiry ON invitations(expires_at) WHERE status = 'pending' OR status = 'opened';

CREATE TABLE responses (
    id BIGINT PRIMARY KEY NOT NULL,
    invitation_id BIGINT UNIQUE REFERENCES invitations(id),
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    score INTEGER NOT NULL,
    comment TEXT,
    provenance TEXT NOT NULL CHECK (provenance IN ('link', 'form', 'import')),  -- what carried the score
    state TEXT NOT NULL CHECK (state IN ('counted', 'provisional', 'unverified', 'scanner')),
    state_reason TEXT NOT NULL,          -- why, in words, from the evidence (src/domain/evidence.rs)
    counts_from BIGINT,                  -- from when the answer counts: now for counted, after the quiet window for provisional, NULL otherwise
    answered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX responses_survey ON responses(survey_id, answered_at);
CREATE INDEX responses_customer ON responses(customer_id);

-- Every visit and page signal of an invitation: the evidence that decides whether its answer
-- came from a person or a mail scanner (src/domain/evidence.rs).
CREATE TABLE answer_events (
    id BIGINT PRIMARY KEY NOT NULL,
    invitation_id BIGINT NOT NULL REFERENCES invitations(id),
    kind TEXT NOT NULL CHECK (kind IN ('view', 'link', 'form', 'gesture', 'loaded', 'dwell', 'hidden', 'trap')),
    score INTEGER,
    source TEXT,                         -- the client's address (a trusted proxy's X-Forwarded-For only)
    user_agent TEXT,
    fetch_meta TEXT,                     -- the Sec-Fetch-Site/Mode/Dest/User headers as sent, if any
    accept_language BOOLEAN NOT NULL,    -- whether the request carried Accept-Language
    since_sent_ms BIGINT NOT NULL,       -- time since the invitation was (to be) sent
    visible_ms BIGINT,                   -- for dwell and hidden beacons: how long the page was visible
    created_at BIGINT NOT NULL
);
CREATE INDEX answer_events_invitation ON answer_events(invitation_id, created_at);

CREATE TABLE customer_events (
    id BIGINT PRIMARY KEY NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL CHECK (kind IN ('churn', 'renewal', 'unsubscribe', 'resubscribe')),
    occurred_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX customer_events_customer ON customer_events(customer_id);

CREATE TABLE api_keys (
    id BIGINT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,       -- SHA-256 of a 256-bit random key
    created_at BIGINT NOT NULL,
    revoked_at BIGINT                    -- set by 'acht apikey revoke'; a revoked key is refused
);

-- Instance-wide secrets (e.g. the key that derives invitation tokens), made once at first start.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Id tags leased by running processes (server or CLI): a tag is held while its lease is renewed,
-- so no two live processes make ids with the same tag (src/db/ids.rs). A released or lapsed
-- lease keeps its row: last_ms lets the next holder start its ids after the last one's.
CREATE TABLE instance_leases (
    tag INTEGER PRIMARY KEY NOT NULL CHECK (tag >= 0 AND tag < 1024),
    holder TEXT NOT NULL,
    acquired_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,          -- database time; 0 once released
    last_ms BIGINT NOT NULL              -- the holder's clock at its last renewal or release
);
