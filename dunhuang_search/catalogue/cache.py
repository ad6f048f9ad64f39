"""Murals with their cave, site and period, kept per process for the pages and answers that list
elements (search results): reference data, read once and then joined in Python, not in every
query. Entries are kept under the catalogue revision they were read at (catalogue/revision.py)
and dropped as soon as the revision a request sees is another, so an edit, a bulk update or a
restore is seen at once, by every process.

The cached objects are shared between threads: read them, never change or save them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from .models import Mural
from .revision import current

MAX_MURALS = 50_000  # beyond this many entries the cache starts again (a few KB each)

_lock = threading.Lock()
_revision: object = object()  # matches no revision: the first call reads
_murals: dict[int, Mural] = {}


def murals(ids: Iterable[int]) -> dict[int, Mural]:
    """Mural id -> the Mural with cave, cave.site and period loaded, for those that exist."""
    global _revision, _murals
    wanted = set(ids)
    revision = current()
    with _lock:
        if revision != _revision:
            _revision, _murals = revision, {}
        entries = _murals  # the entries of this revision, even if another thread moves on
        missing = [pk for pk in wanted if pk not in entries]
    found = Mural.objects.select_related("cave__site", "period").in_bulk(missing) if missing else {}
    if found:
        with _lock:
            if _revision == revision:
                if len(_murals) + len(found) > MAX_MURALS:
                    _murals = {}
                _murals.update(found)
    return {pk: entries.get(pk) or found[pk] for pk in wanted if pk in entries or pk in found}


def attach(elements: Iterable) -> None:
    """Give each element (anything with mural_id) its cached mural, so that element.mural,
    .mural.cave, .mural.cave.site and .mural.period cost no query."""
    elements = list(elements)
    found = murals(element.mural_id for element in elements)
    field = elements[0]._meta.get_field("mural") if elements else None
    for element in elements:
        mural = found.get(element.mural_id)
        if mural is not None:
            field.set_cached_value(element, mural)
