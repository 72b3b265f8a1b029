DROP TRIGGER responses_fts_update;
DROP TRIGGER responses_fts_delete;
DROP TRIGGER responses_fts_insert;
DROP TABLE responses_fts;
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
