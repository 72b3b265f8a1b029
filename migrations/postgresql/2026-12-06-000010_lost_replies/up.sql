-- Whether an attempt may have reached the mail server: the connection was made and the message
-- may have gone out, but no final reply came (a lost reply, a drop or a timeout). Its retry may
-- deliver a second copy, which `acht mail status` counts.
ALTER TABLE mail_attempts ADD COLUMN may_have_reached BOOLEAN NOT NULL DEFAULT FALSE;
