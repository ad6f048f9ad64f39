"""The FAISS wrapper: ids are element pks, persistence is atomic, embedders never mix."""
from __future__ import annotations

import numpy as np
import pytest

from indexer.embedding import l2_normalise
from indexer.vectors import IndexMismatch, VectorIndex


def unit_vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    return l2_normalise(np.random.default_rng(seed).normal(size=(n, dim)))


def test_it_finds_each_vector_by_its_element_id():
    index = VectorIndex("test-embedder", 16)
    ids = np.array([101, 205, 309, 4000])
    vecs = unit_vectors(4)
    index.add(ids, vecs)
    scores, found = index.search(vecs, 1)
    assert found[:, 0].tolist() == ids.tolist()
    assert np.allclose(scores[:, 0], 1.0, atol=1e-5)


def test_it_replaces_a_vector_added_again_under_the_same_id():
    index = VectorIndex("test-embedder", 16)
    a, b = unit_vectors(2)
    index.add([7], a[None])
    index.add([7], b[None])
    assert len(index) == 1
    assert np.allclose(index.vectors_of([7])[0], b)


def test_it_removes_ids_and_ignores_unknown_ones():
    index = VectorIndex("test-embedder", 16)
    index.add(np.arange(1, 11), unit_vectors(10))
    assert index.remove(np.array([3, 4, 99])) == 2
    assert sorted(index.ids().tolist()) == [1, 2, 5, 6, 7, 8, 9, 10]


def test_it_persists_atomically_and_loads_back(tmp_path):
    path = tmp_path / "vectors" / "elements.faiss"
    assert VectorIndex.load(path) is None
    index = VectorIndex("efficientnet-lite0-imagenet", 16)
    index.add(np.array([5, 6]), unit_vectors(2))
    index.save(path)
    loaded = VectorIndex.load(path)
    assert (loaded.embedder, loaded.dim, len(loaded)) == ("efficientnet-lite0-imagenet", 16, 2)
    assert sorted(p.name for p in path.parent.iterdir()) == ["elements.faiss",
                                                             "elements.faiss.json"]


def test_it_refuses_vectors_from_another_embedder():
    index = VectorIndex("efficientnet-lite0-imagenet", 1280)
    with pytest.raises(IndexMismatch, match="built with efficientnet-lite0-imagenet"):
        index.check_compatible("open-clip-ViT-B-32-random", 512)
    with pytest.raises(IndexMismatch, match="512 dims"):
        index.add([1], unit_vectors(1, 512))


def test_a_truncated_or_altered_index_file_is_detected_from_its_checksum(tmp_path):
    from indexer.vectors import CorruptIndex

    path = tmp_path / "elements.faiss"
    index = VectorIndex("emb", 8)
    index.add(np.arange(50), np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32))
    index.save(path)
    assert len(VectorIndex.load(path)) == 50
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptIndex, match="bytes.*run `python manage.py rebuild_index`"):
        VectorIndex.load(path)
    altered = bytearray(data)
    altered[-5] ^= 0xFF
    path.write_bytes(bytes(altered))
    with pytest.raises(CorruptIndex, match="checksum does not match"):
        VectorIndex.load(path)
    VectorIndex.sidecar(path).write_text("{not json")
    with pytest.raises(CorruptIndex, match="sidecar elements.faiss.json is unreadable"):
        VectorIndex.load(path)
