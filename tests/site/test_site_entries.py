"""Issue 20 on the site: compact entries on listing pages, the paper page's Hugging Face signals
above the abstract, folded authors and BibTeX, GitHub stars and their growth, TeX as MathML."""

from __future__ import annotations

import json
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import CORPUS
from payloads import LATEX, XSS
from sitefix import bulk_site, make_site

from server import tex
from server.models import Appearance, Artifact, Listing, Paper
from server.site.markup import md_math
from server.site.render import Renderer
from server.store import Store
from server.text import clean

LONGLIVE = "2605.18739"
LLAMA3 = "2407.21783"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def raw(day: str, paper_id: str) -> dict:
    """A paper's entry in the saved Hugging Face API day of the corpus, as scraped."""
    (path,) = (CORPUS / "bulk").glob(f"hf-daily-papers-api_*/{day}.json")
    return next(e for e in json.loads(path.read_text()) if e["paper"]["id"] == paper_id)


def entry_of(page: BeautifulSoup, paper_id: str):
    return next(
        e for e in page.select("div.entry") if e.find("a")["href"].endswith(f"{paper_id}.html")
    )


def test_longlive_day_entry_shows_what_a_reader_scans():
    """Issue 20: LongLive-2.0's compact entry on its day page shows its organisation, Hugging
    Face's summary (labelled), code link, project page and stars, the abstract folded."""
    scraped = raw("2026-05-19", LONGLIVE)["paper"]
    entry = entry_of(soup(bulk_site() / "day" / "2026-05-19.html"), LONGLIVE)
    assert entry.h2.get_text() == "1. " + scraped["title"]
    facts = entry.find("p", recursive=False)
    text = facts.get_text()
    assert facts.strong.get_text() == "NVIDIA"
    assert "Yukang Chen, Luozhou Wang, Wei Huang +13 more" in text
    assert f"{scraped['upvotes']} upvotes" in text and "1 comment" in text
    assert f"★ {scraped['githubStars']:,} stars" in text
    hrefs = {a.get_text(): a["href"] for a in facts.find_all("a")}
    assert hrefs == {"Code": scraped["githubRepo"], "Project page": scraped["projectPage"]}
    details = entry.details
    assert details.summary.get_text() == "Hugging Face's summary: " + scraped["ai_summary"]
    assert details.p.get_text() == clean(scraped["summary"])  # the abstract, one click away
    assert details.find("a", string="arXiv")["href"] == f"https://arxiv.org/abs/{LONGLIVE}"


def test_every_entry_folds_its_abstract():
    for day in ("2024-08-01", "2026-05-19"):
        page = soup(bulk_site() / "day" / f"{day}.html")
        entries = page.select("div.entry")
        assert len(entries) == len(
            json.loads(next((CORPUS / "bulk").glob(f"*/{day}.json")).read_text())
        )
        assert all(e.select_one("details > summary") and e.details.p for e in entries)
    week = soup(bulk_site() / "week" / "2026-W21.html")
    assert week.select("div.entry h3") and all(e.details for e in week.select("div.entry"))


def test_longlive_paper_page_puts_its_signals_above_the_abstract():
    """The organisation, Hugging Face's summary and keywords, the code with its stars and the
    project page come before the abstract; the stars chart stands beside the upvotes chart."""
    scraped = raw("2026-05-19", LONGLIVE)["paper"]
    main = soup(bulk_site() / "paper" / f"{LONGLIVE}.html").main
    text = main.get_text()
    abstract = text.index("\nAbstract\n")
    for shown in (
        "Organisation: NVIDIA",
        "Hugging Face's summary\n" + scraped["ai_summary"],
        "Hugging Face's keywords: NVFP4, sequence-parallel autoregressive training",
        f"Code · ★ {scraped['githubStars']:,} GitHub stars · Project page",
    ):
        assert -1 < text.find(shown) < abstract, shown
    assert main.find("a", string="Code")["href"] == scraped["githubRepo"]
    assert main.find("a", string="Project page")["href"] == scraped["projectPage"]
    charts = main.select("div.charts svg title")
    assert [t.get_text().split(":")[0] for t in charts] == [
        "Upvotes over time",
        "GitHub stars over time",
    ]


def test_many_authors_fold_after_ten_and_bibtex_folds():
    main = soup(bulk_site() / "paper" / f"{LLAMA3}.html").main
    folded = main.select_one("details.authors")
    shown = folded.summary.get_text()
    assert shown.endswith(" +523 more") and len(shown.split(", ")) == 10
    assert len(folded.p.get_text().split(": ", 1)[1].split(", ")) == 533
    assert main.find("pre").find_parent("details").summary.get_text() == "BibTeX"
    few = soup(bulk_site() / "paper" / f"{LONGLIVE}.html").main
    assert few.select_one("details.authors").summary.get_text().endswith(" +6 more")


def _starred(day: str, stars: int) -> Listing:
    paper = Paper(
        id="2605.90001",
        title="Starry $O(n \\log n)$ sorting",
        abstract="We sort. Fast.",
        authors=["A. Author"],
        code_url="https://github.com/example/starry",
        github_stars=stars,
    )
    return Listing(
        "hf-api",
        "https://huggingface.co/papers",
        day,
        [paper],
        [Appearance(paper.id, "hf-daily", day, rank=1, upvotes=stars // 10, comments=2)],
        read_on=day,  # the stars are a reading of that day
    )


HUB = [Artifact("model", f"org/m{n}", likes=n * 10) for n in range(1, 7)]
HUB += [Artifact("space", "o/<script>x")]


def test_stars_growth_within_the_period(tmp_path):
    """The growth shown is the period's last star reading minus its first; the paper page
    shows its artifacts on the Hub (most liked first, five of a kind) above the abstract."""
    with Store(tmp_path / "data" / "papers.sqlite3") as store:
        for day, stars in (("2026-05-18", 100), ("2026-05-19", 130), ("2026-05-20", 175)):
            store.ingest(_starred(day, stars))
        store.artifacts.replace("2605.90001", HUB)
    store, index = make_site(tmp_path / "data", tmp_path / "site", pagefind=False)
    index.close()
    store.close()
    day = entry_of(soup(tmp_path / "site" / "day" / "2026-05-19.html"), "2605.90001")
    assert "★ 130 stars (+30 in 7 days)" in day.get_text()
    week = (tmp_path / "site" / "week" / "2026-W21.md").read_text()
    assert "★ 175 stars (+75 this week)" in week
    paper = soup(tmp_path / "site" / "paper" / "2605.90001.html").main
    assert "175 GitHub stars (+75 since 2026-05-18)" in paper.get_text()
    assert (
        "2026-05-18 100, 2026-05-19 130, 2026-05-20 175" in paper.select("svg title")[1].get_text()
    )
    assert day.h2.math is not None  # the title's TeX, as MathML
    text = paper.get_text()
    assert -1 < text.index("On the Hub") < text.index("\nAbstract\n")
    models = paper.find("h2", string="On the Hub").find_next("p")
    liked = ", ".join(f"org/m{n} ({n}0 likes)" for n in range(6, 1, -1))
    assert models.get_text() == f"Models: {liked} and 1 more"
    assert models.a["href"] == "https://huggingface.co/org/m6"
    spaces = models.find_next("p")
    assert spaces.get_text() == "Spaces: o/<script>x" and spaces.a["href"].startswith(
        "https://huggingface.co/spaces/o/%3Cscript"
    )


def _rendered(text: str) -> BeautifulSoup:
    renderer = Renderer()
    renderer.md.reset()
    return BeautifulSoup(renderer.md.convert(text), "lxml")


def test_math_renders_and_falls_back():
    assert md_math(LATEX).count("`$") == 2
    doc = _rendered(md_math(LATEX))
    assert len(doc.find_all("math")) == 2 and doc.find("mfrac")
    assert doc.get_text().endswith(" with a_b * c")
    for source in (r"$\href{javascript:alert(1)}{x}$", r"$\url{http://e.example}$", "$5 and $10"):
        assert "`" not in md_math(source)
        assert (
            _rendered(md_math(source)).get_text() == source and not _rendered(md_math(source)).math
        )


def test_hostile_text_with_math_stays_text():
    """Every payload, alone and around a TeX span, renders as its own text (the spans as MathML
    of allowlisted elements only)."""
    allowed = {"html", "body", "p"} | tex.ELEMENTS
    for payload in XSS:
        for text in (payload, f"{payload} $x_1$ {payload}", f"${payload}$"):
            doc = _rendered(md_math(text))
            assert {t.name for t in doc.find_all(True)} <= allowed, text
            for t in doc.find_all(True):
                assert set(t.attrs) <= tex.ATTRIBUTES, text
            if not doc.math:
                assert doc.get_text() == clean(text), text
