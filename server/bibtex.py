"""BibTeX entries for papers."""

from __future__ import annotations

import re
import unicodedata

from server.models import Paper, is_arxiv_id

_SPECIAL = re.compile(r"([&%#_])")


def _ascii_word(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def _escape(text: str) -> str:
    """Escape BibTeX specials outside math; braces are balanced by dropping stray ones."""
    if text.count("{") != text.count("}"):
        text = text.replace("{", "").replace("}", "")
    return _SPECIAL.sub(r"\\\1", text) if "$" not in text else text


def cite_key(paper: Paper) -> str:
    """A readable key: first author's last name, year, first title word (e.g. dubey2024llama)."""
    last = _ascii_word(paper.authors[0].split()[-1]) if paper.authors else "anon"
    year = (paper.published or "")[:4]
    words = [w for w in (_ascii_word(t) for t in paper.title.split()) if len(w) > 3]
    return f"{last or 'anon'}{year}{words[0] if words else ''}"


def bibtex(paper: Paper) -> str:
    """One @misc (arXiv) or @article entry for the paper."""
    fields = [
        ("title", "{" + _escape(paper.title) + "}"),
        ("author", " and ".join(_escape(a) for a in paper.authors)),
    ]
    if paper.published:
        fields.append(("year", paper.published[:4]))
    if is_arxiv_id(paper.id):
        fields += [("eprint", paper.id), ("archivePrefix", "arXiv")]
        if paper.categories:
            fields.append(("primaryClass", paper.categories[0]))
        fields.append(("url", f"https://arxiv.org/abs/{paper.id}"))
    elif paper.url:
        fields.append(("url", paper.url))
    if paper.doi:
        fields.append(("doi", paper.doi))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    kind = "misc" if is_arxiv_id(paper.id) else "article"
    return f"@{kind}{{{cite_key(paper)},\n{body}\n}}\n"
