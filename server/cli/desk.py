"""The reader's desk from the terminal: `save`, `unsave`, `tag`, `read`, `hide`, `note`,
`library`, `catchup`, `recommend`, `viewed`, and `desk export|import` (the desk alone, as JSON, for
backups and new machines)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from server import service
from server.bibtex import bibtex
from server.cite import csl_json, ris
from server.cli.context import EXIT_INPUT, EXIT_NOTHING_NEW, EXIT_USAGE, Context, fail, say
from server.store import MAX_VIEWED, DeskEntry, DeskError, Store, read_desk

FORMATS = ["text", "json", "bibtex", "ris", "csl-json"]
MAX_IMPORT = 64 * 1024 * 1024  # bytes of a desk export read at most


def _act(obj: Context, ref: str, act) -> None:
    """Run one desk act on a paper and print where it stands; a missing paper exits 1, a bad
    tag or note exits 2."""
    with obj.store() as store:
        try:
            entry = act(store)
        except LookupError:
            fail(f"{ref}: no such paper in the store", EXIT_NOTHING_NEW)
        except DeskError as exc:
            fail(str(exc), EXIT_USAGE)
        say(_line(store, entry))


def _line(store: Store, e: DeskEntry) -> str:
    """One paper's desk state on a line: id, marks, tags, title."""
    paper = store.get_paper(e.paper_id)
    marks = [
        "saved" if e.saved_at else "not saved",
        "read" if e.read_at else "unread",
        *(["hidden"] if e.hidden_at else []),
        *(["note"] if e.note else []),
    ]
    tags = f" [{', '.join(e.tags)}]" if e.tags else ""
    title = paper.title if paper else "(not in this archive yet)"
    return f"{e.paper_id:<12} {' · '.join(marks)}{tags}  {title}"


@click.command()
@click.argument("ref")
@click.option("--tag", "tags", multiple=True, metavar="T", help="A tag to add (repeatable).")
@click.pass_obj
def save(obj: Context, ref: str, tags: tuple[str, ...]) -> None:
    """Save a paper (by id or URL) to your library, with tags."""
    _act(obj, ref, lambda store: store.desk.save(ref, list(tags)))


@click.command()
@click.argument("ref")
@click.pass_obj
def unsave(obj: Context, ref: str) -> None:
    """Take a paper off your library (its tags, marks and note stay)."""
    _act(obj, ref, lambda store: store.desk.unsave(ref))


@click.command()
@click.argument("ref")
@click.argument("tags", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Remove these tags instead.")
@click.pass_obj
def tag(obj: Context, ref: str, tags: tuple[str, ...], remove: bool) -> None:
    """Tag a paper (or --remove tags)."""
    _act(obj, ref, lambda store: store.desk.tag(ref, list(tags), remove=remove))


@click.command("read")
@click.argument("ref")
@click.option("--unread", is_flag=True, help="Mark it unread again.")
@click.pass_obj
def read_cmd(obj: Context, ref: str, unread: bool) -> None:
    """Mark a paper read (or --unread)."""
    _act(obj, ref, lambda store: store.desk.mark_read(ref, not unread))


@click.command()
@click.argument("ref")
@click.option("--show", "unhide", is_flag=True, help="Show it in lists again.")
@click.pass_obj
def hide(obj: Context, ref: str, unhide: bool) -> None:
    """Hide a paper from lists (or --show it again)."""
    _act(obj, ref, lambda store: store.desk.hide(ref, not unhide))


@click.command()
@click.argument("ref")
@click.argument("text", required=False)
@click.option("--clear", is_flag=True, help="Remove the note.")
@click.pass_obj
def note(obj: Context, ref: str, text: str | None, clear: bool) -> None:
    """Set a paper's note (TEXT, or - to read it from stdin); with neither, print it."""
    if text == "-":
        text = sys.stdin.read()
    if text is None and not clear:
        with obj.store() as store:
            entry = store.desk.entry(ref)
            say(entry.note or f"{ref}: no note")
        return
    _act(obj, ref, lambda store: store.desk.note(ref, "" if clear else text))


@click.command()
@click.option("--tag", "tag_", metavar="T", help="Only papers with this tag.")
@click.option("--unread", is_flag=True, help="Only papers not marked read.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Output file (default: stdout).")
@click.pass_obj
def library(obj: Context, tag_: str | None, unread: bool, fmt: str, out: str | None) -> None:
    """Your saved papers, newest saved first: as text, JSON, BibTeX, RIS or CSL-JSON."""
    with obj.store() as store:
        try:
            entries = store.desk.library(tag_, unread)
        except DeskError as exc:
            fail(str(exc), EXIT_USAGE)
        papers = [p for p in (store.get_paper(e.paper_id) for e in entries) if p is not None]
        if fmt == "text":
            lines = [_line(store, e) for e in entries] or ["(no saved papers)"]
            text = "\n".join(lines) + "\n"
        elif fmt == "json":
            titles = {p.id: p.title for p in papers}
            text = json.dumps(
                [{**e.as_json(), "title": titles.get(e.paper_id)} for e in entries],
                ensure_ascii=False,
                indent=1,
            )
            text += "\n"
        elif fmt == "bibtex":
            text = "".join(bibtex(p) + "\n" for p in papers)
        elif fmt == "ris":
            text = ris(papers)
        else:
            text = csl_json(papers)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    elif fmt == "text":
        say(text.rstrip("\n"))
    else:
        click.echo(text, nl=False)


@click.group()
def desk() -> None:
    """Move your desk (saved papers, tags, marks, notes) alone, as JSON."""


@desk.command("export")
@click.option("--out", type=click.Path(dir_okay=False), help="Output file (default: stdout).")
@click.pass_obj
def desk_export(obj: Context, out: str | None) -> None:
    """Write the whole desk as JSON (a backup; `desk import` takes it back)."""
    with obj.store() as store:
        text = json.dumps(store.desk.export(), ensure_ascii=False, indent=1) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@desk.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
def desk_import(obj: Context, file: str) -> None:
    """Merge a desk export into this one: nothing on either side is lost."""
    path = Path(file)
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT:
            fail(f"{file}: {size:,} bytes, more than a desk export may hold", EXIT_INPUT)
        document = read_desk(path.read_text(encoding="utf-8"), file)
    except OSError as exc:
        fail(f"{file}: cannot read: {exc.strerror}", EXIT_INPUT)
    except UnicodeDecodeError:
        fail(f"{file}: not UTF-8 text", EXIT_INPUT)
    except DeskError as exc:
        fail(str(exc), EXIT_INPUT)
    with obj.store(create=True) as store:
        try:
            n = store.desk.import_(document, file)
        except DeskError as exc:
            fail(str(exc), EXIT_INPUT)
    say(f"{file}: {n} papers merged into the desk")


@click.command()
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 1000))
@click.option("--peek", is_flag=True, help="Show the list without marking it seen.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_obj
def catchup(obj: Context, limit: int, peek: bool, as_json: bool) -> None:
    """While you were away: what trended since you last caught up, each paper once, most
    upvoted first; then marks the lists seen (unless --peek)."""
    with obj.store() as store:
        found = service.catchup(store, limit)
        if not peek and found["to"]:
            store.desk.mark_seen(found["to"])
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    say(found["heading"])
    for n, p in enumerate(found["papers"], 1):
        rank = f", best HF #{p['best_rank']}" if p["best_rank"] else ""
        mark = "  [saved]" if p["saved"] else ""
        say(f"{n:>3}. {p['id']:<12} {p['title']}{mark}")
        say(f"     {p['best_upvotes']}\u25b2{rank}, {p['days']} day(s): {'; '.join(p['trended'])}")
    if found["total"] > len(found["papers"]):
        say(f"... and {found['total'] - len(found['papers'])} more (--limit)")


@click.command()
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3650),
    help="Pick from the papers of the last N listing days.",
)
@click.option("--tag", "tag_", metavar="T", help="Learn only from saved papers with this tag.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_obj
def recommend(obj: Context, days: int, tag_: str | None, limit: int, as_json: bool) -> None:
    """For you: recent papers most like your saved ones, each with its reasons."""
    archive = obj.archive()
    if archive.index.state(archive.store) != "ok":
        say(f"index: {archive.index.ensure(archive.store)}", err=True)
    try:
        found = service.recommend(archive.store, archive.index, days, tag_, limit)
    except DeskError as exc:
        fail(str(exc), EXIT_USAGE)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    if found["note"]:
        say(found["note"])
        return
    say(
        f"For you: {len(found['papers'])} of {found['candidates']} papers listed {found['from']} "
        f"to {found['to']}, learnt from {found['saved']} saved papers"
    )
    for n, p in enumerate(found["papers"], 1):
        because = found_because(p["because"])
        say(f"{n:>3}. {p['id']:<12} {p['title']}")
        say(f"     because: {because}")


@click.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, MAX_VIEWED))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--clear", is_flag=True, help="Forget every paper opened.")
@click.pass_obj
def viewed(obj: Context, limit: int, fmt: str, clear: bool) -> None:
    """Recently viewed: the papers you opened in the browser (when the extension remembers
    them), the most recent first; or --clear the list."""
    with obj.store() as store:
        if clear:
            say(f"{store.desk.clear_viewed()} viewed papers forgotten")
            return
        found = [service.viewed_entry(store, v) for v in store.desk.viewed(limit)]
    if fmt == "json":
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    if not found:
        say("No papers viewed yet (the extension's option: Remember the papers I open)")
    for v in found:
        title = v["paper"]["title"] if v["paper"] else "(not in this archive yet)"
        say(f"{v['viewed_at'][:16].replace('T', ' ')}  {v['id']:<12} {title}")
        say(f"{'':<18}{v['url']}")


def found_because(because: dict) -> str:
    """A pick's reasons on one line: its words, and the saved paper it is closest to."""
    parts = [", ".join(because["words"])] if because["words"] else []
    if because["saved"]:
        parts.append(f"close to {because['saved']} ({because['saved_title']})")
    return "; ".join(parts) or "(no shared words)"
