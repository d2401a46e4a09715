-- Schema 7: when the user last caught up with the lists (`paperboy catchup`, the popup, the
-- desk page): the newest listing day they had seen then. Part of the desk: nothing else writes it.

CREATE TABLE IF NOT EXISTS desk_seen (
    name    TEXT PRIMARY KEY,  -- what was looked at ("lists": every list the archive follows)
    day     TEXT NOT NULL,     -- the newest listing day seen
    seen_at TEXT NOT NULL
);
