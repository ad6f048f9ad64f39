"""Motif groups as the pages show them: rows of crops with size, periods and caves."""

from __future__ import annotations

from collections import Counter

from dunhuang_search.elements.models import Category, Element
from dunhuang_search.search.links import crop_url

from .models import MotifGroup, refresh_stale

ROW_CROPS = 12


def group_rows(category: Category, limit: int = 50) -> list[dict]:
    refresh_stale(category)
    groups = list(MotifGroup.objects.filter(category=category).order_by("number")[:limit])
    shown = {i for g in groups for i in g.element_ids[:ROW_CROPS]}
    every = {i for g in groups for i in g.element_ids}
    elements = {
        e.pk: e
        for e in Element.objects.filter(pk__in=shown).select_related("mural").defer("embedding")
    }
    places = {
        row[0]: row[1:]
        for row in Element.objects.filter(pk__in=every).values_list(
            "pk", "mural__period__name", "mural__cave__number"
        )
    }
    rows = []
    for g in groups:
        periods = Counter(places[i][0] for i in g.element_ids if i in places)
        caves = Counter(places[i][1] for i in g.element_ids if i in places)
        crops = [
            {"element": elements[i], "crop_url": crop_url(elements[i], 100)}
            for i in g.element_ids[:ROW_CROPS]
            if i in elements
        ]
        rows.append(
            {
                "group": g,
                "crops": crops,
                "periods": [p for p, _ in periods.most_common()],
                "caves": sorted(caves),
                "ids": ",".join(str(i) for i in g.element_ids if i in places),
            }
        )
    return rows
