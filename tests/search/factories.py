"""Murals without pixels and elements with chosen vectors, for tests of the vector side."""

from __future__ import annotations

import itertools

import numpy as np

from dunhuang_search.catalogue.models import Cave, Mural, Period, Site
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.elements.vector_index import rebuild_index

EMBEDDER = "test-embedder"
_checksums = itertools.count(1)


def make_mural(cave: int = 220, site: str = "mogao", period: str = "early-tang", **fields):
    """A Mural row without a pyramid (element and text queries need no pixels)."""
    cave_row, _ = Cave.objects.get_or_create(site=Site.objects.get(slug=site), number=cave)
    values = {
        "wall": "south",
        "width": 10_000,
        "height": 8_000,
        "source_path": "/nonexistent.png",
        "source_format": "png",
        "source_bytes": 1,
        "pyramid": "none.tif",
        **fields,
    }
    return Mural.objects.create(
        cave=cave_row,
        period=Period.objects.get(slug=period),
        checksum=f"{next(_checksums):064x}",
        **values,
    )


def unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def add_elements(mural, vectors, category: str | None = "apsara", **fields) -> list[Element]:
    """One element per vector, on a grid of 100 px boxes, in one bulk insert."""
    category_row = Category.objects.get(slug=category) if category else None
    rows = []
    for i, vector in enumerate(unit(np.atleast_2d(vectors))):
        values = {
            "x": (i % 90) * 100,
            "y": (i // 90) * 100 % 7_900,
            "w": 90,
            "h": 90,
            "category": category_row,
            "source": Element.Source.DETECTOR,
            "embedder": EMBEDDER,
            "embedding": vector,
            **fields,
        }
        rows.append(Element(mural=mural, **values))
    return Element.objects.bulk_create(rows, batch_size=1000)


def build_index(dim: int) -> int:
    return rebuild_index(EMBEDDER, dim)
