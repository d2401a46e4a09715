"""The only network code, and the ways pages come in: fetch.py is the polite HTTP client (robots,
delays, retries, conditional GET); targets.py says which URLs to scrape; scrape.py fetches,
parses and stores them; importer.py imports saved files and re-reads stored raw pages.
"""

from server.crawl.fetch import Fetcher, Politeness
from server.crawl.importer import ImportReport, import_paths, reparse
from server.crawl.scrape import Outcome, Scraper, ScrapeReport
from server.crawl.targets import (
    Target,
    arxiv_abs,
    arxiv_list,
    atom_batch,
    batches,
    days,
    hf_day,
    hf_period,
    provisional_target,
    update_targets,
    url_target,
)

__all__ = [
    "Fetcher",
    "ImportReport",
    "Outcome",
    "Politeness",
    "ScrapeReport",
    "Scraper",
    "Target",
    "arxiv_abs",
    "arxiv_list",
    "atom_batch",
    "batches",
    "days",
    "hf_day",
    "hf_period",
    "import_paths",
    "provisional_target",
    "reparse",
    "update_targets",
    "url_target",
]
