-- Who downloaded or erased a customer's data, and when (accountability under the GDPR). The
-- customer is named by acht's own number only, so the log holds none of their personal data and
-- outlives an erasure; the actor is a signed-in user's address, an API key's name or the
-- command line.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('customer_exported', 'customer_erased')),
    customer_id BIGINT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_customer ON audit_log (customer_id, at);
