"""Papers as reference-manager records: RIS (Zotero, Mendeley, EndNote) and CSL-JSON (pandoc,
Zotero). BibTeX is bibtex.py. Every value is printable text on one line, so a title cannot
start a record or a field of its own."""

from __future__ import annotations

import json
import re

from server import sanitize
from server.bibtex import cite_key
from server.models import Paper, is_arxiv_id
from server.text import arxiv_abs


def _one_line(value: str | None) -> str:
    return " ".join((sanitize.text(value or "") or "").split())


def _url(p: Paper) -> str | None:
    return arxiv_abs(p.id) if is_arxiv_id(p.id) else sanitize.link(p.url)


def ris(papers: list[Paper]) -> str:
    """RIS records, one per paper (TY JOUR for a journal reference, else a preprint)."""
    out: list[str] = []
    for p in papers:
        lines = [("TY", "JOUR" if p.journal_ref else "RPRT"), ("TI", p.title)]
        lines += [("AU", name) for name in p.authors]
        if p.published:
            lines.append(("PY", p.published[:4]))
            lines.append(("DA", p.published.replace("-", "/")))
        lines += [("AB", p.abstract), ("DO", p.doi), ("UR", _url(p)), ("JO", p.journal_ref)]
        if is_arxiv_id(p.id):
            lines += [("PB", "arXiv"), ("M1", f"arXiv:{p.id}")]
        lines += [("KW", c) for c in p.categories]
        lines.append(("ID", cite_key(p)))
        out += [f"{tag}  - {_one_line(v)}" for tag, v in lines if _one_line(v)]
        out += ["ER  - ", ""]
    return "\n".join(out)


def csl_json(papers: list[Paper]) -> str:
    """A CSL-JSON array (what pandoc's --bibliography and Zotero read)."""
    items = []
    for p in papers:
        item: dict[str, object] = {
            "id": cite_key(p),
            "type": "article-journal" if p.journal_ref else "article",
            "title": _one_line(p.title),
            "author": [_name(n) for n in p.authors],
        }
        if p.published:
            parts = [int(x) for x in re.findall(r"\d+", p.published)[:3]]
            item["issued"] = {"date-parts": [parts]}
        optional = {
            "abstract": _one_line(p.abstract),
            "DOI": _one_line(p.doi),
            "URL": _one_line(_url(p)),
            "container-title": _one_line(p.journal_ref),
            "number": f"arXiv:{p.id}" if is_arxiv_id(p.id) else "",
            "publisher": "arXiv" if is_arxiv_id(p.id) else "",
        }
        item.update({k: v for k, v in optional.items() if v})
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _name(name: str) -> dict[str, str]:
    """A CSL name: family and given when the name splits on its last space, else literal."""
    clean = _one_line(name)
    if " " not in clean:
        return {"literal": clean}
    given, family = clean.rsplit(" ", 1)
    return {"family": family, "given": given}
