"""Writing datings: a scholar's (or an inscription's) dating, an estimate kept as a dating, and
a staff member's acceptance of an estimate into the catalogue. Each is one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dunhuang_search.catalogue.models import Mural, Period
from dunhuang_search.elements.models import Element

from .authority import CATALOGUE, DatingError
from .models import Dating


def resolve_target(mural_id: int | None = None, element_id: int | None = None):
    """(mural, element) for exactly one of the ids; DatingError naming an unknown one."""
    if (mural_id is None) == (element_id is None):
        raise DatingError("give a mural or an element, not both or neither")
    if mural_id is not None:
        mural = Mural.objects.select_related("cave__site", "period").filter(pk=mural_id).first()
        if mural is None:
            raise DatingError(f"unknown mural {mural_id}")
        return mural, None
    element = (
        Element.objects.select_related("mural__cave__site", "mural__period", "category")
        .filter(pk=element_id)
        .first()
    )
    if element is None:
        raise DatingError(f"unknown element {element_id}")
    return element.mural, element


def _years(period: Period | None, start: int | None, end: int | None) -> tuple[int, int]:
    if period is not None:
        start = period.start_year if start is None else start
        end = period.end_year if end is None else end
    if start is None or end is None:
        raise DatingError("give a period or both a start and an end year")
    if start > end:
        raise DatingError(f"the start year {start} is after the end year {end}")
    return int(start), int(end)


def add_dating(
    *,
    mural: Mural | None = None,
    element: Element | None = None,
    period: str | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
    source: str = Dating.Source.SCHOLAR,
    authority: str = "",
    citation: str = "",
    author=None,
    details: dict | None = None,
) -> Dating:
    """A new dating of a mural or an element, checked; DatingError on bad input."""
    if source not in Dating.Source.values:
        raise DatingError(f"unknown source '{source}' (known: {', '.join(Dating.Source.values)})")
    period_row = None
    if period:
        period_row = Period.objects.filter(slug=period).first()
        if period_row is None:
            known = ", ".join(Period.objects.values_list("slug", flat=True))
            raise DatingError(f"unknown period '{period}' (known: {known})")
    start, end = _years(period_row, start_year, end_year)
    authority = (authority or "").strip() or {
        Dating.Source.CATALOGUE: CATALOGUE,
        Dating.Source.INSCRIPTION: "inscription",
        Dating.Source.ASSISTANT: "assistant",
    }.get(source, "")
    if not authority:
        raise DatingError("a scholar's dating needs the scholar's name as its authority")
    if source == Dating.Source.SCHOLAR and authority == CATALOGUE:
        raise DatingError("'catalogue' is the catalogue's authority, not a scholar's name")
    return Dating.objects.create(
        mural=None if element else mural,
        element=element,
        period=period_row,
        start_year=start,
        end_year=end,
        source=source,
        authority=authority,
        citation=citation,
        author=author if getattr(author, "is_authenticated", False) else None,
        details=details or {},
    )


def accept_estimate(dating: Dating, user) -> Mural:
    """Staff accept an assistant's estimate of a mural: its period becomes the catalogue's, and a
    catalogue dating cites the estimate. The estimate itself is kept. DatingError when the dating
    is not an estimate of a mural with a period, or was accepted already."""
    if dating.source != Dating.Source.ASSISTANT:
        raise DatingError(f"dating {dating.pk} is not an estimate of the assistant")
    if dating.mural_id is None or dating.period_id is None:
        raise DatingError(f"estimate {dating.pk} names no period of a mural to accept")
    if dating.accepted_at is not None:
        raise DatingError(f"estimate {dating.pk} was accepted already")
    with transaction.atomic():
        mural = Mural.objects.select_for_update().get(pk=dating.mural_id)
        previous = mural.period.slug if mural.period else "undated"
        mural.period_id = dating.period_id
        mural.save(update_fields=["period"])
        dating.accepted_by = user if getattr(user, "is_authenticated", False) else None
        dating.accepted_at = timezone.now()
        dating.save(update_fields=["accepted_by", "accepted_at"])
        Dating.objects.create(
            mural=mural,
            period_id=dating.period_id,
            start_year=dating.period.start_year,
            end_year=dating.period.end_year,
            source=Dating.Source.CATALOGUE,
            authority=CATALOGUE,
            citation=f"accepted from the assistant's estimate {dating.pk} (was {previous})",
            author=dating.accepted_by,
        )
    return mural


def save_estimate(mural: Mural, element: Element | None, result: dict) -> Dating:
    """The assistant's estimate kept as a Dating (its period and interval; the whole result in
    `details`), for staff to accept. An abstained estimate keeps its interval, without period."""
    if result["interval"] is None:
        raise DatingError(f"nothing to keep: {result['reason']}")
    start, end = result["interval"]
    return add_dating(
        mural=mural,
        element=element,
        period=None if result["abstained"] else result["period"],
        start_year=start,
        end_year=end,
        source=Dating.Source.ASSISTANT,
        citation=f"dating assistant, authority {result['authority']}",
        details=result,
    )
