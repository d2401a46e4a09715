"""Read the Hugging Face Hub's repository lists (/api/models, /api/datasets, /api/spaces JSON)
into the artifacts that cite a paper.

Each answer is a JSON list of repositories: `id` ("owner/name"; models may also carry the older
`modelId`), `likes`, `downloads` (models and datasets), `private`, `tags` and more that Paperboy
does not keep. A broken item is skipped as a problem and the rest still count; an answer that is
no list (the Hub's `{"error": ...}`, or not JSON) is a ParseError. Pure, and bounded like every
parser: JSON is read through budget.load_json and at most MAX_ARTIFACTS items are kept.
"""

from __future__ import annotations

import re

from server.models import ARTIFACT_KINDS, Artifact, Problem
from server.sources import budget
from server.sources.common import clean, to_int
from server.sources.errors import ParseError

KIND = "hf-hub"
MAX_ARTIFACTS = 50  # per kind and paper: what Paperboy asks for (limit=50, the most liked first)
# "owner/name" or an owner-less old model; the Hub allows letters, digits, - _ . in each part.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][\w.-]{0,95}/)?[A-Za-z0-9][\w.-]{0,95}$", re.ASCII)


def read(text: str, url: str, kind: str) -> tuple[list[Artifact], list[Problem]]:
    """The public repositories of one Hub answer, most liked first as the Hub sent them."""
    if kind not in ARTIFACT_KINDS:
        raise ValueError(f"unknown artifact kind {kind!r} (known: {', '.join(ARTIFACT_KINDS)})")
    items = _items(text, url)
    found: list[Artifact] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        budget.check()
        if len(found) == MAX_ARTIFACTS:
            problems.append(Problem(f"item {number}", f"over {MAX_ARTIFACTS} {kind}s: not kept"))
            break
        artifact = _artifact(item, kind, f"item {number}", problems)
        if artifact and artifact.repo_id not in seen:
            seen.add(artifact.repo_id)
            found.append(artifact)
    return found, problems


def _items(text: str, url: str) -> list:
    try:
        data = budget.load_json(text)
    except (ValueError, RecursionError) as err:
        raise ParseError(f"{url}: not Hugging Face Hub JSON: {err}") from None
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "error" in data:
        raise ParseError(f"{url}: the Hub answered with an error: {clean(data['error'])[:200]}")
    raise ParseError(f"{url}: not a Hugging Face Hub list: expected a JSON list of repositories")


def _artifact(item: object, kind: str, where: str, problems: list[Problem]) -> Artifact | None:
    """One repository, or None (with a problem) when it is not a public one with a usable id."""
    if not isinstance(item, dict):
        problems.append(Problem(where, "not a JSON object"))
        return None
    repo_id = item.get("id") if isinstance(item.get("id"), str) else item.get("modelId")
    if not isinstance(repo_id, str) or not _REPO_ID.match(repo_id) or ".." in repo_id:
        problems.append(Problem(where, f"no usable repository id ({clean(repo_id)[:100]!r})"))
        return None
    if item.get("private") is True or item.get("disabled") is True:
        problems.append(Problem(where, f"{repo_id} is private or disabled: not kept"))
        return None
    downloads = None if kind == "space" else _count(item.get("downloads"))
    return Artifact(kind, repo_id, _count(item.get("likes")), downloads)


def _count(value: object) -> int | None:
    """A like or download count: a non-negative int, else None."""
    number = to_int(value)
    return number if number is not None and number >= 0 else None
