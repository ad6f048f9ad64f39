"""Checks and rebuilds of the FAISS file against PostgreSQL, the one source of truth.

verify_index reports drift; rebuild_index rewrites FAISS from pgvector (re-embedding if asked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from indexer import vectors
from indexer.merging import Detection

from .models import Element


@dataclass
class Drift:
    index_exists: bool
    embedder: str | None
    dim: int | None
    faiss_count: int
    database_count: int
    missing_in_faiss: list[int] = field(default_factory=list)
    extra_in_faiss: list[int] = field(default_factory=list)
    other_embedders: dict[str, int] = field(default_factory=dict)
    corrupt: str = ""  # why the FAISS file cannot be trusted (checksum, unreadable), if so

    @property
    def ok(self) -> bool:
        drifts = self.missing_in_faiss or self.extra_in_faiss or self.other_embedders
        return not (drifts or self.corrupt) and (self.index_exists or self.database_count == 0)

    def as_dict(self, limit: int = 20) -> dict:
        data = asdict(self)
        data["missing_in_faiss"] = self.missing_in_faiss[:limit]
        data["extra_in_faiss"] = self.extra_in_faiss[:limit]
        data.update(
            ok=self.ok,
            missing_count=len(self.missing_in_faiss),
            extra_count=len(self.extra_in_faiss),
        )
        return data


def verify_index() -> Drift:
    """Compare the FAISS ids with the elements that have a vector in PostgreSQL."""
    path = Path(settings.VECTOR_INDEX_PATH)
    corrupt = ""
    with vectors.locked(path):
        try:
            index = vectors.VectorIndex.load(path)
        except vectors.CorruptIndex as exc:
            index, corrupt = None, str(exc)
    db_ids = set(Element.objects.exclude(embedding=None).values_list("id", flat=True))
    faiss_ids = set(index.ids().tolist()) if index is not None else set()
    embedders: dict[str, int] = {}
    for name in Element.objects.exclude(embedding=None).values_list("embedder", flat=True):
        embedders[name] = embedders.get(name, 0) + 1
    if index is not None:
        embedders.pop(index.embedder, None)
    elif len(embedders) == 1:
        embedders = {}
    return Drift(
        index_exists=index is not None,
        embedder=index.embedder if index else None,
        dim=index.dim if index else None,
        faiss_count=len(faiss_ids),
        database_count=len(db_ids),
        missing_in_faiss=sorted(db_ids - faiss_ids),
        extra_in_faiss=sorted(faiss_ids - db_ids),
        other_embedders=embedders,
        corrupt=corrupt,
    )


def reembed_all(
    embedder, device_progress: Callable[[int, int], None] | None = None, batch_size: int = 64
) -> int:
    """Re-embed every element's crop with `embedder`, storing the vectors in pgvector."""
    from dunhuang_search.catalogue.models import Mural
    from indexer.imagery import Pyramid
    from indexer.pipeline import IndexConfig, embed_crop_batch

    config = IndexConfig()
    total = Element.objects.count()
    done = 0
    for mural in Mural.objects.filter(elements__isnull=False).distinct():
        pyramid = Pyramid(mural.pyramid_path)
        elements = list(Element.objects.filter(mural=mural).order_by("id"))
        for start in range(0, len(elements), batch_size):
            chunk = elements[start : start + batch_size]
            dets = [Detection(e.x, e.y, e.x + e.w, e.y + e.h, 1.0, 0) for e in chunk]
            for element, vector in zip(
                chunk, embed_crop_batch(pyramid, dets, embedder, config), strict=True
            ):
                element.embedding, element.embedder = vector, embedder.id
            Element.objects.bulk_update(chunk, ["embedding", "embedder"])
            done += len(chunk)
            if device_progress:
                device_progress(done, total)
    return done


def rebuild_index(embedder_id: str, dim: int | None = None, batch: int = 10_000) -> int:
    """Write a new FAISS file from the vectors in PostgreSQL; returns the vector count.

    Refuses vectors of another embedder (they need `--reembed` first).
    """
    queryset = Element.objects.exclude(embedding=None)
    others = set(queryset.exclude(embedder=embedder_id).values_list("embedder", flat=True))
    if others:
        raise vectors.IndexMismatch(
            f"elements hold vectors from {', '.join(sorted(others))}, not {embedder_id}"
        )
    path = Path(settings.VECTOR_INDEX_PATH)
    with vectors.locked(path):
        index = None
        last = 0
        while True:
            rows = list(
                queryset.filter(id__gt=last).order_by("id").values_list("id", "embedding")[:batch]
            )
            if not rows:
                break
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            mat = np.stack([np.asarray(r[1], dtype=np.float32) for r in rows])
            if index is None:
                index = vectors.VectorIndex(embedder_id, dim or mat.shape[1])
            index.add(ids, mat, replace=False)
            last = int(ids[-1])
        if index is None:
            if dim is None:
                raise vectors.IndexMismatch("no vectors in the database and no dimension given")
            index = vectors.VectorIndex(embedder_id, dim)
        index.save(path)
    return len(index)
