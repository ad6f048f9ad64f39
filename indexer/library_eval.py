"""Quality of motif groups and stencil detection on synthetic murals whose generator records the
template of every element (indexer.synthetic.TemplateBank): purity and adjusted Rand index of
the groups, precision and recall of the likely-same-template pairs. Django-free."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .motif_clusters import cluster_quality, cluster_vectors
from .synthetic import TemplateBank, plan_mural, render_mural
from .templates_match import THRESHOLD, candidate_pairs, pair_quality, register


def synthetic_crops(
    category: str, murals: int, seed: int, size=(1280, 960), limit: int = 200
) -> tuple[list[np.ndarray], list[str]]:
    """Crops of `category` (and their template ids) from `murals` murals sharing one bank."""
    bank = TemplateBank(seed)
    crops, truth = [], []
    for index in range(murals):
        spec = plan_mural(*size, seed=seed * 1000 + index, templates=bank)
        wanted = [i for i in spec.instances if i.category == category and not i.truncated]
        if not wanted:
            continue
        pixels = render_mural(spec)
        for inst in wanted:
            crops.append(pixels[inst.y : inst.y + inst.h, inst.x : inst.x + inst.w].copy())
            truth.append(inst.template)
    return crops[:limit], truth[:limit]


def evaluate(
    category: str,
    murals: int,
    seed: int,
    embed: Callable[[list[np.ndarray]], np.ndarray],
    method: str = "faiss-kmeans",
    threshold: float = THRESHOLD,
    line_only: bool = True,
    limit: int = 200,
) -> dict:
    started = time.perf_counter()
    crops, truth = synthetic_crops(category, murals, seed, limit=limit)
    if len(crops) < 2:
        raise ValueError(f"the synthetic set of seed {seed} has under 2 {category} elements")
    vectors = embed(crops)
    k = len(set(truth))
    clusters = cluster_vectors(vectors, method=method, k=k if method != "hdbscan" else None)
    groups = {"method": method, "k": k, **cluster_quality(truth, clusters.labels)}
    pairs = candidate_pairs(vectors, len(crops))
    residuals = [register(crops[i], crops[j], line_only=line_only).residual for i, j in pairs]
    found = [p for p, r in zip(pairs, residuals, strict=True) if r < threshold]
    stencils = {"threshold": threshold, "line_only": line_only, **pair_quality(truth, found)}
    return {
        "category": category,
        "seed": seed,
        "murals": murals,
        "elements": len(crops),
        "templates": k,
        "groups": groups,
        "stencils": stencils,
        "seconds": round(time.perf_counter() - started, 2),
    }
