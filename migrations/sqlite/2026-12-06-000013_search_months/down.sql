-- Back to the tags of search_tags (survey, score, touchpoint, channel).
DROP TRIGGER responses_fts_update;
DROP TRIGGER responses_fts_delete;
DROP TRIGGER responses_fts_insert;
DROP TABLE responses_fts;
CREATE VIRTUAL TABLE responses_fts USING fts5(comment, tags, tokenize='unicode61 remove_diacritics 2');
INSERT INTO responses_fts(rowid, comment, tags)
  SELECT id, comment, 'zs' || survey_id || ' zk' || score || ' zt' || hex(coalesce(touchpoint, '')) || ' zc' || hex(coalesce(channel, ''))
  FROM responses WHERE comment IS NOT NULL;
CREATE TRIGGER responses_fts_insert AFTER INSERT ON responses WHEN new.comment IS NOT NULL BEGIN
  INSERT INTO responses_fts(rowid, comment, tags) VALUES (new.id, new.comment,
    'zs' || new.survey_id || ' zk' || new.score || ' zt' || hex(coalesce(new.touchpoint, '')) || ' zc' || hex(coalesce(new.channel, '')));
END;
CREATE TRIGGER responses_fts_delete AFTER DELETE ON responses WHEN old.comment IS NOT NULL BEGIN
  DELETE FROM responses_fts WHERE rowid = old.id;
END;
CREATE TRIGGER responses_fts_update AFTER UPDATE OF comment, score ON responses BEGIN
  DELETE FROM responses_fts WHERE rowid = old.id;
  INSERT INTO responses_fts(rowid, comment, tags) SELECT new.id, new.comment,
    'zs' || new.survey_id || ' zk' || new.score || ' zt' || hex(coalesce(new.touchpoint, '')) || ' zc' || hex(coalesce(new.channel, ''))
    WHERE new.comment IS NOT NULL;
END;
