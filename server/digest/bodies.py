"""The digest's two bodies: plain text and HTML (inline CSS, no images, every scraped text escaped).

Mail clients drop <style> blocks and block remote images, so every rule is inline and the
message carries nothing to load. Scraped text goes through html.escape (quotes included), and a
link target is only ever an http(s) URL we built or checked. TeX math in titles and abstracts
becomes MathML in the HTML body (server/tex.py, allowlisted; a client without MathML shows the
text inside it) and stays its source in the text body. Hugging Face's AI summary is always
labelled as theirs.
"""

from __future__ import annotations

import textwrap
from html import escape

from server.digest.choose import DigestPaper
from server.tex import render
from server.text import comments_text

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
FG, MUTED, LINK, RULE, PANEL, ACCENT = (
    "#1c1e21",
    "#4d5562",
    "#0b57b0",
    "#d5d9e0",
    "#f4f6f9",
    "#c2410c",
)
HF_BG, HF_FG = "#fff3d6", "#7a4b00"
SUMMARY_LABEL = "Hugging Face's summary"
_A = f"color:{LINK};text-decoration:underline"


def e(text: str) -> str:
    """Scraped text as HTML text or attribute value."""
    return escape(text, quote=True)


def href(url: str) -> str:
    """An http(s) URL as an escaped attribute value; anything else becomes '#'."""
    return e(url) if url.lower().startswith(("https://", "http://")) else "#"


def _upvotes(n: int) -> str:
    return f"\u25b2 {n} upvote{'s' if n != 1 else ''}" if n else ""


def _meta(n: int | None, p: DigestPaper) -> str:
    """'#1 · ▲ 79 upvotes · 1 comment'."""
    first = f"#{n}" if n is not None else ""
    return " \u00b7 ".join(x for x in (first, _upvotes(p.upvotes), comments_text(p.comments)) if x)


def _signals(p: DigestPaper) -> str:
    """'NVIDIA · ★ 1,221 GitHub stars (+60 since 2026-05-19)'."""
    return " \u00b7 ".join(x for x in (p.org, p.stars) if x)


def _links(p: DigestPaper) -> list[tuple[str, str]]:
    """(label, URL) of the archive page, the arXiv or paper page, the code and project page."""
    out = [("Archive page", p.archive_url)]
    if p.arxiv_url:
        out.append(("arXiv" if "arxiv.org/" in p.arxiv_url else "Paper page", p.arxiv_url))
    if p.code_url:
        out.append(("Code", p.code_url))
    if p.project_url:
        out.append(("Project page", p.project_url))
    return out


def _summary_html(summary: str) -> str:
    return (
        f'<div style="margin:6px 0;padding:6px 10px;border-left:3px solid {HF_FG};'
        f'background:{HF_BG};font-size:13px;line-height:1.45;color:{FG}">'
        f'<div style="font-size:11px;font-weight:700;letter-spacing:0.03em;color:{HF_FG}">'
        f"{e(SUMMARY_LABEL.upper())}</div>{e(summary)}</div>"
    )


def paper_html(n: int, p: DigestPaper) -> str:
    """One paper as a table row."""
    links = [f'<a href="{href(url)}" style="{_A}">{e(label)}</a>' for label, url in _links(p)]
    signals = _signals(p)
    return (
        f'<tr><td style="padding:14px 24px;border-top:1px solid {RULE};{FONT}">'
        f'<div style="font-size:13px;color:{ACCENT};font-weight:600">{e(_meta(n, p))}</div>'
        f'<h2 style="margin:4px 0 2px;font-size:17px;line-height:1.3;color:{FG}">'
        f'<a href="{href(p.archive_url)}" style="color:{FG};text-decoration:none">'
        f"{render(p.title, e)}</a></h2>"
        f'<div style="font-size:13px;color:{MUTED}">{e(p.authors)}</div>'
        + (
            f'<div style="font-size:13px;color:{MUTED};font-weight:600">{e(signals)}</div>'
            if signals
            else ""
        )
        + f'<p style="margin:6px 0;font-size:14px;line-height:1.5;color:{FG}">'
        f"{render(p.abstract, e)}</p>"
        + (_summary_html(p.hf_summary) if p.hf_summary else "")
        + (f'<div style="font-size:13px;color:{MUTED}">{e(p.because)}</div>' if p.because else "")
        + f'<div style="font-size:13px">{" &middot; ".join(links)}</div></td></tr>'
    )


def section_html(heading: str, papers: list[DigestPaper]) -> str:
    """A heading row and its papers."""
    head = (
        f'<tr><td style="padding:18px 24px 6px;{FONT}"><h1 style="margin:0;font-size:19px;'
        f'color:{FG}">{e(heading)}</h1></td></tr>'
    )
    return head + "".join(paper_html(n, p) for n, p in enumerate(papers, 1))


def page_html(title: str, intro: str, sections: str, footer: str) -> str:
    """The whole HTML body around already-rendered sections and an already-escaped footer."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="color-scheme" content="light"><title>{e(title)}</title></head>'
        f'<body style="margin:0;padding:0;background:{PANEL}">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        f'style="background:{PANEL}"><tr><td align="center" style="padding:20px 10px">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        f'style="max-width:640px;background:#ffffff;border:1px solid {RULE};border-radius:8px">'
        f'<tr><td style="padding:20px 24px 4px;{FONT}">'
        f'<div style="font-size:18px;font-weight:700;color:{ACCENT}">Paperboy</div>'
        f'<div style="font-size:14px;color:{MUTED};margin-top:2px">{e(intro)}</div></td></tr>'
        f"{sections}"
        f'<tr><td style="padding:16px 24px 20px;border-top:1px solid {RULE};font-size:12px;'
        f'line-height:1.5;color:{MUTED};{FONT}">{footer}</td></tr>'
        "</table></td></tr></table></body></html>"
    )


def footer_html(reason: str, unsubscribe_url: str) -> str:
    """Why the reader gets this, and the one-click unsubscribe link."""
    return (
        f"{e(reason)}<br>"
        f'<a href="{href(unsubscribe_url)}" style="color:{MUTED}">Unsubscribe</a> '
        "with one click at any time."
    )


def paper_text(n: int, p: DigestPaper) -> str:
    """One paper as plain text, wrapped at 76 columns."""
    lines = textwrap.wrap(f"{n}. {p.title}", 76, subsequent_indent="   ")
    if p.authors:
        lines += textwrap.wrap(p.authors, 76, initial_indent="   ", subsequent_indent="   ")
    for line in (_meta(None, p), _signals(p)):
        if line:
            lines += textwrap.wrap(line, 76, initial_indent="   ", subsequent_indent="   ")
    if p.abstract:
        lines += textwrap.wrap(p.abstract, 76, initial_indent="   ", subsequent_indent="   ")
    if p.hf_summary:
        summary = f"{SUMMARY_LABEL}: {p.hf_summary}"
        lines += textwrap.wrap(summary, 76, initial_indent="   ", subsequent_indent="   ")
    if p.because:
        lines += textwrap.wrap(p.because, 76, initial_indent="   ", subsequent_indent="   ")
    for label, url in _links(p):
        lines.append(f"   {label}: {url}")
    return "\n".join(lines)


def section_text(heading: str, papers: list[DigestPaper]) -> str:
    """A heading and its papers as plain text."""
    body = "\n\n".join(paper_text(n, p) for n, p in enumerate(papers, 1))
    return f"{heading}\n{'=' * min(len(heading), 76)}\n\n{body}\n"
