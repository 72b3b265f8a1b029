-- One job queue: the mail outbox becomes the table of every job acht does outside its database
-- (survey emails, reports, webhook deliveries, follow-up digests), with one claimer, one retry
-- policy and one worker (src/domain/jobs.rs, src/jobs/). A job still shares the id of what it
-- delivers.
ALTER TABLE mail_outbox RENAME TO jobs;
ALTER TABLE jobs DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('invitation', 'report', 'webhook', 'digest'));
ALTER INDEX mail_outbox_due RENAME TO jobs_due;
ALTER INDEX mail_outbox_leased RENAME TO jobs_leased;
ALTER INDEX mail_outbox_due_reports RENAME TO jobs_due_reports;
ALTER TABLE mail_attempts RENAME TO job_attempts;
ALTER TABLE job_attempts RENAME COLUMN outbox_id TO job_id;
ALTER TABLE job_attempts RENAME COLUMN smtp_code TO code;
ALTER INDEX mail_attempts_outbox RENAME TO job_attempts_job;

-- Domain events: what happened, written in the same transaction as the change itself, naming
-- what changed by acht's own numbers only (no personal data: a webhook's body is read from the
-- rows when it is delivered, so an erased customer's words never leave afterwards). A fan-out
-- step takes undispatched events in order, hands each to its subscribers (follow-ups, webhooks)
-- in one transaction, and marks it dispatched.
CREATE TABLE events (
    id BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('answer_counted', 'answer_moved', 'answer_uncounted', 'customer_unsubscribed', 'customer_erased', 'followup_opened', 'followup_closed')),
    customer_id BIGINT NOT NULL,
    subject_id BIGINT NOT NULL,          -- the answer, the follow-up or the customer
    survey_id BIGINT,
    score INTEGER,                       -- an answer's score now (counted, moved) or before (uncounted)
    previous_score INTEGER,              -- a moved answer's score before
    created_at BIGINT NOT NULL,
    dispatched_at BIGINT
);
CREATE INDEX events_undispatched ON events(id) WHERE dispatched_at IS NULL;
CREATE INDEX events_customer ON events(customer_id);

-- Follow-ups: an unhappy answer that someone should act on. At most one open per customer and
-- survey (the partial unique index), so a second low answer joins the open one.
CREATE TABLE followups (
    id BIGINT PRIMARY KEY NOT NULL,
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    response_id BIGINT NOT NULL,          -- the answer that opened it
    reason TEXT NOT NULL CHECK (reason IN ('low_score', 'drop')),
    score INTEGER NOT NULL,
    previous_score INTEGER,               -- for a drop: the customer's answer before
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    assignee_id BIGINT,                   -- a user
    outcome TEXT CHECK (outcome IN ('reached', 'not_reached', 'resolved', 'no_action')),
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX followups_one_open ON followups(customer_id, survey_id) WHERE state = 'open';
CREATE INDEX followups_open ON followups(opened_at) WHERE state = 'open';
CREATE INDEX followups_assignee ON followups(assignee_id, opened_at) WHERE state = 'open';
CREATE INDEX followups_closed ON followups(closed_at) WHERE state = 'closed';
CREATE INDEX followups_customer ON followups(customer_id);

-- Every change to a follow-up, with who made it: opened, assigned, a note, closed, reopened.
CREATE TABLE followup_log (
    id BIGINT PRIMARY KEY NOT NULL,
    followup_id BIGINT NOT NULL REFERENCES followups(id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,                  -- 'user EMAIL', 'API key NAME', 'acht'
    action TEXT NOT NULL CHECK (action IN ('opened', 'assigned', 'noted', 'closed', 'reopened')),
    assignee_id BIGINT,
    outcome TEXT,
    note TEXT
);
CREATE INDEX followup_log_followup ON followup_log(followup_id, at);

-- Where events are posted: a URL, the secret its signatures are made with, the kinds it wants.
CREATE TABLE webhook_endpoints (
    id BIGINT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    kinds TEXT NOT NULL,                  -- JSON list of event kinds
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);

-- One event for one endpoint. Its job (same id) carries the state and the attempts.
CREATE TABLE webhook_deliveries (
    id BIGINT PRIMARY KEY NOT NULL,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints(id),
    event_id BIGINT NOT NULL REFERENCES events(id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries(endpoint_id, event_id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, created_at);

-- The score at or below which an answer opens a follow-up (NULL: the scale's default).
ALTER TABLE surveys ADD COLUMN followup_at_most INTEGER;
-- An archived survey asks nobody any more; its answers and figures stay.
ALTER TABLE surveys ADD COLUMN archived_at BIGINT;
-- An admin's pause of a report subscription (its recipient's own stop is disabled_at, which an
-- admin cannot undo).
ALTER TABLE report_subscriptions ADD COLUMN paused_at BIGINT;

-- The daily digest of an assignee's open follow-ups: one row per person and local day. The
-- unique pair is the claim: every instance's beat may find it due, one insert succeeds, and
-- its job (same id) sends it.
CREATE TABLE digest_runs (
    id BIGINT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    day BIGINT NOT NULL,                  -- the assignee's local date, days since 1970-01-01
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX digest_runs_once ON digest_runs(user_id, day);

-- The company's branding as an admin set it in the app (one row; absent: the settings'
-- ACHT_COMPANY_* values). Every instance reads it at start and at each beat.
CREATE TABLE branding (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    company TEXT NOT NULL,
    colour TEXT NOT NULL,
    logo BYTEA,
    logo_type TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
