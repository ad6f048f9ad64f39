"""A reviewed or drawn element's vector: its crop embedded with the configured embedder, stored
in pgvector and then in the FAISS file, as the elements app's indexing does it."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pyvips
from django.conf import settings

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from dunhuang_search.inference import ModelLoadError, build_embedder
from indexer import vectors
from indexer.imagery import Pyramid
from indexer.merging import Detection
from indexer.pipeline import IndexConfig, embed_crop_batch


class EmbedError(ValueError):
    """The crop cannot be embedded (no embedder, unreadable pyramid): one line."""


@functools.cache
def shared_embedder():
    """One embedder per process, built on first use (settings.EMBEDDER on settings.DEVICE)."""
    return build_embedder()


def embed_box(mural: Mural, box: list[int], embedder=None) -> tuple[np.ndarray, str]:
    """The vector of the mural's pixels at box [x, y, w, h] (with the indexer's context margin)
    and the embedder's id. Raises EmbedError if the embedder or the pixels cannot be read."""
    vectors, embedder_id = embed_boxes(mural, [box], embedder)
    return vectors[0], embedder_id


def embed_boxes(mural: Mural, boxes: list, embedder=None) -> tuple[np.ndarray, str]:
    """The vectors of several boxes of one mural (one pyramid open, the embedder's batches)."""
    dets = [Detection(x, y, x + w, y + h, 1.0, 0) for x, y, w, h in boxes]
    try:
        embedder = embedder or shared_embedder()
        pyramid = Pyramid(mural.pyramid_path)
        vectors = embed_crop_batch(pyramid, dets, embedder, IndexConfig())
    except (ModelLoadError, OSError, pyvips.Error) as exc:
        what = f"the box {list(boxes[0])}" if len(boxes) == 1 else f"{len(boxes)} boxes"
        raise EmbedError(f"cannot embed {what} of mural {mural.pk}: {exc}") from exc
    return np.asarray(vectors, dtype=np.float32), embedder.id


def sync_element_vectors(element_ids: list[int]) -> None:
    """Bring the FAISS file in line with these elements' stored vectors (after the commit):
    their old vectors are dropped and the current ones added. A FAISS file of another embedder
    is left alone (verify_index reports the drift; rebuild_index --reembed fixes it)."""
    if not element_ids:
        return
    rows = list(
        Element.objects.filter(pk__in=element_ids)
        .exclude(embedding=None)
        .values_list("id", "embedding", "embedder")
    )
    path = Path(settings.VECTOR_INDEX_PATH)
    with vectors.locked(path):
        index = vectors.VectorIndex.load(path)
        if index is None:
            if not rows:
                return
            index = vectors.VectorIndex(rows[0][2], len(rows[0][1]))
        index.remove(np.array(element_ids, dtype=np.int64))
        kept = [r for r in rows if r[2] == index.embedder and len(r[1]) == index.dim]
        if kept:
            index.add(np.array([r[0] for r in kept]), np.stack([np.asarray(r[1]) for r in kept]))
        index.save(path)
