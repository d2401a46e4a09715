"""What the API and the CLI ask of the archive, as plain JSON-ready dicts.

Joins the store (the truth) with the search index (ids and spans) and the trending score.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

from server import budget, text, trending
from server.bibtex import bibtex
from server.index import SearchIndex
from server.models import ARTIFACT_KINDS, Appearance, Listing, Paper, canonical, is_arxiv_id
from server.store import (
    MAX_VIEWED,
    DeskEntry,
    DeskError,
    Store,
    Viewed,
    clean_note,
    clean_tag,
    today,
)

SNIPPET_CHARS = 240


def trend_summary(appearances: list[Appearance]) -> dict[str, object]:
    """First and last list day, best HF rank, top upvotes and the number of lists."""
    ranks = [a.rank for a in appearances if a.rank and a.list.startswith("hf-")]
    votes = [a.upvotes for a in appearances if a.upvotes is not None]
    return {
        "first_date": min((a.date for a in appearances), default=None),
        "last_date": max((a.date for a in appearances), default=None),
        "best_rank": min(ranks, default=None),
        "upvotes": max(votes, default=None),
        "appearances": len(appearances),
    }


def paper_brief(paper: Paper, appearances: list[Appearance]) -> dict[str, object]:
    """The short form of a paper used in lists."""
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": paper.authors,
        "date": paper.published,
        "categories": paper.categories,
        "trend": trend_summary(appearances),
        "site_page": text.paper_page(paper.id) + ".html",  # its page in the archive site
    }


def paper_detail(store: Store, paper: Paper) -> dict[str, object]:
    """Everything about one paper: record, trend history with observations, links, BibTeX."""
    appearances = store.appearances(paper.id)
    history = [
        {**{k: v for k, v in asdict(a).items() if k != "paper_id"}, "badge": text.badge(a)}
        for a in appearances
    ]
    return {
        **asdict(paper),
        "appearances": history,
        "observations": store.observations(paper.id),
        "trend": trend_summary(appearances),
        "stars": stars(store, paper),
        "links": text.links(paper, appearances),
        "artifacts": artifacts(store, paper.id),
        "bibtex": bibtex(paper),
    }


def artifacts(store: Store, paper_id: str) -> dict[str, object]:
    """The models, datasets and Spaces on the Hugging Face Hub citing a paper, each most liked
    first, and when the Hub was last asked (None: not yet)."""
    lists: dict[str, list[dict[str, object]]] = {f"{kind}s": [] for kind in ARTIFACT_KINDS}
    for item in store.artifacts.of(paper_id):
        lists[f"{item.kind}s"].append(
            {"id": item.repo_id, "likes": item.likes, "downloads": item.downloads, "url": item.url}
        )
    return {**lists, "fetched_at": store.artifacts.fetched_at(paper_id)}


def stars(store: Store, paper: Paper) -> dict[str, object] | None:
    """GitHub stars as last read, and every reading by listing day (growth); None if never read."""
    readings = store.star_readings(paper.id)
    if paper.github_stars is None and not readings:
        return None
    count = paper.github_stars if paper.github_stars is not None else readings[-1][1]
    return {"count": count, "readings": [[day, n] for day, n in readings]}


def lookup(store: Store, ref: str) -> tuple[str | None, Paper | None]:
    """The canonical id a URL or id form names (None if none), and the stored paper if any."""
    parsed = canonical(ref)
    paper = store.get_paper(ref)
    return (paper.id if paper else parsed.id if parsed else None), paper


def snippet(text: str, spans: list[tuple[int, int]]) -> dict[str, object]:
    """A window of the text around the first match, with the spans that fall inside it."""
    start = 0
    if spans and spans[0][0] > SNIPPET_CHARS // 3:
        start = text.rfind(" ", 0, spans[0][0] - SNIPPET_CHARS // 4) + 1
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + SNIPPET_CHARS // 2)
    inside = [[s - start, e - start] for s, e in spans if s >= start and e <= end]
    return {
        "text": text[start:end],
        "spans": inside,
        "start": start,
        "truncated": start > 0 or end < len(text),
    }


def search(store: Store, index: SearchIndex, q: str, **options: object) -> dict[str, object]:
    """Ranked hits with highlights, the total, facets and a did-you-mean suggestion."""
    result = index.search(q, **options)
    ids = [hit.id for hit in result.hits]
    papers, seen = store.papers_by_id(ids), store.appearances_by_paper(ids)
    found = [(hit, papers[hit.id]) for hit in result.hits if hit.id in papers]
    # a hit missing from the store: the index lags the store by one sync at most
    texts = [{"title": paper.title, "abstract": paper.abstract} for _, paper in found]
    hits = []
    for (hit, paper), marks in zip(found, index.marked(result.marks, texts), strict=True):
        hits.append(
            {
                **paper_brief(paper, seen[hit.id]),
                "score": hit.score,
                "title_spans": [list(s) for s in marks.get("title", [])],
                "snippet": snippet(paper.abstract, marks.get("abstract", [])),
            }
        )
    return {
        "query": q,
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "hits": hits,
        "facets": result.facets,
        "suggestion": result.suggestion,
        "notes": result.notes,
    }


def similar(store: Store, index: SearchIndex, paper: Paper, limit: int) -> list[dict[str, object]]:
    """Papers like this one, with the key terms they share."""
    out = []
    for item in index.similar(paper, limit=limit):
        other = store.get_paper(item.id)
        if other is not None:
            out.append(
                {
                    **paper_brief(other, store.appearances(other.id)),
                    "score": item.score,
                    "shared_terms": item.terms,
                }
            )
    return out


def trending_papers(store: Store, period: str, on: str | None, limit: int) -> dict[str, object]:
    """A period's list on a day (default: the newest day in the store), in the period's order,
    with the order named and the heading every surface shows."""
    budget.check()
    day = date.fromisoformat(on) if on else _latest(store)
    first, last = trending.span(period, day)
    seen = store.appearances_between(first.isoformat(), last.isoformat())
    order = trending.ORDERS[period]
    stars = store.star_readings_of(a.paper_id for a in seen) if order in ("score", "stars") else {}
    ranked = trending.top(budget.paced(seen, every=4096), period, day, limit, stars)
    papers = []
    for t in ranked:
        paper = store.paper(t.paper_id)
        papers.append(
            {
                **paper_brief(paper, store.appearances(paper.id)),
                "score": t.score if order == "score" else None,
                "period_upvotes": t.upvotes,
                "best_rank": t.best_rank,
                "lists": t.lists,
                "days": t.days,
                "stars": t.stars,
                "stars_gained": t.stars_gained,
            }
        )
    return {
        "period": period,
        "order": order,
        "order_means": trending.ORDER_NAMES[order],
        "heading": trending.heading(period, day),
        "date": day.isoformat(),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "papers": papers,
    }


def _latest(store: Store) -> date:
    latest = store.latest_date()
    return date.fromisoformat(latest) if latest else today()


def describe(listing: Listing) -> dict[str, object]:
    """What a parsed page holds, without storing it: its kind, date and counts."""
    return {
        "kind": listing.kind,
        "url": listing.url,
        "date": listing.date,
        "papers": len(listing.papers),
        "appearances": len(listing.appearances),
        "ids": [p.id for p in listing.papers[:200]],
        "problems": len(listing.problems),
    }


def ingest(
    store: Store, index: SearchIndex, listing: Listing, raw: bytes | None
) -> dict[str, object]:
    """Store a parsed page, update the index in the same run, and say what was added."""
    result = store.ingest(listing, raw=raw)
    index.sync(store)
    return {
        "kind": listing.kind,
        "url": listing.url,
        "date": listing.date,
        "papers": [store.resolve(p.id) or p.id for p in listing.papers],
        "papers_new": result.papers_new,
        "papers_updated": result.papers_updated,
        "appearances_new": result.appearances_new,
        "problems": [{"item": p.item, "reason": p.reason} for p in listing.problems],
    }


def desk_entry(store: Store, entry: DeskEntry) -> dict[str, object]:
    """A paper's desk state with its brief (None when the archive lacks the paper yet)."""
    paper = store.get_paper(entry.paper_id)
    brief = paper_brief(paper, store.appearances(paper.id)) if paper else None
    return {**entry.as_json(), "paper": brief}


def desk_act(store: Store, ref: str, change: dict[str, object]) -> dict[str, object]:
    """Apply one request's changes to a paper's desk state, in a fixed order (save or unsave,
    tags added then removed, read, hidden, note); returns the state after. Every tag and the
    note are checked first (DeskError), so a refused request changes nothing."""
    desk = store.desk
    for t in [*change.get("add_tags", []), *change.get("remove_tags", [])]:
        clean_tag(t)
    if change.get("note") is not None:
        clean_note(change["note"])
    store.require(ref)
    if change.get("saved") is True:
        desk.save(ref)
    elif change.get("saved") is False:
        desk.unsave(ref)
    if change.get("add_tags"):
        desk.tag(ref, change["add_tags"])
    if change.get("remove_tags"):
        desk.tag(ref, change["remove_tags"], remove=True)
    if change.get("read") is not None:
        desk.mark_read(ref, bool(change["read"]))
    if change.get("hidden") is not None:
        desk.hide(ref, bool(change["hidden"]))
    if change.get("note") is not None:
        desk.note(ref, change["note"])
    return desk_entry(store, desk.entry(store.require(ref)))


def viewed_entry(store: Store, viewed: Viewed) -> dict[str, object]:
    """A paper the user opened, with its brief as the desk shows it (None when the archive
    lacks the paper)."""
    paper = store.get_paper(viewed.paper_id)
    brief = paper_brief(paper, store.appearances(paper.id)) if paper else None
    return {"id": viewed.paper_id, "url": viewed.url, "viewed_at": viewed.viewed_at, "paper": brief}


def record_view(store: Store, url: str) -> dict[str, object]:
    """Remember that the user opened the paper page at `url`; DeskError naming the URL when it
    is not a page of a paper (on arXiv, Hugging Face, alphaXiv, ar5iv) Paperboy recognises."""
    ref = canonical(url) if url.lower().startswith(("http://", "https://")) else None
    if ref is None or not is_arxiv_id(ref.id):
        raise DeskError(f"not a paper page Paperboy recognises: {url[:200]!r}")
    store.desk.view(ref.id, url)
    stored = store.resolve(ref.id) or ref.id  # listed under the id its paper has now
    return viewed_entry(
        store, next(v for v in store.desk.viewed(MAX_VIEWED) if v.paper_id == stored)
    )


FIRST_CATCHUP_DAYS = 7  # listing days a first catch-up covers, when nothing was seen before


def catchup(store: Store, limit: int = 30) -> dict[str, object]:
    """ "While you were away": every paper on the lists after the last day the user had seen,
    each once, most upvoted first (the highest upvotes over those days, then the best rank),
    with when and where it trended; hidden papers left out, saved ones marked. The first time,
    the last FIRST_CATCHUP_DAYS listing days."""
    budget.check()
    seen, latest = store.desk.last_seen(), store.latest_date()
    if seen is None:
        days = [d["date"] for d in store.dates()[:FIRST_CATCHUP_DAYS]]
        first = min(days) if days else None
    else:
        first = (date.fromisoformat(seen) + timedelta(days=1)).isoformat()
    apps = store.appearances_between(first, latest) if first and latest else []
    entries = store.desk.entries()  # read once: hidden ones left out, saved ones marked
    hidden = {e.paper_id for e in entries if e.hidden_at}
    apps = [a for a in apps if a.paper_id not in hidden]
    ranked = trending.in_order(budget.paced(apps, every=4096), "upvotes", limit=10**9)
    saved = {e.paper_id for e in entries if e.saved_at}
    by_paper: dict[str, list[Appearance]] = {}
    for a in apps:
        by_paper.setdefault(a.paper_id, []).append(a)
    papers = []
    for t in ranked[:limit]:
        paper = store.paper(t.paper_id)
        shown = sorted(by_paper[t.paper_id], key=lambda a: (a.date, a.list))
        papers.append(
            {
                **paper_brief(paper, store.appearances(paper.id)),
                "saved": paper.id in saved,
                "best_upvotes": t.upvotes,
                "best_rank": t.best_rank,
                "days": t.days,
                "trended": [text.badge(a) for a in shown],
            }
        )
    span = f"{first} to {latest}" if apps else None
    return {
        "since": seen,
        "from": first if apps else None,
        "to": latest if apps else None,
        "total": len(ranked),
        "caught_up": not apps,
        "heading": (
            f"While you were away: {len(ranked)} papers trended, {span}, most upvoted first"
            if apps
            else "You are caught up: nothing new on the lists since " + (seen or "you last looked")
        ),
        "order_means": trending.ORDER_NAMES["upvotes"],
        "papers": papers,
    }


RECOMMEND_DAYS = 30  # listing days whose papers "for you" picks from, unless asked otherwise


def recommend(
    store: Store,
    index: SearchIndex,
    days: int = RECOMMEND_DAYS,
    tag: str | None = None,
    limit: int = 10,
) -> dict[str, object]:
    """For you: the papers of the last `days` listing days most like your saved papers (those
    with `tag`, when given), by a linear classifier over their words; saved and hidden papers
    left out; each pick with its reasons."""
    budget.check()
    saved_ids = [e.paper_id for e in store.desk.library(tag)]
    saved = [p for p in (store.get_paper(pid) for pid in saved_ids) if p is not None]
    listed = [d["date"] for d in store.dates()[:days]]
    skip = set(saved_ids) | store.desk.hidden_ids()
    ids: dict[str, None] = {}  # in order of first showing, each once
    if listed and saved:
        for a in store.appearances_between(min(listed), max(listed)):
            if a.paper_id not in skip:
                ids.setdefault(a.paper_id)
    candidates = [p for p in (store.get_paper(pid) for pid in ids) if p is not None]
    picks = index.recommend(saved, candidates, limit) if candidates else []
    titles = {p.id: p.title for p in saved}
    out = []
    for pick in picks:
        paper = store.paper(pick.id)
        out.append(
            {
                **paper_brief(paper, store.appearances(paper.id)),
                "score": pick.score,
                "because": {
                    "words": pick.terms,
                    "saved": pick.near,
                    "saved_title": titles.get(pick.near),
                    "similarity": pick.near_similarity,
                },
            }
        )
    if not saved:
        note = "save a few papers first (paperboy save ID): picks are made from them"
    elif not candidates:
        note = f"no new papers on the last {days} listing days"
    else:
        note = None
    return {
        "saved": len(saved),
        "tag": tag,
        "days": days,
        "from": min(listed) if listed else None,
        "to": max(listed) if listed else None,
        "candidates": len(candidates),
        "note": note,
        "papers": out,
    }
