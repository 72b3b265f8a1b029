-- Covers the analysis query: one index scan in (customer, time, id) order, no table lookups, no sort.
CREATE INDEX responses_analysis ON responses(survey_id, confirmed, customer_id, answered_at, id, score);
