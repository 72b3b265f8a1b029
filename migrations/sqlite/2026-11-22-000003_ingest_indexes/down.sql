CREATE INDEX interactions_customer ON interactions(customer_id);
DROP INDEX invitations_interaction;
DROP INDEX invitations_fatigue;
CREATE INDEX invitations_customer ON invitations(customer_id, survey_id, created_at);
