"""Scrape targets: fetch each page, store it and what it lists, and say plainly what happened.

Per target: a conditional GET with the cached ETag / Last-Modified; a page whose bytes are as
last stored is "unchanged"; otherwise parse it, store the listing with its raw page (one
transaction), queue papers that came without an abstract, mark a short list provisional, and
only then update the cache. A crash at any point leaves a page the next run fetches again.
A page no parser reads is kept as a raw page for `paperboy reparse` and reported as failed.
Enrichment follows: abstracts and categories from the arXiv API, then the Hugging Face Hub
artifacts of the papers due by the store's schedule (Hub answers are derived data, refetched on
that schedule, so they are not kept as raw pages).
With the `thumbnails` setting on, a stored page's papers get their thumbnails downloaded too.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from server import sources
from server.crawl.fetch import Fetcher, FetchError
from server.crawl.importer import ImportReport, problems_line, skip_line
from server.crawl.targets import Target, atom_batch, batches, hub_list, public_url
from server.crawl.thumbnails import download
from server.models import ARTIFACT_KINDS, Artifact, Listing
from server.store import ARTIFACT_TRIES, CacheEntry, IngestResult, ProvisionalDay, Store

# How each target ended; all but "new" and "failed" are kinds of "nothing new".
STATUSES = ("new", "unchanged", "weekend", "holiday", "empty", "missing", "failed")


@dataclass
class Outcome:
    """What one target gave: a status from STATUSES and a line saying why."""

    label: str
    status: str
    detail: str
    fetched: bool = True  # False when no page came back at all

    def line(self) -> str:
        """'hf 2024-08-03: weekend: no papers listed'."""
        return f"{self.label}: {self.status}: {self.detail}"


@dataclass
class ScrapeReport:
    """Every target's outcome, and what was stored in all."""

    outcomes: list[Outcome] = field(default_factory=list)
    counts: ImportReport = field(default_factory=ImportReport)
    hub_outcomes: list[Outcome] = field(default_factory=list)  # those of the Hub's papers
    hub_papers: int = 0  # papers whose Hub artifacts were refreshed
    hub_changed: int = 0  # ... and of those, whose artifacts changed

    @property
    def changed(self) -> bool:
        """True when anything new was stored (papers, lists or Hub artifacts)."""
        return self.counts.changed or bool(self.hub_changed)

    @property
    def failures(self) -> list[Outcome]:
        """The targets that failed."""
        return [o for o in self.outcomes if o.status == "failed"]

    def summary(self) -> str:
        """One line: what arrived, or why nothing did (then what the Hub gave, if asked)."""
        c = self.counts
        hub_ids = {id(o) for o in self.hub_outcomes}
        tally = Counter(o.status for o in self.outcomes if id(o) not in hub_ids)
        hub = "; " + self.hub_line() if self.hub_outcomes else ""
        if c.changed:
            failed = f"; {tally['failed']} failed" if tally["failed"] else ""
            return (
                f"new: {c.papers_new} papers new, {c.papers_updated} updated, {c.appearances_new} "
                f"appearances new, {c.observations_new} observations new, from {c.pages} pages"
                f"{failed}{hub}"
            )
        parts = ", ".join(f"{tally[s]} {s}" for s in STATUSES[1:] if tally[s])
        if self.hub_changed:
            return f"new: {self.hub_line()}" + (f"; lists: {parts}" if parts else "")
        return "nothing new: " + ((parts + hub).strip("; ") or "nothing to fetch")

    def hub_line(self) -> str:
        """'Hub artifacts of 3 papers refreshed, 1 changed, 1 failed'."""
        failed = sum(o.status == "failed" for o in self.hub_outcomes)
        return (
            f"Hub artifacts of {self.hub_papers} papers refreshed, {self.hub_changed} changed"
            + (f", {failed} failed" if failed else "")
        )


def counts_text(result: IngestResult) -> str:
    """'3 papers new, 0 updated, 3 appearances new, 3 observations new'."""
    return (
        f"{result.papers_new} papers new, {result.papers_updated} updated, "
        f"{result.appearances_new} appearances new, {result.observations_new} observations new"
    )


class Scraper:
    """Runs targets against one store with one fetcher; `today` dates weekend and holiday notes."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        config,
        today: str,
        echo: Callable[[Outcome], None] | None = None,
    ):
        self.store, self.fetcher, self.config, self.today = store, fetcher, config, today
        self.echo = echo or (lambda outcome: None)
        self.report = ScrapeReport()

    def run_all(self, targets: list[Target], enrich: bool = True) -> ScrapeReport:
        """Every target (each URL once), then abstracts for papers that came without one."""
        seen: set[str] = set()
        for target in targets:
            if target.url not in seen:
                seen.add(target.url)
                self._add(self.run(target))
        if enrich:
            self.enrich()
            self.artifacts()
        return self.report

    def _add(self, outcome: Outcome) -> None:
        self.report.outcomes.append(outcome)
        self.echo(outcome)

    def run(self, target: Target) -> Outcome:
        """Fetch, store and describe one target."""
        cached = self.store.crawl.cache_get(target.url)
        try:
            response = self.fetcher.get(
                target.url,
                target.expect,
                cached.etag if cached else None,
                cached.last_modified if cached else None,
            )
        except FetchError as exc:
            if exc.status in (404, 410):
                return Outcome(target.label, "missing", f"the site has no such page ({exc})", False)
            return Outcome(target.label, "failed", str(exc), False)
        if response.not_modified:
            return self._same(target, cached, "not modified since the last run (HTTP 304)")
        digest = hashlib.sha256(response.body).hexdigest()
        entry = CacheEntry(target.url, response.etag, response.last_modified, digest, None)
        if cached and cached.sha256 == digest:
            entry.papers = cached.papers
            self.store.crawl.cache_put(entry)
            return self._same(target, cached, "the page is as last read")
        url = public_url(self.config, response.url, target.base)
        try:
            listing = sources.parse(sources.decode(response.body), url)
        except sources.ParseError as exc:
            self.store.ingest(Listing(kind="unparsed", url=url), raw=response.body)
            why = f"{url}: cannot read the page: {exc} (raw page kept for `paperboy reparse`)"
            return Outcome(target.label, "failed", why)
        return self._store(target, listing, response.body, entry)

    def _store(self, target: Target, listing: Listing, body: bytes, entry: CacheEntry) -> Outcome:
        result = self.store.ingest(listing, raw=body)
        self.report.counts.add(result)
        self.report.counts.skipped += len(listing.problems)
        if listing.kind != "arxiv-atom":  # an API answer without an abstract will not get one
            self.store.crawl.queue_abstracts(p.id for p in listing.papers)
        note = self._provisional(target, listing) + self._thumbnails(listing)
        entry.papers = len(listing.papers)
        self.store.crawl.cache_put(
            entry
        )  # last: until here a crash means the page is fetched again
        skipped = skip_line("page", listing)
        note += f"; {skipped}" if skipped else ""
        if result.changed:
            return Outcome(target.label, "new", counts_text(result) + note)
        if not listing.papers:
            status, why = self._empty(target)
            return Outcome(target.label, status, why + note)
        return Outcome(target.label, "unchanged", "the page changed but holds nothing new" + note)

    def _same(self, target: Target, cached: CacheEntry | None, why: str) -> Outcome:
        """An unchanged page: say what it held (no papers: weekend or holiday) and why."""
        if cached is not None and cached.papers == 0:
            status, empty = self._empty(target)
            return Outcome(target.label, status, f"{empty}; {why}")
        if (target.list or "").startswith("arxiv") and date.fromisoformat(self.today).weekday() > 4:
            return Outcome(
                target.label, "weekend", f"{why}: arXiv announces nothing on Saturday and Sunday"
            )
        return Outcome(target.label, "unchanged", why)

    def _empty(self, target: Target) -> tuple[str, str]:
        day = target.day
        if day and date.fromisoformat(day).weekday() > 4:
            return "weekend", "no papers listed (weekend)"
        if day and day >= self.today:
            return "empty", "no papers listed yet"
        if day:
            return "holiday", "no papers listed that day (a holiday?)"
        return "empty", "the page lists no papers"

    def _thumbnails(self, listing: Listing) -> str:
        """Download the listed papers' thumbnails that have no local copy yet (when set)."""
        if not self.config["thumbnails"] or not any(p.thumbnail for p in listing.papers):
            return ""
        hf_url = str(self.config["hf_url"])
        report = download(self.fetcher, listing.papers, self.config.data_dir, hf_url)
        return f"; {report.line()}" if report.saved or report.problems else ""

    # -- provisional days ------------------------------------------------------------------------

    def _provisional(self, target: Target, listing: Listing) -> str:
        """Mark a list shorter than expected to be polled again; clear it once complete."""
        day = target.day or listing.date
        if not target.list or not day:
            return ""
        self.store.crawl.supersede_provisional(target.url, day)
        seen, (expected, whose) = len(listing.papers), self._expected(target, listing, day)
        if expected is None or seen >= expected:
            cleared = self.store.crawl.clear_provisional(target.list, target.category, day)
            return "; complete now" if cleared else ""
        mark = ProvisionalDay(target.list, target.category, day, target.url, seen, expected)
        polls = self.store.crawl.mark_provisional(mark)
        return (
            f"; provisional: {seen} papers of the {expected} {whose} (poll {polls}), "
            "polled again by the next update"
        )

    def _expected(self, target: Target, listing: Listing, day: str) -> tuple[int | None, str]:
        """How many papers the list should hold: what the page says, or a typical day's count."""
        if listing.total:
            return listing.total, "the page announces"
        if date.fromisoformat(day).weekday() > 4:
            return None, ""  # weekend lists are short by nature
        typical = self.store.crawl.typical_day_size(target.list, day)
        if typical and len(listing.papers) < typical / 2:
            return typical, "a typical day has"
        return None, ""

    # -- abstracts -----------------------------------------------------------------------------

    def enrich(self) -> None:
        """Ask the arXiv API, in batches of up to 100, for the abstracts papers came without."""
        for batch in batches(self.store.crawl.abstract_queue()):
            outcome = self.run(atom_batch(self.config, batch))
            if outcome.fetched:  # an answer, even unreadable, counts as a try for each id
                filled = self.store.crawl.abstracts_answered(batch)
                outcome.detail += f"; {filled} of {len(batch)} abstracts filled"
            self._add(outcome)

    # -- Hugging Face Hub artifacts ------------------------------------------------------------

    def artifacts(self) -> None:
        """Ask the Hub for the models, datasets and Spaces citing each paper due by the schedule
        (at most the `hub_papers` setting's number of papers)."""
        for paper_id in self.store.artifacts.due(self.today, int(self.config["hub_papers"])):
            outcome = self._artifacts(paper_id)
            self.report.hub_outcomes.append(outcome)
            self._add(outcome)

    def _artifacts(self, paper_id: str) -> Outcome:
        """One paper's three Hub lists, stored together only when all three were read."""
        label, found, notes = f"hub {paper_id}", [], []
        for kind in ARTIFACT_KINDS:
            try:
                artifacts, note = self._hub_list(kind, paper_id)
            except (FetchError, sources.ParseError) as exc:
                tries = self.store.artifacts.failed(paper_id)
                kept = (
                    f"the artifacts stored before are kept (failed try {tries} of {ARTIFACT_TRIES})"
                )
                why = f"{exc}; {kept}"
                return Outcome(label, "failed", why, isinstance(exc, sources.ParseError))
            found += artifacts
            notes += [note] if note else []
        changed = self.store.artifacts.replace(paper_id, found)
        self.report.hub_papers += 1
        self.report.hub_changed += changed
        counts = Counter(a.kind for a in found)
        detail = ", ".join(f"{counts[k]} {k}s" for k in ARTIFACT_KINDS)
        detail += "".join(f"; {n}" for n in notes)
        return Outcome(label, "new" if changed else "unchanged", detail)

    def _hub_list(self, kind: str, paper_id: str) -> tuple[list[Artifact], str | None]:
        """The artifacts of one kind and a line on the items skipped; FetchError or ParseError
        (naming the URL) when the list cannot be had."""
        target = hub_list(self.config, kind, paper_id)
        response = self.fetcher.get(target.url, target.expect)
        url = public_url(self.config, response.url, target.base)
        try:
            artifacts, problems = sources.artifacts(sources.decode(response.body), url, kind)
        except sources.ParseError as exc:
            message = str(exc)
            raise sources.ParseError(message if url in message else f"{url}: {message}") from None
        return artifacts, problems_line(f"{kind}s", problems, len(artifacts))
