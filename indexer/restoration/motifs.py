"""search-guided against pconv on damaged thousand-buddha motifs of synthetic murals: the
candidates are the mural's other thousand-buddhas of about the same size (by the generator's
labels, standing in for the FAISS search the Django side runs), ranked by their kept pixels.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import cv2
import numpy as np

from .masks import simulated_mask
from .metrics import mean_scores, score

MOTIF_SEED = 4242  # benchmark murals; tuning used VALIDATION_MOTIF_SEED, never these
VALIDATION_MOTIF_SEED = 5151
MURAL_SIZE = (2048, 1536)
Log = Callable[[str], None]


def thousand_buddha_murals(seed: int, count: int, min_instances: int = 12):
    """(spec, image) of the first `count` murals from `seed` with enough thousand-buddhas."""
    from ..synthetic import image_seed, plan_mural, render_mural

    found, index = [], 0
    while len(found) < count and index < 50 * count:
        spec = plan_mural(*MURAL_SIZE, image_seed(seed, index))
        index += 1
        boxes = [i for i in spec.instances if i.category == "thousand-buddha" and not i.truncated]
        if len(boxes) >= min_instances:
            found.append((spec, render_mural(spec), boxes))
    return found


def _crop(image: np.ndarray, box, margin: int) -> np.ndarray:
    h, w = image.shape[:2]
    x0, y0 = max(0, box.x - margin), max(0, box.y - margin)
    x1, y1 = min(w, box.x + box.w + margin), min(h, box.y + box.h + margin)
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def _same_size(a, b, tolerance: float = 0.12) -> bool:
    return abs(a.w - b.w) <= tolerance * a.w and abs(a.h - b.h) <= tolerance * a.h


def rank_candidates(damaged: np.ndarray, valid: np.ndarray, crops: list[np.ndarray], k: int):
    """The k crops closest to the damaged one on its kept pixels (each resized to it)."""
    h, w = damaged.shape[:2]
    distances = []
    for crop in crops:
        resized = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
        diff = (resized - damaged.astype(np.float32))[valid]
        distances.append(float(np.mean(diff * diff)) if diff.size else float("inf"))
    order = np.argsort(distances)[:k]
    return [crops[i] for i in order]


def motif_cases(seed: int, murals: int, per_mural: int, k: int, kind: str, level: str):
    """(damaged crop, its mask, candidates) for `per_mural` thousand-buddhas of each mural."""
    cases = []
    for m, (_, image, boxes) in enumerate(thousand_buddha_murals(seed, murals)):
        rng = np.random.default_rng([seed, m])
        for t in rng.permutation(len(boxes))[:per_mural]:
            target = boxes[int(t)]
            others = [b for i, b in enumerate(boxes) if i != t and _same_size(target, b)]
            if len(others) < 2:
                continue
            crop = _crop(image, target, 4)
            lost = simulated_mask(kind, level, int(rng.integers(0, 2**31 - 1)))
            lost = cv2.resize(lost, (crop.shape[1], crop.shape[0]),
                              interpolation=cv2.INTER_NEAREST)
            if not lost.any():
                continue
            pool = [_crop(image, b, 4) for b in others]
            candidates = rank_candidates(crop, lost == 0, pool, k)
            cases.append((crop, lost, candidates))
    return cases


def motif_benchmark(
    seed: int = MOTIF_SEED,
    murals: int = 3,
    per_mural: int = 8,
    k: int = 5,
    kind: str = "jelly",
    level: str = "heavy",
    model: str | None = None,
    params: dict | None = None,
    log: Log | None = None,
) -> dict:
    """{"crops", "mask", "results": {method: scores + ms}, "fallbacks", "sources"}."""
    from .methods import restore

    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    cases = motif_cases(seed, murals, per_mural, k, kind, level)
    rows: dict[str, list[dict]] = {"telea": [], "pconv": [], "search-guided": []}
    fallbacks, sources = 0, []
    extra = {"model": model} if model else {}
    for crop, lost, candidates in cases:
        for method in rows:
            params_m = dict(extra) if method != "telea" else {}
            if method == "search-guided":
                params_m.update(params or {}, candidates=candidates)
            result = restore(crop, lost, method, **params_m)
            rows[method].append({**score(result.image, crop), "ms": result.seconds * 1000})
            if method == "search-guided":
                fallbacks += result.details["fallback"] is not None
                sources.append(len(result.details["sources"]))
    results = {m: mean_scores(r) for m, r in rows.items() if r}
    out = {
        "crops": len(cases),
        "mask": f"{kind}-{level}",
        "candidates": k,
        "results": results,
        "fallbacks": fallbacks,
        "mean_sources": round(float(np.mean(sources)), 2) if sources else 0.0,
    }
    log("thousand-buddha motifs: " + "; ".join(
        f"{m} {r['psnr']:.2f} dB {r['haarpsi']:.3f}" for m, r in results.items())
        + f"; fallbacks {fallbacks}/{len(cases)}")
    return out
