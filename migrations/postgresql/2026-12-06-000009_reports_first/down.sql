DROP INDEX mail_outbox_due_reports;
