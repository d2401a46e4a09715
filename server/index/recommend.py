"""Papers picked for you: a linear classifier over the tf-idf vectors of title and abstract
(the similarity file's), trained on the reader's saved papers against a background of other
papers, as arxiv-sanity-lite trains an SVM on a user's tagged papers; it ranks the candidates
(recent papers) by its score. Each pick names its reasons: the words that weigh most in its
score, and the saved paper it is closest to.

The classifier is an L2-regularised logistic regression fitted by plain gradient descent on
sparse vectors (the saved papers weigh as much in total as the background); no library beyond
Python's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import mul
from pathlib import Path

from server import budget
from server.index import similar
from server.models import Paper

BACKGROUND = 1_000  # other papers the saved ones are told apart from
EPOCHS = 30
RATE = 0.5
L2 = 0.1
SEED = 19
REASON_TERMS = 3
PRIOR = 20.0  # the centroid's scale as starting weights


@dataclass
class Pick:
    """A recommended paper, its score, and why: shared words and the closest saved paper."""

    id: str
    score: float
    terms: list[str] = field(default_factory=list)
    near: str | None = None
    near_similarity: float = 0.0


def _dot(w: dict[int, float], x: dict[int, float]) -> float:
    return sum(v * w.get(t, 0.0) for t, v in x.items())


def centroid(vectors: list[dict[int, float]]) -> dict[int, float]:
    """The mean of these vectors."""
    centre: dict[int, float] = {}
    for v in vectors:
        for t, x in v.items():
            centre[t] = centre.get(t, 0.0) + x / len(vectors)
    return centre


def train(positives: list[dict[int, float]], negatives: list[dict[int, float]]) -> dict[int, float]:
    """Weights (and a bias under key -1) of a logistic regression telling positives from
    negatives, the two classes weighing the same in the loss. The weights start from the
    positives' centroid (scaled by PRIOR) and L2 pulls them back towards it, not towards zero:
    with five saved papers the classifier only moves off the centroid where the background
    says a word is common to every topic.

    The terms are numbered and the weights kept in a list, each paper's terms and values in two
    lists: a dot product is one sum over two maps in C, not a dict lookup a term (the same
    products added in the same order as a dict's, so the same weights; a reader's picks at 36k
    papers 1.0 s instead of 1.9)."""
    data = [(x, 1.0, 0.5 / len(positives)) for x in positives]
    data += [(x, 0.0, 0.5 / len(negatives)) for x in negatives]
    prior = {t: PRIOR * v for t, v in centroid(positives).items()}
    terms = list(dict.fromkeys(t for x, _, _ in data for t in x))
    number = {t: i for i, t in enumerate(terms)}
    rows = [([number[t] for t in x], list(x.values()), y, weight) for x, y, weight in data]
    start = [prior.get(t, 0.0) for t in terms]
    w, bias = list(start), 0.0
    for _ in range(EPOCHS):
        budget.check()
        grad = [0.0] * len(terms)
        pull = 0.0
        for ids, values, y, weight in rows:
            z = sum(map(mul, values, map(w.__getitem__, ids))) + bias
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * weight
            pull += g
            for i, v in zip(ids, values, strict=True):
                grad[i] += g * v
        w = [now - RATE * (d + L2 * (now - p0)) for now, d, p0 in zip(w, grad, start, strict=True)]
        bias -= RATE * pull
    return {**dict(zip(terms, w, strict=True)), -1: bias}


def recommend(
    path: Path, saved: list[Paper], candidates: list[Paper], limit: int = 10
) -> list[Pick]:
    """The candidates most like the saved papers, best first, each with its reasons."""
    if not saved or not candidates:
        return []
    mine = similar.vectors(path, saved)
    theirs = similar.vectors(path, candidates)
    skip = set(mine) | set(theirs)
    background = list(similar.sample(path, BACKGROUND, SEED, skip).values())
    if not background:
        background = [{}]
    w = train(list(mine.values()), background)
    scored = sorted(
        ((_dot(w, x) + w[-1], pid) for pid, x in theirs.items() if pid not in mine),
        key=lambda sp: (-sp[0], sp[1]),
    )
    picks = []
    for score, pid in scored[:limit]:
        x = theirs[pid]
        weighed = sorted((t for t in x if w.get(t, 0.0) > 0), key=lambda t: -w[t] * x[t])
        near, best = None, 0.0
        for sid, v in mine.items():
            cos = _dot(v, x)
            if cos > best:
                near, best = sid, cos
        terms = similar.term_names(path, weighed[:12])[:REASON_TERMS]
        picks.append(Pick(pid, round(score, 4), terms, near, round(best, 4)))
    return picks


def cosine_rank(path: Path, saved: list[Paper], candidates: list[Paper]) -> list[str]:
    """The plain peer: candidates by the cosine of their vector to the saved papers' mean."""
    centre = centroid(list(similar.vectors(path, saved).values()))
    theirs = similar.vectors(path, candidates)
    return [pid for _, pid in sorted((-_dot(centre, x), pid) for pid, x in theirs.items())]
