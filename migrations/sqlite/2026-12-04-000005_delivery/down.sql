DROP INDEX mail_attempts_outbox;
DROP TABLE mail_attempts;
DROP INDEX mail_outbox_leased;
DROP INDEX mail_outbox_due;
DROP TABLE mail_outbox;
DROP TABLE report_runs;
DROP TABLE report_subscriptions;
ALTER TABLE customers DROP COLUMN unsubscribe_reason;
