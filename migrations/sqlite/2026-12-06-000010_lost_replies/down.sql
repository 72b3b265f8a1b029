ALTER TABLE mail_attempts DROP COLUMN may_have_reached;
