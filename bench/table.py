"""The Markdown tables of bench/run.py's figures: one size, or every size side by side.

    python bench/table.py   (reads bench/results/{36k,200k,1m}[-tantivy][-capMB].json, prints
                             one table)

Each search cell reads "p50 / p99 ms", then the FTS5 ratio (ours / FTS5 at p50: how many times
slower we are) and the linear scan's ratio (scan / ours: how many times faster we are).
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = ("36k", "200k", "1m")
ROWS = ["search 1-term", "search 3-term", "search phrase", "search fielded"]
ROWS += ["search date-filtered", "lookup", "similar", "trending (week)", "health"]
GOALS = {
    "search": {"36k": "≤ 10 / 60", "200k": "≤ 25 / 150", "1m": "≤ 50 / 250"},
    "similar": {"36k": "≤ 10", "200k": "≤ 20", "1m": "≤ 30"},
    "health": {"36k": "≤ 5", "200k": "≤ 5", "1m": "≤ 5"},
    "index build docs/s": {"36k": "≥ 1,000", "200k": "≥ 1,000", "1m": "≤ 30 min"},
    "import papers/s": {"36k": "≥ 2,000", "200k": "≥ 2,000"},
    "server RSS MB": {"1m": "≤ 300"},
    "site build, full": {"36k": "≥ 500 pages/s"},
    "site build, one new day, paperboy update": {"36k": "≤ 10 s", "200k": "≤ 60 s"},
    "Pagefind peak MB": {"36k": "< 1,000"},
    "8 clients searching": {"1m": "0 errors"},
}


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
        out["import papers/s"] = f"{r['import']['papers/s']:,.0f}"
    out["index build docs/s"] = (
        f"{r['index']['docs/s']:,.0f} ({r['index']['seconds']:.0f} s, {r['index']['MB']:.0f} MB)"
    )
    if "peer" in r["index"]:
        peer = r["index"]["peer"]
        out["index build docs/s"] += (
            f"; {peer['engine']} in the same run {peer['docs/s']:,.0f} "
            f"(ours ×{r['index']['docs/s'] / peer['docs/s']:.2f})"
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
    machines = sorted({f"{r.get('machine', 'not recorded')}" for r in runs.values()})
    lines = [f"Machine: {'; '.join(machines)}", ""]
    lines += ["| measure | " + " | ".join(runs) + " |", "|---|" + "---|" * len(runs)]
    for m in measures:
        row = []
        for size in runs:
            goal, figure = _goal(m, runs[size]["size"]), per[size].get(m, "")
            row.append(figure + (f" (goal {goal})" if goal and figure else ""))
        lines.append(f"| {m} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> None:
    runs = {}
    for size in SIZES:
        for engine in ("", "-tantivy"):
            path = RESULTS / f"{size}{engine}.json"
            if not path.is_file():
                path = RESULTS / f"{size}-quick{engine}.json"
            if path.is_file():
                runs[size + engine.replace("-", " ")] = json.loads(path.read_text())
            for capped in sorted(RESULTS.glob(f"{size}{engine}-cap*.json")):
                mb = capped.stem.rsplit("-cap", 1)[1]
                runs[f"{size}{engine.replace('-', ' ')}, {mb} MB cap"] = json.loads(
                    capped.read_text()
                )
    if not runs:
        raise SystemExit(f"no results in {RESULTS}: run bench/run.py first")
    print(side_by_side(runs))


if __name__ == "__main__":
    main()
