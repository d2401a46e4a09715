-- Schema 6: the reader's desk, the user's own state, in tables of its own. No import, parse,
-- reindex or later migration writes here: a paper folded into another keeps its row under the
-- id it was saved as, and is read through the aliases table.

CREATE TABLE IF NOT EXISTS desk (
    paper_id  TEXT PRIMARY KEY,  -- the paper's id when the user first acted on it
    saved_at  TEXT,              -- NULL: not saved
    read_at   TEXT,              -- NULL: unread
    hidden_at TEXT,              -- NULL: shown in lists
    note      TEXT NOT NULL DEFAULT '',
    note_at   TEXT
);

CREATE TABLE IF NOT EXISTS desk_tags (
    paper_id  TEXT NOT NULL,
    tag       TEXT NOT NULL,
    tagged_at TEXT NOT NULL,
    PRIMARY KEY (paper_id, tag)
);

CREATE INDEX IF NOT EXISTS desk_tags_tag ON desk_tags (tag);
