-- Schema 2: what the crawler remembers between runs.

-- Conditional GET: the validators of the last good response per URL.
CREATE TABLE fetch_cache (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    sha256        TEXT,              -- of the body last stored as a raw page
    status        INTEGER,
    fetched_at    TEXT NOT NULL
);

-- A day's list that was shorter than expected: polled again by the next update.
CREATE TABLE provisional (
    list     TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    date     TEXT NOT NULL,
    url      TEXT NOT NULL,
    seen     INTEGER NOT NULL,       -- papers on the list when last read
    expected INTEGER,                -- papers the page said it has, when it said
    PRIMARY KEY (list, category, date)
);
