"""Putting things on a board: an item from an element or a mural region, what it freezes when
added, where it sits (lane or tray), and its dating (the override, else its mural's period,
else undated: `Mural.period` may be None)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from dunhuang_search.catalogue.models import Mural, Period
from dunhuang_search.elements.models import Element

from .models import Board, BoardItem, Lane

CROP_BOX = 240


class BoardInputError(ValueError):
    """Bad input for a board operation, named in one line (a 400 or an exit 2)."""


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int


def period_facts(period: Period | None) -> dict | None:
    if period is None:
        return None
    return {
        "slug": period.slug,
        "name": period.name,
        "name_zh": period.name_zh,
        "start_year": period.start_year,
        "end_year": period.end_year,
    }


def frozen_facts(mural: Mural, element: Element | None = None) -> dict:
    """What an item shows of its source, copied when it is added."""
    category = element.category if element is not None else None
    return {
        "mural_id": mural.pk,
        "element_id": element.pk if element is not None else None,
        "site": mural.cave.site.name,
        "site_slug": mural.cave.site.slug,
        "site_zh": mural.cave.site.name_zh,
        "cave": mural.cave.number,
        "wall": mural.wall,
        "period": period_facts(getattr(mural, "period", None)),
        "dpi": mural.dpi,
        "mural_width": mural.width,
        "mural_height": mural.height,
        "category": category.name if category else "",
        "category_zh": category.name_zh if category else "",
    }


def check_box(mural: Mural, box: Box) -> Box:
    if box.w <= 0 or box.h <= 0:
        raise BoardInputError("the region must have a positive width and height")
    if box.x < 0 or box.y < 0 or box.x + box.w > mural.width or box.y + box.h > mural.height:
        raise BoardInputError(
            f"the region {box.x},{box.y},{box.w},{box.h} lies outside mural {mural.pk} "
            f"({mural.width} x {mural.height} px)"
        )
    return box


def lane_of(board: Board, lane_id: int | None) -> Lane | None:
    if lane_id is None:
        return None
    lane = board.lanes.filter(pk=lane_id).first()
    if lane is None:
        raise BoardInputError(f"board {board.pk} has no lane {lane_id}")
    return lane


def _next_position(board: Board, lane: Lane | None) -> int:
    top = board.items.filter(lane=lane).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def add_item(
    board: Board,
    *,
    element: Element | None = None,
    mural: Mural | None = None,
    box: Box | None = None,
    lane: Lane | None = None,
    caption: str = "",
    note: str = "",
) -> BoardItem:
    """An element, or a region of a mural, added at the end of `lane` (None: the tray)."""
    if element is not None:
        mural, box = element.mural, Box(element.x, element.y, element.w, element.h)
        kind = BoardItem.Kind.ELEMENT
    elif mural is not None and box is not None:
        check_box(mural, box)
        kind = BoardItem.Kind.REGION
    else:
        raise BoardInputError("an item needs an element, or a mural and a region")
    with transaction.atomic():
        item = BoardItem.objects.create(
            board=board,
            kind=kind,
            element=element,
            mural=mural,
            x=box.x,
            y=box.y,
            w=box.w,
            h=box.h,
            lane=lane,
            position=_next_position(board, lane),
            caption=caption,
            note=note,
            frozen=frozen_facts(mural, element),
        )
        board.save(update_fields=["updated_at"])
    return item


def move_item(item: BoardItem, lane: Lane | None, position: int | None = None) -> BoardItem:
    """Move into `lane` (None: the tray), at `position` (default: the end), renumbering."""
    with transaction.atomic():
        items = item.board.items.select_for_update().exclude(pk=item.pk).order_by("position", "pk")
        siblings = list(items.filter(lane=lane))
        left = list(items.filter(lane_id=item.lane_id)) if item.lane_id != getattr(
            lane, "pk", None) else []  # fmt: skip
        at = len(siblings) if position is None else max(0, min(position, len(siblings)))
        siblings.insert(at, item)
        item.lane = lane
        for group in (siblings, left):
            for index, sibling in enumerate(group):
                sibling.position = index
        BoardItem.objects.bulk_update(siblings + left, ["lane", "position"])
        item.board.save(update_fields=["updated_at"])
    return item


def set_override(
    item: BoardItem,
    *,
    period: Period | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
    reason: str = "",
) -> BoardItem:
    """Override the item's dating with a period or a year range, and a reason; all None and
    an empty reason clears it."""
    clearing = period is None and start_year is None and end_year is None
    if not clearing:
        if not reason.strip():
            raise BoardInputError("a dating override needs a reason")
        if period is not None and (start_year is not None or end_year is not None):
            raise BoardInputError("override with a period or with a year range, not both")
        if period is None and (start_year is None or end_year is None):
            raise BoardInputError("a year range needs both start_year and end_year")
        if period is None and start_year > end_year:
            raise BoardInputError(
                f"the period range starts after it ends ({start_year} > {end_year})"
            )
    item.override_period = period
    item.override_start_year, item.override_end_year = start_year, end_year
    item.override_reason = "" if clearing else reason.strip()
    with transaction.atomic():
        item.save()
        item.board.save(update_fields=["updated_at"])
    return item


def item_dating(item: BoardItem) -> dict:
    """{source: override|mural|undated, period (facts or None), start_year, end_year, reason}."""
    if item.override_period_id is not None or item.override_start_year is not None:
        period = period_facts(item.override_period) if item.override_period_id else None
        start = period["start_year"] if period else item.override_start_year
        end = period["end_year"] if period else item.override_end_year
        return {"source": "override", "period": period, "start_year": start,
                "end_year": end, "reason": item.override_reason}  # fmt: skip
    if item.mural_id is not None:
        period = period_facts(getattr(item.mural, "period", None))
    else:
        period = item.frozen.get("period")
    if period is None:
        return {"source": "undated", "period": None, "start_year": None, "end_year": None,
                "reason": ""}  # fmt: skip
    return {"source": "mural", "period": period, "start_year": period["start_year"],
            "end_year": period["end_year"], "reason": ""}  # fmt: skip


def dating_text(dating: dict) -> str:
    """ "Early Tang (618–704)", "618–704 CE", or "undated"."""
    if dating["period"]:
        period = dating["period"]
        return f"{period['name']} ({period['start_year']}–{period['end_year']})"
    if dating["start_year"] is not None:
        return f"{dating['start_year']}–{dating['end_year']} CE"
    return "undated"


def place_of(facts: dict) -> str:
    """ "Mogao cave 220, south wall" from an item's frozen facts (they outlive the mural); the
    site's name without its "Caves" ("Mogao Caves" -> "Mogao"), as plates cite it."""
    site = str(facts.get("site") or "Unknown site").removesuffix(" Caves")
    return f"{site} cave {facts.get('cave', '?')}, {facts.get('wall', '?')} wall"


def place_text(item: BoardItem) -> str:
    return place_of(item.frozen)


def caption_text(item: BoardItem) -> str:
    """ "Mogao cave 220, south wall, Early Tang (618–704)" (the plate's caption form)."""
    return f"{place_text(item)}, {dating_text(item_dating(item))}"


def region_url(mural_id: int, region: list[int], size: str) -> str:
    """A region of a mural through the IIIF Image API (a site-relative URL)."""
    return reverse(
        "iiif:image",
        kwargs={"pk": mural_id, "region": ",".join(str(v) for v in region), "size": size,
                "rotation": "0", "quality": "default", "fmt": "jpg"},
    )  # fmt: skip


def crop_path(item: BoardItem, size: str = f"^!{CROP_BOX},{CROP_BOX}") -> str | None:
    """The item's region through the IIIF Image API (None once its mural is gone)."""
    if item.mural_id is None:
        return None
    return region_url(item.mural_id, item.bbox, size)
