"""Thumbnails downloaded at scrape time (the `thumbnails` setting), so that no page of the
archive and no popup loads an image from another host: each paper's image is fetched once,
through the polite fetcher, refused when it is over MAX_BYTES or not a PNG, JPEG, WebP or GIF
(by its Content-Type and by its first bytes: an SVG or an HTML page is never kept), and written
into the data folder, where `paperboy serve` answers it. Only Hugging Face's hosts (and the host
of the `hf_url` setting) are asked: a listing is page text, and a thumbnail address it names
must not make Paperboy request anything else, such as a service on this machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from server.archive import IMAGE_TYPES, thumbnail_file, thumbnail_target
from server.crawl.fetch import Fetcher, FetchError
from server.models import Paper

MAX_BYTES = 2_000_000  # a thumbnail larger than this is refused
HF_HOSTS = ("huggingface.co", "hf.co")  # and their subdomains (cdn-thumbnails.huggingface.co)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


@dataclass
class ThumbnailReport:
    """How many thumbnails were saved, and why the others were not (one line each)."""

    saved: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        """'thumbnails: 3 saved, 1 refused (...)'."""
        refused = f", {len(self.problems)} refused ({'; '.join(self.problems[:3])})"
        return f"thumbnails: {self.saved} saved" + (refused if self.problems else "")


def image_type(body: bytes) -> str | None:
    """The image's type as a key of IMAGE_TYPES, from its first bytes; None if not one of them."""
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "webp"
    return next((kind for magic, kind in _MAGIC if body.startswith(magic)), None)


def download(
    fetcher: Fetcher, papers: Iterable[Paper], data_dir, hf_url: str = ""
) -> ThumbnailReport:
    """Fetch the thumbnail of each paper that has one and no local copy yet, from Hugging Face's
    hosts or `hf_url`'s only."""
    report = ThumbnailReport()
    own = urlsplit(hf_url).netloc.lower()
    for paper in papers:
        if not paper.thumbnail or thumbnail_file(data_dir, paper.id) is not None:
            continue
        where = urlsplit(str(paper.thumbnail))
        host = where.hostname or ""
        if where.netloc.lower() != own and not any(
            host == h or host.endswith("." + h) for h in HF_HOSTS
        ):
            report.problems.append(f"{paper.thumbnail[:100]}: not a Hugging Face address")
            continue
        try:
            save(fetcher, paper, data_dir)
            report.saved += 1
        except FetchError as exc:
            report.problems.append(str(exc))
    return report


def save(fetcher: Fetcher, paper: Paper, data_dir) -> None:
    """Fetch one paper's thumbnail and write it (atomically); FetchError naming it if refused."""
    url = str(paper.thumbnail)
    if not url.startswith(("https://", "http://")):
        raise FetchError(url, "not a web address: thumbnails are fetched over http(s) only")
    response = fetcher.get(url, "image", max_bytes=MAX_BYTES)
    kind = image_type(response.body)
    if kind is None or IMAGE_TYPES[kind] != response.content_type:
        raise FetchError(
            url, f"the body is not the image its Content-Type says ({response.content_type})"
        )
    target = thumbnail_target(data_dir, paper.id, kind)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(response.body)
    os.replace(partial, target)
