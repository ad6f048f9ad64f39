"""Measuring "find more" (review.fewshot) against known boxes, in memory (no database).

A set of walls, each with the boxes of the target category (which no detector knows) and of the
other categories (standing in for a detector that knows them; they are candidates too, of
source "detector"). Candidates are the walls' dense windows, planned as the indexer plans them
(indexer.dense.plan_windows, default sides), plus those other boxes. n examples of the target
are marked on the first walls; the rest of its boxes are the ground truth. Both rankers are
fitted (the probe against random windows of the example walls), the product's selection runs
(skip overlaps with the examples, one candidate per spot; with and without the refinement of the
best candidates' boxes) and we report precision@20 and recall@100: a candidate is a hit when its
IoU with a ground-truth box not found by a better candidate is at least HIT_IOU.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from indexer.boxes import iou
from indexer.dense import DenseConfig, plan_windows
from indexer.pipeline import is_blank

from . import fewshot

HIT_IOU = 0.3  # dense windows are squares on a half-window grid: IoU 0.5 is often out of reach
Box = tuple[int, int, int, int]


@dataclass
class Wall:
    pixels: np.ndarray  # H x W x 3 uint8
    targets: list[Box]  # boxes of the category being learned
    others: list[Box] = field(default_factory=list)  # boxes of known categories


def crop(pixels: np.ndarray, box: Box, margin: float = 0.0) -> np.ndarray:
    x, y, w, h = box
    mx, my = round(w * margin), round(h * margin)
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(pixels.shape[1], x + w + mx), min(pixels.shape[0], y + h + my)
    return np.ascontiguousarray(pixels[y0:y1, x0:x1])


@dataclass
class Candidates:
    walls: np.ndarray  # wall index of each candidate
    boxes: list[Box]
    sources: list[str]
    vectors: np.ndarray


def embed_all(embedder, crops: list[np.ndarray], batch: int = 64) -> np.ndarray:
    parts = [embedder.embed_images(crops[i : i + batch]) for i in range(0, len(crops), batch)]
    return np.concatenate(parts).astype(np.float32)


def candidates_of(walls: Sequence[Wall], embedder, report: Callable | None = None) -> Candidates:
    """Every wall's dense windows (blank ones left out, as the indexer does) and known boxes,
    embedded as the indexer embeds them (windows without margin, elements with 10%)."""
    config = DenseConfig()
    wall_ids, boxes, sources, crops = [], [], [], []
    for n, wall in enumerate(walls):
        height, width = wall.pixels.shape[:2]
        for window in plan_windows(width, height, config.window_sides).windows:
            box = (window.x, window.y, window.w, window.h)
            pixels = crop(wall.pixels, box)
            if is_blank(pixels, config.blank_std):
                continue
            wall_ids.append(n), boxes.append(box), sources.append("dense"), crops.append(pixels)
        for box in wall.others:
            wall_ids.append(n), boxes.append(box), sources.append("detector")
            crops.append(crop(wall.pixels, box, 0.1))
    vectors = []
    for start in range(0, len(crops), 256):
        vectors.append(embed_all(embedder, crops[start : start + 256]))
        if report:
            report(min(start + 256, len(crops)), len(crops))
    return Candidates(np.array(wall_ids), boxes, sources, np.concatenate(vectors))


def wall_embedder(walls: Sequence[Wall], embedder) -> fewshot.Embed:
    """The refinement's embed(wall index, boxes): crops with the indexer's 10% margin, each box
    embedded once however many runs ask for it."""
    cache: dict[tuple[int, Box], np.ndarray] = {}

    def embed(wall: int, boxes: list[Box]) -> np.ndarray:
        missing = list(dict.fromkeys(b for b in boxes if (wall, b) not in cache))
        if missing:
            vectors = embed_all(embedder, [crop(walls[wall].pixels, b, 0.1) for b in missing])
            cache.update(zip(((wall, b) for b in missing), vectors, strict=True))
        return np.stack([cache[(wall, b)] for b in boxes])

    return embed


def pick_examples(walls: Sequence[Wall], n: int) -> list[tuple[int, Box]]:
    """The first n target boxes, wall by wall: (wall index, box)."""
    picked = [(i, box) for i, wall in enumerate(walls) for box in wall.targets]
    if len(picked) <= n:
        raise ValueError(f"only {len(picked)} target boxes: need more than {n} examples")
    return picked[:n]


def score_run(
    walls: Sequence[Wall],
    candidates: Candidates,
    examples: list[tuple[int, Box]],
    example_vectors: np.ndarray,
    method: str,
    seed: int,
    embed: fewshot.Embed | None = None,
) -> dict:
    """One run; with `embed`, the best candidates' boxes are refined as the product does."""
    rng = np.random.default_rng(seed)
    pool = np.arange(len(candidates.boxes))  # random windows and known other-class boxes
    negatives = candidates.vectors[rng.choice(pool, min(len(pool), fewshot.NEGATIVES), False)]
    direction = fewshot.fit_direction(example_vectors, negatives, method)
    order, scores = fewshot.rank_matrix(direction, candidates.vectors)
    ranked = [
        fewshot.Candidate(
            int(candidates.walls[i]), candidates.boxes[i], float(s), candidates.sources[i]
        )
        for i, s in zip(order, scores, strict=True)
    ]
    existing: dict[int, list[Box]] = {}
    for wall, box in examples:
        existing.setdefault(wall, []).append(box)
    if embed is None:
        chosen = fewshot.select(ranked, 100, existing)
    else:
        aspect = fewshot.example_aspect([box for _, box in examples])
        bounds = {n: (w.pixels.shape[1], w.pixels.shape[0]) for n, w in enumerate(walls)}
        chosen = fewshot.select_refined(ranked, 100, existing, aspect, direction, bounds, embed)
    truth = [
        (i, box) for i, wall in enumerate(walls) for box in wall.targets if (i, box) not in examples
    ]

    found: set[int] = set()

    def hit(candidate) -> int | None:
        """The first unfound truth box the candidate matches (a second find of a box is a
        false positive, as in detection AP)."""
        for n, (wall, box) in enumerate(truth):
            if (
                n not in found
                and wall == candidate.mural_id
                and iou(candidate.bbox, box) >= HIT_IOU
            ):
                found.add(n)
                return n
        return None

    hits = [hit(c) for c in chosen]
    top20 = hits[:20]
    return {
        "method": direction.method,
        "refined": embed is not None,
        "precision_at_20": round(sum(h is not None for h in top20) / max(1, len(top20)), 3),
        "recall_at_100": round(len({h for h in hits if h is not None}) / max(1, len(truth)), 3),
        "ground_truth": len(truth),
    }


def evaluate(
    walls: Sequence[Wall], embedder, shots: Sequence[int] = (5, 10), seed: int = 0, report=None
) -> dict:
    """{"candidates", "hit_iou", "runs": [{examples, method, refined, precision_at_20,
    recall_at_100}]}."""
    candidates = candidates_of(walls, embedder, report)
    embed = wall_embedder(walls, embedder)
    runs = []
    for n in shots:
        examples = pick_examples(walls, n)
        crops = [crop(walls[i].pixels, box, 0.1) for i, box in examples]
        vectors = embed_all(embedder, crops)
        for method in fewshot.METHODS:
            for refine in (embed, None):
                row = score_run(walls, candidates, examples, vectors, method, seed, refine)
                runs.append({"examples": n, **row})
    return {"candidates": len(candidates.boxes), "hit_iou": HIT_IOU, "runs": runs}
