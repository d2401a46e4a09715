-- Schema 2: what the crawler remembers between runs.

-- Conditional GET: the validators of the last good response per URL.
CREATE TABLE fetch_cache (
    url           TEXT PRIMARY KEY,  -- as fetched (with the configured base URL)
    etag          TEXT,
    last_modified TEXT,
    sha256        TEXT,              -- of the body last stored as a raw page
    status        INTEGER,
    papers        INTEGER,           -- papers the page listed when last read
    fetched_at    TEXT NOT NULL
);

-- A day's list that was shorter than expected: polled again by the next update.
CREATE TABLE provisional (
    list      TEXT NOT NULL,
    category  TEXT NOT NULL DEFAULT '',
    date      TEXT NOT NULL,
    url       TEXT NOT NULL,
    seen      INTEGER NOT NULL,      -- papers on the list when last read
    expected  INTEGER,               -- papers the page said it has, or a typical day's count
    polls     INTEGER NOT NULL DEFAULT 1,
    marked_at TEXT NOT NULL,
    PRIMARY KEY (list, category, date)
);

-- Papers that arrived without an abstract, to be asked of the arXiv API in batches.
CREATE TABLE abstract_queue (
    paper_id  TEXT PRIMARY KEY,
    queued_at TEXT NOT NULL,
    tries     INTEGER NOT NULL DEFAULT 0  -- API answers that did not carry it
);

-- Each `paperboy update`: one that never finished is finished by the next.
CREATE TABLE update_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    last_change TEXT                 -- the store's last change once its scrape was done
);
