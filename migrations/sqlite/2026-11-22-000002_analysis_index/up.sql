-- Covers the analysis query: one index scan in (customer, time, id) order, no table lookups, no
-- sort; whether an answer counts (counts_from) is read from the index too.
CREATE INDEX responses_analysis ON responses(survey_id, customer_id, answered_at, id, score, counts_from);
