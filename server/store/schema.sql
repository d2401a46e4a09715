-- Paperboy store, schema version 1. The store is the truth; the search index is derived from it.

CREATE TABLE papers (
    id          TEXT PRIMARY KEY,          -- canonical id: arXiv id, doi:..., or title:...
    title       TEXT NOT NULL DEFAULT '',
    title_key   TEXT NOT NULL DEFAULT '',  -- normalised title, to merge title-only papers
    abstract    TEXT NOT NULL DEFAULT '',
    authors     TEXT NOT NULL DEFAULT '[]', -- JSON list of names, in order
    version     INTEGER,
    published   TEXT,
    updated     TEXT,
    categories  TEXT NOT NULL DEFAULT '[]', -- JSON list, primary first
    doi         TEXT,
    comments    TEXT,
    journal_ref TEXT,
    code_url    TEXT,
    project_url TEXT,
    url         TEXT,
    first_seen  TEXT NOT NULL,             -- when Paperboy first stored it (UTC)
    changed_at  TEXT NOT NULL              -- when a field last changed (UTC)
);
CREATE INDEX papers_title_key ON papers (title_key);
CREATE INDEX papers_published ON papers (published);

-- Ids a paper was known by before it merged into its canonical record.
CREATE TABLE aliases (
    alias    TEXT PRIMARY KEY,
    paper_id TEXT NOT NULL REFERENCES papers (id) ON UPDATE CASCADE
);

-- A paper on one list on one day, with its latest values.
CREATE TABLE appearances (
    id         INTEGER PRIMARY KEY,
    paper_id   TEXT NOT NULL REFERENCES papers (id) ON UPDATE CASCADE,
    list       TEXT NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    date       TEXT NOT NULL,
    rank       INTEGER,
    upvotes    INTEGER,
    comments   INTEGER,
    submitter  TEXT,
    section    TEXT,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    UNIQUE (paper_id, list, category, date)
);
CREATE INDEX appearances_day ON appearances (date, list, category);

-- Every distinct reading of an appearance: upvote drift over days.
CREATE TABLE observations (
    appearance_id INTEGER NOT NULL REFERENCES appearances (id) ON DELETE CASCADE,
    observed_at   TEXT NOT NULL,
    rank          INTEGER,
    upvotes       INTEGER,
    comments      INTEGER,
    PRIMARY KEY (appearance_id, observed_at)
);

-- Pages as read, compressed, so a better parser can re-read history.
CREATE TABLE raw_pages (
    id         INTEGER PRIMARY KEY,
    url        TEXT,
    kind       TEXT,
    sha256     TEXT NOT NULL UNIQUE,
    fetched_at TEXT NOT NULL,
    size       INTEGER NOT NULL,
    body       BLOB NOT NULL             -- zlib-compressed bytes
);
