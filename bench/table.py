"""The Markdown tables of bench/run.py's figures, and every figure of theirs the docs quote.

    python bench/table.py           every size side by side (bench/results/{36k,200k,1m}
                                    [-tantivy][-capMB].json), as one table
    python bench/table.py --write   rewrite the generated parts of README.md and docs/*.md
    python bench/table.py --check   exit 1 when they differ from what the JSON gives

Each search cell reads "p50 / p99 ms", then the FTS5 ratio (ours / FTS5 at p50: how many times
slower we are) and the linear scan's ratio (scan / ours: how many times faster we are).

The docs hold generated text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`: a block
(the table and the prose around it, in docs/performance.md) or a single figure in a sentence.
`render` makes each again from the JSON; tests/test_bench_figures.py fails when the docs and the
JSON disagree, so a figure of these stages is changed by running the bench, not by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SIZES = ("36k", "200k", "1m")
NAMES = {"36k": "36k", "200k": "200k", "1m": "1M"}
ROWS = ["search 1-term", "search 3-term", "search phrase", "search fielded"]
ROWS += ["search date-filtered", "lookup", "similar", "trending (week)", "health"]
SEARCH = [row for row in ROWS if row.startswith("search ")]
SEARCH_GOAL = {"36k": (10, 60), "200k": (25, 150), "1m": (50, 250)}  # p50, p99 ms
SIMILAR_GOAL = {"36k": 10, "200k": 20, "1m": 30}  # p50 ms
INDEX_GOAL = {"36k": 1_000, "200k": 1_000}  # docs/s; at 1m: minutes
INDEX_MINUTES_GOAL = {"1m": 30}
IMPORT_GOAL = {"36k": 2_000, "200k": 2_000}  # papers/s
RSS_GOAL = {"1m": 300}  # MB
SITE_GOAL = {"36k": 500}  # pages/s, full build
GOALS = {
    "search": {size: f"≤ {p50} / {p99}" for size, (p50, p99) in SEARCH_GOAL.items()},
    "similar": {size: f"≤ {ms}" for size, ms in SIMILAR_GOAL.items()},
    "health": {"36k": "≤ 5", "200k": "≤ 5", "1m": "≤ 5"},
    "index build docs/s": {size: f"≥ {n:,}" for size, n in INDEX_GOAL.items()}
    | {size: f"≤ {n} min" for size, n in INDEX_MINUTES_GOAL.items()},
    "import papers/s": {size: f"≥ {n:,}" for size, n in IMPORT_GOAL.items()},
    "server RSS MB": {size: f"≤ {n}" for size, n in RSS_GOAL.items()},
    "site build, full": {size: f"≥ {n} pages/s" for size, n in SITE_GOAL.items()},
    "site build, one new day, paperboy update": {"36k": "≤ 10 s", "200k": "≤ 60 s"},
    "Pagefind peak MB": {"36k": "< 1,000"},
    "8 clients searching": {"1m": "0 errors"},
}


def _import_kind(imp: dict) -> str:
    """ "import" (into an empty store) or "re-import" (of papers the store holds): run.py records
    it since issue 22; older results say it by the store's size before."""
    return imp.get("kind") or ("re-import" if imp.get("store papers before") else "import")


def _import_cell(imp: dict) -> str:
    rate = f"{imp['papers/s']:,.0f}"
    if _import_kind(imp) == "import":
        return rate
    new = "none new" if not imp["papers new"] else f"{imp['papers new']:,} new"
    return f"re-import of {imp['papers read']:,} papers, {new}: {rate} papers/s"


def _index_mb(index: dict) -> str:
    """The index's size: the run's own figure, or one measured by hand and marked so."""
    if "MB" in index:
        return f"{index['MB']:.0f} MB"
    if "MB by hand" in index:
        return f"{index['MB by hand']:.0f} MB measured by hand after the run"
    return "size not measured"


def _search_cell(row: dict) -> str:
    ours = row["ours"]
    cell = f"{ours['p50']:.1f} / {ours['p99']:.1f} ms"
    if "fts5" in row:
        cell += f" (FTS5 ×{ours['p50'] / max(row['fts5']['p50'], 1e-3):.1f}"
        if "scan" in row:
            cell += f", scan ×{row['scan']['p50'] / max(ours['p50'], 1e-3):.0f} slower"
        cell += ")"
    return cell


def cells(r: dict) -> dict[str, str]:
    """Measure name -> cell text for one run's figures."""
    s, out = r.get("search", {}), {}
    out["papers"] = f"{r['papers']:,}"
    if "import" in r:
        out["import papers/s"] = _import_cell(r["import"])
    index = r["index"]
    out["index build docs/s"] = (
        f"{index['docs/s']:,.0f} ({index['seconds']:.0f} s, {_index_mb(index)})"
    )
    if "peer" in r["index"]:
        peer = r["index"]["peer"]
        out["index build docs/s"] += (
            f"; {peer['engine']} in the same run {peer['docs/s']:,.0f} "
            f"(ours ×{r['index']['docs/s'] / peer['docs/s']:.2f})"
        )
        if "index docs/s" in index and "index docs/s" in peer:  # the engines' own parts
            out["index build docs/s"] += (
                f"; the index alone, without the similarity file: {index['index docs/s']:,.0f}"
                f" ({index['index s']:.0f} s) against {peer['index docs/s']:,.0f} (ours "
                f"×{index['index docs/s'] / peer['index docs/s']:.2f})"
            )
    elif "index docs/s" in index:  # an --all tantivy column: its peer is the whoosh column's
        out["index build docs/s"] += (
            f"; the index alone, without the similarity file: {index['index docs/s']:,.0f}"
            f" ({index['index s']:.0f} s)"
        )
    for name in ROWS:
        if name in s:
            out[name] = _search_cell(s[name])
    if "8 clients" in s:
        c = s["8 clients"]
        out["8 clients searching"] = (
            f"{c['req/s']:.0f} req/s, p50 {c['p50']:.0f} / p99 {c['p99']:.0f} ms, "
            f"{c['errors']} errors in {c['seconds']:.0f} s"
        )
    if "server RSS MB" in s:
        out["server RSS MB"] = f"{s['server RSS MB']:.0f}"
        if "server RSS private MB" in s:
            private, mapped = s["server RSS private MB"], s["server RSS file MB"]
            out["server RSS MB"] += f" (private {private:.0f}, mapped files {mapped:.0f})"
        if "memory cap MB" in s:
            out["server RSS MB"] += (
                f"; in a {s['memory cap MB']} MB cgroup, which counts page cache: "
                f"peak {s['cgroup peak MB']:.0f} MB"
            )
    site = dict(r.get("site", {}))
    loop = site.pop("markdown loop", None)
    for label, row in site.items():
        cell = (
            f"{row['pages']:,} pages, {row['written']:,} files written, {row['seconds']:.2f} s "
            f"({row['pages/s']:,.0f} pages/s"
        )
        if loop and label == "full":
            ratio = row["pages/s"] / loop["pages/s"]
            cell += f"; a plain Markdown loop {loop['pages/s']:,.0f}: ×{ratio:.2f}"
        if "steps s" in row:
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in row["steps s"].items())
            cell = (
                f"{row['update s']:.1f} s in all ({steps}; Pagefind {row['pagefind s']:.1f} s "
                f"of the build, {row['bundles run']} bundles, {row['pages indexed']:,} pages); "
                f"{row['new papers']} new papers; " + cell
            )
        elif row.get("pagefind", 1):
            cell += f"; Pagefind {row['pagefind s']:.0f} s more"
        else:
            cell += "; no Pagefind"
        out[f"site build, {label}"] = cell + ")"
        if row.get("pagefind peak MB") and label == "full":
            out["Pagefind peak MB"] = (
                f"{row['pagefind peak MB']:,} a process, {row.get('pagefind at once', 1)} at once"
            )
    if "digest" in r:
        d = r["digest"]
        out["digest"] = f"{d['sent']:,} messages in {d['seconds']:.1f} s ({d['messages/s']:.0f}/s)"
    for kind, row in r.get("parse", {}).items():
        out[f"parse {kind} pages/s"] = f"{row['pages/s']:,.0f}"
    return out


def _goal(measure: str, size: str) -> str:
    key = "search" if measure.startswith("search ") else measure
    return GOALS.get(key, {}).get(size, "")


def markdown(r: dict) -> str:
    """One run as a table: measure | figure | goal."""
    label = r["size"] + (", quick" if r.get("quick") else "") + f", {r.get('engine', 'whoosh')}"
    lines = [f"Machine: {r.get('machine', 'not recorded')}, {r.get('date', '')}", ""]
    lines += [f"| measure ({label}) | figure | goal |"]
    lines.append("|---|---|---|")
    lines += [f"| {m} | {c} | {_goal(m, r['size'])} |" for m, c in cells(r).items()]
    return "\n".join(lines)


def side_by_side(runs: dict[str, dict]) -> str:
    """Every run in one table: measure | 36k | 36k tantivy | 200k | ... (goals by size)."""
    per = {size: cells(r) for size, r in runs.items()}
    measures = list(dict.fromkeys(m for c in per.values() for m in c))
    lines = [textwrap.fill(provenance(runs), width=100, break_on_hyphens=False), ""]
    lines += ["| measure | " + " | ".join(runs) + " |", "|---|" + "---|" * len(runs)]
    for m in measures:
        row = []
        for size in runs:
            goal, figure = _goal(m, runs[size]["size"]), per[size].get(m, "")
            row.append(figure + (f" (goal {goal})" if goal and figure else ""))
        lines.append(f"| {m} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def provenance(runs: dict[str, dict]) -> str:
    """The machine (or machines) the runs were on, and whether they are one run of `run.py
    --all` (the same "run" stamp in every JSON) or, column by column, when each was made."""
    machines = sorted({r.get("machine", "not recorded") for r in runs.values()})
    line = f"Machine: {'; '.join(machines)}."
    stamps = {r.get("run") for r in runs.values()}
    if len(stamps) == 1 and None not in stamps:
        codes = _and(sorted({r.get("code", "not recorded") for r in runs.values()}))
        one = f"One run of `python bench/run.py --all`, begun {stamps.pop()}"
        return f"{line} {one}, on the code of {codes}."
    made = []
    for label, r in runs.items():
        when = r.get("run") and f"the --all run of {r['run']}" or r.get("date", "an unknown day")
        again = r.get("rerun", {})
        if again:
            when += ", " + _and([f"{stage} again {at}" for stage, at in sorted(again.items())])
        made.append(f"{label}: {when}")
    return f"{line} Not one run: " + "; ".join(made) + "."


def load_runs(results: Path = RESULTS) -> dict[str, dict]:
    """Every stored run, by column label: "36k", "36k tantivy", ..., "1m tantivy, 300 MB cap".
    Each run's file name (relative to the repository) is kept under "_file"."""
    runs = {}
    for size in SIZES:
        for engine in ("", "-tantivy"):
            path = results / f"{size}{engine}.json"
            if not path.is_file():
                path = results / f"{size}-quick{engine}.json"
            found = [(size + engine.replace("-", " "), path)] if path.is_file() else []
            for capped in sorted(results.glob(f"{size}{engine}-cap*.json")):
                mb = capped.stem.rsplit("-cap", 1)[1]
                found.append((f"{size}{engine.replace('-', ' ')}, {mb} MB cap", capped))
            for label, file in found:
                name = file.relative_to(ROOT) if file.is_relative_to(ROOT) else file
                runs[label] = {**json.loads(file.read_text()), "_file": str(name)}
    return runs


# ---- the prose around the table: every figure in it read from the runs ----


def _ms(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def _span(values: list[float], fmt: Callable[[float], str] = _ms) -> str:
    """ "lo–hi" of the values as `fmt` writes them (one figure when they round alike)."""
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def _ratio(v: float) -> str:
    return f"{v:.1f}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _kind(row: str) -> str:
    return row.removeprefix("search ")


def _fts5(row: dict) -> float:
    """Ours / FTS5 at p50, as the table's cell rounds it."""
    return round(row["ours"]["p50"] / max(row["fts5"]["p50"], 1e-3), 1)


def _scan(row: dict) -> float:
    """Scan / ours at p50, as the table's cell rounds it."""
    return round(row["scan"]["p50"] / max(row["ours"]["p50"], 1e-3))


def _bullet(text: str, indent: int = 0) -> str:
    pad = " " * indent
    glued = {"≤ ": "≤\0", "≥ ": "≥\0"}  # a goal's sign stays on its figure's line
    for sign, glue in glued.items():
        text = text.replace(sign, glue)
    made = textwrap.fill(
        text,
        width=100,
        initial_indent=pad + "- ",
        subsequent_indent=pad + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    for sign, glue in glued.items():
        made = made.replace(glue, sign)
    return made


def _search_verdicts(s: dict, size: str) -> tuple[list[str], list[str]]:
    """Which search kinds' p50 and p99 are within the size's goal: (met, not met) phrases."""
    met, unmet = [], []
    for i, which in enumerate(("p50", "p99")):
        goal = SEARCH_GOAL[size][i]
        rows = [(_kind(k), s[k]["ours"][which]) for k in SEARCH if k in s]
        ok = [(k, v) for k, v in rows if v <= goal]
        bad = [(k, v) for k, v in rows if v > goal]
        if ok:
            who = "every search" if not bad else f"{_and([k for k, _ in ok])} search"
            met.append(f"{who} {which} ({_span([v for _, v in ok])} ms, ≤ {goal})")
        if bad:
            values = _and([_ms(v) for _, v in bad])
            unmet.append(f"{_and([k for k, _ in bad])} search {which} ({values} ms, ≤ {goal})")
    return met, unmet


def _verdicts(r: dict, size: str) -> tuple[list[str], list[str]]:
    """Every goal of one run at its size: (met, not met), each a phrase with its figure."""
    s = r.get("search", {})
    met, unmet = _search_verdicts(s, size) if s else ([], [])

    def judge(ok: bool, phrase: str) -> None:
        (met if ok else unmet).append(phrase)

    if "similar" in s:
        v = s["similar"]["ours"]["p50"]
        judge(v <= SIMILAR_GOAL[size], f"similar {_ms(v)} ms (≤ {SIMILAR_GOAL[size]})")
    index = r["index"]
    if size in INDEX_GOAL:
        goal = INDEX_GOAL[size]
        judge(index["docs/s"] >= goal, f"index build {index['docs/s']:,.0f} docs/s (≥ {goal:,})")
    if size in INDEX_MINUTES_GOAL:
        goal, minutes = INDEX_MINUTES_GOAL[size], index["seconds"] / 60
        judge(minutes <= goal, f"index build in {minutes:.0f} minutes (≤ {goal})")
    if "import" in r and size in IMPORT_GOAL:
        imp, goal = r["import"], IMPORT_GOAL[size]
        what = "import" if _import_kind(imp) == "import" else "re-import (none new)"
        judge(imp["papers/s"] >= goal, f"{what} {imp['papers/s']:,.0f} papers/s (≥ {goal:,})")
    if "server RSS MB" in s and size in RSS_GOAL:
        v, goal = s["server RSS MB"], RSS_GOAL[size]
        judge(v <= goal, f"server memory {v:.0f} MB (≤ {goal})")
    if "8 clients" in s:
        c = s["8 clients"]
        judge(
            c["errors"] == 0,
            f"8 clients searching for {c['seconds']:.0f} s with {c['errors']} errors "
            f"({c['req/s']:.0f} req/s)",
        )
    full = r.get("site", {}).get("full")
    if full and size in SITE_GOAL:
        goal = SITE_GOAL[size]
        judge(full["pages/s"] >= goal, f"full site build {full['pages/s']:,.0f} pages/s (≥ {goal})")
    return met, unmet


WHY_NOT = {  # said after a whoosh size's goals that are not met (no figures: those are above)
    "36k": "A full site build is not part of the daily run (one new day is, in its own row), and "
    "was not worked on with it.",
    "200k": "This is why the tantivy engine exists.",
    "1m": "A whoosh search in Python decodes posting lists of hundreds of thousands of entries "
    "per common word, and a broad query scores every match.",
}


def _whoosh(runs: dict[str, dict]) -> list[str]:
    out = [_bullet("**whoosh engine** (the default, pure Python):")]
    for size in SIZES:
        if size not in runs:
            continue
        met, unmet = _verdicts(runs[size], size)
        text = f"**{NAMES[size]}**: within the goals: {'; '.join(met)}."
        if unmet:
            text += f" Not within: {'; '.join(unmet)}. {WHY_NOT[size]}"
        out.append(_bullet(text, 2))
    whoosh = [runs[size]["search"] for size in SIZES if size in runs]
    tantivy = [runs[f"{size} tantivy"]["search"] for size in SIZES if f"{size} tantivy" in runs]

    def fts5(rows: list[str], of: list[dict]) -> str:
        return _span([_fts5(s[k]) for s in of for k in rows if k in s], _ratio)

    def scan(of: list[dict]) -> str:
        return _span([_scan(s[k]) for s in of for k in SEARCH if k in s and "scan" in s[k]], str)

    plain = ["search 1-term", "search 3-term", "search phrase"]
    out.append(
        _bullet(
            "Against FTS5 (ours / FTS5 at p50), whoosh's date-filtered searches take "
            f"{fts5(['search date-filtered'], whoosh)}x FTS5's time at 36k, 200k and 1M (our date "
            f"ranges are cached sets), fielded ones {fts5(['search fielded'], whoosh)}x, plain "
            f"words (1-term, 3-term, phrase) {fts5(plain, whoosh)}x. The linear scan is "
            f"{scan(whoosh)}x slower than whoosh, {scan(tantivy)}x slower than tantivy.",
            2,
        )
    )
    return out


def _tantivy(runs: dict[str, dict]) -> str:
    sizes = [size for size in SIZES if f"{size} tantivy" in runs]
    t = {size: runs[f"{size} tantivy"] for size in sizes}
    bad = [
        f"{_kind(k)} {which} at {NAMES[size]}"
        for size in sizes
        for k in SEARCH
        if k in t[size]["search"]
        for i, which in enumerate(("p50", "p99"))
        if t[size]["search"][k]["ours"][which] > SEARCH_GOAL[size][i]
    ]
    where = _and([NAMES[size] for size in sizes])
    text = '**tantivy engine** (optional, `index_engine = "tantivy"`): at ' + where
    text += (
        ", every search p50 and p99 is within the goal"
        if not bad
        else f", search is within the goals except {_and(bad)}"
    )
    big = sizes[-1]
    s = t[big]["search"]
    p50 = [s[k]["ours"]["p50"] for k in SEARCH if k in s]
    p99 = [s[k]["ours"]["p99"] for k in SEARCH if k in s]
    goal = SEARCH_GOAL[big]
    clients = [t[size]["search"]["8 clients"] for size in sizes]
    text += (
        f" (at {NAMES[big]}: {_span(p50)} ms p50, {_span(p99)} ms p99, against "
        f"{goal[0]} / {goal[1]}), similar papers take "
        f"{_span([t[size]['search']['similar']['ours']['p50'] for size in sizes])} ms "
        f"(≤ {', '.join(str(SIMILAR_GOAL[size]) for size in sizes)}{_similar_unmet(t)}), "
        "the index builds at "
        f"{_span([t[size]['index']['docs/s'] for size in sizes], lambda v: f'{v:,.0f}')} docs/s "
        f"({t[big]['papers']:,} papers in {t[big]['index']['seconds']:.0f} s{_alone(t)}), and 8 "
        "clients "
        f"searched for {_span([c['seconds'] for c in clients], lambda v: f'{v:.0f}')} s at "
        f"each size with {sum(c['errors'] for c in clients)} errors in all "
        f"({_and([format(c['req/s'], '.0f') for c in clients])} req/s)."
    )
    small = sizes[0]

    def against(size: str) -> tuple[str, list[str]]:
        ss = t[size]["search"]
        ratios = {_kind(k): _fts5(ss[k]) for k in SEARCH if k in ss and "fts5" in ss[k]}
        return _span(list(ratios.values()), _ratio), [k for k, v in ratios.items() if v < 1]

    span, faster = against(big)
    text += f" Against FTS5 (ours / FTS5 at p50) it is {span}x at {NAMES[big]}"
    text += f" (faster on {_and(faster)} searches)" if faster else ""
    text += f" and {against(small)[0]}x at {NAMES[small]}."
    if "server RSS private MB" in s:
        text += (
            f" Server memory at {NAMES[big]}: left alone on a machine with free memory, the "
            f"server is {s['server RSS MB']:.0f} MB resident, of which "
            f"{s['server RSS private MB']:.0f} MB is the process's own memory and "
            f"{s['server RSS file MB']:.0f} MB the index files tantivy maps into memory (clean "
            "page-cache pages the kernel keeps while nothing else wants the memory)."
        )
    capped = [label for label in runs if label.startswith(f"{big} tantivy, ")]
    if capped:
        c = runs[capped[0]]["search"]
        cap = c["memory cap MB"]
        worse = max(
            (k for k in SEARCH if k in c), key=lambda k: c[k]["ours"]["p50"] / s[k]["ours"]["p50"]
        )
        met, unmet = _verdicts(runs[capped[0]], big)
        holds = "every goal still holds" if not unmet else f"every goal holds but {_and(unmet)}"
        holds += ". Its figures" if unmet else ""
        cp50 = [c[k]["ours"]["p50"] for k in SEARCH if k in c]
        cp99 = [c[k]["ours"]["p99"] for k in SEARCH if k in c]
        text += (
            f" Held to {cap} MB in all (`python bench/run.py --size {big} --engine tantivy "
            f"--only search --memory-cap {cap}`: a memory cgroup that counts those pages too), "
            f"it is {c['server RSS MB']:.0f} MB resident ({c['server RSS private MB']:.0f} own, "
            f"{c['server RSS file MB']:.0f} mapped; the cgroup's peak {c['cgroup peak MB']:.0f} "
            f"MB) and {holds}: search p50 {_span(cp50)} ms, p99 {_span(cp99)} ms "
            f"(≤ {goal[0]} / {goal[1]}), similar {_ms(c['similar']['ours']['p50'])} ms "
            f"(≤ {SIMILAR_GOAL[big]}), 8 clients for {c['8 clients']['seconds']:.0f} s with "
            f"{c['8 clients']['errors']} errors ({c['8 clients']['req/s']:.0f} req/s instead of "
            f"{s['8 clients']['req/s']:.0f}: index pages are read again from disk). "
            f"{_kind(worse).capitalize()} searches pay the most "
            f"({_ms(c[worse]['ours']['p50'])} / {_ms(c[worse]['ours']['p99'])} ms instead of "
            f"{_ms(s[worse]['ours']['p50'])} / {_ms(s[worse]['ours']['p99'])})"
            + (", as they read the positions file." if worse == "search phrase" else ".")
        )
        if c["cgroup peak MB"] <= cap and cap <= RSS_GOAL.get(big, cap):
            papers = f"{t[big]['papers']:,}"
            text += f" So the memory goal is met: {cap} MB is enough for {papers} papers"
            text += " (not every other goal holds then, as above)." if unmet else "."
    if not any("import" in r for r in t.values()):
        text += (
            " The tantivy runs did not run the import stage: its figures do not depend on the "
            "engine (the store is the same)."
        )
    return _bullet(text)


def _alone(t: dict[str, dict]) -> str:
    """ "; the index alone ..." when the runs timed the engine's own part of the rebuild."""
    if not all("index docs/s" in r["index"] for r in t.values()):
        return ""
    rates = _span([r["index"]["index docs/s"] for r in t.values()], lambda v: f"{v:,.0f}")
    return f", with the similarity file both engines write; the index alone {rates} docs/s"


def _similar_unmet(t: dict[str, dict]) -> str:
    """ "; not within at SIZE" for the tantivy sizes whose similar p50 misses its goal."""
    over = [
        NAMES[k] for k, r in t.items() if r["search"]["similar"]["ours"]["p50"] > SIMILAR_GOAL[k]
    ]
    return f"; not within at {_and(over)}" if over else ""


def _site(runs: dict[str, dict]) -> str:
    """The site build at the largest size that ran it."""
    sized = [size for size in SIZES if "site" in runs.get(size, {})]
    if not sized:
        return ""
    size = sized[-1]
    site = runs[size]["site"]
    full, same = site["full"], site["no change"]
    day = next((row for label, row in site.items() if label.startswith("one new day")), None)
    command = f"python bench/run.py --size {size}"
    command += " --only site" if "site" in runs[size].get("rerun", {}) else ""
    text = (
        f"Site build at {NAMES[size]} (`{command}`): {full['pages']:,} pages in "
        f"{full['seconds']:.0f} s ({full['pages/s']:,.0f} pages/s), then Pagefind in "
        f"{full['pagefind s']:.0f} s (every bundle of paper pages, at most "
        f"{full.get('pagefind at once', 1)} processes at once: see [the daily run]"
        f"(#the-daily-run)). A rebuild with no change takes {same['seconds']:.1f} s"
    )
    if day and "bundles run" in day:
        text += (
            f"; one new day in a new process writes its pages in {day['seconds']:.1f} s and runs "
            f"Pagefind on the {day['bundles run']} bundles whose text changed "
            f"({day['pagefind s']:.0f} s, {day['pages indexed']:,} pages; "
            f"{day['written']:,} files written)"
        )
    text += (
        ". If Pagefind is killed anyway, the build keeps the pages, says so, and the search page "
        "falls back to its titles-and-authors index."
    )
    for bigger in SIZES[SIZES.index(size) + 1 :]:
        if bigger in runs and "site" not in runs[bigger]:
            hours = full["total s"] / full["pages"] * runs[bigger]["papers"] / 3600
            text += (
                f" At {NAMES[bigger]} (the stage runs there only with `--site`) the site build "
                f"was not run: at the {NAMES[size]} rate, Pagefind included, it would take about "
                f"{hours:.1f} hours."
            )
    text += (
        " It barely uses the index (topic pages and feeds only), so its figures do not depend on "
        "the engine."
    )
    return _bullet(text)


def _notes(runs: dict[str, dict]) -> list[str]:
    """What a cell does not say by itself: which rows have a peer, re-imports, figures measured
    by hand, copied ones."""
    out = [
        _bullet(
            "A peer measured in the same run stands beside the index build (the other engine; "
            "a tantivy column's build is the peer of the whoosh column's), "
            "every search (FTS5 and the linear scan) and the full site build (the plain Markdown "
            "loop). The other rows have none the bench runs: lookup, similar, trending and health "
            "are requests to the same server as the searches, in the same minutes, so read them "
            "against the search rows' FTS5 ratios; the import, parse and digest rates, the "
            "server's memory and Pagefind's peak are read against the machine line."
        )
    ]
    again = [label for label, r in runs.items() if _import_kind(r.get("import", {})) != "import"]
    again = [label for label in again if "import" in runs[label]]
    if again:
        imp = runs[again[0]]["import"]
        out.append(
            _bullet(
                f"`import papers/s` at {_and([NAMES.get(k, k) for k in again])} times a re-import "
                f"of the 36k bulk sets ({imp['papers read']:,} papers read) into a store that "
                f"already holds them, {'none' if not imp['papers new'] else imp['papers new']} "
                "new: the rate of merging "
                "papers the store has, not of filling a store of that size. `bench/run.py` "
                'records which it was as the import\'s `"kind"`'
                + (
                    "."
                    if all("kind" in runs[label]["import"] for label in again)
                    else '; runs older than that field say it by `"store papers before"`.'
                )
            )
        )
    for label, r in runs.items():
        index = r.get("index", {})
        if "MB by hand" in index and "MB" not in index:
            out.append(
                _bullet(
                    f"The {label} index size ({index['MB by hand']:.0f} MB) was not measured by "
                    f'the run: it is `"MB by hand"` in `{r["_file"]}`, {index["MB note"]}.'
                )
            )
        if "memory cap MB" in r.get("search", {}):
            again = sorted(r.get("rerun", {}))
            ran = f"the {_and(again)} stage again" if again else "the search stage"
            out.append(
                _bullet(
                    f"The `{label}` column ran only {ran}; its index build is the uncapped "
                    "column's."
                )
            )
    return out


def stages_block(runs: dict[str, dict]) -> str:
    """docs/performance.md's generated part: the table, its notes, the goals and where they
    stand."""
    parts = [side_by_side(runs), "", "What a cell does not say:", "", *_notes(runs), ""]
    parts += ["Goals (over HTTP, this 2-core machine) and where they stand:", ""]
    parts += [_tantivy(runs), *_whoosh(runs)]
    site = _site(runs)
    parts += [site] if site else []
    return "\n".join(parts)


def _day(size: str, field: str, fmt: str) -> Callable[[dict], str]:
    """A figure of one size's one new day (performance.md's daily run table); a field of its
    `paperboy update` steps is named "steps s/STEP"."""

    def figure(runs: dict[str, dict]) -> str:
        site = runs[size]["site"]
        row = next(row for label, row in site.items() if label.startswith("one new day"))
        for key in field.split("/"):
            row = row[key]
        return format(row, fmt)

    return figure


DAY_FIGURES = {
    "total": ("total s", ".1f"),
    "scrape": ("steps s/scrape", ".1f"),
    "index": ("steps s/index", ".1f"),
    "build": ("steps s/build", ".1f"),
    "pages": ("seconds", ".2f"),
    "pagefind": ("pagefind s", ".1f"),
    "bundles": ("bundles run", ""),
    "indexed": ("pages indexed", ","),
    "written": ("written", ","),
    "peak": ("pagefind peak MB", ","),
}


def site_block(runs: dict[str, dict]) -> str:
    """docs/site.md's figures: the 36k run's three builds, and its goals."""
    site = runs["36k"]["site"]
    lines = ["| build | pages | files written | pages s | pages/s | Pagefind s |"]
    lines.append("|---|--:|--:|--:|--:|--:|")
    names = {"full": "full build", "no change": "rebuild, no change"}
    for label, row in site.items():
        if label == "markdown loop":
            continue
        name = names.get(label, label.replace("one new day", "one new day (20 papers)"))
        rate = f"{row['pages/s']:,.0f}" if label == "full" else ""
        lines.append(
            f"| {name} | {row['pages']:,} | {row['written']:,} | {row['seconds']:.2f} | {rate} | "
            f"{row['pagefind s']:.1f} |"
        )
    full = site["full"]
    day = next(row for label, row in site.items() if label.startswith("one new day"))
    met = [full["pages/s"] >= SITE_GOAL["36k"], day["seconds"] <= 1]
    verdict = {2: "both met", 1: "one met", 0: "neither met"}[sum(met)]
    goals = (
        f"Goals: a full build at {SITE_GOAL['36k']} pages/s or more on one core, and an "
        f"incremental build after one new day within 1 s: {verdict} ({full['pages/s']:,.0f} "
        f"pages/s; {day['seconds']:.2f} s)."
    )
    return "\n".join([*lines, "", textwrap.fill(goals, width=100, break_on_hyphens=False)])


def _health_row(runs: dict[str, dict]) -> str:
    if any("health" in r.get("search", {}) for r in runs.values()):
        return "the `health` row of the table below"
    return "a `health` row, which the results in the table below predate"


SPANS: dict[str, Callable[[dict[str, dict]], str]] = {
    "stages": stages_block,
    "site-36k": site_block,
    "rss-36k": lambda runs: f"{runs['36k']['search']['server RSS MB']:.0f} MB",
    "stages-date": lambda runs: ", ".join(sorted({r["date"] for r in runs.values()})),
    "health-row": _health_row,
    **{
        f"day-{size}-{name}": _day(size, field, fmt)
        for size in ("36k", "200k")
        for name, (field, fmt) in DAY_FIGURES.items()
    },
}
SPAN = re.compile(r"<!-- bench:(?P<name>[\w-]+) -->(?P<body>.*?)<!-- /bench:(?P=name) -->", re.S)
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def render(text: str, runs: dict[str, dict]) -> str:
    """TEXT with every generated span made again from RUNS (a block keeps its own lines)."""

    def again(match: re.Match) -> str:
        name = match["name"]
        if name not in SPANS:
            raise KeyError(f"no generated figure named {name!r} in bench/table.py")
        made = SPANS[name](runs)
        if "\n" in match["body"] or "\n" in made:
            made = f"\n{made}\n"
        return f"<!-- bench:{name} -->{made}<!-- /bench:{name} -->"

    return SPAN.sub(again, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="rewrite the docs' generated parts")
    group.add_argument("--check", action="store_true", help="exit 1 if the docs differ")
    args = parser.parse_args()
    runs = load_runs()
    if not runs:
        raise SystemExit(f"no results in {RESULTS}: run bench/run.py first")
    if not (args.write or args.check):
        print(side_by_side(runs))
        return
    stale = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        made = render(text, runs)
        if made != text:
            stale.append(path.relative_to(ROOT))
            if args.write:
                path.write_text(made, encoding="utf-8")
    verb = "rewrote" if args.write else "differ from bench/results (python bench/table.py --write)"
    for path in stale:
        print(f"{verb}: {path}", file=sys.stderr)
    if args.check and stale:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
