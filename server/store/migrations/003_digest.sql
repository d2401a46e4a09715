-- Schema 3: subscribers and the log of digests sent (each subscriber gets each digest once).

CREATE TABLE subscribers (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    frequency       TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    topics          TEXT NOT NULL DEFAULT '[]',   -- JSON list of queries
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    created_at      TEXT NOT NULL,
    confirmed_at    TEXT,
    unsubscribed_at TEXT
);

-- One row per (subscriber, digest). 'sending' is written just before the message goes to the
-- SMTP server, 'sent' once the server accepted it (its 250 reply to the end of DATA). A row left
-- 'sending' means the process died in between: the next run sends that message again, with the
-- same Message-ID (at least once, never silently lost; see server/digest/send.py).
CREATE TABLE digests_sent (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    period        TEXT NOT NULL,      -- daily or weekly
    date          TEXT NOT NULL,      -- the digest's day (the last day of a week)
    message_id    TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('sending', 'sent')),
    started_at    TEXT NOT NULL,
    sent_at       TEXT,
    PRIMARY KEY (subscriber_id, period, date)
);
