"""The FAISS service: loaded once, reloaded when the file changes, flat or IVF by size,
and safe to search from many threads while the file is rewritten."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from dunhuang_search.search import faiss_service
from indexer.vectors import VectorIndex

DIM = 16


def write_index(path, n, seed=0, start_id=1):
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(n, DIM)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    index = VectorIndex("test-embedder", DIM)
    index.add(np.arange(start_id, start_id + n), data, replace=False)
    index.save(path)
    return data


def test_it_loads_once_and_reloads_when_the_file_changes(settings):
    path = settings.VECTOR_INDEX_PATH
    write_index(path, 100)
    service = faiss_service.FaissService(path, threshold=10_000)
    first = service.get()
    assert service.get() is first  # not reloaded while the file is unchanged
    assert first.kind == "flat-ip" and first.count == 100

    write_index(path, 150, seed=1)

    second = service.get()
    assert second is not first and second.count == 150


def test_a_missing_index_says_how_to_build_one(settings):
    service = faiss_service.FaissService(settings.VECTOR_INDEX_PATH, threshold=10)
    with pytest.raises(faiss_service.NoIndexError, match="manage.py index --all"):
        service.get()


def test_above_the_threshold_it_searches_an_ivf_index_with_recorded_parameters(settings):
    path = settings.VECTOR_INDEX_PATH
    data = write_index(path, 3000)
    settings.SEARCH_IVF_NPROBE = 20
    loaded = faiss_service.FaissService(path, threshold=1000).get()
    assert loaded.kind == "ivf-flat"
    assert loaded.params == {"nlist": 110, "nprobe": 20, "train_size": 3000}
    meta = json.loads(VectorIndex.sidecar(path.with_suffix(".faiss.ivf")).read_text())
    assert meta["nlist"] == 110 and meta["nprobe"] == 20 and meta["count"] == 3000

    _, ids = loaded.search(data[:50], 1)
    assert (ids[:, 0] == np.arange(1, 51)).mean() >= 0.95  # each vector finds itself


def test_the_persisted_ivf_is_brought_in_line_with_a_changed_flat_file(settings):
    path = settings.VECTOR_INDEX_PATH
    write_index(path, 2000)
    faiss_service.FaissService(path, threshold=1000).get()
    flat = VectorIndex.load(path)
    flat.remove(np.arange(1, 101))
    extra = np.random.default_rng(5).normal(size=(50, DIM)).astype(np.float32)
    flat.add(np.arange(5001, 5051), extra / np.linalg.norm(extra, axis=1, keepdims=True))
    flat.save(path)

    reloaded = faiss_service.FaissService(path, threshold=1000).get()

    ids = set(faiss_service.ivf_ids(reloaded.index).tolist())
    assert len(ids) == 1950 and 50 not in ids and 5050 in ids
    meta = json.loads(VectorIndex.sidecar(path.with_suffix(".faiss.ivf")).read_text())
    assert meta["trained_for"] == 2000  # updated by id, not retrained


def test_searches_from_many_threads_survive_rewrites_of_the_file(settings):
    path = settings.VECTOR_INDEX_PATH
    write_index(path, 500)
    service = faiss_service.FaissService(path, threshold=10_000)
    query = np.ones((1, DIM), np.float32) / np.sqrt(DIM)
    errors, counts = [], set()
    stop = threading.Event()

    def searcher():
        try:
            while not stop.is_set():
                loaded = service.get()
                _, ids = loaded.search(query, 5)
                assert (ids >= 1).all()
                counts.add(loaded.count)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(6)]
    for thread in threads:
        thread.start()
    for n in (600, 700, 800):
        write_index(path, n, seed=n)
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert counts <= {500, 600, 700, 800}
    assert service.get().count == 800
