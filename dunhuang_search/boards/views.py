"""The board pages: the list and create form, the board (timeline, lanes, undated tray, drag
and drop saved through the REST API), compare mode, the public link, a published snapshot,
and the Pin picker that other pages include (templates/boards/_pin_button.html)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_required
from dunhuang_search.catalogue.models import Mural, Period
from dunhuang_search.dating.authority import DatingError
from dunhuang_search.elements.models import Element
from dunhuang_search.elements.selection import SelectionError, element_ids

from .compare import compare_items
from .evidence import pin_evidence as pin_evidence_items
from .exports import viewable_board
from .items import BoardInputError, Box, add_item
from .models import Board, BoardSnapshot, Lane
from .permissions import can_edit, visible_boards
from .records import board_record, publish_snapshot
from .timeline import END_YEAR, START_YEAR, bands, span_of


def board_context(record: dict, lanes: list[dict]) -> dict:
    """What the board template draws, from a record: bands, lanes with their placed items,
    the undated tray (items without a dating, and those put there)."""
    placed = {lane["name"]: [] for lane in lanes}
    tray = []
    for item in record["items"]:
        span = span_of(item["dating"])
        shown = {**item, "span": span and {"left": round(span[0] * 100, 3),
                                           "width": round(span[1] * 100, 3)}}  # fmt: skip
        (placed[item["lane"]] if item["lane"] in placed else tray).append(shown)
    return {
        "bands": [
            {
                **vars(band),
                "left_pct": round(band.left * 100, 3),
                "width_pct": round(band.width * 100, 3),
            }
            for band in bands()
        ],  # fmt: skip
        "start_year": START_YEAR,
        "end_year": END_YEAR,
        "ticks": [
            {"year": y, "left": round((y - START_YEAR) / (END_YEAR - START_YEAR) * 100, 3)}
            for y in range(400, END_YEAR + 1, 100)
        ],  # fmt: skip
        "lanes": [{**lane, "items": placed[lane["name"]]} for lane in lanes],
        "tray": tray,
        "record": record,
    }


def _lanes(board: Board) -> list[dict]:
    return [{"id": lane.pk, "name": lane.name} for lane in board.lanes.all()]


@require_http_methods(["GET", "POST"])
def board_list(request: HttpRequest) -> HttpResponse:
    """Your boards and those shared with you; POST (archaeologists) creates one."""
    if request.method == "POST":
        return create_board(request)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    boards = visible_boards(request.user).select_related("owner")
    return render(request, "boards/list.html", {"boards": boards})


@role_required(ARCHAEOLOGIST)
def create_board(request: HttpRequest) -> HttpResponse:
    title = request.POST.get("title", "").strip()
    if not title:
        boards = visible_boards(request.user).select_related("owner")
        context = {"boards": boards, "error": "A board needs a title."}
        return render(request, "boards/list.html", context, status=400)
    board = Board.objects.create(
        owner=request.user,
        title=title[:200],
        description=request.POST.get("description", "").strip(),
    )
    return redirect("boards:board", pk=board.pk)


@require_http_methods(["GET", "POST"])
def board_page(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        return add_lane(request, pk)
    board = viewable_board(request, pk)
    editable = can_edit(request.user, board)
    lanes = _lanes(board)
    context = {
        **board_context(board_record(board), lanes),
        "board": board,
        "can_edit": editable,
        "config": {
            "board": board.pk,
            "canEdit": editable,
            "itemUrl": reverse("boards:api-item", args=[board.pk, 0]).replace("/0/", "/{id}/"),
        },  # fmt: skip
        "snapshots": board.snapshots.all()[:20],
        "periods": Period.objects.all(),
        "visibilities": Board.Visibility.choices,
    }
    return render(request, "boards/board.html", context)


@role_required(ARCHAEOLOGIST)
def add_lane(request: HttpRequest, pk: int) -> HttpResponse:
    board = viewable_board(request, pk)
    if not can_edit(request.user, board):
        raise PermissionDenied(f"you may view board {pk} but not change it")
    name = request.POST.get("name", "").strip()[:100]
    if not name or board.lanes.filter(name=name).exists():
        messages.error(request, f"Lane “{name}” exists already." if name else "Name the lane.")
    else:
        Lane.objects.create(board=board, name=name, order=board.lanes.count())
    return redirect("boards:board", pk=pk)


@role_required(ARCHAEOLOGIST)
@require_http_methods(["POST"])
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: publish a snapshot; the answer is a link to it (or why not)."""
    board = viewable_board(request, pk)
    if not can_edit(request.user, board):
        raise PermissionDenied(f"you may view board {pk} but not change it")
    try:
        snapshot = publish_snapshot(board, request.user)
    except BoardInputError as exc:
        return render(request, "boards/_published.html", {"error": str(exc)}, status=400)
    return render(request, "boards/_published.html", {"snapshot": snapshot})


def public_board(request: HttpRequest, token: str) -> HttpResponse:
    board = Board.objects.filter(public_token=token, visibility=Board.Visibility.PUBLIC).first()
    if board is None:
        raise Http404("no such public board")
    context = {**board_context(board_record(board), _lanes(board)), "board": board,
               "can_edit": False, "token": token}  # fmt: skip
    return render(request, "boards/public.html", context)


def snapshot_page(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    snapshot = BoardSnapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:
        raise Http404(f"no snapshot {snapshot_id}")
    record = snapshot.data
    lanes = [{"id": None, "name": name} for name in record["lanes"]]
    context = {**board_context(record, lanes), "snapshot": snapshot}
    return render(request, "boards/snapshot.html", context)


def compare_page(request: HttpRequest, pk: int) -> HttpResponse:
    """2–6 items side by side at one physical scale, and an overlay of two."""
    board = viewable_board(request, pk)
    record = board_record(board)
    try:
        chosen = [int(v) for v in request.GET.getlist("items") if v.strip()]
    except ValueError:
        chosen = []
    by_id = {item["id"]: item for item in record["items"]}
    items = [by_id[i] for i in dict.fromkeys(chosen) if i in by_id]
    if not 2 <= len(items) <= 6:
        context = {"board": board, "error": "Pick two to six items of this board to compare."}
        return render(request, "boards/compare.html", context, status=400)
    context = {"board": board, **compare_items(items)}
    return render(request, "boards/compare.html", context)


# pinning from other pages ---------------------------------------------------------------------


MAX_PIN_SELECTION = 200


def _element_target(element: Element) -> dict:
    if element.source == Element.Source.DENSE:  # a search window: pinned as a region
        return {"mural": element.mural, "box": Box(*element.bbox)}
    return {"element": element}


def _selection_targets(raw: str) -> list[dict]:
    """The targets of `elements=1,2,3` (the library gallery's selection), in that order."""
    try:
        ids = element_ids(raw, MAX_PIN_SELECTION)
    except SelectionError as exc:
        raise BoardInputError(str(exc)) from exc
    found = Element.objects.select_related("mural").in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise BoardInputError(f"no element {missing[0]}")
    return [_element_target(found[pk]) for pk in ids]


def _pin_targets(data) -> list[dict]:
    """[{element} or {mural, box}, ...] from the request's fields: one element, a selection of
    elements, or a region of a mural; BoardInputError names what is bad."""
    try:
        if data.get("elements"):
            return _selection_targets(str(data["elements"]))
        if data.get("element"):
            element = Element.objects.select_related("mural").filter(
                pk=int(data["element"])).first()  # fmt: skip
            if element is None:
                raise BoardInputError(f"no element {data['element']}")
            return [_element_target(element)]
        mural = Mural.objects.filter(pk=int(data.get("mural") or 0)).first()
        if mural is None:
            raise BoardInputError(f"no mural {data.get('mural')!r}")
        x, y, w, h = (int(v) for v in str(data.get("box", "")).split(","))
        return [{"mural": mural, "box": Box(x, y, w, h)}]
    except ValueError as exc:
        if isinstance(exc, BoardInputError):
            raise
        raise BoardInputError("pin an element id, or a mural id and a box x,y,w,h") from None


@role_required(ARCHAEOLOGIST)
@require_http_methods(["GET", "POST"])
def pin(request: HttpRequest) -> HttpResponse:
    """GET: the board picker for an element, a selection of elements (`elements=1,2,3`) or a
    region (htmx fragment); POST: pin it to the chosen board (or to a new board named in
    `title`), a selection all or, on bad input (400), none."""
    data = request.POST if request.method == "POST" else request.GET
    editable = [b for b in visible_boards(request.user) if can_edit(request.user, b)]
    try:
        targets = _pin_targets(data)
    except BoardInputError as exc:
        return render(request, "boards/_pin_result.html", {"error": str(exc)}, status=400)
    fields = {k: data.get(k, "") for k in ("element", "elements", "mural", "box")}
    if request.method == "GET":
        context = {"boards": editable, "fields": fields, "count": len(targets)}
        return render(request, "boards/_pin_picker.html", context)
    try:
        with transaction.atomic():
            board = _pin_board(request, data, editable)
            for target in targets:
                add_item(board, **target)
    except BoardInputError as exc:
        return render(request, "boards/_pin_result.html", {"error": str(exc)}, status=400)
    count = len(targets) if data.get("elements") else None
    return render(request, "boards/_pin_result.html", {"board": board, "count": count})


@role_required(ARCHAEOLOGIST)
@require_http_methods(["GET", "POST"])
def pin_evidence(request: HttpRequest) -> HttpResponse:
    """GET: the board picker for a mural's dating evidence (htmx fragment); POST: pin the
    assistant's strongest evidence pairs (boards/evidence.py) to the chosen or a new board, all
    of them or, on bad input (400), none."""
    data = request.POST if request.method == "POST" else request.GET
    editable = [b for b in visible_boards(request.user) if can_edit(request.user, b)]
    raw = str(data.get("mural", ""))
    mural = Mural.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if mural is None:
        error = f"no mural {raw!r}"
        return render(request, "boards/_pin_result.html", {"error": error}, status=400)
    fields = {"mural": mural.pk, "authority": data.get("authority", "")}
    if request.method == "GET":
        context = {"boards": editable, "fields": fields}
        return render(request, "boards/_evidence_picker.html", context)
    try:
        with transaction.atomic():
            board = _pin_board(request, data, editable)
            items = pin_evidence_items(board, mural, data.get("authority") or None)
    except (BoardInputError, DatingError) as exc:
        return render(request, "boards/_pin_result.html", {"error": str(exc)}, status=400)
    context = {"board": board, "count": len(items)}
    return render(request, "boards/_pin_result.html", context)


def _pin_board(request: HttpRequest, data, editable: list[Board]) -> Board:
    title = data.get("title", "").strip()
    if title:
        return Board.objects.create(owner=request.user, title=title[:200])
    chosen = next((b for b in editable if str(b.pk) == data.get("board")), None)
    if chosen is None:
        raise BoardInputError("choose one of your boards, or name a new one")
    return chosen
