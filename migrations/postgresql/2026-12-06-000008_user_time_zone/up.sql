-- The time zone a user reads times in (an IANA name); the app shows every time in it.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Amsterdam';
