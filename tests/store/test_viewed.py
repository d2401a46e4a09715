"""Recently viewed (issue 19, part 7): the papers the user opened in the browser, in the desk's
own table (desk_viewed): one row a paper, the newest first, at most 500, cleared on demand; it
survives reimport, reparse, reindex and reopening, and moves with the desk's export (an export
made before it existed still imports). `paperboy viewed` lists and clears it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import run

from server import service
from server.crawl.importer import import_paths, reparse
from server.index import make_index
from server.store import MAX_VIEWED, DeskError, Store

DEMO = Path(__file__).resolve().parents[2] / "server" / "demo"
AGENTS = "2408.90003"  # a paper of the demo pages


@pytest.fixture()
def store(tmp_path: Path):
    with Store(tmp_path / "papers.sqlite3") as s:
        import_paths(s, [str(DEMO)])
        yield s


def _ids(store: Store, limit: int = MAX_VIEWED) -> list[str]:
    return [v.paper_id for v in store.desk.viewed(limit)]


def test_views_are_listed_newest_first_once_a_paper(store: Store) -> None:
    store.desk.view(AGENTS, f"https://arxiv.org/abs/{AGENTS}")
    store.desk.view("2408.90001", "https://huggingface.co/papers/2408.90001")
    store.desk.view("2501.00001", "https://www.alphaxiv.org/overview/2501.00001")  # not stored
    assert _ids(store) == ["2501.00001", "2408.90001", AGENTS]
    store.desk.view(AGENTS, f"https://arxiv.org/pdf/{AGENTS}v2")  # again: moves up, one row
    viewed = store.desk.viewed()
    assert [v.paper_id for v in viewed] == [AGENTS, "2501.00001", "2408.90001"]
    assert viewed[0].url == f"https://arxiv.org/pdf/{AGENTS}v2"
    assert viewed[0].viewed_at > viewed[1].viewed_at > viewed[2].viewed_at
    assert _ids(store, 2) == [AGENTS, "2501.00001"]
    entries = [service.viewed_entry(store, v) for v in viewed]
    assert entries[0]["paper"]["title"] == store.paper(AGENTS).title
    assert entries[0]["paper"] == service.desk_entry(store, store.desk.entry(AGENTS))["paper"]
    assert entries[1]["paper"] is None  # not in the archive
    assert set(entries[1]) == {"id", "url", "viewed_at", "paper"}
    assert store.desk.clear_viewed() == 3
    assert store.desk.viewed() == [] and store.desk.clear_viewed() == 0


def test_only_the_newest_500_are_kept(store: Store) -> None:
    for n in range(1, MAX_VIEWED + 6):
        store.desk.view(f"2501.{n:05d}", f"https://arxiv.org/abs/2501.{n:05d}")
    ids = _ids(store)
    assert len(ids) == MAX_VIEWED == 500
    assert ids[0] == "2501.00505" and ids[-1] == "2501.00006"
    assert store.db.execute("SELECT count(*) FROM desk_viewed").fetchone()[0] == MAX_VIEWED


@pytest.mark.parametrize(
    ("paper_id", "url", "message"),
    [
        ("hello", "https://arxiv.org/abs/2408.90003", "'hello': not a paper id"),
        (AGENTS, "javascript:alert(1)", "'javascript:alert(1)': not an http"),
        (AGENTS, "https://arxiv.org/" + "x" * 2000, "longer than 2000"),
    ],
)
def test_a_bad_view_is_refused_naming_it(store: Store, paper_id, url, message) -> None:
    with pytest.raises(DeskError, match=re.escape(message)):
        store.desk.view(paper_id, url)
    assert store.desk.viewed() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/abs/2408.90003",
        "https://arxiv.org/list/cs.LG/new",
        "https://huggingface.co/papers",
        "2408.90003",  # an id, not a page
        "https://doi.org/10.1000/xyz",  # a DOI page: not one of the sites the extension watches
    ],
)
def test_only_paper_pages_are_recorded(store: Store, url: str) -> None:
    with pytest.raises(DeskError, match="not a paper page Paperboy recognises"):
        service.record_view(store, url)
    assert store.desk.viewed() == []


def test_the_list_survives_reimport_reparse_reindex_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "papers.sqlite3"
    with Store(path) as store:
        import_paths(store, [str(DEMO)])
        store.desk.view(AGENTS, f"https://ar5iv.labs.arxiv.org/html/{AGENTS}")
        store.desk.view("2501.00001", "https://arxiv.org/abs/2501.00001")
        before = store.desk.viewed()
        import_paths(store, [str(DEMO)])
        reparse(store)
        index = make_index(tmp_path / "index")
        index.rebuild(store)
        index.close()
        assert store.desk.viewed() == before
    with Store(path) as store:  # reopened: migrations run again (and change nothing)
        assert store.desk.viewed() == before


def test_the_export_carries_the_list_and_an_older_export_still_imports(tmp_path: Path) -> None:
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        a.desk.view(AGENTS, f"https://arxiv.org/abs/{AGENTS}")
        a.desk.view("2501.00001", "https://huggingface.co/papers/2501.00001")
        b.desk.view(AGENTS, f"https://arxiv.org/abs/{AGENTS}v1")  # b opened it later
        document = json.loads(json.dumps(a.desk.export()))
        assert [v["id"] for v in document["viewed"]] == ["2501.00001", AGENTS]
        b.desk.import_(document)
        merged = b.desk.viewed()
        assert [v.paper_id for v in merged] == [AGENTS, "2501.00001"]
        assert merged[0].url.endswith("v1")  # the later visit wins
        b.desk.import_(document)  # again: nothing doubles
        assert b.desk.viewed() == merged
        older = {k: v for k, v in document.items() if k != "viewed"}
        with Store(tmp_path / "c.sqlite3") as c:
            assert c.desk.import_(older) == 0 and c.desk.viewed() == []


def test_imported_times_are_stored_as_the_clock_writes_them(store: Store) -> None:
    times = ["2024-08-05T10:00:00Z", "2024-08-05T12:30:00+02:00", "2024-08-05T10:00:01"]
    viewed = [
        {"id": f"2501.0000{n}", "url": f"https://arxiv.org/abs/2501.0000{n}", "viewed_at": t}
        for n, t in enumerate(times, 1)
    ]
    store.desk.import_({"format": "paperboy-desk", "version": 1, "papers": [], "viewed": viewed})
    assert [(v.paper_id, v.viewed_at) for v in store.desk.viewed()] == [
        ("2501.00002", "2024-08-05T10:30:00.000000+00:00"),
        ("2501.00003", "2024-08-05T10:00:01.000000+00:00"),
        ("2501.00001", "2024-08-05T10:00:00.000000+00:00"),
    ]


GOOD = {"id": AGENTS, "url": "https://arxiv.org/abs/2408.90003", "viewed_at": "2024-08-05T10:00:00"}


@pytest.mark.parametrize(
    ("viewed", "message"),
    [
        ({}, '"viewed" is not a list'),
        ([1], "viewed paper 1: not an object"),
        ([GOOD, {**GOOD, "viewed_at": "yesterday"}], "viewed paper 2: \"viewed_at\" 'yesterday'"),
        ([{**GOOD, "viewed_at": "2024-13-01T00:00:00"}], 'viewed paper 1: "viewed_at" \'2024-13'),
        ([{**GOOD, "id": "nope"}], "viewed paper 1: 'nope': not a paper id"),
        ([{**GOOD, "url": "ftp://x"}], "viewed paper 1: 'ftp://x': not an http"),
    ],
)
def test_a_bad_viewed_list_names_the_file_and_the_entry(store: Store, viewed, message) -> None:
    document = {"format": "paperboy-desk", "version": 1, "papers": [], "viewed": viewed}
    with pytest.raises(DeskError, match=re.escape(f"backup.json: {message}")):
        store.desk.import_(document, "backup.json")
    assert store.desk.viewed() == []


def test_paperboy_viewed_lists_and_clears(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data / "papers.sqlite3") as s:
        import_paths(s, [str(DEMO)])
        empty = run(data, "viewed")
        assert empty.returncode == 0 and "No papers viewed yet" in empty.stdout
        s.desk.view(AGENTS, f"https://arxiv.org/abs/{AGENTS}")
        s.desk.view("2501.00001", "https://huggingface.co/papers/2501.00001")
        title = s.paper(AGENTS).title
    text = run(data, "viewed")
    assert text.returncode == 0, text.stderr
    assert text.stdout.index("2501.00001") < text.stdout.index(AGENTS)
    assert title in text.stdout and "(not in this archive yet)" in text.stdout
    listed = json.loads(run(data, "viewed", "--format", "json", "--limit", "1").stdout)
    assert [v["id"] for v in listed] == ["2501.00001"] and listed[0]["paper"] is None
    bad = run(data, "viewed", "--limit", "501")
    assert bad.returncode == 2 and "501" in bad.stderr and "Traceback" not in bad.stderr
    cleared = run(data, "viewed", "--clear")
    assert cleared.returncode == 0 and "2 viewed papers forgotten" in cleared.stdout
    assert json.loads(run(data, "viewed", "--format", "json").stdout) == []
