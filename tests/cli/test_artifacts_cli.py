"""`paperboy enrich` asks the Hub (a replay server) for the artifacts of the papers on the lists;
`paperboy show` and the API's paper detail then carry them, escaped where they are shown."""

from __future__ import annotations

import json

from helpers import run
from replay import Replay

from server.api import create_app
from server.models import Appearance, Listing, Paper
from server.store import Store, today

PAPER = "2408.90001"
QUERY = f"?filter=arxiv:{PAPER}&sort=likes&direction=-1&limit=50"
MODELS = [
    {
        "_id": "66a1f2c3d4e5f60718293a4b",
        "id": "example-lab/Reasoner-7B",
        "likes": 1412,
        "private": False,
        "downloads": 98231,
        "tags": ["transformers", f"arxiv:{PAPER}"],
        "modelId": "example-lab/Reasoner-7B",
    }
]
SPACES = [{"_id": "66a1f2c3d4e5f60718293a60", "id": "lab/demo", "likes": 8, "sdk": "gradio"}]
LOCAL = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {"Host": "127.0.0.1:8765"}}


def test_enrich_fetches_artifacts_and_show_and_the_api_carry_them(tmp_path):
    data = tmp_path / "data"
    paper = Paper(PAPER, "A reasoner", "An abstract.", ["A. B"], categories=["cs.CL"])
    with Store(data / "papers.sqlite3") as store:
        day = today().isoformat()
        store.ingest(
            Listing("test", papers=[paper], appearances=[Appearance(PAPER, "hf-daily", day)])
        )
    with Replay() as hub:
        hub.add("/api/models" + QUERY, json.dumps(MODELS), "application/json")
        hub.add("/api/spaces" + QUERY, json.dumps(SPACES), "application/json")
        settings = {"hf_url": hub.url, "delay_hf": "0", "contact": "t@example.org"}
        done = run(data, "enrich", **settings)
        again = run(data, "enrich", **settings)
    assert done.returncode == 0, done.stderr
    assert "1 papers' Hub artifacts are due: asking the Hugging Face Hub" in done.stdout
    assert f"hub {PAPER}: new: 1 models, 0 datasets, 1 spaces" in done.stdout
    assert "Hub artifacts of 1 papers refreshed, 1 changed" in done.stdout
    assert again.returncode == 1 and "no paper's Hugging Face Hub artifacts are due" in again.stdout

    shown = run(data, "show", PAPER, "--similar", "0")
    assert shown.returncode == 0, shown.stderr
    section = shown.stdout.split("On the Hugging Face Hub\n")[1]
    assert shown.stdout.index("Hugging Face Hub") < shown.stdout.index("An abstract.")
    assert "model    example-lab/Reasoner-7B  (1,412 likes, 98,231 downloads)" in section
    assert "https://huggingface.co/example-lab/Reasoner-7B" in section
    assert "space    lab/demo  (8 likes)" in section
    assert "https://huggingface.co/spaces/lab/demo" in section

    client = create_app({"data": str(data)}).test_client()
    answer = client.get(f"/api/papers/{PAPER}", **LOCAL)
    assert answer.status_code == 200, answer.json
    artifacts = answer.json["data"]["artifacts"]
    assert artifacts["models"] == [
        {
            "id": "example-lab/Reasoner-7B",
            "likes": 1412,
            "downloads": 98231,
            "url": "https://huggingface.co/example-lab/Reasoner-7B",
        }
    ]
    assert artifacts["datasets"] == []
    assert artifacts["spaces"] == [
        {
            "id": "lab/demo",
            "likes": 8,
            "downloads": None,
            "url": "https://huggingface.co/spaces/lab/demo",
        }
    ]
    assert artifacts["fetched_at"].startswith(today().isoformat())


def test_a_paper_never_asked_about_shows_no_hub_section(tmp_path):
    data = tmp_path / "data"
    with Store(data / "papers.sqlite3") as store:
        store.ingest(Listing("test", papers=[Paper(PAPER, "A reasoner", "An abstract.")]))
    shown = run(data, "show", PAPER, "--similar", "0")
    assert shown.returncode == 0 and "Hugging Face Hub" not in shown.stdout
    client = create_app({"data": str(data)}).test_client()
    artifacts = client.get(f"/api/papers/{PAPER}", **LOCAL).json["data"]["artifacts"]
    assert artifacts == {"models": [], "datasets": [], "spaces": [], "fetched_at": None}
