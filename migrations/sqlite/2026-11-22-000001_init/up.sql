-- Times are unix milliseconds (UTC) in BIGINT columns: portable across SQLite and PostgreSQL.
-- Ids are random positive 63-bit integers made by the application, so several instances insert without coordination.
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    scale TEXT NOT NULL,
    question_nl TEXT NOT NULL,
    question_en TEXT NOT NULL,
    followup_nl TEXT NOT NULL,
    followup_en TEXT NOT NULL,
    touchpoints TEXT NOT NULL,           -- JSON array of strings
    delay_minutes BIGINT NOT NULL,
    expiry_days BIGINT NOT NULL,
    sample_rate DOUBLE PRECISION NOT NULL,
    fatigue_survey_days BIGINT NOT NULL,
    fatigue_global_days BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY NOT NULL,
    external_id TEXT NOT NULL UNIQUE,
    email TEXT,
    locale TEXT NOT NULL,
    attributes TEXT NOT NULL,            -- JSON object
    first_seen_at BIGINT NOT NULL,
    churned_at BIGINT,
    unsubscribed_at BIGINT,
    erased_at BIGINT,
    last_invited_at BIGINT
);

CREATE TABLE interactions (
    id INTEGER PRIMARY KEY NOT NULL,
    external_id TEXT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    touchpoint TEXT NOT NULL,
    channel TEXT,
    occurred_at BIGINT NOT NULL,
    attributes TEXT NOT NULL,
    decision TEXT NOT NULL,              -- invited, throttled, sampled_out, no_email, unsubscribed, erased, no_matching_survey
    decision_detail TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX interactions_customer ON interactions(customer_id);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL,            -- SHA-256 of the token (id + 160-bit MAC); the token itself is never stored
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    interaction_id BIGINT REFERENCES interactions(id),
    status TEXT NOT NULL,                -- pending, answered, expired
    status_reason TEXT NOT NULL,
    send_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX invitations_customer ON invitations(customer_id, survey_id, created_at);

CREATE TABLE responses (
    id INTEGER PRIMARY KEY NOT NULL,
    invitation_id BIGINT UNIQUE REFERENCES invitations(id),
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    score INTEGER NOT NULL,
    comment TEXT,
    provenance TEXT NOT NULL,            -- link, page, form, beacon, api, import
    confirmed BOOLEAN NOT NULL,          -- counts only once a human signal confirmed it
    suspect_scanner BOOLEAN NOT NULL,
    answered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX responses_survey ON responses(survey_id, answered_at);
CREATE INDEX responses_customer ON responses(customer_id);

-- Every score click, kept so scanner bursts can be recognised and audited.
CREATE TABLE answer_events (
    id INTEGER PRIMARY KEY NOT NULL,
    invitation_id BIGINT NOT NULL REFERENCES invitations(id),
    kind TEXT NOT NULL,                  -- link, form, comment, beacon
    score INTEGER,
    user_agent TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX answer_events_invitation ON answer_events(invitation_id, created_at);

CREATE TABLE customer_events (
    id INTEGER PRIMARY KEY NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL,                  -- churn, renewal
    occurred_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX customer_events_customer ON customer_events(customer_id);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,       -- SHA-256 of a 256-bit random key
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- Instance-wide secrets (e.g. the key that derives invitation tokens), made once at first start.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
