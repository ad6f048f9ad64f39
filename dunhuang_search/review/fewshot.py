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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from indexer.boxes import iou

METHODS = ("probe", "mean")
DEFAULT_METHOD = "mean"
SKIP_IOU = 0.3  # a candidate at least this much over an element of the category is skipped
NMS_IOU = 0.3  # of two overlapping candidates on a mural, only the better one is proposed
NEGATIVES = 2_000  # random background windows the probe learns against


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

    def as_dict(self) -> dict:
        return {
            "mural_id": self.mural_id,
            "bbox": list(self.bbox),
            "score": round(float(self.score), 4),
            "source": self.source,
            "element_id": self.element_id,
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
