"""cluster_elements: a category's visible vectors clustered (indexer.motif_clusters) and stored as
MotifGroups with their members, replacing the category's earlier groups in one transaction."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import numpy as np
from django.db import transaction

from dunhuang_search.elements.models import Category, Element
from indexer.motif_clusters import cluster_vectors

from .matrix import fetch_vectors
from .models import MotifGroup, MotifMembership

CHUNK = 20_000


class ClusterInputError(ValueError):
    """Nothing to cluster, or a bad method/k: one line, nothing written."""


def category_vectors(category: Category, qs=None) -> tuple[str, np.ndarray, np.ndarray]:
    """(embedder, ids, vectors) of the category's visible elements with vectors, of the
    embedder most of them use."""
    qs = Element.objects.visible().filter(category=category) if qs is None else qs
    qs = qs.filter(embedding__isnull=False)
    embedders = Counter(qs.values_list("embedder", flat=True))
    if not embedders:
        raise ClusterInputError(f"category {category.slug!r} has no visible elements with vectors")
    embedder = embedders.most_common(1)[0][0]
    ids = list(qs.filter(embedder=embedder).order_by("pk").values_list("pk", flat=True))
    chunks = [fetch_vectors(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]
    return embedder, np.asarray(ids, dtype=np.int64), np.concatenate(chunks)


def cluster_category(
    category: Category,
    method: str = "faiss-kmeans",
    k: int | None = None,
    min_size: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Cluster and store; returns the JSON the command prints."""
    started = time.perf_counter()
    say = progress or (lambda done, total: None)
    _, ids, vectors = category_vectors(category)
    say(1, 3)
    try:
        clusters = cluster_vectors(vectors, method=method, k=k, min_size=min_size)
    except ValueError as exc:
        raise ClusterInputError(str(exc)) from exc
    say(2, 3)
    with transaction.atomic():
        MotifGroup.objects.filter(category=category).delete()
        groups = MotifGroup.objects.bulk_create(
            MotifGroup(
                category=category,
                method=method,
                number=number + 1,
                size=len(members),
                element_ids=ids[members].tolist(),
                typical_id=int(ids[members[0]]),
            )
            for number, members in enumerate(clusters.groups)
        )
        MotifMembership.objects.bulk_create(
            (
                MotifMembership(
                    group=group, element_id=int(ids[i]), similarity=float(clusters.similarity[i])
                )
                for group, members in zip(groups, clusters.groups, strict=True)
                for i in members
            ),
            batch_size=5000,
        )
    say(3, 3)
    return {
        "category": category.slug,
        "method": method,
        "groups": [
            {"id": g.pk, "number": g.number, "size": g.size, "element_ids": g.element_ids}
            for g in groups
        ],
        "unassigned": ids[clusters.labels < 0].tolist(),
        "seconds": round(time.perf_counter() - started, 3),
    }
