-- Schema 9: what Hugging Face knows of a paper (issue 20). Its GitHub stars as last read, the
-- organisation that posted it (id and display name), Hugging Face's AI summary and keywords,
-- and its thumbnail; and every reading of the stars, one per paper and listing day, so their
-- growth is a trend signal. `paperboy reparse` fills them from the raw pages already stored.
ALTER TABLE papers ADD COLUMN github_stars INTEGER;
ALTER TABLE papers ADD COLUMN org TEXT;
ALTER TABLE papers ADD COLUMN org_name TEXT;
ALTER TABLE papers ADD COLUMN hf_summary TEXT;
ALTER TABLE papers ADD COLUMN hf_keywords TEXT NOT NULL DEFAULT '[]';
ALTER TABLE papers ADD COLUMN thumbnail TEXT;

CREATE TABLE star_readings (
    paper_id TEXT NOT NULL REFERENCES papers (id) ON UPDATE CASCADE,
    date     TEXT NOT NULL,             -- the listing day the stars were read on
    stars    INTEGER NOT NULL,
    read_at  TEXT NOT NULL,             -- when Paperboy stored the reading (UTC)
    PRIMARY KEY (paper_id, date)
);
