"""The FAISS index of element vectors: ids are Element primary keys, persisted under var/.

A JSON sidecar records the embedder and dimension; vectors of another embedder are refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from .files import atomic_write, file_sha256


class CorruptIndex(RuntimeError):
    """The FAISS file does not match the checksum its sidecar recorded, or cannot be read."""

    def __init__(self, path: Path, why: str):
        super().__init__(
            f"the vector index {path} is corrupt ({why}); run `python manage.py rebuild_index`"
        )


class IndexMismatch(ValueError):
    """Vectors from another embedder (or of another dim) than the index was built with."""


@dataclass(frozen=True)
class IndexInfo:
    embedder: str
    dim: int
    kind: str
    count: int


class VectorIndex:
    """An exact inner-product index (vectors are L2-normalised: scores are cosines) by id."""

    def __init__(self, embedder: str, dim: int, index: faiss.Index | None = None):
        self.embedder, self.dim = embedder, dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @property
    def kind(self) -> str:
        return "flat-ip"

    def __len__(self) -> int:
        return self.index.ntotal

    def info(self) -> IndexInfo:
        return IndexInfo(self.embedder, self.dim, self.kind, len(self))

    def check_compatible(self, embedder: str, dim: int) -> None:
        if (embedder, dim) != (self.embedder, self.dim):
            raise IndexMismatch(
                f"the vector index was built with {self.embedder} ({self.dim} dims), not "
                f"{embedder} ({dim} dims)"
            )

    def add(self, ids: np.ndarray, vectors: np.ndarray, replace: bool = True) -> None:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        if len(ids) == 0:
            return
        if vectors.shape[1] != self.dim:
            raise IndexMismatch(f"vectors have {vectors.shape[1]} dims, the index {self.dim}")
        if replace:
            self.remove(ids)  # re-adding an id replaces its vector
        self.index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> int:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(ids) == 0 or len(self) == 0:
            return 0
        return int(self.index.remove_ids(faiss.IDSelectorBatch(ids)))

    def ids(self) -> np.ndarray:
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def vectors_of(self, ids: np.ndarray) -> np.ndarray:
        return (
            np.stack([self.index.reconstruct(int(i)) for i in ids])
            if len(ids)
            else np.zeros((0, self.dim), np.float32)
        )

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest per query, best first; missing slots have id -1."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        return self.index.search(queries, k)

    # persistence ---------------------------------------------------------------------------

    @staticmethod
    def sidecar(path: Path) -> Path:
        return path.with_suffix(path.suffix + ".json")

    @classmethod
    def load(cls, path: str | os.PathLike) -> VectorIndex | None:
        """The index stored at path, or None if there is none yet."""
        path = Path(path)
        if not path.exists() or not cls.sidecar(path).exists():
            return None
        meta = read_checked_sidecar(path)
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise CorruptIndex(path, f"FAISS cannot read it: {str(exc).splitlines()[0]}") from exc
        return cls(meta["embedder"], int(meta["dim"]), index)

    def save(self, path: str | os.PathLike) -> None:
        """Write index and sidecar, each atomically (see write_index_files)."""
        meta = {"embedder": self.embedder, "dim": self.dim, "kind": self.kind, "count": len(self)}
        write_index_files(path, self.index, meta)


def write_index_files(path: str | os.PathLike, index: faiss.Index, meta: dict) -> None:
    """A FAISS index at path and its JSON sidecar (path + ".json"), each written beside its
    name and renamed into place: the index first, so a sidecar never describes a missing file.
    The one writer of FAISS files, for the flat index here and the search service's IVF."""
    path = Path(path)
    with atomic_write(path) as staged:
        faiss.write_index(index, str(staged))
        meta = {**meta, "sha256": file_sha256(staged), "bytes": staged.stat().st_size}
    with atomic_write(VectorIndex.sidecar(path)) as staged:
        staged.write_text(json.dumps(meta))


def read_sidecar(path: Path) -> dict:
    try:
        meta = json.loads(VectorIndex.sidecar(path).read_text())
        if not isinstance(meta, dict) or "embedder" not in meta or "dim" not in meta:
            raise ValueError("it lacks the embedder or the dimension")
    except (ValueError, UnicodeDecodeError) as exc:
        sidecar = VectorIndex.sidecar(path).name
        raise CorruptIndex(path, f"its sidecar {sidecar} is unreadable") from exc
    return meta


def read_checked_sidecar(path: Path, attempts: int = 20, pause_s: float = 0.05) -> dict:
    """The sidecar, once the file matches it. A writer renames the file into place before its
    sidecar, so a reader between the two renames sees a mismatch for a moment: it looks again
    for up to a second before calling the file corrupt."""
    for attempt in range(attempts):
        meta = read_sidecar(path)
        try:
            check_checksum(path, meta)
            return meta
        except CorruptIndex:
            if attempt == attempts - 1:
                raise
            time.sleep(pause_s)
    raise AssertionError("unreachable")


def check_checksum(path: Path, meta: dict) -> None:
    """The file's size and sha256 against what its writer recorded (files written before
    checksums were recorded pass on their size alone, which they do not record either)."""
    if "bytes" in meta and path.stat().st_size != meta["bytes"]:
        raise CorruptIndex(path, f"{path.stat().st_size} bytes, {meta['bytes']} written")
    if "sha256" in meta and file_sha256(path) != meta["sha256"]:
        raise CorruptIndex(path, "its checksum does not match")


@contextlib.contextmanager
def locked(path: str | os.PathLike) -> Iterator[None]:
    """An exclusive inter-process lock for read-modify-write of the index at path."""
    lock_path = Path(str(path) + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
