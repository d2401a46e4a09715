"""Item strings in Python-repr form are read without eval, exactly as literal_eval read them."""

from __future__ import annotations

import ast
import json
import time

import pytest

from server.models import Problem
from server.sources import hf_api, pyrepr

CAP = hf_api.MAX_ITEM_CHARS


def repr_items(corpus) -> list[str]:
    """Every item string of the bulk dumps (the 22 files a downloader saved as repr strings)."""
    found = []
    for path in sorted((corpus / "bulk").glob("hf-daily-papers-api_2404589803/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data["data"] if isinstance(data, dict) else data
        found += [i for i in items if isinstance(i, str)]
    return found


def test_every_real_repr_item_reads_as_literal_eval_reads_it(corpus):
    items = repr_items(corpus)
    assert len(items) == 300
    assert max(map(len, items)) == 22_564 < CAP
    for raw in items:
        assert json.loads(pyrepr.to_json(raw)) == ast.literal_eval(raw)


@pytest.mark.parametrize(
    "value",
    [
        {"a": "it's", "b": 'say "hi"', "c": "both ' and \"", "d": "back\\slash\n\ttab"},
        {"u": "Wübben — 数据 \U0001f600", "ctl": "\x00\x1b\x7f\x9b", "esc": "\\x41 \\u0041"},
        {"n": [0, -1, 2.5, 1e-05, -3.25e20, 10**30], "t": [True, False, None], "e": {}},
        {"nested": [[{"x": [[]]}]], "empty": "", "quote": "'"},
    ],
)
def test_repr_round_trips_through_json(value):
    assert json.loads(pyrepr.to_json(repr(value))) == value


@pytest.mark.parametrize(
    "text",
    [
        "{'a': __import__('os')}",
        "{'a': (1, 2)}",
        "{'a': 1",
        "{'a': b'bytes'}",
        "{'a': '\\N{NO SUCH NAME}'}",
        "{'a': " + "9" * 5000 + "}",
    ],
)
def test_what_is_not_json_like_data_is_refused(text):
    with pytest.raises(ValueError):
        json.loads(pyrepr.to_json(text))


def test_an_item_over_the_cap_is_skipped_and_named_and_the_rest_is_kept():
    good = {"paper": {"id": "2412.00001", "title": "Good", "authors": []}}
    bomb = "{'paper': {'id': '2412.00002', 'title': 't'}, 'x': [" + "1," * CAP + "]}"
    small = repr({"paper": {"id": "2412.00003", "title": "Small repr", "authors": []}})
    started = time.monotonic()
    listing = hf_api.parse(json.dumps([good, bomb, small]))
    assert time.monotonic() - started < 5  # the capped item is not read at all
    assert [p.id for p in listing.papers] == ["2412.00001", "2412.00003"]
    reason = f"item string of {len(bomb)} characters is over the cap of {CAP}"
    assert listing.problems == [Problem("item 2", reason)]


def test_an_item_just_under_the_cap_is_read_in_linear_memory():
    filler = "1," * ((CAP - 100) // 2)
    raw = "{'paper': {'id': '2412.00004', 'title': 'Long'}, 'x': [" + filler + "]}"
    assert len(raw) <= CAP
    listing = hf_api.parse(json.dumps([raw]))
    assert [p.id for p in listing.papers] == ["2412.00004"] and listing.problems == []


def test_trailing_commas_read_as_python_reads_them():
    text = "{'a': [1, 2,], 'b': {'x': 1,},}"
    assert json.loads(pyrepr.to_json(text)) == ast.literal_eval(text)
