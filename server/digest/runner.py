"""One digest run, shared by `paperboy digest` and the benchmark: plan, then send or write."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from server import service, trending
from server.archive import Archive
from server.config import ConfigError
from server.digest.choose import DigestPaper, Edition, NothingToSend, digest_paper, plan
from server.digest.compose import Composer, HeaderInjection, link_base, sender_address
from server.digest.send import Outcome, SmtpSettings, dry_run, pending, send
from server.digest.subscriptions import load_secret


@dataclass
class RunReport:
    """What a run found and did."""

    edition: Edition
    due: int
    already: int
    interrupted: int
    outcome: Outcome = field(default_factory=Outcome)
    written: list[Path] = field(default_factory=list)


def site_url(config) -> str:
    """Where archive pages are linked: the base_url setting, else the server's public_url."""
    return str(config["base_url"] or config["public_url"]).rstrip("/")


def check_mail_settings(config) -> SmtpSettings:
    """The SMTP settings, once every mail setting is checked; ConfigError names a bad one."""
    smtp = SmtpSettings.from_config(config)
    for name, check in (("mail_from", sender_address), ("public_url", link_base)):
        try:
            check(str(config[name]))
        except HeaderInjection as exc:
            raise ConfigError(f"{config.sources[name]}: {exc}") from None
    return smtp


def composer_for(archive: Archive, with_index: bool = True) -> Composer:
    """A Composer over the archive's settings, signing secret and (optionally) search index."""
    config = archive.config
    return Composer(
        str(config["mail_from"]),
        str(config["public_url"]),
        load_secret(archive.data_dir),
        archive.index if with_index else None,
    )


def run(
    archive: Archive,
    period: str,
    day: date,
    out: Path | None = None,
) -> RunReport:
    """Plan the edition and send it (or write .eml files to `out`); NothingToSend says why not."""
    store, config = archive.store, archive.config
    smtp = check_mail_settings(config)  # a bad setting stops every run, with or without mail
    edition = plan(store, period, day, int(config["digest_size"]), site_url(config))
    due, interrupted, already = pending(store, edition)
    if not due:
        raise NothingToSend(_why_nobody(period, edition.key, already))
    owner = str(config["owner_email"]).strip().lower()
    mine = owner and any(s.email.lower() == owner for s in due)
    if mine or any(s.topics for s in due):
        archive.index.ensure(store)  # topic matches need an index that has every stored paper
    composer = composer_for(archive)
    if mine:
        composer.for_you = (owner, for_you(archive, edition, site_url(config)))
    report = RunReport(edition, len(due), already, len(interrupted & {s.id for s in due}))
    if out is not None:
        report.written = dry_run(edition, composer, due, out)
        return report
    report.outcome = send(store, edition, composer, smtp, due, interrupted)
    return report


FOR_YOU = 5  # papers in the owner's "For you" section


def for_you(archive: Archive, edition: Edition, site: str) -> list[DigestPaper]:
    """The edition's "For you" section: the period's papers most like the saved ones."""
    first, last = edition.first.isoformat(), edition.day.isoformat()
    days = sum(1 for d in archive.store.dates() if first <= str(d["date"]) <= last) or 1
    found = service.recommend(archive.store, archive.index, days=days, limit=FOR_YOU)
    out = []
    for p in found["papers"]:
        paper = archive.store.paper(p["id"])
        trend = trending.facts(paper.id, archive.store.appearances(paper.id))
        words = ", ".join(p["because"]["words"])
        near = p["because"]["saved_title"]
        because = "; ".join(
            x
            for x in (f"because: {words}" if words else "", f"close to {near}" if near else "")
            if x
        )
        pooled = edition.pool.get(paper.id)  # the period's view: its comments in the period too
        shown = pooled or digest_paper(paper, trend, site, 0, archive.store.star_readings(paper.id))
        out.append(replace(shown, because=because))
    return out


def _why_nobody(period: str, day: str, already: int) -> str:
    if already:
        return (
            f"the {period} digest for {day} was already sent to all {already} confirmed "
            f"{period} subscribers"
        )
    return f"there are no confirmed {period} subscribers (add one with `paperboy subscribers add`)"
