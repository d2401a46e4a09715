"""Benchmark: TeX math in titles and abstracts on the real corpus, rendered as the site does.

    python bench/tex.py [--data DIR]

The corpus is the HF bulk and the arXiv OAI set (36k papers), imported once into DIR as the
known-item benchmark does. Every title, abstract and Hugging Face summary goes through
`tex.render(text, md)` (TeX spans to MathML, the rest escaped for Markdown); the table counts
the `$...$` spans that render, those that fall back to their source, and the texts where
rendering raised (there must be none). Beside the time: `md_math()` (what the site's pages call:
the spans that render kept as code spans, turned into MathML when the HTML is made) and the
peer, the same texts through `md()` alone (the escaping every page already paid). Each pass
starts with the MathML cache empty. Prints Markdown tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # the sibling benchmarks, after everything else

from known_item import BULK, load  # noqa: E402 - the same 36k store as the known-item benchmark

from server import tex  # noqa: E402
from server.site.markup import md, md_math  # noqa: E402

EXAMPLES = 8  # spans that fall back, shown under the table


def texts(papers: list) -> list[str]:
    """Every title, abstract and Hugging Face summary that is not empty."""
    return [t for p in papers for t in (p.title, p.abstract, p.hf_summary) if t]


def count(items: list[str]) -> dict:
    """Spans that render and fall back, texts with a span, texts that raised, examples."""
    found = {"texts": len(items), "with math": 0, "render": 0, "fall back": 0, "raised": 0}
    examples: list[str] = []
    for text in items:
        try:
            done, failed = tex.count(text)
            tex.render(text, md)
        except Exception:  # the measure: rendering must never raise
            found["raised"] += 1
            continue
        found["with math"] += bool(done or failed)
        found["render"] += done
        found["fall back"] += failed
        if failed and len(examples) < EXAMPLES:
            examples += [
                f"${s}$" for s, m in tex.spans(text) if m and tex.mathml(s.strip()) is None
            ]
    found["examples"] = examples[:EXAMPLES]
    return found


def timed(items: list[str], render) -> float:
    """Seconds to render every text once, the MathML cache empty at the start."""
    tex.mathml.cache_clear()
    started = time.perf_counter()
    for text in items:
        render(text)
    return time.perf_counter() - started


def main() -> None:
    """Load, count, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if not BULK.is_dir():
        sys.exit(f"the saved corpus is absent at {BULK}: nothing to measure")
    papers = load(args.data or Path(tempfile.mkdtemp(prefix="pb-tex-")))
    items = texts(papers)
    times = {
        "`tex.render(text, md)`: MathML made and escaped": timed(
            items, lambda t: tex.render(t, md)
        ),
        "`md_math(text)`: what the site's pages call": timed(items, md_math),
        "peer: `md(text)` alone (the escaping every page does anyway)": timed(items, md),
    }
    found = count(items)
    spans = found["render"] + found["fall back"]
    share = {k: f"{found[k] / max(spans, 1):.1%}" for k in ("render", "fall back")}
    print(f"{len(papers):,} papers; {found['texts']:,} texts (titles, abstracts, HF summaries)\n")
    print("| measure | count | share |")
    print("|---|--:|--:|")
    print(f"| texts with a `$...$` span | {found['with math']:,} | ", end="")
    print(f"{found['with math'] / len(items):.1%} |")
    print(f"| `$...$` spans | {spans:,} | |")
    print(f"| render as MathML | {found['render']:,} | {share['render']} |")
    print(f"| fall back to the source | {found['fall back']:,} | {share['fall back']} |")
    print(f"| texts where rendering raised | {found['raised']} | |\n")
    print("| pass over every text | seconds | µs per text |")
    print("|---|--:|--:|")
    for label, took in times.items():
        print(f"| {label} | {took:.2f} | {took / len(items) * 1e6:.0f} |")
    print("\nSpans that fall back, for example: " + ", ".join(f"`{e}`" for e in found["examples"]))


if __name__ == "__main__":
    main()
