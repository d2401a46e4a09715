-- Schema 4: stored text holds no control or direction character, and paper links are http(s).
-- Older parsers let terminal escapes (ESC, CSI, OSC 8, OSC 52, C1), bidi controls and file:,
-- javascript: or data: URLs through. The paperboy_* functions are Python (server/sanitize.py),
-- registered by the store before it migrates. A cleaned paper gets a new changed_at, so the
-- search index re-reads it on its next sync.

-- Ids: only DOI ids could hold such characters. A clean id already taken is left be. (The search
-- index drops the old id's document on its next sync: its count no longer matches the store.)
CREATE TEMP TABLE renamed AS
    SELECT min(id) AS old, paperboy_text(id) AS new FROM papers
    WHERE id IS NOT paperboy_text(id) AND paperboy_text(id) NOT IN (SELECT id FROM papers)
    GROUP BY paperboy_text(id);
UPDATE papers SET id = (SELECT new FROM renamed WHERE old = papers.id), changed_at = paperboy_now()
    WHERE id IN (SELECT old FROM renamed);
DROP TABLE renamed;

UPDATE papers SET changed_at = paperboy_now() WHERE id IN (
    SELECT paper_id FROM appearances
    WHERE category IS NOT paperboy_text(category) OR submitter IS NOT paperboy_text(submitter)
       OR section IS NOT paperboy_text(section)
);
UPDATE OR IGNORE appearances SET
    category = paperboy_text(category),
    submitter = paperboy_text(submitter),
    section = paperboy_text(section)
WHERE category IS NOT paperboy_text(category) OR submitter IS NOT paperboy_text(submitter)
   OR section IS NOT paperboy_text(section);

UPDATE papers SET
    title = paperboy_text(title),
    title_key = paperboy_title_key(paperboy_text(title)),
    abstract = paperboy_text(abstract),
    authors = paperboy_names(authors),
    categories = paperboy_names(categories),
    published = paperboy_text(published),
    updated = paperboy_text(updated),
    doi = paperboy_text(doi),
    comments = paperboy_text(comments),
    journal_ref = paperboy_text(journal_ref),
    code_url = paperboy_link(code_url),
    project_url = paperboy_link(project_url),
    url = paperboy_link(url),
    changed_at = paperboy_now()
WHERE title IS NOT paperboy_text(title) OR abstract IS NOT paperboy_text(abstract)
   OR authors IS NOT paperboy_names(authors) OR categories IS NOT paperboy_names(categories)
   OR published IS NOT paperboy_text(published) OR updated IS NOT paperboy_text(updated)
   OR doi IS NOT paperboy_text(doi) OR comments IS NOT paperboy_text(comments)
   OR journal_ref IS NOT paperboy_text(journal_ref) OR code_url IS NOT paperboy_link(code_url)
   OR project_url IS NOT paperboy_link(project_url) OR url IS NOT paperboy_link(url);
