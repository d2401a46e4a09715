"""BibTeX entries for papers, with every value escaped so it cannot leave its field."""

from __future__ import annotations

import re
import unicodedata

from server import sanitize
from server.models import Paper, is_arxiv_id
from server.text import arxiv_abs

# A backslash and what follows it: a command name, one symbol, or nothing (the value's end).
_TOKEN = re.compile(r"\\([A-Za-z]+|.?)|[{}$%&#_]|[^\\{}$%&#_]+", re.S)
# Commands that read or write files, run programs or redefine others: a title that carries one
# would run it in the user's LaTeX build, so it is written as text instead.
_UNSAFE = frozenset(
    "input include includeonly InputIfFileExists IfFileExists verbatiminput lstinputlisting "
    "includegraphics write immediate openin openout read readline closein closeout message "
    "def edef gdef xdef let futurelet catcode lccode uccode mathcode csname endcsname "
    "expandafter afterassignment everypar everyjob everymath newcommand renewcommand "
    "providecommand DeclareRobustCommand newenvironment renewenvironment usepackage "
    "RequirePackage documentclass special directlua luaexec pdfshellescape shellescape "
    "jobname makeatletter makeatother scantokens detokenize".split()
)


def _ascii_word(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def _nested(tokens: list[str]) -> bool:
    """True when the literal braces among the tokens open and close in order."""
    depth = 0
    for token in tokens:
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    return depth == 0


def _escape(text: str) -> str:
    """A value's text as BibTeX/LaTeX that stays inside its field: braces stay only when they
    nest (else they are dropped), a backslash before a brace, another backslash or the end is
    written as text, file and shell commands are written as text, and % & # (and _ outside
    math) are escaped. Control and direction characters are dropped; whitespace is collapsed."""
    text = " ".join((sanitize.text(text) or "").split())
    tokens = [m.group() for m in _TOKEN.finditer(text)]
    keep_braces = _nested(tokens)
    out, math = [], False
    for token in tokens:
        if token == "$":
            math = not math
        if token in "{}" and len(token) == 1:
            out.append(token if keep_braces else "")
        elif token in ("%", "&", "#") or (token == "_" and not math):
            out.append("\\" + token)
        elif token.startswith("\\"):
            out.append(_command(token))
        else:
            out.append(token)
    return "".join(out)


def _command(token: str) -> str:
    """A backslash token: kept when it is a safe command or symbol, else written as text."""
    name = token[1:]
    if name in ("{", "}"):
        return "\\textbrace" + ("left" if name == "{" else "right") + "{}"
    if name in ("", "\\") or name in _UNSAFE:
        return "\\textbackslash{}" + ("\\textbackslash{}" if name == "\\" else name)
    return token


def _verbatim(text: str) -> str:
    """A URL or DOI as written (styles print them verbatim), minus what could end the field:
    braces, backslashes, whitespace and control characters."""
    return re.sub(r"[{}\\\s]", "", sanitize.text(text) or "")


def _name(author: str) -> str:
    """An author for the ' and '-joined list: a name holding ' and ' is braced as one name."""
    name = _escape(author)
    return "{" + name + "}" if re.search(r"\sand\s", name, re.I) else name


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
        ("author", " and ".join(_name(a) for a in paper.authors if _escape(a))),
    ]
    if paper.published:
        fields.append(("year", paper.published[:4]))
    if is_arxiv_id(paper.id):
        fields += [("eprint", paper.id), ("archivePrefix", "arXiv")]
        if paper.categories:
            fields.append(("primaryClass", _escape(paper.categories[0])))
        fields.append(("url", arxiv_abs(paper.id)))
    elif paper.url:
        fields.append(("url", _verbatim(paper.url)))
    if paper.doi:
        fields.append(("doi", _verbatim(paper.doi)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    kind = "misc" if is_arxiv_id(paper.id) else "article"
    return f"@{kind}{{{cite_key(paper)},\n{body}\n}}\n"
