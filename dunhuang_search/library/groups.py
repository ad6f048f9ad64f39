"""Motif groups and shared templates as the pages show them: rows of crops with size, periods
and caves; likely stencil pairs per template and per cave pair."""

from __future__ import annotations

from collections import Counter

from dunhuang_search.elements.models import Category, Element
from dunhuang_search.search.links import crop_url

from .models import MotifGroup, StencilPair, refresh_stale

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
    places = {  # visible members only: a selection of hidden ones would be refused
        row[0]: row[1:]
        for row in Element.objects.visible()
        .filter(pk__in=every)
        .values_list("pk", "mural__period__name", "mural__cave__number")
    }
    stencil_pairs = list(StencilPair.objects.filter(category=category).values_list("a_id", "b_id"))
    rows = []
    for g in groups:
        members = set(g.element_ids)
        within = sum(1 for a, b in stencil_pairs if a in members and b in members)
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
                "stencil_pairs": within,
            }
        )
    return rows


def stencil_rows(category: Category, limit: int = 30) -> dict:
    """The stored likely-same-template pairs: per template (crops, caves) and per cave pair."""
    pairs = list(
        StencilPair.objects.filter(category=category)
        .select_related("a__mural__cave", "b__mural__cave")
        .defer("a__embedding", "b__embedding")
    )
    templates: dict[tuple[bool, int], dict] = {}
    cave_pairs: Counter = Counter()
    for p in pairs:
        row = templates.setdefault(
            (p.line_only, p.template),
            {"number": p.template, "line_only": p.line_only, "elements": {}, "caves": set()},
        )
        for e in (p.a, p.b):
            row["elements"][e.pk] = e
            row["caves"].add(e.mural.cave.number)
        cave_pairs[tuple(sorted((p.a.mural.cave.number, p.b.mural.cave.number)))] += 1
    rows = []
    for row in sorted(templates.values(), key=lambda r: -len(r["elements"]))[:limit]:
        elements = list(row["elements"].values())
        rows.append(
            {
                **row,
                "size": len(elements),
                "caves": sorted(row["caves"]),
                "crops": [
                    {"element": e, "crop_url": crop_url(e, 100)} for e in elements[:ROW_CROPS]
                ],
            }
        )
    return {
        "templates": rows,
        "cave_pairs": [{"caves": c, "count": n} for c, n in cave_pairs.most_common(20)],
    }
