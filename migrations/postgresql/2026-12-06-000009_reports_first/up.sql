-- Due reports are claimed before invitations (a report due on the minute must not wait behind a
-- backlog of survey emails): their own partial index finds them without reading the backlog.
CREATE INDEX mail_outbox_due_reports ON mail_outbox(due_at) WHERE state = 'queued' AND kind = 'report';
