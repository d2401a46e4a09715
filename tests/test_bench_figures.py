"""The docs' figures of bench/run.py's stages come from bench/results/*.json, not from hand edits.

bench/table.py renders the generated parts of the docs (between `<!-- bench:NAME -->` and
`<!-- /bench:NAME -->`) from the JSON; these tests render them again and compare with the files,
so a figure edited by hand in the docs, or a JSON run again without `python bench/table.py
--write`, fails here.
"""

from __future__ import annotations

import copy
import re

import pytest
from conftest import ROOT
from helpers import bench_module

table = bench_module("table")
PERFORMANCE = ROOT / "docs" / "performance.md"
STAGES = "## Every stage at 36k, 200k and 1M papers"


@pytest.fixture(scope="module")
def runs() -> dict[str, dict]:
    return table.load_runs()


@pytest.mark.parametrize("path", table.DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_generated_figures_match_the_json(path, runs):
    text = path.read_text(encoding="utf-8")
    assert table.render(text, runs) == text, (
        f"{path.relative_to(ROOT)} differs from bench/results/*.json: "
        "run `python bench/table.py --write` (and do not edit the generated parts by hand)"
    )


def test_the_stages_section_is_generated():
    text = PERFORMANCE.read_text(encoding="utf-8")
    section = text.split(STAGES, 1)[1].split("\n## ", 1)[0]
    assert section.count("<!-- bench:stages -->") == 1
    assert section.count("<!-- /bench:stages -->") == 1
    docs = "\n".join(path.read_text(encoding="utf-8") for path in table.DOCS)
    used = re.findall(r"<!-- bench:([\w-]+) -->", docs)
    assert set(used) == set(table.SPANS)  # every figure table.py makes is in the docs, and no other


def _outside_spans(text: str) -> str:
    return table.SPAN.sub("", text)


# a measured figure: a number with the unit of a stage's measure (settings such as the 300 MB
# cgroup or 60 s of load are not measures, and are allowed by name)
FIGURE = re.compile(
    r"(?<![\w.,])\d[\d,.]*(?:[–-]\d[\d,.]*)? ?"
    r"(?:ms|MB|GB|req/s|docs/s|papers/s|pages/s|x|×|minutes|hours)\b"
)
SETTINGS = {"300 MB"}


def test_no_figure_of_the_stages_outside_the_generated_parts():
    text = PERFORMANCE.read_text(encoding="utf-8")
    section = _outside_spans(text.split(STAGES, 1)[1].split("\n## ", 1)[0])
    found = [f for f in FIGURE.findall(section) if f not in SETTINGS]
    assert not found, f"figures written by hand in {STAGES!r}: {found}"
    readme = _outside_spans((ROOT / "README.md").read_text(encoding="utf-8"))
    assert not FIGURE.findall(readme), "README quotes figures: generate them with bench/table.py"


def test_the_figures_follow_the_json(runs):
    """A figure changed in the JSON changes in the rendered docs: none is copied by hand."""
    text = PERFORMANCE.read_text(encoding="utf-8")
    changed = copy.deepcopy(runs)
    changed["36k"]["search"]["server RSS MB"] = 4321.0
    changed["36k tantivy"]["search"]["search fielded"]["ours"]["p50"] = 99.0
    made = table.render(text, changed)
    assert "4321 MB" in made and "4321 MB" not in text
    # the tantivy prose's range against FTS5 at 36k is read from the same JSON
    ratio = table._fts5(changed["36k tantivy"]["search"]["search fielded"])
    assert f"–{ratio:.1f}x at 36k" in made


def test_the_re_import_and_the_hand_measured_index_size_are_labelled(runs):
    cells = {label: table.cells(r) for label, r in runs.items()}
    for label in ("200k", "1m"):
        cell = cells[label]["import papers/s"]
        assert re.match(r"re-import of [\d,]+ papers, none new: [\d,]+ papers/s$", cell), cell
    assert "papers" not in cells["36k"]["import papers/s"]
    # a run whose own index size was wrong (it counted an older build too) keeps only the size
    # measured by hand, and says so; a run that measured the live build says nothing of hands
    for label, r in runs.items():
        cell = cells[label].get("index build docs/s", "")
        if "MB by hand" in r.get("index", {}):
            assert "measured by hand" in cell, (label, cell)
            assert "MB" not in r["index"], label  # the run's own figure was dropped, not kept
        else:
            assert "by hand" not in cell, (label, cell)
    assert "by hand" not in cells["36k"]["index build docs/s"]


def test_the_known_disagreements_are_gone():
    text = PERFORMANCE.read_text(encoding="utf-8")
    assert "0.2-9x" not in text and "0.2–9x" not in text
    assert "153 MB" not in text.split(STAGES, 1)[1]


def test_the_table_says_whether_it_is_one_run(runs):
    """Every column stamped by the same `run.py --all` run reads as one run; a column of another
    run (or of none) is named with its day, and so is a stage run again."""
    same = copy.deepcopy(runs)
    for r in same.values():
        r.update(run="2026-12-04 09:31", code="abc1234", machine="Test CPU, 2 cores")
        r.pop("rerun", None)
    line = table.provenance(same)
    assert line == (
        "Machine: Test CPU, 2 cores. One run of `python bench/run.py --all`, begun "
        "2026-12-04 09:31, on the code of abc1234."
    )
    assert table.side_by_side(same).startswith(line[:60])
    mixed = copy.deepcopy(same)
    first, last = list(mixed)[0], list(mixed)[-1]
    mixed[first].update(run="2026-11-26 10:00", machine="Other CPU, 4 cores")
    del mixed[last]["run"]
    mixed[last].update(date="2026-11-25", rerun={"search": "2026-11-26 13:06"})
    line = table.provenance(mixed)
    assert line.startswith("Machine: Other CPU, 4 cores; Test CPU, 2 cores. Not one run: ")
    assert f"{first}: the --all run of 2026-11-26 10:00;" in line
    assert f"{last}: 2026-11-25, search again 2026-11-26 13:06." in line
