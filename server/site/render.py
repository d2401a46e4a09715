"""Markdown to HTML: the markdown package for the body, a Jinja2 template from site/ around it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from server import tex
from server.site.markup import SEARCHED, root_of


def _theme() -> Path:
    """The archive's templates and assets: the top-level site/ of a source tree, or the copy an
    installed wheel carries as server/site/theme/ (pyproject.toml maps one to the other)."""
    here = Path(__file__).resolve().parent
    for folder in (here / "theme", here.parent.parent / "site"):
        if (folder / "templates").is_dir():
            return folder
    raise FileNotFoundError(f"no templates beside {here}: the installation is incomplete")


THEME = _theme()
TEMPLATES = THEME / "templates"
ASSETS = THEME / "assets"
_MD_LINK = re.compile(r"^(?![a-z][a-z0-9+.-]*:|/|#)(?P<path>[^#?]*)\.md(?P<rest>[#?].*)?$", re.I)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
_TAGS = re.compile(r"<[^>]+>")


class _LinksToHtml(Treeprocessor):
    """Relative links to .md pages point to the .html page in the rendered site."""

    def run(self, root):
        for a in root.iter("a"):
            m = _MD_LINK.match(a.get("href", ""))
            if m:
                a.set("href", m["path"] + ".html" + (m["rest"] or ""))


class _Math(InlineProcessor):
    """A code span of TeX, `` `$...$` `` (what markup.md_math writes for a span that renders), as
    its allowlisted MathML (server/tex.py), stashed so no Markdown rule touches it. Any other
    code span, or a backtick after an odd run of backslashes (an escaped one), stays as it was."""

    def handleMatch(self, m, data):  # noqa: N802 (the markdown package's name)
        before = len(data[: m.start(0)]) - len(data[: m.start(0)].rstrip("\\"))
        made = None if before % 2 else tex.mathml(m[1].strip())
        if made is None:
            return None, None, None
        return self.md.htmlStash.store(made), m.start(0), m.end(0)


class _Searched(Treeprocessor):
    """On a paper page, marks what Pagefind indexes (server/site/pagefind.py): the title, the
    authors, Hugging Face's summary and the abstract. The facts, links, signals, trend history,
    similar papers and BibTeX are left out, and so is all of any other page but its heading."""

    paper = False  # set per page by Renderer.html
    FACTS = ("Published ", "No publication date")  # the line after the authors (paper.py)
    AFTER = ("Comments: ", "Journal reference: ")  # lines after the abstract

    def run(self, root):
        heading = next((el for el in root if el.tag == "h1"), None)
        if heading is None:
            return
        heading.set(PAGEFIND_BODY, "")
        if not self.paper:
            return
        marking, after_title = False, False
        for el in root:
            text = "".join(el.itertext())
            if el is heading:
                after_title = True
                continue
            authors = el.tag in ("details", "p") and not text.startswith(self.FACTS)
            if after_title and authors:
                el.set(PAGEFIND_BODY, "")
            after_title = False
            if el.tag == "h2":  # the heading itself is the same on every page: not indexed
                marking = text in SEARCHED
                continue
            if el.tag != "p" or text.startswith(self.AFTER):
                marking = False
            if marking:
                el.set(PAGEFIND_BODY, "")


PAGEFIND_BODY = "data-pagefind-body"
MATH = r"`\$([^`$]+)\$`(?!`)"

# Inline syntax the archive never writes (and scraped text cannot form, being escaped): dropping
# it halves the time the markdown package spends on a page.
UNUSED_INLINE = (
    "reference",
    "short_reference",
    "image_link",
    "image_reference",
    "short_image_ref",
    "autolink",
    "automail",
    "linebreak",
)


class _Site(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (the markdown package's name)
        md.treeprocessors.register(_LinksToHtml(md), "site_links", 1)
        md.treeprocessors.register(_Searched(md), "site_searched", 0)
        md.inlinePatterns.register(_Math(MATH, md), "site_math", 195)  # before backticks
        for name in UNUSED_INLINE:
            md.inlinePatterns.deregister(name)


class Renderer:
    """One Markdown converter and one template environment, reused for every page."""

    def __init__(self, subscribe_url: str = ""):
        self.subscribe_url = subscribe_url  # the server the subscribe form posts to, if any
        self.md = markdown.Markdown(extensions=["tables", "fenced_code", "md_in_html", _Site()])
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self.template = self.env.get_template("page.html")

    def html(self, page: str, text: str, kind: str, paper_id: str = "") -> str:
        """The HTML page for the Markdown text of a page (path without extension); a paper's
        page carries its id for the desk bar (site/assets/desk.js)."""
        self.md.reset()
        self.md.treeprocessors["site_searched"].paper = kind == "paper"
        body = self.md.convert(text)
        title = _title(body)
        # both are the markdown package's output, where scraped text is already escaped
        subscribe = self.subscribe_url if page in ("index", "about") else ""
        return self.template.render(
            body=Markup(body),
            title=Markup(title),
            root=root_of(page),
            kind=kind,
            page=page,
            subscribe=subscribe,
            paper_id=paper_id,
        )


def _title(body: str) -> str:
    """The page title: the text of its first heading (entities kept as they are)."""
    m = _H1.search(body)
    return _TAGS.sub("", m[1]) if m else "Paperboy"


def version() -> str:
    """A hash of templates, assets and site code, so a change to them rebuilds every page."""
    digest = hashlib.sha256(markdown.__version__.encode())
    code = [*Path(__file__).parent.glob("*.py")]
    code += [Path(__file__).parent.parent / name for name in ("text.py", "tex.py")]
    for path in sorted([*TEMPLATES.rglob("*"), *ASSETS.rglob("*"), *code]):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]
