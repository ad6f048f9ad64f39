"""New categories from a few examples: rank every detector element and dense window by how like
the marked examples it is, and put the best into the review queue as proposals.

Two rankers, both a linear function of the (unit) embedding, so both are one max-inner-product
search of the FAISS index (the query is the direction):
  * "mean": cosine similarity to the examples' mean vector;
  * "probe": a logistic regression (scikit-learn) of the examples against random dense windows
    (the background), scored by its probability.
evaluate_fewshot measures both; DEFAULT_METHOD is the better one there (docs/decisions.md).
Candidates overlapping an existing element of the category (IoU >= SKIP_IOU) are skipped, and
overlapping candidates (dense windows come at several scales) are reduced to the best one.

Dense windows are squares on a half-window grid, so the best window over a figure is often
half background. `refine` re-boxes the best candidates: the largest box of the examples' median
aspect inside each candidate, at 3 x 3 positions across it, embedded with the indexer's margin
and scored by the same ranker; each candidate takes its best box. The size comes from the
candidate, not from the examples, whose sizes need not be those of the figures still to find.
Ranking and localisation both improve (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from indexer.boxes import iou

METHODS = ("probe", "mean")
DEFAULT_METHOD = "probe"
SKIP_IOU = 0.3  # a candidate at least this much over an element of the category is skipped
NMS_IOU = 0.3  # of two overlapping candidates on a mural, only the better one is proposed
NEGATIVES = 2_000  # random background windows the probe learns against
REFINE_SHIFTS = (-0.25, 0.0, 0.25)  # refined boxes' centres, in the candidate's width / height
REFINE_POOL = 2  # candidates refined per result wanted ...
REFINE_MAX = 200  # ... and at most this many (the rest follow unrefined)
Box = tuple[int, int, int, int]

@dataclass(frozen=True)
class Direction:
    """A linear ranker: score(x) = squash(vector · x + bias)."""

    method: str
    vector: np.ndarray
    bias: float = 0.0

    def score(self, dot: np.ndarray | float) -> np.ndarray:
        raw = np.asarray(dot, dtype=np.float64) + self.bias
        if self.method == "probe":
            return 1.0 / (1.0 + np.exp(-raw))
        return raw


def unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def fit_direction(examples: np.ndarray, negatives: np.ndarray, method: str) -> Direction:
    """The ranker of `method` for these example vectors (and background vectors, for the
    probe). Needs at least one example; the probe needs negatives too."""
    examples = unit(np.atleast_2d(examples))
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if method == "mean" or len(negatives) == 0:
        mean = unit(examples.mean(axis=0))
        return Direction("mean", mean.astype(np.float32))
    negatives = unit(np.atleast_2d(negatives))
    data = np.concatenate([examples, negatives])
    labels = np.concatenate([np.ones(len(examples)), np.zeros(len(negatives))])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    model.fit(data, labels)
    return Direction("probe", model.coef_[0].astype(np.float32), float(model.intercept_[0]))


@dataclass
class Candidate:
    mural_id: int
    bbox: tuple[int, int, int, int]
    score: float
    source: str
    element_id: int | None = None
    refined: bool = False

    def as_dict(self) -> dict:
        return {
            "mural_id": self.mural_id,
            "bbox": list(self.bbox),
            "score": round(float(self.score), 4),
            "source": self.source,
            "element_id": self.element_id,
            "refined": self.refined,
        }


def select(
    ranked: list[Candidate],
    k: int,
    existing: dict[int, list[tuple[int, int, int, int]]],
    nms_iou: float = NMS_IOU,
    skip_iou: float = SKIP_IOU,
) -> list[Candidate]:
    """The best k of `ranked` (best first) that overlap no existing element of the category
    (`existing`: mural id -> boxes) and no better candidate kept before them."""
    kept: list[Candidate] = []
    taken: dict[int, list[tuple[int, int, int, int]]] = {}
    for candidate in ranked:
        boxes = existing.get(candidate.mural_id, [])
        if any(iou(candidate.bbox, box) >= skip_iou for box in boxes):
            continue
        mine = taken.setdefault(candidate.mural_id, [])
        if any(iou(candidate.bbox, box) >= nms_iou for box in mine):
            continue
        kept.append(candidate)
        mine.append(candidate.bbox)
        if len(kept) >= k:
            break
    return kept


def rank_matrix(direction: Direction, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, scores) of rows of `vectors` by the direction, best first (in memory)."""
    scores = direction.score(unit(vectors) @ direction.vector)
    order = np.argsort(-scores, kind="stable")
    return order, scores[order]


def example_aspect(boxes: Sequence[Sequence[int]]) -> float:
    """The median width / height of the examples' boxes [x, y, w, h]."""
    return float(np.median([box[2] / box[3] for box in boxes]))


def refinement_boxes(box: Box, aspect: float, bounds: tuple[int, int]) -> list[Box]:
    """The largest box of `aspect` (width / height) inside `box`, centred at REFINE_SHIFTS x
    REFINE_SHIFTS points across it and moved inside a mural of `bounds` (width, height)."""
    x, y, w, h = box
    width, height = bounds
    bw, bh = (h * aspect, h) if w > h * aspect else (w, w / aspect)
    bw, bh = max(1, min(round(bw), width)), max(1, min(round(bh), height))
    boxes = []
    for dy in REFINE_SHIFTS:
        for dx in REFINE_SHIFTS:
            left = round(x + w / 2 + dx * w - bw / 2)
            top = round(y + h / 2 + dy * h - bh / 2)
            left, top = min(max(0, left), width - bw), min(max(0, top), height - bh)
            if (left, top, bw, bh) not in boxes:
                boxes.append((left, top, bw, bh))
    return boxes


Embed = Callable[[int, list[Box]], "np.ndarray | None"]


def refine(
    candidates: Sequence[Candidate],
    aspect: float,
    direction: Direction,
    bounds: dict[int, tuple[int, int]],
    embed: Embed,
) -> list[Candidate]:
    """Each candidate re-boxed at its best-scoring refinement box, best first. `embed(mural_id,
    boxes)` gives the boxes' vectors (with the indexer's margin), or None where that mural's
    pixels cannot be read: its candidates stay as they were, after the refined ones."""
    by_mural: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        by_mural.setdefault(candidate.mural_id, []).append(candidate)
    refined, kept = [], []
    for mural_id, group in by_mural.items():
        options = [refinement_boxes(c.bbox, aspect, bounds[mural_id]) for c in group]
        flat = [box for boxes in options for box in boxes]
        vectors = embed(mural_id, flat) if flat else None
        if vectors is None:
            kept.extend(group)
            continue
        scores = direction.score(unit(vectors) @ direction.vector)
        start = 0
        for candidate, boxes in zip(group, options, strict=True):
            best = start + int(np.argmax(scores[start : start + len(boxes)]))
            start += len(boxes)
            refined.append(
                Candidate(
                    mural_id, flat[best], float(scores[best]), candidate.source,
                    candidate.element_id, refined=True,
                )  # fmt: skip
            )
    refined.sort(key=lambda c: -c.score)
    return refined + kept


def select_refined(
    ranked: list[Candidate],
    k: int,
    existing: dict[int, list[Box]],
    aspect: float,
    direction: Direction,
    bounds: dict[int, tuple[int, int]],
    embed: Embed,
) -> list[Candidate]:
    """`select`, with the best min(REFINE_POOL * k, REFINE_MAX) candidates refined first and
    the rest following as they are."""
    pool = select(ranked, min(REFINE_POOL * k, REFINE_MAX), existing)
    position = {id(c): n for n, c in enumerate(ranked)}
    last = max((position[id(c)] for c in pool), default=-1)
    return select(refine(pool, aspect, direction, bounds, embed) + ranked[last + 1 :], k, existing)
