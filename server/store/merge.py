"""How a newly read paper or appearance combines with what the store already holds (pure rules)."""

from __future__ import annotations

from dataclasses import fields, replace

from server.models import Appearance, Paper

_LIST_FIELDS = ("authors", "categories")


def _newer(new: Paper, old: Paper) -> bool:
    return new.version is not None and (old.version is None or new.version > old.version)


def _take(name: str, new_value: object, old_value: object, newer: bool) -> bool:
    """Whether the incoming value replaces the stored one. Never with an empty value."""
    if new_value in (None, "", []) or new_value == old_value:
        return False
    if old_value in (None, "", []) or newer:
        return True
    if name in _LIST_FIELDS:
        return len(new_value) > len(old_value)  # a fuller author list wins (cards vs JSON)
    if name == "updated":
        return str(new_value) > str(old_value)
    return False


def merge_paper(old: Paper, new: Paper) -> Paper:
    """The stored paper updated by a newly read one: fill gaps; a newer version's fields win."""
    newer = _newer(new, old)
    changes = {}
    for f in fields(Paper):
        if f.name in ("id", "github_stars"):  # the stars follow the newest reading (the store)
            continue
        new_value, old_value = getattr(new, f.name), getattr(old, f.name)
        if f.name == "version":
            if newer:
                changes["version"] = new_value
        elif f.name == "published":
            if not old_value and new_value:
                changes["published"] = new_value  # the v1 date never changes once known
        elif _take(f.name, new_value, old_value, newer):
            changes[f.name] = new_value
    return replace(old, **changes) if changes else old


def merge_appearance(old: Appearance, new: Appearance) -> Appearance:
    """The stored appearance updated by a new reading: upvotes only grow, other gaps get filled."""
    changes = {}
    if new.upvotes is not None and (old.upvotes is None or new.upvotes > old.upvotes):
        changes["upvotes"] = new.upvotes
    if new.comments is not None and (old.comments is None or new.comments > old.comments):
        changes["comments"] = new.comments
    for name in ("rank", "submitter", "section"):
        value = getattr(new, name)
        if value not in (None, "") and value != getattr(old, name):
            changes[name] = value
    return replace(old, **changes) if changes else old
