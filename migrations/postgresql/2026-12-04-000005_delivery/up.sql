-- Delivery: acht mails its survey invitations and scheduled reports itself (src/jobs/mail.rs).

-- Why a customer stopped getting survey emails, shown in the dispatch decisions from then on.
ALTER TABLE customers ADD COLUMN unsubscribe_reason TEXT;

-- Report subscriptions: one person's email, a rhythm and a local time of day.
CREATE TABLE report_subscriptions (
    id BIGINT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    send_minute INTEGER NOT NULL CHECK (send_minute >= 0 AND send_minute < 1440), -- local minutes after midnight
    time_zone TEXT NOT NULL,             -- IANA name, e.g. Europe/Amsterdam
    survey_id BIGINT REFERENCES surveys(id), -- NULL: every survey
    locale TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);

-- One row per report that is to go out. run_key is unique: every instance's scheduler fires, and
-- only the one whose insert succeeds sends that subscription's report for that period.
CREATE TABLE report_runs (
    id BIGINT PRIMARY KEY NOT NULL,
    subscription_id BIGINT NOT NULL REFERENCES report_subscriptions(id),
    run_key TEXT NOT NULL UNIQUE,        -- 'scheduled:{subscription}:{first day}' or 'now:{subscription}:{id}'
    first_day BIGINT NOT NULL,           -- the period, as days since 1970 (local calendar dates)
    end_day BIGINT NOT NULL,             -- exclusive
    created_at BIGINT NOT NULL
);

-- Every email acht is to send, with its state. A row is claimed (state 'sending', a lease with
-- the holder's name) before its message goes out, so no two senders take it; a lease that runs
-- out means the holder died mid-send and the row is taken again (see README: exactly once).
-- A row shares the id of what it sends (ids are unique across tables), so an invitation has at
-- most one email and no further index; its Message-ID is <acht.{kind}.{id}@…>.
CREATE TABLE mail_outbox (
    id BIGINT PRIMARY KEY NOT NULL,      -- the id of what it sends: its invitation or report run
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'report')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'expired', 'suppressed', 'not_sent')),
    due_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    lease_holder TEXT,
    lease_until BIGINT,
    detail TEXT,                         -- why it ended as it did, or the last failure
    sent_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox(due_at) WHERE state = 'queued';
CREATE INDEX mail_outbox_leased ON mail_outbox(lease_until) WHERE state = 'sending';

-- Every attempt to hand a message to the mail server, and how it went.
CREATE TABLE mail_attempts (
    id BIGINT PRIMARY KEY NOT NULL,
    outbox_id BIGINT NOT NULL REFERENCES mail_outbox(id),
    attempt INTEGER NOT NULL,
    holder TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'transient', 'permanent', 'unconfirmed')),
    smtp_code INTEGER,
    detail TEXT NOT NULL
);
CREATE INDEX mail_attempts_outbox ON mail_attempts(outbox_id);
