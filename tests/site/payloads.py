"""Hostile scraped text: each string must stay inert data on every page it reaches."""

from __future__ import annotations

from server.models import Appearance, Listing, Paper

XSS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    "[click me](javascript:window.__xss=3)",
    "![tracker](http://evil.example/pixel.png)",
    '<a href="javascript:window.__xss=4">a link</a>',
    "javascript:window.__xss=5",
    "&lt;script&gt;window.__xss = 6&lt;/script&gt; &amp; &#60;b&#62;",
    '<svg onload="window.__xss = 7"><circle r="9"/></svg>',
    '<iframe src="javascript:window.__xss=8"></iframe>',
    "<style>body { display: none }</style>",
    "<http://evil.example/autolink> and www.evil.example",
    "[ref]: javascript:window.__xss=9",
    "<!-- a comment --> <details open ontoggle=window.__xss=10>",
    "\u202eevil reversed\u202c text \u2066isolated\u2069",
    "**bold** _em_ `code` # hash | pipe | back\\slash ~~strike~~",
    "\x02wzxhzdk:0\x03 placeholder \x00 nul",
    "1. not a list",
    "- not a bullet",
    "> not a quote",
    "---",
    "{{ 7 * 7 }} {% raw %} ${7*7}",
]
LATEX = r"Bounds $\alpha_{i}^{2} \leq \frac{a}{b}$ and $O(n \log n)$ with a_b * c"
LONG = "Supercalifragilistic" * 300


def hostile_listing(day: str = "2024-08-06") -> Listing:
    """One listing day of papers whose every text field carries a payload."""
    papers, apps = [], []
    for n, text in enumerate([*XSS, LATEX, LONG], start=1):
        pid = f"2408.{99000 + n}"
        papers.append(
            Paper(
                id=pid,
                title=f"{text} title {n}",
                abstract=f"{text} abstract. {LATEX}",
                authors=[text[:80], f"Author {n}"],
                published="2024-08-05",
                categories=["cs.LG"],
                code_url="javascript:window.__xss=11" if n % 2 else 'https://ok.example/a)b<c>"d',
                comments=text,
            )
        )
        apps.append(Appearance(pid, "hf-daily", day, rank=n, upvotes=n, submitter=text[:40]))
    return Listing(
        kind="hf-api",
        url="https://huggingface.co/papers",
        date=day,
        papers=papers,
        appearances=apps,
    )
