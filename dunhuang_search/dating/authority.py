"""Whose datings count as truth: an *authority*.

`catalogue` (the default) is Mural.period. Any other authority is a scholar's name, as written
in Dating.authority: their datings of murals (and of single elements, which win over the
mural's) are the truth, and murals they have not dated are undated under them. A year-range
dating counts as the period it overlaps most.
"""

from __future__ import annotations

from django.db.models import Q

from dunhuang_search.catalogue.models import Mural, Period
from indexer.dating.votes import PeriodSpan

from .models import Dating

CATALOGUE = "catalogue"


class DatingError(ValueError):
    """Bad input to the dating app (unknown mural, element or authority; years out of order):
    a CLI exits 2 with it, the API answers 400."""


def period_spans() -> list[PeriodSpan]:
    return [
        PeriodSpan(p.slug, p.start_year, p.end_year)
        for p in Period.objects.order_by("start_year", "end_year")
    ]


def period_of_years(start: int, end: int, periods: list[PeriodSpan]) -> str | None:
    """The period a year range overlaps most (the earlier on a tie); None outside them all."""
    best, best_overlap = None, 0
    for p in periods:
        overlap = min(end, p.end) - max(start, p.start) + 1
        if overlap > best_overlap:
            best, best_overlap = p.slug, overlap
    return best


def known_authorities() -> list[str]:
    scholars = (
        Dating.objects.filter(source=Dating.Source.SCHOLAR)
        .order_by("authority")
        .values_list("authority", flat=True)
        .distinct()
    )
    return [CATALOGUE, *scholars]


def check_authority(name: str | None) -> str:
    """The authority's name (catalogue when none is given); DatingError if no one of that name
    has dated anything."""
    name = (name or CATALOGUE).strip()
    if (
        name == CATALOGUE
        or Dating.objects.filter(source=Dating.Source.SCHOLAR, authority=name).exists()
    ):
        return name
    known = ", ".join(known_authorities())
    raise DatingError(f"unknown authority '{name}' (known: {known})")


def _latest(datings, key: str, periods: list[PeriodSpan]) -> dict[int, str]:
    """{mural or element id: period slug} from the newest dating of each."""
    found: dict[int, str] = {}
    rows = datings.order_by("created_at", "id").values_list(
        key, "period__slug", "start_year", "end_year"
    )
    for target, slug, start, end in rows:
        slug = slug or period_of_years(start, end, periods)
        if slug:
            found[target] = slug
    return found


def mural_periods(authority: str, periods: list[PeriodSpan]) -> dict[int, str]:
    """{mural id: period slug} of every mural dated under the authority."""
    if authority == CATALOGUE:
        return dict(Mural.objects.filter(period__isnull=False).values_list("id", "period__slug"))
    scholar = Dating.objects.filter(
        source=Dating.Source.SCHOLAR, authority=authority, mural__isnull=False
    )
    return _latest(scholar, "mural_id", periods)


def element_periods(authority: str, periods: list[PeriodSpan]) -> dict[int, str]:
    """{element id: period slug} of the elements dated on their own under the authority."""
    sources = [Dating.Source.CATALOGUE] if authority == CATALOGUE else [Dating.Source.SCHOLAR]
    own = Dating.objects.filter(source__in=sources, authority=authority, element__isnull=False)
    return _latest(own, "element_id", periods)


def dated_elements(authority: str, murals: dict[int, str], elements: dict[int, str]) -> Q:
    """The elements that have a period under the authority (their own, or their mural's)."""
    if authority == CATALOGUE:
        return Q(mural__period__isnull=False) | Q(pk__in=list(elements))
    return Q(mural_id__in=list(murals)) | Q(pk__in=list(elements))
