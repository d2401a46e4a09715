"""The `paperboy` verbs over the stored papers: import, papers, show, export, stats, demo."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from importlib import resources

import click

from server.bibtex import bibtex
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
from server.store import Store, StoreError


@click.command("import")
@click.argument("paths", nargs=-1, required=True)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and errors.")
@click.pass_obj
def import_cmd(obj: Context, paths: tuple[str, ...], quiet: bool) -> None:
    """Import saved pages and dumps: files, directories and globs."""
    archive = obj.archive(create=True)
    try:
        report = import_paths(archive.store, paths, progress=not quiet)
        note = archive.index.ensure(archive.store)  # every import updates the index in the same run
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
@click.pass_obj
def show(obj: Context, ref: str) -> None:
    """Show one paper (by id or URL) and where it appeared."""
    with obj.store() as store:
        paper = store.get_paper(ref)
        if paper is None:
            fail(f"{ref}: no such paper in the store", EXIT_NOTHING_NEW)
        say(f"{paper.title}\n{', '.join(paper.authors)}\n")
        for name in ("id", "version", "published", "updated", "categories", "doi", "code_url"):
            value = getattr(paper, name)
            if value:
                say(f"{name:>10}: {', '.join(value) if isinstance(value, list) else value}")
        say(f"\n{paper.abstract}\n")
        for a in store.appearances(paper.id):
            extras = [f"#{a.rank}" if a.rank else "", f"{a.upvotes} upvotes" if a.upvotes else ""]
            where = f"{a.list} {a.category}".strip()
            say(f"  {a.date}  {where:<22} {' '.join(e for e in extras if e)}")


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
    report = import_paths(archive.store, [str(demo_dir)], progress=False)
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
