"""Style descriptors of murals and elements, stored in StyleDescriptor (pgvector) beside the
element embeddings: `magenta` (the style predictor's 100-d vector) and `adain` (Lite0 channel
means and stds, 320-d). `evaluate_style` measures which separates periods better; the map uses
MAP_KIND.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from django.db import transaction

from dunhuang_search.catalogue.models import Mural

from .members import region_pixels
from .models import StyleDescriptor

MAP_KIND = StyleDescriptor.Kind.MAGENTA  # evaluate_style: k-NN 0.183 vs adain 0.117 (ZeroR 0.117)
MURAL_SIDE = 512


def compute(kind: str, image: np.ndarray) -> np.ndarray:
    if kind == StyleDescriptor.Kind.MAGENTA:
        from indexer.style.magenta import style_vector

        return style_vector(image)
    from indexer.style.features import adain_descriptor

    return adain_descriptor(image)


def describe_murals(
    murals: Iterable[Mural],
    kinds=tuple(StyleDescriptor.Kind.values),
    elements: bool = False,
    progress: Callable[[], None] | None = None,
) -> int:
    """(Re)compute the descriptors of each mural (and of its elements); returns rows written."""
    written = 0
    for mural in murals:
        image = region_pixels(mural, 0, 0, mural.width, mural.height, MURAL_SIDE)
        rows = [StyleDescriptor(kind=k, mural=mural, vector=compute(k, image)) for k in kinds]
        if elements:
            for e in mural.elements.all():
                crop = region_pixels(mural, e.x, e.y, e.w, e.h, 256)
                rows += [
                    StyleDescriptor(kind=k, mural=mural, element=e, vector=compute(k, crop))
                    for k in kinds
                ]
        with transaction.atomic():
            StyleDescriptor.objects.filter(mural=mural, kind__in=kinds).delete()
            StyleDescriptor.objects.bulk_create(rows)
        written += len(rows)
        if progress:
            progress()
    return written
