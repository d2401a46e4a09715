"""A paper's Hugging Face signals and its downloaded thumbnail through a real `paperboy serve`:
`stars` (count and readings), organisation and AI summary in the paper's JSON, `thumbnail_local`
only when the data folder holds the image, and GET /api/papers/<id>/thumbnail answering it (404,
in the API's envelope, when there is none)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from helpers import DEMO, run, serving, tiny_png

from server.archive import thumbnail_target


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_signals_and_the_local_thumbnail(tmp_path):
    items = json.loads((DEMO / "hf-api-2024-08-05.json").read_text())
    items[0]["paper"].update(githubStars=42, organization={"name": "nv", "fullname": "NVIDIA"})
    items[0]["paper"]["ai_summary"] = "A summary <b>by</b> Hugging Face."
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "hf-api-2024-08-05.json").write_text(json.dumps(items))
    data = tmp_path / "data"
    assert run(data, "import", str(pages)).returncode == 0
    first, second = items[0]["paper"]["id"], items[1]["paper"]["id"]
    png = tiny_png()
    target = thumbnail_target(data, first, "png")
    target.parent.mkdir(parents=True)
    target.write_bytes(png)
    with serving(data, site_dir=str(data / "no-site")) as base:
        _, _, body = get(f"{base}/api/papers/{first}")
        paper = json.loads(body)["data"]
        status, headers, image = get(base + paper["thumbnail_local"])
        _, _, other = get(f"{base}/api/papers/{second}")
        missing, _, refusal = get(f"{base}/api/papers/{second}/thumbnail")
        unknown, _, nobody = get(f"{base}/api/papers/2499.00001/thumbnail")
    assert paper["stars"] == {"count": 42, "readings": [["2024-08-05", 42]]}
    assert (
        paper["org_name"] == "NVIDIA" and paper["hf_summary"] == "A summary <b>by</b> Hugging Face."
    )
    assert paper["thumbnail_local"] == f"/api/papers/{first}/thumbnail"
    assert status == 200 and image == png and headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(other)["data"]["thumbnail_local"] is None
    assert json.loads(other)["data"]["stars"] is None
    assert missing == 404 and "no thumbnail of" in json.loads(refusal)["error"]["message"]
    assert unknown == 404 and json.loads(nobody)["ok"] is False
