"""Benchmark: the daily digest of 2024-08-01 to N subscribers over SMTP, on 127.0.0.1.

    python bench/digest.py [--subscribers 1000] [--with-topics 0.3] [--data DIR]

Imports the real Hugging Face day 2024-08-01 (the saved page; the demo pages when the corpus is
absent) into DIR (a temp dir by default), adds N confirmed subscribers (a share of them with
topics), starts an aiosmtpd server that accepts every message, and runs the digest as
`paperboy digest` does: one SMTP connection, the sent log written around every message. Then it
runs again (which must send nothing) and times composing alone. Prints a Markdown table; asserts
nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
PAGE = (
    ROOT.parent / "shared" / "corpus" / "hf" / "daily" / "2024-08-01_slbqc-dailay_paper_info.html"
)
TOPICS = ["agents", "diffusion", "reasoning", 'title:"language model"', "robot*"]

from mailsink import MailServer  # noqa: E402

from server.archive import Archive  # noqa: E402
from server.config import load  # noqa: E402
from server.crawl.importer import import_paths  # noqa: E402
from server.digest import NothingToSend  # noqa: E402
from server.digest.compose import to_bytes  # noqa: E402
from server.digest.runner import composer_for, run  # noqa: E402


class Counter:
    """An aiosmtpd handler that accepts and counts (no parsing: the client is what is timed)."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        self.bytes += len(envelope.original_content)
        return "250 OK"


def prepare(data: Path, n: int, share: float, port: int) -> tuple[Archive, date]:
    """An archive with the day imported and n confirmed subscribers."""
    config = load({"data": str(data), "smtp_port": port}, environ={})
    archive = Archive(config)
    source = PAGE if PAGE.is_file() else ROOT / "server" / "demo"
    import_paths(archive.store, [str(source)])
    archive.index.ensure(archive.store)
    with_topics = int(n * share)
    rows = [
        (
            f"reader{i:05d}@example.org",
            "daily",
            [TOPICS[i % len(TOPICS)]] if i < with_topics else [],
        )
        for i in range(n)
    ]
    archive.store.subscribers.add_many(rows)
    return archive, date(2024, 8, 1) if PAGE.is_file() else date(2024, 8, 2)


def compose_only(archive: Archive, report) -> float:
    """Seconds per message to compose and serialise, without SMTP or the log."""
    composer = composer_for(archive)
    subscribers = archive.store.subscribers.listed(status="confirmed")
    start = time.perf_counter()
    for sub in subscribers:
        to_bytes(composer.digest(report.edition, sub, composer.message_id(sub, "daily", "x")))
    return (time.perf_counter() - start) / len(subscribers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--with-topics", type=float, default=0.3, help="share with topics")
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, MailServer(Counter()) as smtp:
        data = args.data or Path(tmp) / "data"
        archive, day = prepare(data, args.subscribers, args.with_topics, smtp.port)
        start = time.perf_counter()
        report = run(archive, "daily", day)
        wall = time.perf_counter() - start
        try:
            run(archive, "daily", day)
            again = "sent again (wrong)"
        except NothingToSend as exc:
            again = f"nothing to send: {exc}"
        per_compose = compose_only(archive, report)
        archive.close()
    out = report.outcome
    print(
        f"Digest for {day} ({len(report.edition.papers)} top papers), {args.subscribers} "
        f"subscribers, {int(args.subscribers * args.with_topics)} with a topic, local aiosmtpd\n"
    )
    print("| messages sent | received | MB | send s | run s | messages/s | compose ms/msg |")
    print("|--:|--:|--:|--:|--:|--:|--:|")
    print(
        f"| {out.sent} | {smtp.handler.count} | {smtp.handler.bytes / 1e6:.1f} | {out.seconds:.2f} "
        f"| {wall:.2f} | {out.rate:.0f} | {per_compose * 1000:.2f} |"
    )
    print(f"\nsecond run: {again}")


if __name__ == "__main__":
    main()
