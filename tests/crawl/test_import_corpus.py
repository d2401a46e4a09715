"""The issue's promises on the real corpus, through the importer into a real store."""

import pytest

from server.crawl.importer import import_paths
from server.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "papers.sqlite3") as s:
        yield s


def import_twice(store, paths):
    first = import_paths(store, [str(p) for p in paths])
    stats = store.stats()
    second = import_paths(store, [str(p) for p in paths])
    assert not second.changed and store.stats() == stats, "a second import stored something"
    return first


def test_hf_bulk_gives_every_paper_and_appearance(store, corpus):
    report = import_twice(store, sorted((corpus / "bulk").glob("hf-daily-papers-api_*")))
    assert (report.pages, report.failures, report.skipped) == (580, [], 0)
    assert store.count("papers") == 9877
    assert store.stats()["lists"]["hf-daily"]["n"] == 9881
    assert store.stats()["lists"]["hf-daily"]["days"] == 580


def test_oai_bulk_gives_every_paper(store, corpus):
    report = import_twice(store, sorted((corpus / "bulk").glob("arxiv-oai-pmh-*")))
    assert (report.failures, report.skipped) == ([], 0)
    assert store.count("papers") == 26538


def test_seed_titles_are_the_title_lines(store, seed):
    import_twice(store, [seed])
    lines = seed.read_text(encoding="utf-8").split("\n")
    first = lines.index("ModuleFormer: Learning Modular Large Language Models From Uncurated Data")
    titles = lines[first::4]
    titles = [t for t in titles if t.strip()]
    assert len(titles) == 112
    assert sorted(p.title for p in store.iter_papers()) == sorted(titles)


def test_hf_day_page_gives_llama_first(store, corpus):
    import_twice(store, [corpus / "hf/daily/2024-08-01_slbqc-dailay_paper_info.html"])
    assert store.count("papers") == 13
    llama = store.paper("2407.21783")
    assert llama.title == "The Llama 3 Herd of Models" and len(llama.authors) == 533
    [appearance] = store.appearances("2407.21783")
    assert (appearance.list, appearance.date, appearance.rank, appearance.upvotes) == (
        "hf-daily",
        "2024-08-01",
        1,
        94,
    )


def test_every_single_corpus_page_imports_cleanly(store, corpus):
    pages = [
        p
        for p in corpus.rglob("*")
        if p.is_file() and "bulk" not in p.parts and p.name != "MANIFEST.md"
    ]
    report = import_twice(store, pages)
    error_feed = "2026-04-12_error-400-bad-id_recorded-response_lukasschwab-arxiv.py.json"
    assert report.failures == [
        f"{corpus / 'arxiv' / 'atom' / error_feed}: arXiv API error: incorrect id format for abc"
    ]
    assert report.skipped == 0 and store.count("papers") > 150


def test_files_parsed_on_every_core_store_what_one_process_stores(tmp_path, corpus, monkeypatch):
    """Sixty real days, a broken file and a missing one, imported from one process and from
    worker processes: the same report (failures in the files' order) and the same store."""
    from server import cores
    from server.crawl import importer

    days = sorted((corpus / "bulk" / "hf-daily-papers-api_2404589803").iterdir())[:60]
    broken = tmp_path / "broken.json"
    broken.write_text('{"not": "a day of papers"', encoding="utf-8")
    paths = [str(p) for p in days[:30]] + [str(broken), str(tmp_path / "absent.json")]
    paths += [str(p) for p in days[30:]]

    def run(name):
        with Store(tmp_path / name / "papers.sqlite3") as store:
            report = import_paths(store, paths)
            papers = [(p.id, p.title, p.authors, p.abstract) for p in store.iter_papers()]
            return report, store.stats(), sorted(papers)

    spawned = []
    real = cores.ProcessPoolExecutor
    monkeypatch.setattr(
        cores, "ProcessPoolExecutor", lambda *a, **k: spawned.append(1) or real(*a, **k)
    )
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    with monkeypatch.context() as one:
        one.setattr(importer, "PARALLEL_FROM", len(paths) + 1)
        serial = run("serial")
    assert spawned == [], "the files were parsed in worker processes"
    parallel = run("parallel")
    assert spawned == [1], "the files were not parsed in worker processes"
    assert len(serial[0].failures) == 2 and "broken.json" in serial[0].failures[0]
    assert parallel == serial and serial[0].pages == 60
