-- The answer list (/app/answers) filters by survey, touchpoint, score and state and lists the
-- newest first. The touchpoint and channel an answer counts under are kept on the answer, so a
-- filter needs no join, and each filter (and each pair with the survey) has an index that leads
-- with it and ends in the list's order: a filter that matches little or nothing reads little or
-- nothing.
ALTER TABLE responses ADD COLUMN touchpoint TEXT;
ALTER TABLE responses ADD COLUMN channel TEXT;
UPDATE responses r SET touchpoint = i.touchpoint, channel = i.channel
FROM invitations v JOIN interactions i ON i.id = v.interaction_id
WHERE v.id = r.invitation_id;
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

-- Comment search: words (and word beginnings) through a GIN index on the comment's 'simple'
-- text-search vector (case folded, no stemming: the same matching for Dutch and English, and as
-- on SQLite's FTS5).
CREATE INDEX responses_comment_search ON responses USING GIN (to_tsvector('simple', comment)) WHERE comment IS NOT NULL;
