-- Schema 8: the papers the user opened in the browser ("recently viewed", recorded by the
-- extension when the user turns it on). Part of the desk: nothing else writes it. One row a
-- paper, the newest MAX_VIEWED (server/store/desk.py) kept.

CREATE TABLE IF NOT EXISTS desk_viewed (
    paper_id  TEXT PRIMARY KEY,  -- the canonical id of the paper opened
    url       TEXT NOT NULL,     -- the address last opened for it
    viewed_at TEXT NOT NULL      -- when it was last opened
);

CREATE INDEX IF NOT EXISTS desk_viewed_at ON desk_viewed (viewed_at);
