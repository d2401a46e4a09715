"""Searching what Hugging Face knows (issue 20): `org:`, `has:`, `stars:` and `keyword:`, on
each engine, over a real store and a real index."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.index import make_index
from server.models import Listing, Paper
from server.store import Store

PAPERS = [
    Paper(
        "2605.18739",
        "LongLive-2.0: Long Video Generation",
        "We present an NVFP4 infrastructure for long video generation.",
        ["Yukang Chen"],
        code_url="https://github.com/NVlabs/LongLive",
        project_url="https://nvlabs.github.io/LongLive/",
        github_stars=1221,
        org="nvidia",
        org_name="NVIDIA",
        hf_summary="LongLive-2.0 presents an NVFP4-based infrastructure.",
        hf_keywords=["NVFP4", "sequence-parallel training", "video generation"],
    ),
    Paper(
        "2606.00002",
        "Small Robots",
        "Robots that fold.",
        ["Ada Moreau"],
        code_url="https://github.com/example/robots",
        github_stars=150,
        org="meta-ai",
        org_name="Meta AI",
        hf_keywords=["origami robots"],
    ),
    Paper(
        "2606.00003",
        "A Theory Paper",
        "No code here, only proofs about video.",
        ["Kenji Ito"],
        project_url="https://example.org/theory",
    ),
]


@pytest.fixture
def idx(tmp_path: Path, engine: str):
    with Store(tmp_path / "papers.sqlite3") as store:
        store.ingest(Listing("text", papers=PAPERS))
        index = make_index(tmp_path / "index", engine=engine)
        index.rebuild(store)
        yield index
        index.close()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("org:nvidia", ["2605.18739"]),
        ("org:NVIDIA video", ["2605.18739"]),
        ("organisation:meta", ["2606.00002"]),  # a word of the name
        ("org:meta-ai", ["2606.00002"]),  # the id
        ("has:code", ["2605.18739", "2606.00002"]),
        ("has:project", ["2605.18739", "2606.00003"]),
        ("has:summary", ["2605.18739"]),
        ("video NOT has:code", ["2606.00003"]),
        ("stars:>1000", ["2605.18739"]),
        ("stars:>100", ["2605.18739", "2606.00002"]),
        ("stars:<200", ["2606.00002"]),  # a paper without code has no stars, not zero
        ("stars:[100 TO 200]", ["2606.00002"]),
        ("keyword:nvfp4", ["2605.18739"]),
        ('keywords:"origami robots"', ["2606.00002"]),
        ('keyword:"training video"', []),  # a phrase never spans two keywords
        ("has:code stars:>100 org:meta", ["2606.00002"]),
    ],
)
def test_signal_fields(idx, q, expected):
    assert sorted(h.id for h in idx.search(q).hits) == expected
