"""The boards REST API (api/v1/boards/...): boards, items, lanes, shares, snapshots, and the
JSON/CSV export and JSON import. Reads need can_view, writes the archaeologist role and
can_edit (permissions.py); a board one may not see is a 404, one one may not change a 403."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_permission
from dunhuang_search.catalogue.models import Mural, Period
from dunhuang_search.elements.models import Element

from . import serializers as s
from .items import BoardInputError, Box, add_item, lane_of, move_item, set_override
from .models import Board, BoardItem, BoardShare, BoardSnapshot, Lane
from .permissions import can_edit, can_view, visible_boards
from .records import (
    board_csv,
    board_record,
    import_board,
    item_record,
    nonempty_record,
    publish_snapshot,
)

Curating = role_permission(ARCHAEOLOGIST)


def board_for(request: Request, pk: int, edit: bool = False) -> Board:
    board = Board.objects.filter(pk=pk).select_related("owner").first()
    if board is None or not can_view(request.user, board):
        raise NotFound(f"no board {pk}")
    if edit and not can_edit(request.user, board):
        raise PermissionDenied(f"you may view board {pk} but not change it")
    return board


def refused(exc: BoardInputError) -> ValidationError:
    return ValidationError({"error": [str(exc)]})


def board_payload(request: Request, board: Board) -> dict:
    editable = can_edit(request.user, board)
    record = board_record(board)
    lane_ids = {lane.name: lane.pk for lane in board.lanes.all()}
    for item in record["items"]:
        item["lane_id"] = lane_ids.get(item["lane"])
    public = None
    if editable and board.visibility == Board.Visibility.PUBLIC:
        public = request.build_absolute_uri(reverse("boards:public", args=[board.public_token]))
    return {
        "board": s.BoardSerializer(board).data,
        "can_edit": editable,
        "public_url": public,
        "lanes": [
            {"id": lane.pk, "name": lane.name, "order": lane.order} for lane in board.lanes.all()
        ],  # fmt: skip
        "items": record["items"],
    }


class BoardListView(APIView):
    permission_classes = [Curating]

    @extend_schema(responses=s.BoardSerializer(many=True))
    def get(self, request: Request) -> Response:
        boards = visible_boards(request.user).select_related("owner")
        return Response(s.BoardSerializer(boards, many=True).data)

    @extend_schema(request=s.BoardSerializer, responses={201: s.BoardSerializer})
    def post(self, request: Request) -> Response:
        body = s.BoardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        board = body.save(owner=request.user)
        return Response(s.BoardSerializer(board).data, status=status.HTTP_201_CREATED)


class BoardDetailView(APIView):
    permission_classes = [Curating]

    @extend_schema(responses=s.BoardDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(board_payload(request, board_for(request, pk)))

    @extend_schema(request=s.BoardSerializer, responses=s.BoardDetailSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        board = board_for(request, pk, edit=True)
        body = s.BoardSerializer(board, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "visibility" in body.validated_data and board.owner_id != request.user.pk:
            raise PermissionDenied("only the owner changes who sees a board")
        body.save()
        return Response(board_payload(request, board))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        board = board_for(request, pk, edit=True)
        if board.owner_id != request.user.pk:
            raise PermissionDenied("only the owner deletes a board")
        board.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ItemListView(APIView):
    permission_classes = [Curating]

    @extend_schema(request=s.ItemInputSerializer, responses={201: s.ItemSerializer})
    def post(self, request: Request, pk: int) -> Response:
        board = board_for(request, pk, edit=True)
        body = s.ItemInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            lane = lane_of(board, data.get("lane"))
            if "element" in data:
                element = Element.objects.shown().select_related("mural").filter(
                    pk=data["element"]).first()  # fmt: skip
                if element is None:
                    raise BoardInputError(f"no element {data['element']}")
                where = {"element": element}
            else:
                mural = Mural.objects.filter(pk=data["mural"]).first()
                if mural is None:
                    raise BoardInputError(f"no mural {data['mural']}")
                where = {"mural": mural, "box": Box(*data["region"])}
            item = add_item(board, lane=lane, caption=data.get("caption", ""),
                            note=data.get("note", ""), **where)  # fmt: skip
        except BoardInputError as exc:
            raise refused(exc) from exc
        record = {**item_record(item), "lane_id": item.lane_id}
        return Response(record, status=status.HTTP_201_CREATED)


def _apply_override(item: BoardItem, override: dict | None) -> None:
    if override is None:
        set_override(item)
        return
    period = None
    if override.get("period"):
        period = Period.objects.filter(slug=override["period"]).first()
        if period is None:
            raise BoardInputError(f"no period {override['period']!r}")
    set_override(item, period=period, start_year=override.get("start_year"),
                 end_year=override.get("end_year"), reason=override.get("reason", ""))  # fmt: skip


class ItemDetailView(APIView):
    permission_classes = [Curating]

    def _item(self, request: Request, pk: int, item_id: int) -> BoardItem:
        board = board_for(request, pk, edit=True)
        return get_object_or_404(BoardItem.objects.select_related("board"), pk=item_id,
                                 board=board)  # fmt: skip

    @extend_schema(request=s.ItemUpdateSerializer, responses=s.ItemSerializer)
    def patch(self, request: Request, pk: int, item_id: int) -> Response:
        item = self._item(request, pk, item_id)
        body = s.ItemUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            with transaction.atomic():
                for field in ("caption", "note"):
                    if field in data:
                        setattr(item, field, data[field])
                item.save()
                if "override" in data:
                    _apply_override(item, data["override"])
                if "lane" in data or "position" in data:
                    lane = lane_of(item.board, data["lane"]) if "lane" in data else item.lane
                    move_item(item, lane, data.get("position"))
        except BoardInputError as exc:
            raise refused(exc) from exc
        item.refresh_from_db()
        return Response({**item_record(item), "lane_id": item.lane_id})

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, item_id: int) -> Response:
        self._item(request, pk, item_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LaneListView(APIView):
    permission_classes = [Curating]

    @extend_schema(request=s.LaneInputSerializer, responses={201: s.LaneSerializer})
    def post(self, request: Request, pk: int) -> Response:
        board = board_for(request, pk, edit=True)
        body = s.LaneInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        name = body.validated_data["name"].strip()
        if not name or board.lanes.filter(name=name).exists():
            raise ValidationError({"name": [f"board {pk} already has a lane {name!r}"
                                            if name else "a lane needs a name"]})  # fmt: skip
        order = body.validated_data.get("order", board.lanes.count())
        lane = Lane.objects.create(board=board, name=name, order=order)
        return Response(s.LaneSerializer(lane).data, status=status.HTTP_201_CREATED)


class LaneDetailView(APIView):
    permission_classes = [Curating]

    @extend_schema(request=s.LaneInputSerializer, responses=s.LaneSerializer)
    def patch(self, request: Request, pk: int, lane_id: int) -> Response:
        lane = get_object_or_404(Lane, pk=lane_id, board=board_for(request, pk, edit=True))
        body = s.LaneInputSerializer(lane, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        name = body.validated_data.get("name", lane.name).strip()
        if lane.board.lanes.filter(name=name).exclude(pk=lane.pk).exists():
            raise ValidationError({"name": [f"board {pk} already has a lane {name!r}"]})
        lane.name, lane.order = name, body.validated_data.get("order", lane.order)
        lane.save()
        return Response(s.LaneSerializer(lane).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, lane_id: int) -> Response:
        """Delete a lane; its items go to the undated tray."""
        lane = get_object_or_404(Lane, pk=lane_id, board=board_for(request, pk, edit=True))
        with transaction.atomic():
            for item in list(lane.items.order_by("position", "pk")):
                move_item(item, None)
            lane.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShareView(APIView):
    permission_classes = [Curating]

    @extend_schema(request=s.ShareInputSerializer, responses={201: s.ShareInputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        board = board_for(request, pk, edit=True)
        if board.owner_id != request.user.pk:
            raise PermissionDenied("only the owner shares a board")
        body = s.ShareInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "user" in data:
            who = {"user": get_user_model().objects.filter(username=data["user"]).first()}
        else:
            who = {"group": Group.objects.filter(name=data["group"]).first()}
        if None in who.values():
            raise ValidationError({"error": [f"no such {next(iter(who))}"]})
        with transaction.atomic():
            BoardShare.objects.update_or_create(
                board=board, **who, defaults={"can_edit": data["can_edit"]}
            )
            if board.visibility == Board.Visibility.PRIVATE:
                board.visibility = Board.Visibility.SHARED
                board.save(update_fields=["visibility", "updated_at"])
        return Response(body.data, status=status.HTTP_201_CREATED)


def snapshot_data(request: Request, snapshot: BoardSnapshot) -> dict:
    url = request.build_absolute_uri(reverse("boards:snapshot", args=[snapshot.pk]))
    return s.SnapshotSerializer({**vars(snapshot), "url": url}).data


class PublishView(APIView):
    permission_classes = [Curating]

    @extend_schema(request=None, responses={201: s.SnapshotSerializer})
    def post(self, request: Request, pk: int) -> Response:
        board = board_for(request, pk, edit=True)
        try:
            snapshot = publish_snapshot(board, request.user)
        except BoardInputError as exc:
            raise refused(exc) from exc
        return Response(snapshot_data(request, snapshot), status=status.HTTP_201_CREATED)


class SnapshotView(APIView):
    """A published snapshot is public: it is cited."""

    @extend_schema(responses=s.SnapshotSerializer)
    def get(self, request: Request, snapshot_id: int) -> Response:
        snapshot = BoardSnapshot.objects.filter(pk=snapshot_id).first()
        if snapshot is None:
            raise NotFound(f"no snapshot {snapshot_id}")
        return Response(snapshot_data(request, snapshot))


class ExportJsonView(APIView):
    permission_classes = [Curating]

    @extend_schema(responses=s.RecordSerializer)
    def get(self, request: Request, pk: int) -> Response:
        try:
            record = nonempty_record(board_for(request, pk))
        except BoardInputError as exc:
            raise refused(exc) from exc
        response = Response(record)
        response["Content-Disposition"] = f'attachment; filename="board-{pk}.json"'
        return response


class ExportCsvView(APIView):
    permission_classes = [Curating]

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="rows")}
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        try:
            record = nonempty_record(board_for(request, pk))
        except BoardInputError as exc:
            raise refused(exc) from exc
        response = HttpResponse(board_csv(record), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="board-{pk}.csv"'
        return response


class ImportView(APIView):
    permission_classes = [Curating]

    @extend_schema(request=s.RecordSerializer, responses={201: s.BoardSerializer})
    def post(self, request: Request) -> Response:
        try:
            board = import_board(request.data, request.user)
        except BoardInputError as exc:
            raise refused(exc) from exc
        return Response(s.BoardSerializer(board).data, status=status.HTTP_201_CREATED)
