"""Test data, made one way everywhere: murals (rows without pixels, or real images ingested
with their pyramid), elements (boxes, or rows with chosen vectors), users and categories.

Rows use the reference data (sites, periods, categories) that the data migrations load.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyvips
from django.contrib.auth import get_user_model
from django.test import override_settings

from dunhuang_search.catalogue.ingest import ingest_mural
from dunhuang_search.catalogue.models import Cave, Mural, Period, Site
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.elements.vector_index import rebuild_index

EMBEDDER = "test-embedder"  # the embedder id of vectors made by add_elements
PLACE = {"site": "mogao", "cave": 220, "wall": "south", "period": "early-tang"}
_numbers = itertools.count(1)


def category(slug: str | None) -> Category | None:
    return Category.objects.get(slug=slug) if slug else None


# murals ---------------------------------------------------------------------------------------


def make_mural(cave: int = 220, site: str = "mogao", period: str = "early-tang", **fields):
    """A Mural row without pixels (10,000 x 8,000 unless told): for pages, element and text
    queries, which never read the pyramid."""
    cave_row, _ = Cave.objects.get_or_create(site=Site.objects.get(slug=site), number=cave)
    n = next(_numbers)
    values = {
        "wall": "south",
        "width": 10_000,
        "height": 8_000,
        "source_path": f"/nowhere/{n}.tif",
        "source_format": "tiff",
        "source_bytes": 1000,
        "pyramid": f"00/{n}.tif",
        **fields,
    }
    return Mural.objects.create(
        cave=cave_row,
        period=Period.objects.get(slug=period) if period else None,  # None: undated
        checksum=f"{n:064x}",
        **values,
    )


def write_pixels(path: Path, pixels: np.ndarray) -> Path:
    """An RGB array as an image file in the format of path's suffix (.png is lossless)."""
    image = pyvips.Image.new_from_array(pixels)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        image.jpegsave(str(path), Q=92)
    else:
        image.write_to_file(str(path))
    return path


def ingested_mural(path: Path, pixels: np.ndarray | None = None, **place) -> Mural:
    """The image at `path` (written from `pixels` first, if given) ingested as a mural with its
    pyramid, by default on the south wall of Mogao cave 220, Early Tang."""
    if pixels is not None:
        write_pixels(path, pixels)
    return ingest_mural(path, **{**PLACE, **place})


def synthetic_mural(folder: Path, seed: int, size=(1280, 960), suffix: str = ".jpg", **place):
    """A procedural mural (indexer.synthetic, with its known figures) ingested from a JPEG (or
    `suffix`); plan_mural(*size, seed=seed) gives its layout."""
    from indexer.synthetic import plan_mural, render_mural

    pixels = render_mural(plan_mural(*size, seed=seed))
    return ingested_mural(folder / f"wall-{seed}{suffix}", pixels, **place)


@contextlib.contextmanager
def committed_mural(
    django_db_blocker, folder: Path, pixels: np.ndarray, **place
) -> Iterator[tuple[Mural, Path]]:
    """A mural ingested once and committed, for a module-scoped fixture (its tests read it, the
    pyramid stays in `folder`); yields (mural, pyramid folder) and deletes the rows after."""
    pyramids = folder / "pyramids"
    with django_db_blocker.unblock(), override_settings(PYRAMID_DIR=pyramids):
        mural = ingested_mural(folder / "mural.png", pixels, **place)
    try:
        yield mural, pyramids
    finally:
        with django_db_blocker.unblock():
            cave = mural.cave
            mural.delete()
            cave.delete()


# elements -------------------------------------------------------------------------------------


def add_element(mural: Mural, category_slug: str | None = "donor", **fields) -> Element:
    """One element: a detector box at (100, 200, 50, 80) with score 0.9 unless told."""
    values = {"x": 100, "y": 200, "w": 50, "h": 80, "score": 0.9, "source": "detector", **fields}
    return Element.objects.create(mural=mural, category=category(category_slug), **values)


def unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def add_elements(mural, vectors, category_slug: str | None = "apsara", **fields) -> list[Element]:
    """One detector element per (normalised) vector, on a grid of 100 px boxes, in one insert;
    their embedder is EMBEDDER."""
    category_row = category(category_slug)
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
    """The FAISS file rebuilt from the EMBEDDER vectors in the database."""
    return rebuild_index(EMBEDDER, dim)


# users ----------------------------------------------------------------------------------------


def make_user(username: str = "curator", *, staff: bool = False, password: str | None = None):
    """A user; `staff` may ingest, index and correct (the `staff` role)."""
    return get_user_model().objects.create_user(username, password=password, is_staff=staff)
