"""Hostile scraped text: each string must stay inert data on every page it reaches.

The strings are the shared list in tests/xss_payloads.txt (tests/xss_payloads.py loads it).
"""

from __future__ import annotations

from xss_payloads import load

from server.models import Appearance, Listing, Paper

XSS = load()
LATEX = r"Bounds $\alpha_{i}^{2} \leq \frac{a}{b}$ and $O(n \log n)$ with a_b * c"
LONG = "Supercalifragilistic" * 300
LATEX_N = 22  # the LaTeX paper keeps id 2408.99022, which the site tests look up


def _texts() -> list[str]:
    """The text of each hostile paper, in id order: LaTeX at LATEX_N, the first payload last
    (the highest id is the newest, so the archive feed of the newest 50 shows it)."""
    rest = [*XSS[1:], LONG]
    return [*rest[: LATEX_N - 1], LATEX, *rest[LATEX_N - 1 :], XSS[0]]


def hostile_listing(day: str = "2024-08-06") -> Listing:
    """One listing day of papers whose every text field carries a payload."""
    papers, apps = [], []
    for n, text in enumerate(_texts(), start=1):
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
                org_name=text[:60],
                hf_summary=f"{text} summary",
                hf_keywords=[text[:30], "keyword"],
                github_stars=n,
                project_url='https://ok.example/p?q="><script>window.__xss=12</script>',
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
