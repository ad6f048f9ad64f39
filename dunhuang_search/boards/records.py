"""A board as data: the JSON record its export, its snapshots and its import share, the CSV
export, publishing a snapshot, and importing a record into a new board."""

from __future__ import annotations

import csv
import io

from django.db import transaction

from dunhuang_search.catalogue.models import Mural, Period
from dunhuang_search.elements.models import Element

from .items import BoardInputError, Box, caption_text, crop_path, frozen_facts, item_dating
from .models import Board, BoardItem, BoardSnapshot, Lane

FORMAT = "dunhuang-search/board@1"
CSV_COLUMNS = [
    "item", "kind", "element", "mural", "site", "cave", "wall", "region", "lane", "position",
    "caption", "note", "dating_source", "period", "start_year", "end_year", "dating_reason",
    "source_gone", "crop",
]  # fmt: skip


class EmptyBoard(BoardInputError):
    """Exporting or publishing a board without items."""


def ordered_items(board: Board) -> list[BoardItem]:
    """Lanes in their order, then the tray; by position within each."""
    items = board.items.select_related("mural__cave__site", "mural__period", "lane",
                                       "override_period", "element__category")  # fmt: skip
    lane_order = {lane.pk: i for i, lane in enumerate(board.lanes.all())}
    return sorted(
        items, key=lambda i: (lane_order.get(i.lane_id, len(lane_order)), i.position, i.pk)
    )


def item_record(item: BoardItem) -> dict:
    source_gone = item.source_gone
    note = item.note
    if source_gone:
        gone = "element" if item.kind == BoardItem.Kind.ELEMENT else "mural"
        note = (note + "\n" if note else "") + f"[frozen crop: its source {gone} was deleted]"
    return {
        "id": item.pk,
        "kind": item.kind,
        "element_id": item.element_id,
        "mural_id": item.mural_id_shown,
        "region": item.bbox,
        "lane": item.lane.name if item.lane_id else None,
        "position": item.position,
        "caption": item.caption or caption_text(item),
        "own_caption": item.caption,
        "note": note,
        "dating": item_dating(item),
        "source_gone": source_gone,
        "crop": crop_path(item),
        "frozen": item.frozen,
    }


def board_record(board: Board) -> dict:
    return {
        "format": FORMAT,
        "board": board.pk,
        "title": board.title,
        "description": board.description,
        "lanes": [lane.name for lane in board.lanes.all()],
        "items": [item_record(item) for item in ordered_items(board)],
    }


def nonempty_record(board: Board) -> dict:
    record = board_record(board)
    if not record["items"]:
        raise EmptyBoard(f"board {board.pk} has no items to export")
    return record


def publish_snapshot(board: Board, user) -> BoardSnapshot:
    """Freeze the board (items, crops, captions, datings) as a new snapshot."""
    record = board_record(board)
    if not record["items"]:
        raise EmptyBoard(f"board {board.pk} has no items to publish")
    return BoardSnapshot.objects.create(
        board=board, title=board.title, published_by=user, data=record
    )


def board_csv(record: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in record["items"]:
        facts, dating = item["frozen"], item["dating"]
        writer.writerow([
            item["id"], item["kind"], item["element_id"] or "", item["mural_id"] or "",
            facts.get("site", ""), facts.get("cave", ""), facts.get("wall", ""),
            ",".join(str(v) for v in item["region"]), item["lane"] or "", item["position"],
            item["caption"], item["note"], dating["source"],
            dating["period"]["slug"] if dating["period"] else "",
            "" if dating["start_year"] is None else dating["start_year"],
            "" if dating["end_year"] is None else dating["end_year"],
            dating["reason"], "yes" if item["source_gone"] else "no", item["crop"] or "",
        ])  # fmt: skip
    return out.getvalue()


# import ---------------------------------------------------------------------------------------


def _field(entry: dict, name: str, kind: type, index: int):
    value = entry.get(name)
    if not isinstance(value, kind):
        raise BoardInputError(f"item {index}: {name!r} must be a {kind.__name__}")
    return value


def _override(entry: dict, index: int) -> dict:
    dating = entry.get("dating") or {}
    if dating.get("source") != "override":
        return {}
    period = dating.get("period")
    fields = {"override_reason": str(dating.get("reason") or "")}
    if period:
        row = Period.objects.filter(slug=period.get("slug")).first()
        if row is None:
            raise BoardInputError(f"item {index}: unknown period {period.get('slug')!r}")
        return {**fields, "override_period": row}
    start, end = dating.get("start_year"), dating.get("end_year")
    if not isinstance(start, int) or not isinstance(end, int) or start > end:
        raise BoardInputError(f"item {index}: the override's years must be ordered integers")
    return {**fields, "override_start_year": start, "override_end_year": end}


def _imported_item(board: Board, lanes: dict[str, Lane], entry: dict, index: int) -> BoardItem:
    if not isinstance(entry, dict):
        raise BoardInputError(f"item {index} is not an object")
    region = _field(entry, "region", list, index)
    if len(region) != 4 or not all(isinstance(v, int) for v in region):
        raise BoardInputError(f"item {index}: 'region' must be four integers x, y, w, h")
    box = Box(*region)
    frozen = entry.get("frozen") if isinstance(entry.get("frozen"), dict) else {}
    element = Element.objects.filter(pk=entry.get("element_id")).first() if entry.get(
        "element_id") else None  # fmt: skip
    mural = element.mural if element else Mural.objects.filter(pk=entry.get("mural_id")).first()
    if mural is not None and element is None:
        from .items import check_box

        check_box(mural, box)
    lane_name = entry.get("lane")
    if lane_name is not None and lane_name not in lanes:
        raise BoardInputError(f"item {index}: lane {lane_name!r} is not in the board's lanes")
    kind = entry.get("kind")
    if kind not in BoardItem.Kind.values:
        raise BoardInputError(f"item {index}: kind must be element or region")
    if not frozen and mural is not None:
        frozen = frozen_facts(mural, element)
    return BoardItem(
        board=board, kind=kind, element=element, mural=mural,
        x=box.x, y=box.y, w=box.w, h=box.h,
        lane=lanes.get(lane_name) if lane_name else None,
        position=int(entry.get("position") or 0),
        caption=str(entry.get("own_caption", "")), note=str(entry.get("note") or ""),
        frozen=frozen, **_override(entry, index),
    )  # fmt: skip


def import_board(record: dict, owner, title: str | None = None) -> Board:
    """A new board owned by `owner` from an exported record; all of it or, on bad input,
    nothing (BoardInputError names the problem)."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise BoardInputError(f"not a board export (its format must be {FORMAT!r})")
    lanes, items = record.get("lanes", []), record.get("items", [])
    if not isinstance(lanes, list) or not all(isinstance(n, str) and n for n in lanes):
        raise BoardInputError("'lanes' must be a list of lane names")
    if len(set(lanes)) != len(lanes):
        raise BoardInputError("'lanes' names a lane twice")
    if not isinstance(items, list) or not items:
        raise BoardInputError("the export has no items")
    with transaction.atomic():
        board = Board.objects.create(
            owner=owner,
            title=(title or str(record.get("title") or "Imported board"))[:200],
            description=str(record.get("description") or ""),
        )
        made = {name: Lane.objects.create(board=board, name=name[:100], order=i)
                for i, name in enumerate(lanes)}  # fmt: skip
        rows = [_imported_item(board, made, entry, i) for i, entry in enumerate(items)]
        BoardItem.objects.bulk_create(rows)
    return board
