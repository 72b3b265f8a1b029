-- The answer list (/app/answers) filters by survey, touchpoint, score and state and lists the
-- newest first. The touchpoint and channel an answer counts under are kept on the answer, so a
-- filter needs no join, and each filter (and each pair with the survey) has an index that leads
-- with it and ends in the list's order: a filter that matches little or nothing reads little or
-- nothing.
ALTER TABLE responses ADD COLUMN touchpoint TEXT;
ALTER TABLE responses ADD COLUMN channel TEXT;
UPDATE responses SET
  touchpoint = (SELECT i.touchpoint FROM invitations v JOIN interactions i ON i.id = v.interaction_id WHERE v.id = responses.invitation_id),
  channel = (SELECT i.channel FROM invitations v JOIN interactions i ON i.id = v.interaction_id WHERE v.id = responses.invitation_id)
WHERE invitation_id IS NOT NULL;
DROP INDEX responses_survey;
CREATE INDEX responses_survey ON responses(survey_id, answered_at, id);
CREATE INDEX responses_survey_score ON responses(survey_id, score, answered_at, id);
CREATE INDEX responses_survey_touchpoint ON responses(survey_id, touchpoint, answered_at, id);
CREATE INDEX responses_survey_touchpoint_score ON responses(survey_id, touchpoint, score, answered_at, id);
CREATE INDEX responses_survey_state ON responses(survey_id, state, answered_at, id);
CREATE INDEX responses_survey_channel ON responses(survey_id, channel, answered_at, id);
CREATE INDEX responses_channel ON responses(channel, answered_at, id);
CREATE INDEX responses_touchpoint ON responses(touchpoint, answered_at, id);
CREATE INDEX responses_score ON responses(score, answered_at, id);
CREATE INDEX responses_state ON responses(state, answered_at, id);

-- Comment search: words (and word beginnings) through FTS5, kept in step with the answers by
-- triggers. unicode61 folds case and accents, for Dutch and English alike.
CREATE VIRTUAL TABLE responses_fts USING fts5(comment, content='responses', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
INSERT INTO responses_fts(rowid, comment) SELECT id, comment FROM responses WHERE comment IS NOT NULL;
CREATE TRIGGER responses_fts_insert AFTER INSERT ON responses WHEN new.comment IS NOT NULL BEGIN
  INSERT INTO responses_fts(rowid, comment) VALUES (new.id, new.comment);
END;
CREATE TRIGGER responses_fts_delete AFTER DELETE ON responses WHEN old.comment IS NOT NULL BEGIN
  INSERT INTO responses_fts(responses_fts, rowid, comment) VALUES ('delete', old.id, old.comment);
END;
CREATE TRIGGER responses_fts_update AFTER UPDATE OF comment ON responses BEGIN
  INSERT INTO responses_fts(responses_fts, rowid, comment) SELECT 'delete', old.id, old.comment WHERE old.comment IS NOT NULL;
  INSERT INTO responses_fts(rowid, comment) SELECT new.id, new.comment WHERE new.comment IS NOT NULL;
END;
