"""No control or direction character planted in a page survives into a Listing or the store.

The payload holds what a terminal or a reader's eye can be attacked with: ESC/CSI screen clear,
an OSC 8 hyperlink, an OSC 52 clipboard write, a C1 CSI (0x9b), bidi overrides and isolates,
marks, DEL and NUL. It is planted in every text node, every metadata attribute and every JSON
string of a page of each parser kind (ids and dates are left whole so that papers still parse).
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from dataclasses import asdict
from pathlib import Path

import pytest

from server import sources
from server.models import canonical
from server.store import Store

DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PAYLOAD = (
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07"  # OSC 8 hyperlink
    "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write "evil" to the clipboard
    "\x9b31m"  # C1 CSI: red
    "\u202eevil\u202c\u2066\u2069\u200e\u200f\u061c\u202a\u202b\u202d\x7f\x00\x01\x08\x0b\x0c"
)
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PAGES = {
    "hf-api": (DEMO / "hf-api-2024-08-05.json", "https://huggingface.co/api/daily_papers"),
    "arxiv-oai": (DEMO / "arxiv-oai-demo.xml", None),
    "arxiv-atom": (DEMO / "arxiv-api-demo.xml", None),
    "arxiv-rss": (DEMO / "arxiv-rss-cs.LG-2024-08-02.xml", None),
    "hf-page": (DEMO / "hf-daily-2024-08-02.html", "https://huggingface.co/papers?date=2024-08-02"),
    "arxiv-list": (DEMO / "arxiv-cs-new-2024-08-02.html", "https://arxiv.org/list/cs/new"),
    "arxiv-search": (DEMO / "arxiv-search-reward.html", None),
    "arxiv-abs": (DEMO / "arxiv-abs-2408.90003.html", None),
    "meta-page": (FIXTURES / "meta" / "acl.html", None),
    "text": (DEMO / "trending-2024-08-02.txt", None),
}
# ids, dates, years, arXiv category codes and blank text stay whole
_KEEP = re.compile(
    r"\d{4}\.\d{4,5}|\d{4}-\d{2}-\d{2}|\b(?:19|20)\d{2}\b|^\W*$|^[a-z-]+(\.[A-Za-z-]+)?$"
)


def plant(value: str) -> str:
    """The payload after the first character of a value; ids, dates and codes left whole."""
    if _KEEP.search(value.strip()) or canonical(value.strip()):
        return value
    return value[:1] + PAYLOAD + value[1:]


def plant_json(value: object) -> object:
    """Every string in a JSON value planted."""
    if isinstance(value, str):
        return plant(value)
    if isinstance(value, list):
        return [plant_json(v) for v in value]
    if isinstance(value, dict):
        return {k: plant_json(v) for k, v in value.items()}
    return value


def plant_markup(page: str) -> str:
    """Every text node and metadata attribute of HTML or XML planted (as raw characters)."""

    def attribute(m: re.Match) -> str:
        if m[1] == "data-props":
            props = plant_json(json.loads(html.unescape(m[2])))
            return f'{m[1]}="{html.escape(json.dumps(props), quote=True)}"'
        return f'{m[1]}="{plant(m[2])}"'

    page = re.sub(r'\b(content|data-props|term|title)="([^"]*)"', attribute, page)
    return re.sub(r">([^<>]+)<", lambda m: ">" + plant(m[1]) + "<", page)


def hostile(kind: str) -> tuple[str, str | None]:
    """The page of this kind with the payload planted everywhere, and its URL."""
    path, url = PAGES[kind]
    page = path.read_text(encoding="utf-8")
    if kind == "hf-api":
        return json.dumps(plant_json(json.loads(page))), url
    if kind == "text":
        return "\n".join(plant(line) for line in page.split("\n")), url
    return plant_markup(page), url


def strings(value: object) -> list[str]:
    """Every string inside a dataclass, dict or list."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def test_every_parser_kind_is_covered():
    assert set(PAGES) == {m.KIND for m in sources.PARSERS}


@pytest.mark.parametrize("kind", PAGES)
def test_no_control_or_direction_character_survives_parsing(kind):
    page, url = hostile(kind)
    module = next(m for m in sources.PARSERS if m.KIND == kind)
    for listing in (module.parse(page, url), sources.parse(page, url)):
        assert listing.kind == kind and listing.papers
        dirty = [s for s in strings(listing) if UNSAFE.search(s)]
        assert dirty == []
        # the planted text arrived, cleaned: it was read, not dropped
        assert any("evil" in p.title for p in listing.papers), [p.title for p in listing.papers]


@pytest.mark.parametrize("kind", PAGES)
def test_no_control_or_direction_character_reaches_the_store(kind, tmp_path):
    page, url = hostile(kind)
    with Store(tmp_path / "papers.sqlite3") as store:
        store.ingest(sources.parse(page, url), raw=page.encode("utf-8", "surrogatepass"))
    assert [v for v in stored_text(tmp_path / "papers.sqlite3") if UNSAFE.search(v)] == []
    assert any("evil" in v for v in stored_text(tmp_path / "papers.sqlite3"))


def stored_text(path: Path) -> list[str]:
    """Every text value of the papers, appearances and aliases tables (JSON lists unpacked)."""
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    found: list[str] = []
    for table in ("papers", "appearances", "aliases"):
        for row in db.execute(f"SELECT * FROM {table}"):
            for key in row.keys():
                value = row[key]
                if key in ("authors", "categories"):
                    found += strings(json.loads(value))
                elif isinstance(value, str):
                    found.append(value)
    db.close()
    return found
