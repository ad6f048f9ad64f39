"""The FAISS service: the vector index loaded once per process and reloaded when its file changes.

Below a size threshold the flat file is searched exactly; above it an IVF index built from the
flat file (and persisted beside it, with its parameters) is searched instead.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np
from django.conf import settings

from indexer import vectors

logger = logging.getLogger(__name__)


class NoIndexError(RuntimeError):
    """No vector index has been built yet."""

    def __init__(self, path: Path):
        # the message reaches web visitors too: it names the fix, not the server's file path
        super().__init__(
            "there is no vector index yet: index murals with "
            "`python manage.py index --all`, or run `python manage.py rebuild_index`"
        )
        self.path = path


@dataclass(frozen=True)
class IvfParams:
    nlist: int
    nprobe: int
    train_size: int
    niter: int = 10

    @classmethod
    def for_size(cls, n: int, nprobe: int | None = None) -> IvfParams:
        """About 2·√n lists, trained on 32 points per list; nprobe probes about 1.6% of lists."""
        nlist = int(min(16384, max(16, round(2 * math.sqrt(max(n, 1))))))
        probe = nprobe or settings.SEARCH_IVF_NPROBE or max(8, round(nlist / 64))
        return cls(nlist=nlist, nprobe=min(probe, nlist), train_size=min(n, 32 * nlist))


@dataclass
class LoadedIndex:
    """One loaded index, immutable once published: search() may be called from any thread."""

    embedder: str
    dim: int
    count: int
    kind: str  # "flat-ip" | "ivf-flat"
    index: faiss.Index
    params: dict = field(default_factory=dict)
    signature: tuple = ()
    held: np.ndarray = field(default=None, repr=False)  # the ids it holds, sorted

    def __post_init__(self):
        if self.held is None:
            self.held = np.sort(index_ids(self.index)) if self.count else np.zeros(0, np.int64)
        if isinstance(self.index, faiss.IndexIVF):  # reconstruct() by id, for scores_of()
            self.index.set_direct_map_type(faiss.DirectMap.Hashtable)

    @property
    def exact(self) -> bool:
        return self.kind == "flat-ip"

    def describe(self) -> dict:
        return {"kind": self.kind, "count": self.count, "embedder": self.embedder, **self.params}

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest per query, best first; missing slots have id -1."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        k = max(1, min(k, self.count)) if self.count else 1
        if self.kind == "ivf-flat":
            params = faiss.SearchParametersIVF(nprobe=self.params["nprobe"])
            return self.index.search(queries, k, params=params)
        return self.index.search(queries, k)

    def vectors_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, stored vectors) of those of `ids` this index holds, ids sorted."""
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        if len(self.held) and len(ids):
            at = np.minimum(np.searchsorted(self.held, ids), len(self.held) - 1)
            ids = ids[self.held[at] == ids]
        else:
            ids = ids[:0]
        if len(ids) == 0:
            return ids, np.zeros((0, self.dim), np.float32)
        return ids, self.index.reconstruct_batch(ids)

    def scores_of(self, ids: np.ndarray, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, cosine similarities) of those of `ids` this index holds, scored exactly from
        their stored vectors (a filtered search: SQL chose the ids), best first, ties by id."""
        ids, stored = self.vectors_of(ids)
        scores = stored @ np.asarray(vector, dtype=np.float32).reshape(-1)
        order = np.lexsort((ids, -scores))
        return ids[order], scores[order]


def index_ids(index: faiss.Index) -> np.ndarray:
    """The ids held by a flat IDMap2 or an IVF index."""
    if isinstance(index, faiss.IndexIVF):
        return ivf_ids(index)
    return faiss.vector_to_array(faiss.downcast_index(index).id_map).astype(np.int64)


def flat_arrays(flat: vectors.VectorIndex) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of the flat IDMap2 index, the vectors as a zero-copy view."""
    inner = faiss.downcast_index(flat.index.index)
    n = inner.ntotal
    data = faiss.rev_swig_ptr(inner.get_xb(), n * flat.dim) if n else np.zeros(0, np.float32)
    return flat.ids(), np.asarray(data).reshape(n, flat.dim)


def build_ivf(
    ids: np.ndarray, data: np.ndarray, params: IvfParams, seed: int = 1234
) -> faiss.IndexIVFFlat:
    """An inner-product IVF-Flat over (ids, data), trained on a random sample of the data."""
    dim = data.shape[1]
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, params.nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.niter = params.niter
    ivf.cp.min_points_per_centroid = 1
    ivf.cp.seed = seed
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(len(data), size=params.train_size, replace=False))
    ivf.train(np.ascontiguousarray(data[sample]))
    add_in_chunks(ivf, ids, data)
    return ivf


def add_in_chunks(ivf: faiss.Index, ids: np.ndarray, data: np.ndarray, chunk: int = 65536):
    for start in range(0, len(ids), chunk):
        ivf.add_with_ids(
            np.ascontiguousarray(data[start : start + chunk], dtype=np.float32),
            np.ascontiguousarray(ids[start : start + chunk], dtype=np.int64),
        )


def ivf_ids(ivf: faiss.IndexIVF) -> np.ndarray:
    invlists = ivf.invlists
    parts = []
    for list_no in range(ivf.nlist):
        size = invlists.list_size(list_no)
        if size:
            parts.append(
                np.array(faiss.rev_swig_ptr(invlists.get_ids(list_no), size), dtype=np.int64)
            )
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def file_signature(path: Path) -> tuple:
    """What changes when the index is rewritten: inode, size and mtime of file and sidecar."""
    try:
        main, side = path.stat(), vectors.VectorIndex.sidecar(path).stat()
    except FileNotFoundError:
        return ()
    return (main.st_ino, main.st_size, main.st_mtime_ns, side.st_ino, side.st_mtime_ns)


class FaissService:
    """The index at `path` for this process: loaded on first use, reloaded when the file changes.

    Searches never wait for a reload when an index is already loaded: they use the previous one
    until the new one is published (a reference swap, atomic under the GIL).
    """

    def __init__(self, path: str | os.PathLike, threshold: int | None = None):
        self.path = Path(path)
        self.threshold = threshold if threshold is not None else settings.SEARCH_ANN_THRESHOLD
        self._current: LoadedIndex | None = None
        self._reload_lock = threading.Lock()

    def get(self) -> LoadedIndex:
        signature = file_signature(self.path)
        current = self._current
        if current is not None and current.signature == signature:
            return current
        if not signature:
            raise NoIndexError(self.path)
        if current is not None and not self._reload_lock.acquire(blocking=False):
            return current  # another thread is reloading; keep answering from the old index
        if current is None:
            self._reload_lock.acquire()
        try:
            current = self._current
            if current is None or current.signature != file_signature(self.path):
                self._current = self._load()
            return self._current
        finally:
            self._reload_lock.release()

    def _load(self) -> LoadedIndex:
        started = time.perf_counter()
        with vectors.locked(self.path):  # the file and its sidecar, from the same write
            signature = file_signature(self.path)
            flat = vectors.VectorIndex.load(self.path)
        if flat is None:
            raise NoIndexError(self.path)
        if len(flat) < self.threshold:
            loaded = LoadedIndex(
                flat.embedder, flat.dim, len(flat), "flat-ip", flat.index, {}, signature,
                np.sort(flat.ids()),
            )
        else:
            loaded = self._ivf_for(flat, signature)
        logger.info(
            "loaded vector index %s: %s in %.1fs",
            self.path,
            loaded.describe(),
            time.perf_counter() - started,
        )
        return loaded

    # the derived IVF file --------------------------------------------------------------------

    @property
    def ivf_path(self) -> Path:
        return self.path.with_suffix(self.path.suffix + ".ivf")

    def _ivf_for(self, flat: vectors.VectorIndex, signature: tuple) -> LoadedIndex:
        """The persisted IVF when it matches the flat file; else brought in line with it (by id:
        added and removed vectors), or built afresh when none fits (other embedder, or the
        collection grew past 4x the size its lists were trained for)."""
        ids, data = flat_arrays(flat)
        params = IvfParams.for_size(len(flat))
        meta_path = vectors.VectorIndex.sidecar(self.ivf_path)
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
        ivf = None
        if (
            meta
            and self.ivf_path.exists()
            and (meta["embedder"], meta["dim"]) == (flat.embedder, flat.dim)
            and meta["trained_for"] * 4 >= len(flat)
        ):
            ivf = faiss.read_index(str(self.ivf_path))
            params = IvfParams(meta["nlist"], params.nprobe, meta["train_size"], meta["niter"])
            if meta["source"] != list(signature):
                have = ivf_ids(ivf)
                stale = np.setdiff1d(have, ids, assume_unique=True)
                if len(stale):
                    ivf.remove_ids(faiss.IDSelectorBatch(stale))
                fresh = ~np.isin(ids, have, assume_unique=True)
                add_in_chunks(ivf, ids[fresh], data[fresh])
                self._save_ivf(ivf, flat, params, signature, meta["trained_for"])
        if ivf is None:
            started = time.perf_counter()
            ivf = build_ivf(ids, data, params)
            logger.info("built IVF %s in %.1fs", asdict(params), time.perf_counter() - started)
            self._save_ivf(ivf, flat, params, signature, len(flat))
        described = {
            "nlist": params.nlist,
            "nprobe": params.nprobe,
            "train_size": params.train_size,
        }
        return LoadedIndex(
            flat.embedder, flat.dim, ivf.ntotal, "ivf-flat", ivf, described, signature, np.sort(ids)
        )

    def _save_ivf(self, ivf, flat, params: IvfParams, signature: tuple, trained_for: int) -> None:
        meta = {
            "embedder": flat.embedder,
            "dim": flat.dim,
            "kind": "ivf-flat",
            "count": int(ivf.ntotal),
            "trained_for": int(trained_for),
            "source": list(signature),
            **asdict(params),
        }
        vectors.write_index_files(self.ivf_path, ivf, meta)


def set_search_threads() -> None:
    """OpenMP threads per FAISS call: 1 by default, since a web server runs many queries at once
    and OpenMP teams in concurrent callers slow each other down."""
    if settings.SEARCH_FAISS_THREADS:
        faiss.omp_set_num_threads(settings.SEARCH_FAISS_THREADS)


_services: dict[Path, FaissService] = {}
_services_lock = threading.Lock()


def service() -> FaissService:
    """The process-wide service for settings.VECTOR_INDEX_PATH (tests change the path)."""
    path = Path(settings.VECTOR_INDEX_PATH)
    with _services_lock:
        found = _services.get(path)
        if found is None or found.threshold != settings.SEARCH_ANN_THRESHOLD:
            set_search_threads()
            found = _services[path] = FaissService(path)
        return found
