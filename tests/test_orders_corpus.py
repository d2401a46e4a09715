"""Issue 18 on the real Hugging Face bulk corpus: week 2024-W31 is the same list, in the same
order (most upvoted first), under the same heading that says so, on the built site's week page,
in `/api/trending?period=week` of a real `paperboy serve`, and in `paperboy trending`.

Only July and August 2024 are imported (45 files, a few seconds); the upvotes the lists must
follow are read straight from the saved JSON, not from Paperboy.
"""

from __future__ import annotations

import json
import re
import urllib.request

from helpers import run, serving

BULK = "bulk/hf-daily-papers-api_2404589803"
WEEK, SUNDAY = "2024-W31", "2024-08-04"
WEEK_DAYS = [f"2024-07-{d}" for d in (29, 30, 31)] + ["2024-08-01", "2024-08-02"]
MELTEMI, LLAMA3, SAM2 = "2407.20743", "2407.21783", "2408.00714"
TOP = 20  # the site's week page, the API's and the CLI's default


def saved_upvotes(bulk) -> dict[str, int]:
    """The most upvotes each paper had on a saved day of the week (the oracle)."""
    best: dict[str, int] = {}
    for day in WEEK_DAYS:
        for item in json.loads((bulk / f"{day}.json").read_text(encoding="utf-8")):
            pid, votes = item["paper"]["id"], item["paper"]["upvotes"]
            best[pid] = max(best.get(pid, 0), votes)
    return best


def site_list(html: str) -> tuple[str, list[str], list[int]]:
    """The heading over the week page's ranked list, the paper ids it links and the upvotes it
    shows, in order."""
    found = re.search(r"<h2[^>]*>([^<]*upvoted[^<]*)</h2>(.*)", html, re.S)
    assert found, "no heading that says 'upvoted' on the week page"
    heading, rest = found.groups()
    items = re.findall(r"<li>(.*?)</li>", re.search(r"<ol>(.*?)</ol>", rest, re.S)[1], re.S)
    ids = [re.search(r'href="\.\./paper/([^"]+)\.html"', li)[1] for li in items]
    return heading, ids, [int(re.search(r"(\d+) upvotes", li)[1]) for li in items]


def test_week_w31_agrees_everywhere_and_is_most_upvoted_first(corpus, tmp_path):
    bulk, data = corpus / BULK, tmp_path / "data"
    files = sorted(str(p) for p in bulk.glob("2024-0[78]-*.json"))
    assert len(files) == 45
    assert run(data, "import", "-q", *files).returncode == 0
    built = run(data, "build", "--no-pagefind", "-q", "--out", str(tmp_path / "site"))
    assert built.returncode == 0, built.stderr[-2000:]
    page = tmp_path / "site" / "week" / f"{WEEK}.html"
    heading, site_ids, site_votes = site_list(page.read_text(encoding="utf-8"))

    with serving(data) as base:
        url = f"{base}/api/trending?period=week&date={SUNDAY}"
        with urllib.request.urlopen(url, timeout=30) as response:
            answer = json.loads(response.read())["data"]
    api_ids = [p["id"] for p in answer["papers"]]

    cli = run(data, "trending", "--period", "week", "--date", SUNDAY)
    assert cli.returncode == 0, cli.stderr
    first, *rows = cli.stdout.splitlines()
    cli_ids = [re.match(r"\s*\d+\.\s+(\S+)", r)[1] for r in rows if re.match(r"\s*\d+\.", r)]

    # one heading, and it names the order
    assert heading == answer["heading"] == first == "Most upvoted papers of week 31 of 2024"
    assert answer["order"] == "upvotes"
    assert (answer["from"], answer["to"]) == ("2024-07-29", SUNDAY)
    # the same papers in the same order on all three
    assert site_ids == api_ids == cli_ids and len(api_ids) == TOP
    # ... and that order is by upvotes, as saved: Meltemi (50), Llama 3 (49), SAM 2 (35)
    votes = saved_upvotes(bulk)
    assert api_ids[:3] == [MELTEMI, LLAMA3, SAM2]
    assert [p["period_upvotes"] for p in answer["papers"]] == [votes[i] for i in api_ids]
    assert site_votes == [votes[i] for i in api_ids]
    assert [votes[i] for i in api_ids] == sorted(votes.values(), reverse=True)[:TOP]
