"""Batch targets for the queue: the waiting elements most like a card (same category, cosine
similarity at or above a threshold), and what is left to review on a card's mural."""

from __future__ import annotations

import numpy as np
from django.db.models import Q

from dunhuang_search.elements.models import Element
from dunhuang_search.search.engine import loaded_index
from dunhuang_search.search.query import SearchInputError
from dunhuang_search.search.similarity import exact_pgvector, nearest

from .actions import ReviewError, find_element
from .queue import WAITING_SOURCES

MAX_SIMILAR = 500


def waiting() -> Q:
    return Q(review_state=Element.Review.UNREVIEWED, source__in=WAITING_SOURCES)


def similar_waiting(element_id, threshold: float, limit: int = MAX_SIMILAR) -> list[tuple]:
    """(id, similarity) of the waiting elements of the element's category nearest it with a
    similarity of at least `threshold`, best first (FAISS, or pgvector when there is none)."""
    if not 0.0 <= threshold <= 1.0:
        raise ReviewError(f"threshold must be between 0 and 1, not {threshold}")
    element = find_element(element_id)
    vector = Element.objects.filter(pk=element.pk).values_list("embedding", flat=True).first()
    if vector is None:
        raise ReviewError(f"element {element.pk} has no vector to compare with")
    vector = np.asarray(vector, dtype=np.float32)
    condition = waiting() & Q(category_id=element.category_id) & ~Q(pk=element.pk)
    try:
        index = loaded_index()
    except SearchInputError:
        index = None
    if index is not None and index.embedder == element.embedder:
        hits = nearest(index, vector, limit, condition).hits
    else:
        queryset = Element.objects.filter(condition, embedder=element.embedder)
        hits = exact_pgvector(queryset.exclude(embedding=None), vector, limit)
    return [(pk, round(score, 4)) for pk, score in hits if score >= threshold]


def remaining_on_mural(element_id) -> list[int]:
    """The ids of every waiting element on the element's mural (itself included)."""
    element = find_element(element_id)
    rows = Element.objects.filter(waiting(), mural_id=element.mural_id).order_by("pk")
    return list(rows.values_list("pk", flat=True))
