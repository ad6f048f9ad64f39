"""Fixtures for indexing tests: the committed demo detector, and indexing as the index command
does it (the detector and tiling the training registry chooses)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dunhuang_search.elements.indexing import index_murals
from dunhuang_search.elements.models import Element, IndexJob
from dunhuang_search.training.management.commands.index import resolve_detector
from indexer.vectors import VectorIndex


@pytest.fixture
def detector_settings(settings, demo_detector_weights):
    """The demo detector at its card's geometry (640 px tiles at scale 0.5) and the product's
    default confidence: what `make demo` indexes with."""
    settings.DETECTOR_WEIGHTS = str(demo_detector_weights)
    return settings


@pytest.fixture
def index(detector_settings) -> Callable[..., list[IndexJob]]:
    """index(murals, **options): index_murals with the detector the index command resolves
    (the demo detector, unless a test registers another)."""

    def run(murals, **options) -> list[IndexJob]:
        detector, config = resolve_detector(device=options.get("device"))
        return index_murals(murals, detector, options.pop("config", None) or config, **options)

    return run


@pytest.fixture
def faiss_ids(settings) -> Callable[[], set[int]]:
    """faiss_ids(): the ids in the FAISS file (empty without one)."""

    def ids() -> set[int]:
        index = VectorIndex.load(settings.VECTOR_INDEX_PATH)
        return set(index.ids().tolist()) if index else set()

    return ids


@pytest.fixture
def element_boxes() -> Callable[..., list[tuple]]:
    """element_boxes(mural, source="detector"): the mural's boxes, sorted, to compare runs."""

    def boxes(mural, source: str = "detector") -> list[tuple]:
        return sorted(
            (e.x, e.y, e.w, e.h, e.category.slug, round(e.score, 4))
            for e in Element.objects.filter(mural=mural, source=source)
        )

    return boxes
