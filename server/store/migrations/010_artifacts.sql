-- Schema 10: the models, datasets and Spaces on the Hugging Face Hub that cite a paper (issue 20,
-- "linked artifacts"), as the Hub last listed them, and when each paper's were last fetched.
-- Derived data: the crawler refetches them on its schedule (docs/scraping.md); never the desk.
CREATE TABLE artifacts (
    paper_id  TEXT NOT NULL REFERENCES papers (id) ON UPDATE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('model', 'dataset', 'space')),
    repo_id   TEXT NOT NULL,            -- "owner/name" on the Hub
    likes     INTEGER,
    downloads INTEGER,                  -- none for Spaces
    fetched_at TEXT NOT NULL,           -- when the Hub listed it so (UTC)
    PRIMARY KEY (paper_id, kind, repo_id)
);

CREATE TABLE artifact_fetches (
    paper_id   TEXT PRIMARY KEY REFERENCES papers (id) ON UPDATE CASCADE,
    fetched_at TEXT,                    -- when the Hub last answered for this paper (UTC)
    found      INTEGER NOT NULL DEFAULT 0, -- how many artifacts that answer held
    failures   INTEGER NOT NULL DEFAULT 0  -- failed tries since (3: not asked again)
);
