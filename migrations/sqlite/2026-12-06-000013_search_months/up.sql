-- The comment index's tags also hold each answer's month (`zm202612`, of answered_at in UTC) and
-- stored state (`zxcounted`, `zxprovisional`, `zxunverified`, `zxscanner`). A word in hundreds of
-- thousands of comments is then read a month at a time, newest first, until a page is full: the
-- answer list costs a month's matches, not every match (src/domain/answers.rs). Kept in step by
-- triggers, now also when an answer's state or time changes.
DROP TRIGGER responses_fts_update;
DROP TRIGGER responses_fts_delete;
DROP TRIGGER responses_fts_insert;
DROP TABLE responses_fts;
CREATE VIRTUAL TABLE responses_fts USING fts5(comment, tags, tokenize='unicode61 remove_diacritics 2');
INSERT INTO responses_fts(rowid, comment, tags)
  SELECT id, comment, 'zs' || survey_id || ' zk' || score || ' zt' || hex(coalesce(touchpoint, '')) || ' zc' || hex(coalesce(channel, ''))
    || ' zm' || strftime('%Y%m', answered_at / 1000, 'unixepoch') || ' zx' || state
  FROM responses WHERE comment IS NOT NULL;
CREATE TRIGGER responses_fts_insert AFTER INSERT ON responses WHEN new.comment IS NOT NULL BEGIN
  INSERT INTO responses_fts(rowid, comment, tags) VALUES (new.id, new.comment,
    'zs' || new.survey_id || ' zk' || new.score || ' zt' || hex(coalesce(new.touchpoint, '')) || ' zc' || hex(coalesce(new.channel, ''))
    || ' zm' || strftime('%Y%m', new.answered_at / 1000, 'unixepoch') || ' zx' || new.state);
END;
CREATE TRIGGER responses_fts_delete AFTER DELETE ON responses WHEN old.comment IS NOT NULL BEGIN
  DELETE FROM responses_fts WHERE rowid = old.id;
END;
CREATE TRIGGER responses_fts_update AFTER UPDATE OF comment, score, state, answered_at ON responses BEGIN
  DELETE FROM responses_fts WHERE rowid = old.id;
  INSERT INTO responses_fts(rowid, comment, tags) SELECT new.id, new.comment,
    'zs' || new.survey_id || ' zk' || new.score || ' zt' || hex(coalesce(new.touchpoint, '')) || ' zc' || hex(coalesce(new.channel, ''))
    || ' zm' || strftime('%Y%m', new.answered_at / 1000, 'unixepoch') || ' zx' || new.state
    WHERE new.comment IS NOT NULL;
END;
