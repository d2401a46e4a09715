-- Schema 11: the rows of papers and appearances, counted as they are written (issue 21,
-- "cheap health"). count(*) reads the whole table (90 ms cold at 36k papers, seconds at 1M);
-- /api/health and every index check read these instead. Triggers keep them exact in the same
-- transaction as the write. The store's connection turns recursive_triggers on, so a row that
-- INSERT OR REPLACE replaces counts as deleted (SQLite skips delete triggers otherwise).
CREATE TABLE counts (
    name TEXT PRIMARY KEY,              -- the table counted
    n    INTEGER NOT NULL
);

INSERT INTO counts (name, n) VALUES
    ('papers', (SELECT count(*) FROM papers)),
    ('appearances', (SELECT count(*) FROM appearances));

CREATE TRIGGER counts_papers_insert AFTER INSERT ON papers BEGIN
    UPDATE counts SET n = n + 1 WHERE name = 'papers';
END;

CREATE TRIGGER counts_papers_delete AFTER DELETE ON papers BEGIN
    UPDATE counts SET n = n - 1 WHERE name = 'papers';
END;

CREATE TRIGGER counts_appearances_insert AFTER INSERT ON appearances BEGIN
    UPDATE counts SET n = n + 1 WHERE name = 'appearances';
END;

CREATE TRIGGER counts_appearances_delete AFTER DELETE ON appearances BEGIN
    UPDATE counts SET n = n - 1 WHERE name = 'appearances';
END;
