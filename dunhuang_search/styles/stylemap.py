"""The map of style through time: murals placed by their style descriptor (PCA to 2-D,
scikit-learn), coloured by period; the nearest styles in other caves; the period x period mean
style distance; the murals closest to a style set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dunhuang_search.catalogue.models import Mural, Period

from .descriptors import MAP_KIND, compute
from .models import StyleDescriptor

# one colour per period, in period order (a qualitative palette, colour-blind friendly)
PALETTE = [
    "#4477aa",
    "#66ccee",
    "#228833",
    "#ccbb44",
    "#ee6677",
    "#aa3377",
    "#bbbbbb",
    "#332288",
    "#88ccee",
    "#44aa99",
    "#117733",
    "#999933",
    "#ddcc77",
    "#cc6677",
    "#882255",
    "#aa4499",
]


@dataclass
class MapPoint:
    mural: Mural
    x: float
    y: float
    colour: str


def _descriptors(kind: str = MAP_KIND):
    rows = list(
        StyleDescriptor.objects.filter(kind=kind, element__isnull=True)
        .select_related("mural__cave__site", "mural__period")
        .order_by("mural_id")
    )
    vectors = np.array([np.asarray(r.vector, np.float32) for r in rows]) if rows else None
    return rows, vectors


def _standardise(vectors: np.ndarray) -> np.ndarray:
    return (vectors - vectors.mean(0)) / (vectors.std(0) + 1e-6)


def period_colours() -> dict[int, str]:
    return {p.pk: PALETTE[i % len(PALETTE)] for i, p in enumerate(Period.objects.all())}


def style_map(width: int = 640, height: int = 420, pad: int = 24) -> dict:
    """Points scaled into a width x height SVG, the legend, and the PCA's explained variance."""
    from sklearn.decomposition import PCA

    rows, vectors = _descriptors()
    colours = period_colours()
    used = {r.mural.period_id for r in rows}
    legend = [{"period": p, "colour": colours[p.pk]} for p in Period.objects.all() if p.pk in used]
    if not rows:
        return {"points": [], "legend": legend, "explained": [], "width": width, "height": height}
    xy = np.zeros((len(rows), 2))
    explained: list[float] = []
    if len(rows) >= 2:
        pca = PCA(n_components=min(2, len(rows)), random_state=0)
        comps = pca.fit_transform(_standardise(vectors))
        xy[:, : comps.shape[1]] = comps
        explained = [round(float(v), 3) for v in pca.explained_variance_ratio_]
    lo, span = xy.min(0), np.maximum(np.ptp(xy, 0), 1e-9)
    scaled = pad + (xy - lo) / span * [width - 2 * pad, height - 2 * pad]
    points = [
        MapPoint(
            r.mural, round(float(sx), 1), round(float(height - sy), 1), colours[r.mural.period_id]
        )
        for r, (sx, sy) in zip(rows, scaled, strict=True)
    ]
    return {
        "points": points,
        "legend": legend,
        "explained": explained,
        "width": width,
        "height": height,
    }


def nearest_in_other_caves(mural: Mural, k: int = 5) -> list[tuple[Mural, float]]:
    rows, vectors = _descriptors()
    index = next((i for i, r in enumerate(rows) if r.mural_id == mural.pk), None)
    if index is None:
        return []
    z = _standardise(vectors)
    dist = np.linalg.norm(z - z[index], axis=1) / np.sqrt(z.shape[1])
    order = [i for i in np.argsort(dist) if rows[i].mural.cave_id != mural.cave_id]
    return [(rows[i].mural, round(float(dist[i]), 3)) for i in order[:k]]


def period_distances() -> dict:
    """Mean standardised style distance between the murals of each pair of periods."""
    rows, vectors = _descriptors()
    if not rows:
        return {"periods": [], "rows": []}
    z = _standardise(vectors)
    by_period: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        by_period.setdefault(r.mural.period_id, []).append(i)
    periods = [p for p in Period.objects.all() if p.pk in by_period]
    table = []
    for a in periods:
        cells = []
        for b in periods:
            za, zb = z[by_period[a.pk]], z[by_period[b.pk]]
            d = np.linalg.norm(za[:, None] - zb[None], axis=2) / np.sqrt(z.shape[1])
            cells.append(round(float(d.mean()), 2))
        table.append({"period": a, "cells": cells})
    return {"periods": periods, "rows": table}


def closest_murals(images: list[np.ndarray], k: int = 8) -> list[tuple[Mural, float]]:
    """The murals whose style descriptor is closest to the mean descriptor of `images`."""
    rows, vectors = _descriptors()
    if not rows or not images:
        return []
    target = np.mean([compute(MAP_KIND, im) for im in images], axis=0)
    mean, std = vectors.mean(0), vectors.std(0) + 1e-6
    z, t = (vectors - mean) / std, (target - mean) / std
    dist = np.linalg.norm(z - t, axis=1) / np.sqrt(z.shape[1])
    return [(rows[i].mural, round(float(dist[i]), 3)) for i in np.argsort(dist)[:k]]
