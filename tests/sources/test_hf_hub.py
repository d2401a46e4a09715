"""The Hub's repository lists read into artifacts: answers written here in the shapes the Hub
sends (/api/models, /api/datasets, /api/spaces), broken items skipped, errors named, bounded."""

from __future__ import annotations

import json

import pytest

from server import sources
from server.models import Artifact
from server.sources import hf_hub

URL = "https://huggingface.co/api/models?filter=arxiv:2408.90001&sort=likes&direction=-1&limit=50"

# What the Hub lists for a paper's tag: one object per repository, most liked first.
MODELS = [
    {
        "_id": "66a1f2c3d4e5f60718293a4b",
        "id": "example-lab/Reasoner-7B",
        "likes": 412,
        "trendingScore": 17,
        "private": False,
        "downloads": 98231,
        "tags": ["transformers", "safetensors", "text-generation", "arxiv:2408.90001"],
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "createdAt": "2024-08-02T09:14:11.000Z",
        "modelId": "example-lab/Reasoner-7B",
    },
    {
        "_id": "66a1f2c3d4e5f60718293a4c",
        "id": "someone/Reasoner-7B-GGUF",
        "likes": 3,
        "private": False,
        "downloads": 540,
        "tags": ["gguf", "arxiv:2408.90001"],
        "createdAt": "2024-08-03T10:00:00.000Z",
        "modelId": "someone/Reasoner-7B-GGUF",
    },
]
DATASETS = [
    {
        "_id": "66a1f2c3d4e5f60718293a50",
        "id": "example-lab/reasoning-traces",
        "author": "example-lab",
        "sha": "0f4c2b9d8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c",
        "lastModified": "2024-08-02T12:00:00.000Z",
        "private": False,
        "gated": False,
        "disabled": False,
        "downloads": 1207,
        "likes": 25,
        "tags": ["task_categories:text-generation", "arxiv:2408.90001"],
        "createdAt": "2024-08-01T08:00:00.000Z",
    }
]
SPACES = [
    {
        "_id": "66a1f2c3d4e5f60718293a60",
        "id": "example-lab/reasoner-demo",
        "likes": 88,
        "trendingScore": 2,
        "private": False,
        "sdk": "gradio",
        "tags": ["gradio", "region:us", "arxiv:2408.90001"],
        "createdAt": "2024-08-02T15:30:00.000Z",
    }
]


def read(items: object, kind: str = "model"):
    return sources.artifacts(json.dumps(items), URL, kind)


def test_each_kind_in_the_hubs_shape():
    assert read(MODELS) == (
        [
            Artifact("model", "example-lab/Reasoner-7B", 412, 98231),
            Artifact("model", "someone/Reasoner-7B-GGUF", 3, 540),
        ],
        [],
    )
    assert read(DATASETS, "dataset")[0] == [
        Artifact("dataset", "example-lab/reasoning-traces", 25, 1207)
    ]
    space = read(SPACES, "space")[0]
    assert space == [Artifact("space", "example-lab/reasoner-demo", 88, None)]
    assert space[0].url == "https://huggingface.co/spaces/example-lab/reasoner-demo"
    assert read(DATASETS, "dataset")[0][0].url.endswith("/datasets/example-lab/reasoning-traces")
    assert read(MODELS)[0][0].url == "https://huggingface.co/example-lab/Reasoner-7B"


def test_an_empty_list_is_no_artifacts():
    assert read([]) == ([], [])


def test_broken_items_are_skipped_and_the_rest_kept():
    items = [
        "not an object",
        {"likes": 5},  # no id
        {"id": "../../etc/passwd", "likes": 1},
        {"id": "owner/na\x1b[2Jme", "likes": 1},
        {"id": "owner/secret", "private": True, "likes": 9},
        {"modelId": "bert-base-uncased", "likes": "12", "downloads": -4},  # the older field
        {"id": "example-lab/Reasoner-7B", "likes": True, "downloads": "many"},
        {"id": "example-lab/Reasoner-7B", "likes": 1},  # listed twice: kept once
    ]
    found, problems = read(items)
    assert found == [
        Artifact("model", "bert-base-uncased", 12, None),
        Artifact("model", "example-lab/Reasoner-7B", None, None),
    ]
    assert [p.item for p in problems] == [f"item {n}" for n in range(1, 6)]
    assert "not a JSON object" in problems[0].reason
    assert "\x1b" not in problems[3].reason and "private" in problems[4].reason


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("{not json", "not Hugging Face Hub JSON"),
        ('{"error": "Invalid filter\\u001b[2J"}', "the Hub answered with an error: Invalid filter"),
        ('{"models": []}', "expected a JSON list of repositories"),
    ],
)
def test_an_answer_that_is_no_list_is_a_clear_error_naming_the_url(body, says):
    with pytest.raises(sources.ParseError) as caught:
        sources.artifacts(body, URL, "model")
    assert str(caught.value).startswith(URL) and says in str(caught.value)
    assert "\x1b" not in str(caught.value)


def test_at_most_50_are_kept():
    items = [{"id": f"owner/model-{n}", "likes": 1000 - n} for n in range(5000)]
    found, problems = read(items)
    assert len(found) == hf_hub.MAX_ARTIFACTS == 50 and found[0].repo_id == "owner/model-0"
    assert len(problems) == 1 and "over 50 models" in problems[0].reason


def test_a_huge_answer_stops_within_the_memory_budget():
    items = [{"id": f"owner/model-{n}", "likes": n, "tags": ["x"] * 50} for n in range(40_000)]
    with pytest.raises(sources.BudgetExceeded) as caught:
        sources.artifacts(json.dumps(items), URL, "model", memory_mb=16)
    assert URL in str(caught.value) and "16 MB" in str(caught.value)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown artifact kind 'paper'"):
        read([], "paper")
