"""Form posts of the board page that change an item or who sees the board: an item's caption,
note and dating override (with its reason), removing an item, and the owner's visibility and
shares. Each answers a redirect to the board with a message; bad input changes nothing."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_required
from dunhuang_search.catalogue.models import Period

from .exports import viewable_board
from .items import BoardInputError, set_override
from .models import Board, BoardItem, BoardShare
from .permissions import can_edit, visible_boards
from .records import import_board


def _editable(request: HttpRequest, pk: int) -> Board:
    board = viewable_board(request, pk)
    if not can_edit(request.user, board):
        raise PermissionDenied(f"you may view board {pk} but not change it")
    return board


def _year(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BoardInputError(f"{name} must be a year, e.g. 618") from None


def _override_from(data) -> dict:
    kind = data.get("override", "keep")
    reason = data.get("reason", "")
    if kind == "none":
        return {}
    if kind == "period":
        period = Period.objects.filter(slug=data.get("period", "")).first()
        if period is None:
            raise BoardInputError(f"no period {data.get('period', '')!r}")
        return {"period": period, "reason": reason}
    if kind == "years":
        start = _year(data.get("start_year", ""), "start year")
        end = _year(data.get("end_year", ""), "end year")
        return {"start_year": start, "end_year": end, "reason": reason}
    raise BoardInputError("choose no override, a period, or a year range")


@role_required(ARCHAEOLOGIST)
@require_POST
def edit_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    board = _editable(request, pk)
    item = get_object_or_404(BoardItem, pk=item_id, board=board)
    if request.POST.get("remove"):
        item.delete()
        messages.success(request, "Item removed from the board.")
        return redirect("boards:board", pk=pk)
    try:
        with transaction.atomic():
            item.caption = request.POST.get("caption", item.caption).strip()[:500]
            item.note = request.POST.get("note", item.note).strip()
            item.save()
            if request.POST.get("override", "keep") != "keep":
                set_override(item, **_override_from(request.POST))
    except BoardInputError as exc:
        messages.error(request, f"Item not changed: {exc}.")
    return redirect("boards:board", pk=pk)


@role_required(ARCHAEOLOGIST)
@require_POST
def board_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner's: visibility, and a share with a user or a group (view or edit)."""
    board = _editable(request, pk)
    if board.owner_id != request.user.pk:
        raise PermissionDenied("only the owner changes who sees a board")
    visibility = request.POST.get("visibility", board.visibility)
    if visibility not in Board.Visibility.values:
        messages.error(request, f"Unknown visibility {visibility!r}.")
        return redirect("boards:board", pk=pk)
    who = request.POST.get("share", "").strip()
    with transaction.atomic():
        if who:
            user = get_user_model().objects.filter(username=who).first()
            group = None if user else Group.objects.filter(name=who).first()
            if user is None and group is None:
                messages.error(request, f"No user or group named “{who}”.")
                return redirect("boards:board", pk=pk)
            BoardShare.objects.update_or_create(
                board=board, user=user, group=group,
                defaults={"can_edit": request.POST.get("can_edit") == "on"},
            )  # fmt: skip
            if visibility == Board.Visibility.PRIVATE:
                visibility = Board.Visibility.SHARED
        board.visibility = visibility
        board.save(update_fields=["visibility", "updated_at"])
    messages.success(request, f"The board is {board.get_visibility_display().lower()}.")
    return redirect("boards:board", pk=pk)


MAX_IMPORT_BYTES = 20 * 1024 * 1024


@role_required(ARCHAEOLOGIST)
@require_POST
def import_page(request: HttpRequest) -> HttpResponse:
    """A board's JSON export uploaded as `record`, made into a new board of the visitor's."""
    upload = request.FILES.get("record")
    try:
        if upload is None:
            raise BoardInputError("choose a board's JSON export to import")
        if upload.size > MAX_IMPORT_BYTES:
            raise BoardInputError("the file is larger than 20 MB")
        try:
            record = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BoardInputError(f"the file is not JSON ({exc})") from None
        board = import_board(record, request.user)
    except BoardInputError as exc:
        boards = visible_boards(request.user).select_related("owner")
        context = {"boards": boards, "error": f"Not imported: {exc}."}
        return render(request, "boards/list.html", context, status=400)
    messages.success(request, f"Imported “{board.title}”.")
    return redirect("boards:board", pk=board.pk)
