"""find_templates: likely shared templates (stencils) among a category's elements. Crops are read
from the murals' pyramids, candidate pairs are every pair of a small category or each element's
nearest vectors, each pair is registered (indexer.templates_match), and pairs under the
threshold are stored as StencilPairs, their connected components numbered as templates."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from django.db import transaction

from dunhuang_search.elements.models import Category, Element
from indexer.imagery import Pyramid
from indexer.templates_match import THRESHOLD, candidate_pairs, register, template_components

from .models import StencilPair

CROP_SIDE = 160
MAX_ELEMENTS = 5000


class StencilInputError(ValueError):
    pass


def _crop(pyramid: Pyramid, e: Element) -> np.ndarray:
    shrink = min(1.0, CROP_SIDE / max(e.w, e.h))
    out_w, out_h = max(8, round(e.w * shrink)), max(8, round(e.h * shrink))
    w, h = min(e.w, pyramid.width - e.x), min(e.h, pyramid.height - e.y)
    return pyramid.read_region(e.x, e.y, w, h, out_w, out_h).numpy()[..., :3]


def element_crops(elements: list[Element]) -> list[np.ndarray]:
    pyramids: dict[int, Pyramid] = {}
    crops = []
    for e in elements:
        if e.mural_id not in pyramids:
            try:
                pyramids[e.mural_id] = Pyramid(e.mural.pyramid_path)
            except FileNotFoundError as exc:
                raise StencilInputError(f"the pyramid of mural {e.mural_id} is missing") from exc
        crops.append(_crop(pyramids[e.mural_id], e))
    return crops


def find_templates(
    category: Category,
    threshold: float = THRESHOLD,
    line_only: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    started = time.perf_counter()
    qs = Element.objects.visible().filter(category=category).select_related("mural__cave__site")
    elements = list(qs.order_by("pk")[: MAX_ELEMENTS + 1])
    if len(elements) < 2:
        raise StencilInputError(f"category {category.slug!r} has fewer than 2 visible elements")
    if len(elements) > MAX_ELEMENTS:
        raise StencilInputError(
            f"category {category.slug!r} has over {MAX_ELEMENTS} elements; filter it first"
        )
    crops = element_crops(elements)
    vectors = None
    if all(e.embedding is not None for e in elements):
        vectors = np.asarray([np.asarray(e.embedding) for e in elements], dtype=np.float32)
    pairs = candidate_pairs(vectors, len(elements))
    kept = []
    for done, (i, j) in enumerate(pairs, 1):
        reg = register(crops[i], crops[j], line_only=line_only)
        if reg.residual < threshold:
            kept.append((i, j, reg))
        if progress:
            progress(done, len(pairs))
    components = template_components(len(elements), [(i, j) for i, j, _ in kept])
    template_of = {i: n + 1 for n, members in enumerate(components) for i in members}
    with transaction.atomic():
        StencilPair.objects.filter(category=category, line_only=line_only).delete()
        StencilPair.objects.bulk_create(
            StencilPair(
                category=category,
                a=elements[i],
                b=elements[j],
                residual=reg.residual,
                scale=reg.scale,
                line_only=line_only,
                template=template_of[i],
            )
            for i, j, reg in kept
        )
    return {
        "category": category.slug,
        "line_only": line_only,
        "threshold": threshold,
        "candidates": len(pairs),
        "pairs": [
            {"a": elements[i].pk, "b": elements[j].pk, "residual": reg.residual, "scale": reg.scale}
            for i, j, reg in kept
        ],
        "templates": [
            {
                "id": n + 1,
                "element_ids": [elements[i].pk for i in members],
                "caves": sorted(
                    {
                        f"{elements[i].mural.cave.site.slug}:{elements[i].mural.cave.number}"
                        for i in members
                    }
                ),
            }
            for n, members in enumerate(components)
        ],
        "seconds": round(time.perf_counter() - started, 2),
    }
