"""Restoring a region of a mural into a new derivative: the checks, the read of the region at
full resolution from the pyramid (never the whole mural), the method (indexer.restoration), and
the provenance the row records. The original's pyramid is only ever read.

Every refusal is a RestorationError (one line): the CLI exits 2 with it, the API answers 400.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from indexer.imagery import Pyramid
from indexer.restoration import METHODS, RestorationError, restore
from indexer.restoration.masks import as_mask

from . import derivatives
from .models import Derivative, InpainterModel

MAX_REGION_SIDE = 8192  # px; a studio region is at most this wide and high
MAX_REGION_PIXELS = 16_000_000  # and at most this many pixels (about 48 MB of RGB)
LEARNED = ("pconv", "search-guided")  # methods that use an inpainting model
GUIDE_CANDIDATES = 8  # intact elements asked for by search-guided

Progress = Callable[[str, float], None]  # progress(phase, fraction of the whole job)


@dataclass
class RegionRequest:
    """What to restore: a region of a mural (or an element's box), a mask of the region's size
    (nonzero = lost), a method, and who asked."""

    mural: Mural
    box: tuple[int, int, int, int]
    mask: np.ndarray
    method: str
    element: Element | None = None
    model: str | None = None  # an InpainterModel name or a model file; default: the active one
    author: object | None = None
    seed: int | None = None
    mask_origin: dict = field(default_factory=dict)


def parse_region(text: str) -> tuple[int, int, int, int]:
    """`X,Y,W,H` as four ints."""
    parts = [p.strip() for p in (text or "").split(",")]
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise RestorationError(
            f"a region is X,Y,W,H in mural pixels (e.g. 100,200,512,512), not {text!r}"
        )
    x, y, w, h = (int(p) for p in parts)
    return x, y, w, h


def check_region(mural: Mural, box) -> tuple[int, int, int, int]:
    x, y, w, h = (int(v) for v in box)
    if w < 1 or h < 1:
        raise RestorationError(f"the region {w}x{h} is empty")
    if x < 0 or y < 0 or x + w > mural.width or y + h > mural.height:
        raise RestorationError(
            f"the region {x},{y},{w},{h} is outside mural {mural.pk} ({mural.width}x{mural.height})"
        )
    if max(w, h) > MAX_REGION_SIDE or w * h > MAX_REGION_PIXELS:
        raise RestorationError(
            f"the region {w}x{h} is over the cap of {MAX_REGION_SIDE} px a side and "
            f"{MAX_REGION_PIXELS:,} pixels: restore it in parts"
        )
    return x, y, w, h


def check_method(method: str) -> str:
    if method not in METHODS:
        raise RestorationError(f"unknown method {method!r}: use {', '.join(sorted(METHODS))}")
    return method


def resolve_model(model: str | None) -> str | None:
    """The model file to use: a registered InpainterModel by name, a model file, the active
    registered model, or (None) the committed default."""
    if model:
        row = InpainterModel.objects.filter(name=model).first()
        if row is not None:
            return row.weights
        if Path(model).is_file():
            return str(model)
        names = list(InpainterModel.objects.values_list("name", flat=True))
        known = f"; registered: {', '.join(names)}" if names else ""
        raise RestorationError(f"unknown inpainting model {model!r}{known}")
    active = InpainterModel.active()
    return active.weights if active else None


def read_region(mural: Mural, box) -> np.ndarray:
    """The region's full-resolution pixels, read from the pyramid (never the whole mural)."""
    path = mural.pyramid_path
    if not os.path.isfile(path):
        raise RestorationError(f"the image of mural {mural.pk} is missing on the server")
    x, y, w, h = box
    return Pyramid(path).read_full_res(x, y, w, h)


def guide_elements(element: Element | None, k: int = GUIDE_CANDIDATES) -> tuple[list, str]:
    """Intact elements like `element` for search-guided filling, and how they were found:
    its nearest neighbours in the FAISS index (same category), else the same category's
    elements of similar size."""
    if element is None:
        return [], "no element: search-guided needs one to find copies of its motif"
    from dunhuang_search.search.engine import similar
    from dunhuang_search.search.query import Filters, SearchInputError, SearchRequest

    categories = [element.category] if element.category_id else []
    try:
        outcome = similar(SearchRequest(element=element, k=k, filters=Filters(categories)))
        found = [row for row, _ in outcome.results if row.pk != element.pk][:k]
        if found:
            return found, "faiss"
    except SearchInputError as exc:  # no index, no vector: fall back to the category
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    else:
        reason = "no neighbours"
    if not element.category_id:
        return [], f"faiss: {reason}; the element has no category"
    area = element.w * element.h
    rows = (
        Element.objects.filter(category_id=element.category_id)
        .exclude(pk=element.pk)
        .defer("embedding")
        .select_related("mural")
    )
    near = sorted(rows[:500], key=lambda e: abs(np.log((e.w * e.h) / max(area, 1))))
    return near[:k], f"category (faiss: {reason})"


def guide_crops(elements: list, size: tuple[int, int]) -> list[tuple[int, np.ndarray]]:
    """(element id, its crop resized to size (w, h)) for each element whose pyramid is here."""
    crops = []
    for row in elements:
        path = row.mural.pyramid_path
        if not os.path.isfile(path):
            continue
        image = Pyramid(path).read_region(row.x, row.y, row.w, row.h, *size).numpy()
        crops.append((row.pk, image))
    return crops


def method_params(request: RegionRequest, size: tuple[int, int]) -> tuple[dict, dict]:
    """(params for the method, inputs to record)."""
    params: dict = {}
    inputs: dict = {}
    if request.method in LEARNED:
        model = resolve_model(request.model)
        if model:
            params["model"] = model
    if request.method == "patchmatch" and request.seed is not None:
        params["seed"] = int(request.seed)
    if request.method == "search-guided":
        elements, found_by = guide_elements(request.element)
        params["candidates"] = guide_crops(elements, size)
        inputs["candidates_found_by"] = found_by
        inputs["candidates"] = [pk for pk, _ in params["candidates"]]
    return params, inputs


def _recorded(params: dict) -> dict:
    return {k: v for k, v in params.items() if k not in ("candidates", "model", "progress")}


def restore_to_derivative(request: RegionRequest, progress: Progress | None = None) -> Derivative:
    """Restore the request's region and store it as a Derivative (row, pyramid and mask, or
    nothing). RestorationError on bad input, before anything is written."""
    report = progress or (lambda phase, fraction: None)
    check_method(request.method)
    box = check_region(request.mural, request.box)
    x, y, w, h = box
    lost = as_mask(request.mask, (h, w))
    if not lost.any():
        raise RestorationError("the mask is empty: nothing to restore")
    report("reading", 0.05)
    pixels = read_region(request.mural, box)
    params, inputs = method_params(request, (w, h))
    report("restoring", 0.1)
    params["progress"] = lambda f: report("restoring", 0.1 + 0.8 * f)
    result = restore(pixels, lost, request.method, **params)
    report("saving", 0.92)
    model = result.model or {}
    details = {k: v for k, v in result.details.items() if k != "model"}
    sources = details.get("sources")
    if sources is not None:
        inputs["elements"] = sources
        inputs["fallback"] = details.get("fallback")
    inputs["mask"] = {**request.mask_origin, "lost_pixels": int(np.count_nonzero(lost))}
    return derivatives.save_derivative(
        result.image,
        kind=Derivative.Kind.RESTORATION,
        method=request.method,
        mask=lost,
        mural=request.mural,
        element=request.element,
        x=x,
        y=y,
        w=w,
        h=h,
        model_name=model.get("name", ""),
        model_sha256=model.get("sha256", ""),
        parameters={**_recorded(result.params), "details": details},
        seed=request.seed,
        inputs=inputs,
        author=request.author,
        seconds=round(result.seconds, 3),
    )
