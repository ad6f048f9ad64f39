"""Nearest elements to a vector, under filters: FAISS first, widened until k survive the
filters, or an exact pgvector query with the filter in SQL when the filter is selective.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest, Least
from pgvector.django import MaxInnerProduct

from dunhuang_search.elements.models import Element
from indexer.boxes import iou as box_iou

from .faiss_service import LoadedIndex

WIDEN_FACTOR = 4


@dataclass
class Neighbours:
    hits: list[tuple[int, float]]  # (element id, cosine similarity), best first
    strategy: str  # "exact-filtered" | "faiss-flat" | "faiss-ivf" | "pgvector-exact"
    faiss_k: int = 0  # the widest k asked of FAISS
    rows: dict[int, Element] | None = None  # the hits' rows, when the search fetched them


@dataclass(frozen=True)
class Exclusion:
    """The query's own spot: the query element, and boxes of the same mural at IoU >= iou."""

    mural_id: int
    box: tuple[int, int, int, int]
    element_id: int | None = None
    iou: float = 0.5

    def q(self) -> Q:
        same_spot = near_duplicates(self.mural_id, self.box, self.iou)
        return same_spot | Q(pk=self.element_id) if self.element_id else same_spot

    def matches(self, element: Element) -> bool:
        if element.pk == self.element_id:
            return True
        if element.mural_id != self.mural_id:
            return False
        return box_iou(self.box, (element.x, element.y, element.w, element.h)) >= self.iou


def near_duplicates(mural_id: int, box: tuple[int, int, int, int], iou: float = 0.5) -> Q:
    """Elements on the same spot of the same mural: box IoU with `box` at least `iou`."""
    x, y, w, h = box
    inter_w = Greatest(Least(F("x") + F("w"), x + w) - Greatest(F("x"), x), 0)
    inter_h = Greatest(Least(F("y") + F("h"), y + h) - Greatest(F("y"), y), 0)
    inter = inter_w * inter_h
    union = F("w") * F("h") + w * h - inter
    return Q(mural_id=mural_id) & Q(
        pk__in=Element.objects.filter(mural_id=mural_id)
        .alias(_inter=inter, _union=union)
        .filter(_inter__gte=iou * F("_union"))
        .values("pk")
    )


def searchable(index: LoadedIndex, condition: Q, exclude: Q | None = None) -> QuerySet[Element]:
    queryset = Element.objects.filter(embedder=index.embedder, embedding__isnull=False)
    queryset = queryset.filter(condition)
    return queryset.exclude(exclude) if exclude is not None else queryset


def exact_pgvector(
    queryset: QuerySet[Element], vector: np.ndarray, k: int
) -> list[tuple[int, float]]:
    rows = (
        queryset.annotate(distance=MaxInnerProduct("embedding", vector))
        .order_by("distance", "pk")
        .values_list("pk", "distance")[:k]
    )
    return [(pk, -float(distance)) for pk, distance in rows]


def exact_within(
    index: LoadedIndex, queryset: QuerySet[Element], ids: list[int], vector: np.ndarray, k: int
) -> list[tuple[int, float]]:
    """The k of `ids` (rows of `queryset`) nearest `vector`, exactly: scored from the loaded
    index's vectors, and by pgvector for any row the index does not hold (added since the
    index was last written)."""
    held, scores = index.scores_of(np.asarray(ids, dtype=np.int64), vector)
    hits = [(int(i), float(s)) for i, s in zip(held[:k], scores[:k], strict=True)]
    if len(held) < len(ids):
        unheld = sorted(set(ids) - set(held.tolist()))
        hits += exact_pgvector(queryset.filter(pk__in=unheld), vector, k)
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
    return hits[:k]


def nearest(
    index: LoadedIndex,
    vector: np.ndarray,
    k: int,
    condition: Q,
    exclude: Exclusion | None = None,
    narrowing: bool = True,
    fetch: Callable[[QuerySet], QuerySet] | None = None,
) -> Neighbours:
    """The k elements nearest `vector` that meet `condition` and are not excluded.

    A selective filter (at most SEARCH_EXACT_MAX rows pass it) is answered exactly: SQL picks
    the rows, and each is scored from its vector in the loaded index (a row the index does not
    hold yet, by pgvector). Otherwise FAISS is asked for k, then 4x as many, and so on up to
    SEARCH_MAX_FAISS_K, keeping the hits that pass the filter in SQL; if that is still short,
    pgvector answers exactly. `fetch` shapes the rows the FAISS path reads (e.g. with their
    relations), so a caller that needs them gets them in the same query.
    """
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    queryset = searchable(index, condition, None)
    if narrowing:
        excluded = queryset.exclude(exclude.q()) if exclude else queryset
        passing = list(excluded.values_list("pk", flat=True)[: settings.SEARCH_EXACT_MAX + 1])
        if len(passing) <= settings.SEARCH_EXACT_MAX:
            return Neighbours(exact_within(index, excluded, passing, vector, k), "exact-filtered")
    strategy = "faiss-flat" if index.exact else "faiss-ivf"
    wanted = min(index.count, k + 16)
    rows_of = fetch or (lambda qs: qs.only("pk", "mural_id", "x", "y", "w", "h"))
    while True:
        scores, ids = index.search(vector[None, :], wanted)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        rows = {
            row.pk: row
            for row in rows_of(queryset.filter(pk__in=[i for i, _ in pairs]))
            if not (exclude and exclude.matches(row))
        }
        hits = [(i, s) for i, s in pairs if i in rows][:k]
        if len(hits) >= k or (index.exact and wanted >= index.count):
            return Neighbours(hits, strategy, wanted, rows if fetch else None)
        # IVF probes only some lists: a short answer there is not the whole collection
        if len(pairs) < wanted or wanted >= min(settings.SEARCH_MAX_FAISS_K, index.count):
            excluded = queryset.exclude(exclude.q()) if exclude else queryset
            return Neighbours(exact_pgvector(excluded, vector, k), "pgvector-exact", wanted)
        wanted = min(wanted * WIDEN_FACTOR, settings.SEARCH_MAX_FAISS_K, index.count)
