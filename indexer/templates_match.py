"""Shared templates (stencils): register one crop onto another and measure what is left.

A pounced template repeats one drawing at another size, in other colours, under other damage.
Both crops are brought to one canonical size (the scale between them is their size ratio),
turned into line maps (the dark ink strokes: a morphological black-hat), aligned by OpenCV
phase correlation over a few scale steps and refined by ECC (translation), and the residual is
1 - the normalised cross-correlation of the aligned line maps: 0 for the same drawing, about 1
for unrelated ones. The default mode adds the colour difference (Lab a*, b*); `line_only`
ignores colour, for darkened lead pigments and recoloured copies.

Pairs below a threshold are "likely the same template"; templates are the connected components
of those pairs (scipy). Django-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

SIDE = 96  # canonical side of a registered crop
LINE_WIDTH = 7  # widest ink stroke kept by the line map, in canonical pixels
SCALE_STEPS = (0.94, 1.0, 1.06)
THRESHOLD = 0.45  # line-only residual; chosen on seed 101, never on the reported seed
COLOUR_WEIGHT = 0.5


@dataclass(frozen=True)
class Registration:
    residual: float
    scale: float  # size of b relative to a
    shift: tuple[float, float]  # of b onto a, in canonical pixels


def _canonical(rgb: np.ndarray) -> np.ndarray:
    return cv2.resize(
        np.ascontiguousarray(rgb[..., :3]), (SIDE, SIDE), interpolation=cv2.INTER_AREA
    )


def line_map(rgb: np.ndarray) -> np.ndarray:
    """The ink lines: zero-mean, unit-norm black-hat (closing minus the grey image, with a disc
    of LINE_WIDTH) of the canonical crop, lightly blurred (float32, SIDE x SIDE). Thin dark
    strokes respond whatever the fills on either side; edges between two fills do not, so a
    recoloured copy keeps its line map."""
    grey = cv2.cvtColor(_canonical(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (LINE_WIDTH, LINE_WIDTH))
    lines = cv2.GaussianBlur(cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, disc), (0, 0), 1.2)
    lines -= lines.mean()
    return lines / max(float(np.linalg.norm(lines)), 1e-6)


def _chroma(rgb: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(_canonical(rgb), cv2.COLOR_RGB2LAB).astype(np.float32)
    return lab[..., 1:] / 255.0


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-9))


def _scaled(image: np.ndarray, s: float) -> np.ndarray:
    m = np.float32([[s, 0, SIDE / 2 * (1 - s)], [0, s, SIDE / 2 * (1 - s)]])
    return cv2.warpAffine(image, m, (SIDE, SIDE), flags=cv2.INTER_LINEAR)


def _shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, m, (SIDE, SIDE), flags=cv2.INTER_LINEAR)


def _ecc(a: np.ndarray, b: np.ndarray, dx: float, dy: float) -> tuple[float, float]:
    warp = np.float32([[1, 0, -dx], [0, 1, -dy]])
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 1e-4)
    try:
        _, warp = cv2.findTransformECC(a, b, warp, cv2.MOTION_TRANSLATION, criteria, None, 1)
    except cv2.error:
        return dx, dy
    return -float(warp[0, 2]), -float(warp[1, 2])


def register(a: np.ndarray, b: np.ndarray, line_only: bool = False) -> Registration:
    """Register crop `b` (RGB array) onto crop `a` and measure the residual."""
    ha, wa = a.shape[:2]
    hb, wb = b.shape[:2]
    size_ratio = float(np.sqrt((hb * wb) / max(ha * wa, 1)))
    la, lb = line_map(a), line_map(b)
    window = cv2.createHanningWindow((SIDE, SIDE), cv2.CV_64F)
    best = (-2.0, 1.0, 0.0, 0.0)
    for s in SCALE_STEPS:
        lbs = _scaled(lb, s)
        (dx, dy), _ = cv2.phaseCorrelate(la.astype(np.float64), lbs.astype(np.float64), window)
        dx, dy = _ecc(la, lbs, dx, dy)
        score = _ncc(la, _shifted(lbs, -dx, -dy))
        if score > best[0]:
            best = (score, s, dx, dy)
    score, s, dx, dy = best
    residual = 1.0 - score
    if not line_only:
        ca, cb = _chroma(a), _shifted(_scaled(_chroma(b), s), -dx, -dy)
        residual += COLOUR_WEIGHT * float(np.abs(ca - cb).mean()) * 10
    return Registration(round(residual, 4), round(size_ratio * s, 4), (round(dx, 2), round(dy, 2)))


def candidate_pairs(
    vectors: np.ndarray | None,
    n: int,
    k: int = 10,
    min_similarity: float = 0.0,
    all_pairs_max: int = 300,
) -> list[tuple[int, int]]:
    """Index pairs (i < j) to register: every pair of a small set, else each vector's k nearest
    neighbours at cosine similarity >= min_similarity."""
    if vectors is None or n <= all_pairs_max:
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    sims, nbrs = index.search(x, min(k + 1, n))
    pairs = set()
    for i in range(n):
        for sim, j in zip(sims[i], nbrs[i], strict=True):
            if j >= 0 and j != i and sim >= min_similarity:
                pairs.add((min(i, int(j)), max(i, int(j))))
    return sorted(pairs)


def template_components(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components (of 2 or more) of the likely-same-template pairs, largest first."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = list(pairs)
    if not pairs:
        return []
    rows, cols = zip(*pairs, strict=True)
    graph = coo_matrix((np.ones(len(pairs)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    found = [g for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda g: (-len(g), g[0]))


def pair_quality(truth: Sequence[str], found: Iterable[tuple[int, int]]) -> dict:
    """Precision and recall of likely-same-template pairs against the generator's templates
    (a true pair: two elements painted from one template)."""
    found = set(found)
    true_pairs = {
        (i, j)
        for i in range(len(truth))
        for j in range(i + 1, len(truth))
        if truth[i] and truth[i] == truth[j]
    }
    hit = len(found & true_pairs)
    return {
        "pairs_found": len(found),
        "true_pairs": len(true_pairs),
        "precision": round(hit / len(found), 4) if found else None,
        "recall": round(hit / len(true_pairs), 4) if true_pairs else None,
    }
