"""Motif groups: clustering a category's unit vectors (Django-free).

Methods, all well-kept implementations:
- `faiss-kmeans` (default): spherical k-means from FAISS; k = round(sqrt(n / 2)) unless given.
  Scales to 100,000 vectors in seconds on 2 cores.
- `agglomerative`: scikit-learn, average linkage on cosine distance cut at `threshold`;
  quadratic memory, so at most AGGLOMERATIVE_MAX vectors.
- `hdbscan`: scikit-learn's HDBSCAN on the unit vectors (Euclidean on the sphere is monotone in
  cosine); points it leaves as noise are unassigned.
Groups smaller than `min_size` are dissolved into the unassigned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

METHODS = ("faiss-kmeans", "agglomerative", "hdbscan")
AGGLOMERATIVE_MAX = 20_000
HDBSCAN_MAX = 50_000


@dataclass
class Clusters:
    method: str
    labels: np.ndarray  # one per vector; -1 unassigned
    groups: list[np.ndarray]  # member indices, closest to the group's centre first, largest first
    similarity: np.ndarray  # each vector's cosine similarity to its group's centre (0 if none)


def unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def default_k(n: int) -> int:
    return max(1, min(n, round(math.sqrt(n / 2))))


def _kmeans(vectors: np.ndarray, k: int | None, seed: int) -> np.ndarray:
    import faiss

    k = default_k(len(vectors)) if k is None else min(k, len(vectors))
    if k <= 1:
        return np.zeros(len(vectors), dtype=np.int64)
    km = faiss.Kmeans(
        vectors.shape[1],
        k,
        niter=20,
        seed=seed,
        spherical=True,
        verbose=False,
        max_points_per_centroid=512,
        nredo=3 if len(vectors) <= 20_000 else 1,
        min_points_per_centroid=1,
    )
    km.train(vectors)
    _, labels = km.index.search(vectors, 1)
    return labels[:, 0].astype(np.int64)


def _agglomerative(vectors: np.ndarray, k: int | None, threshold: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    if len(vectors) > AGGLOMERATIVE_MAX:
        raise ValueError(
            f"agglomerative clustering takes at most {AGGLOMERATIVE_MAX} vectors, not "
            f"{len(vectors)}; use faiss-kmeans"
        )
    model = AgglomerativeClustering(
        n_clusters=k,
        distance_threshold=None if k else threshold,
        metric="cosine",
        linkage="average",
    )
    return model.fit_predict(vectors).astype(np.int64)


def _hdbscan(vectors: np.ndarray, min_size: int) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    if len(vectors) > HDBSCAN_MAX:
        raise ValueError(f"hdbscan takes at most {HDBSCAN_MAX} vectors here; use faiss-kmeans")
    return HDBSCAN(min_cluster_size=max(2, min_size), copy=True).fit_predict(vectors)


def cluster_vectors(
    vectors: np.ndarray,
    method: str = "faiss-kmeans",
    k: int | None = None,
    min_size: int = 2,
    threshold: float = 0.35,
    seed: int = 0,
) -> Clusters:
    """Cluster unit vectors (normalised here) into groups; ValueError on a bad method or input."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; methods are {', '.join(METHODS)}")
    if len(vectors) == 0:
        raise ValueError("there are no vectors to cluster")
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    x = unit(vectors)
    if len(x) == 1:
        raw = np.zeros(1, dtype=np.int64)
    elif method == "faiss-kmeans":
        raw = _kmeans(x, k, seed)
    elif method == "agglomerative":
        raw = _agglomerative(x, k, threshold)
    else:
        raw = _hdbscan(x, min_size)
    labels = np.full(len(x), -1, dtype=np.int64)
    similarity = np.zeros(len(x), dtype=np.float32)
    members = [np.flatnonzero(raw == value) for value in np.unique(raw[raw >= 0])]
    members = [m for m in members if len(m) >= min_size]
    members.sort(key=lambda m: (-len(m), int(m[0])))
    groups = []
    for number, m in enumerate(members):
        centre = x[m].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        sims = x[m] @ centre
        order = np.argsort(-sims, kind="stable")
        groups.append(m[order])
        labels[m] = number
        similarity[m] = sims
    return Clusters(method, labels, groups, similarity)


def purity(truth: list, labels: np.ndarray) -> float:
    """The share of clustered vectors whose group's majority truth label is theirs (unassigned
    vectors count as wrong)."""
    truth = np.asarray(truth)
    right = 0
    for value in np.unique(labels[labels >= 0]):
        _, counts = np.unique(truth[labels == value], return_counts=True)
        right += int(counts.max())
    return right / len(truth) if len(truth) else 0.0


def cluster_quality(truth: list, labels: np.ndarray) -> dict:
    """Purity and scikit-learn's adjusted Rand index against the truth (unassigned vectors are
    singletons for ARI)."""
    from sklearn.metrics import adjusted_rand_score

    labels = np.asarray(labels)
    pure = purity(truth, labels)
    labels = labels.copy()
    singles = labels < 0
    labels[singles] = labels.max(initial=0) + 1 + np.arange(int(singles.sum()))
    return {
        "purity": round(pure, 4),
        "ari": round(float(adjusted_rand_score(truth, labels)), 4),
    }
