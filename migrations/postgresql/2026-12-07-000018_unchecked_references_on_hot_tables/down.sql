ALTER TABLE interactions ADD CONSTRAINT interactions_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id);
ALTER TABLE invitations ADD CONSTRAINT invitations_survey_id_fkey FOREIGN KEY (survey_id) REFERENCES surveys(id);
ALTER TABLE invitations ADD CONSTRAINT invitations_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id);
ALTER TABLE invitations ADD CONSTRAINT invitations_interaction_id_fkey FOREIGN KEY (interaction_id) REFERENCES interactions(id);
ALTER TABLE responses ADD CONSTRAINT responses_invitation_id_fkey FOREIGN KEY (invitation_id) REFERENCES invitations(id);
ALTER TABLE responses ADD CONSTRAINT responses_survey_id_fkey FOREIGN KEY (survey_id) REFERENCES surveys(id);
ALTER TABLE responses ADD CONSTRAINT responses_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id);
ALTER TABLE answer_events ADD CONSTRAINT answer_events_invitation_id_fkey FOREIGN KEY (invitation_id) REFERENCES invitations(id);
