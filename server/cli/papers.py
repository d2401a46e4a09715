"""The `paperboy` verbs over the stored papers: import, papers, show, export, stats, demo."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from dataclasses import asdict
from importlib import resources

import click

from server import service
from server.bibtex import bibtex
from server.budget import deadline
from server.cli.context import (
    EXIT_INPUT,
    EXIT_NEW,
    EXIT_NOTHING_NEW,
    EXIT_STORE,
    Context,
    fail,
    say,
)
from server.crawl import import_paths
from server.models import Paper
from server.progress import for_terminal
from server.store import Store, StoreError
from server.text import authors_more

AUTHORS_SHOWN = 10  # names before "+N more"
SIMILAR = 5
WIDTH = 100  # columns text is wrapped to, at most
LABELS = {"arxiv": "arXiv", "pdf": "PDF", "hf": "HF", "page": "Page", "doi": "DOI"}
LABELS |= {"code": "Code", "project": "Project"}


@click.command("import")
@click.argument("paths", nargs=-1, required=True)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and errors.")
@click.pass_obj
def import_cmd(obj: Context, paths: tuple[str, ...], quiet: bool) -> None:
    """Import saved pages and dumps: files, directories and globs."""
    archive = obj.archive(create=True)
    try:
        with for_terminal(quiet):  # the parse, index and similar steps
            report = import_paths(archive.store, paths)
            note = archive.index.ensure(archive.store)  # every import updates the index too
    except StoreError as exc:
        fail(str(exc), EXIT_STORE)
    finally:
        archive.close()
    for line in report.failures:
        say(f"paperboy: error: {line}", err=True)
    for line in report.skips if not quiet else []:
        say(line, err=True)
    click.echo(report.summary())
    click.echo(f"index: {note}")
    if report.failures:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_NEW if report.changed else EXIT_NOTHING_NEW)


@click.command()
@click.option("--limit", default=20, show_default=True, help="How many papers to list.")
@click.pass_obj
def papers(obj: Context, limit: int) -> None:
    """List the newest papers in the store."""
    with obj.store() as store:
        for i, paper in enumerate(store.iter_papers(order="published")):
            if i >= limit:
                break
            say(f"{paper.id:<18} {paper.published or '':<10}  {paper.title}")


@click.command()
@click.argument("ref")
@click.option("--bibtex", "as_bibtex", is_flag=True, help="Print only the paper's BibTeX entry.")
@click.option("--similar", default=SIMILAR, show_default=True, type=click.IntRange(0, 50))
@click.pass_obj
def show(obj: Context, ref: str, as_bibtex: bool, similar: int) -> None:
    """Show one paper (by id or URL): authors, links, abstract, trend, similar papers."""
    archive = obj.archive()
    paper = archive.store.get_paper(ref)
    if paper is None:
        fail(f"{ref}: no such paper in the store", EXIT_NOTHING_NEW)
    detail = service.paper_detail(archive.store, paper)
    if as_bibtex:
        say(str(detail["bibtex"]))
        return
    width = min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns)
    say(paper.title)
    say("\n".join(_wrap_names(authors_more(paper.authors, AUTHORS_SHOWN), width)) + "\n")
    for name in ("id", "version", "published", "updated", "categories", "doi"):
        value = getattr(paper, name)
        if value:
            say(f"{name:>10}: {', '.join(value) if isinstance(value, list) else value}")
    _section("Links", [f"{LABELS.get(k, k):<8} {u}" for k, u in detail["links"].items()])
    if detail["artifacts"]["fetched_at"]:
        _section("On the Hugging Face Hub", _artifact_lines(detail["artifacts"]))
    if paper.abstract:
        say("\n" + textwrap.fill(paper.abstract, width))
    _section("Trend", _trend_lines(detail))
    if similar:
        found = _similar(archive, paper, similar)
        _section("Similar papers", found or ["(none: the search index has no similar paper)"])


def _wrap_names(line: str, width: int) -> list[str]:
    """An author line wrapped between names, never inside one (a name longer than the width
    gets its own line)."""
    out, current = [], ""
    for name in line.split(", "):
        joined = f"{current}, {name}" if current else name
        if current and len(joined) + 1 > width:
            out.append(current + ",")
            joined = name
        current = joined
    return out + [current]


def _section(title: str, lines: list[str]) -> None:
    say(f"\n{title}")
    for line in lines:
        say(f"  {line}")


def _artifact_lines(artifacts: dict) -> list[str]:
    """One line per model, dataset and Space citing the paper: kind, id, counts, page."""
    lines = []
    for kind in ("models", "datasets", "spaces"):
        for item in artifacts[kind]:
            counts = [f"{item['likes']:,} likes"] if item["likes"] is not None else []
            counts += [f"{item['downloads']:,} downloads"] if item["downloads"] is not None else []
            lines.append(f"{kind[:-1]:<8} {item['id']}  ({', '.join(counts) or 'no counts'})")
            lines.append(f"{'':<8} {item['url']}")
    day = str(artifacts["fetched_at"])[:10]
    return lines or [f"(none: no model, dataset or Space cites it, as of {day})"]


def _trend_lines(detail: dict) -> list[str]:
    """A summary of the paper's trend, then one badge line per appearance."""
    trend = detail["trend"]
    if not trend["appearances"]:
        return ["(not on any list the archive follows)"]
    n = trend["appearances"]
    head = [f"{n} appearance{'s' if n != 1 else ''}, {trend['first_date']} to {trend['last_date']}"]
    head += [f"best HF #{trend['best_rank']}"] if trend["best_rank"] else []
    head += [f"top {trend['upvotes']} upvotes"] if trend["upvotes"] is not None else []
    return ["; ".join(head)] + [a["badge"] for a in detail["appearances"]]


def _similar(archive, paper: Paper, limit: int) -> list[str]:
    """The top similar papers (the search index's, through the service), one line each."""
    if archive.index.state(archive.store) != "ok":
        say(f"index: {archive.index.ensure(archive.store)}", err=True)
    with deadline(float(archive.config["query_budget"]), archive.store.db):
        found = service.similar(archive.store, archive.index, paper, limit)
    return [f"{s['id']:<12} {s['title']} (shares: {', '.join(s['shared_terms'])})" for s in found]


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "json", "bibtex"]),
    default="jsonl",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False), help="Output file (default: stdout).")
@click.pass_obj
def export(obj: Context, fmt: str, out: str | None) -> None:
    """Export every paper, with its appearances (JSON forms)."""
    with obj.store() as store, click.open_file(out or "-", "w", encoding="utf-8") as fh:
        if fmt == "bibtex":
            fh.writelines(bibtex(paper) + "\n" for paper in store.iter_papers())
            return
        records = (_record(store, p) for p in store.iter_papers())
        if fmt == "json":
            json.dump(list(records), fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        else:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _record(store: Store, paper: Paper) -> dict[str, object]:
    appearances = [
        {k: v for k, v in asdict(a).items() if k != "paper_id"} for a in store.appearances(paper.id)
    ]
    return {**asdict(paper), "appearances": appearances}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@click.pass_obj
def stats(obj: Context, as_json: bool) -> None:
    """Counts of papers, appearances and raw pages, per list."""
    with obj.store() as store:
        numbers = store.stats()
    if as_json:
        click.echo(json.dumps(numbers, indent=1))
        return
    for key in ("papers", "appearances", "observations", "raw_pages", "aliases"):
        click.echo(f"{key:>13}: {numbers[key]}")
    for name, row in numbers["lists"].items():
        click.echo(
            f"{name:>13}: {row['n']} appearances on {row['days']} days, "
            f"{row['first']} to {row['last']}"
        )


@click.command()
@click.option("--serve/--no-serve", "then_serve", default=True, help="Start the server at the end.")
@click.pass_context
def demo(ctx: click.Context, then_serve: bool) -> None:
    """The main job on the shipped demo pages: import, index, build the site, then serve."""
    demo_dir = resources.files("server").joinpath("demo")
    archive = ctx.obj.archive(create=True)
    report = import_paths(archive.store, [str(demo_dir)])
    note = archive.index.ensure(archive.store)
    archive.close()
    click.echo(report.summary())
    click.echo(f"index: {note}")
    for line in report.failures:
        say(f"paperboy: error: {line}", err=True)
    ctx.invoke(stats)
    from server.cli.site import build_cmd

    ctx.invoke(build_cmd, quiet=True)
    if then_serve:
        from server.cli.serve import serve

        click.echo(
            "\nNext: open http://127.0.0.1:8765/api/health, load extension/ in your browser, "
            "and try `paperboy search transformers`. Ctrl-C stops the server."
        )
        ctx.invoke(serve)
