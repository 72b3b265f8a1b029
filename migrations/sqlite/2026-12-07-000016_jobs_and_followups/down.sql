DROP TABLE branding;
DROP TABLE digest_runs;
ALTER TABLE report_subscriptions DROP COLUMN paused_at;
ALTER TABLE surveys DROP COLUMN archived_at;
ALTER TABLE surveys DROP COLUMN followup_at_most;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE followup_log;
DROP TABLE followups;
DROP TABLE events;
CREATE TABLE mail_outbox (
    id BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'report')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'expired', 'suppressed', 'not_sent')),
    due_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    lease_holder TEXT,
    lease_until BIGINT,
    detail TEXT,
    sent_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO mail_outbox SELECT * FROM jobs WHERE kind IN ('invitation', 'report');
CREATE TABLE mail_attempts (
    id BIGINT PRIMARY KEY NOT NULL,
    outbox_id BIGINT NOT NULL REFERENCES mail_outbox(id),
    attempt INTEGER NOT NULL,
    holder TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'transient', 'permanent', 'unconfirmed')),
    smtp_code INTEGER,
    detail TEXT NOT NULL,
    may_have_reached BOOLEAN NOT NULL DEFAULT 0
);
INSERT INTO mail_attempts SELECT a.* FROM job_attempts a JOIN mail_outbox o ON o.id = a.job_id;
DROP TABLE job_attempts;
DROP TABLE jobs;
CREATE INDEX mail_outbox_due ON mail_outbox(due_at) WHERE state = 'queued';
CREATE INDEX mail_outbox_leased ON mail_outbox(lease_until) WHERE state = 'sending';
CREATE INDEX mail_outbox_due_reports ON mail_outbox(due_at) WHERE state = 'queued' AND kind = 'report';
CREATE INDEX mail_attempts_outbox ON mail_attempts(outbox_id);
