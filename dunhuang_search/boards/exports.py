"""Export pages of a board or a snapshot: the IIIF Manifest (JSON-LD) and the PDF plate.
A board's exports need can_view (or its public token as `?token=`); a snapshot's are public.
An empty board is a 400 JSON naming the problem."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from dunhuang_search.elements.manifest import JSON_LD_PRESENTATION

from .iiif import build_manifest
from .models import Board, BoardSnapshot
from .permissions import can_view
from .plate import render_plate
from .records import EmptyBoard, nonempty_record


def _empty(exc: EmptyBoard) -> JsonResponse:
    return JsonResponse({"error": str(exc), "detail": str(exc), "status": 400}, status=400)


def viewable_board(request: HttpRequest, pk: int) -> Board:
    """The board, if the visitor may see it (a 404 otherwise: its existence is not told)."""
    board = Board.objects.filter(pk=pk).first()
    if board is None or not can_view(request.user, board, token=request.GET.get("token")):
        raise Http404(f"no board {pk}")
    return board


def _snapshot(snapshot_id: int) -> BoardSnapshot:
    snapshot = BoardSnapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:
        raise Http404(f"no snapshot {snapshot_id}")
    return snapshot


def _manifest_response(
    request, record: dict, manifest_name: str, page_name: str, key
) -> HttpResponse:
    manifest_url = request.build_absolute_uri(reverse(manifest_name, args=[key]))
    page_url = request.build_absolute_uri(reverse(page_name, args=[key]))
    response = JsonResponse(build_manifest(request, record, manifest_url, page_url),
                            content_type=JSON_LD_PRESENTATION)  # fmt: skip
    response["Access-Control-Allow-Origin"] = "*"  # Mirador and other viewers fetch it
    return response


def _pdf(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@require_GET
def board_manifest(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = nonempty_record(viewable_board(request, pk))
    except EmptyBoard as exc:
        return _empty(exc)
    return _manifest_response(request, record, "boards:manifest", "boards:board", pk)


@require_GET
def snapshot_manifest(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    record = _snapshot(snapshot_id).data
    return _manifest_response(
        request, record, "boards:snapshot-manifest", "boards:snapshot", snapshot_id
    )


@require_GET
def board_plate(request: HttpRequest, pk: int) -> HttpResponse:
    board = viewable_board(request, pk)
    try:
        record = nonempty_record(board)
    except EmptyBoard as exc:
        return _empty(exc)
    permalink = request.build_absolute_uri(reverse("boards:board", args=[pk]))
    return _pdf(render_plate(record, permalink), f"board-{pk}")


@require_GET
def snapshot_plate(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    snapshot = _snapshot(snapshot_id)
    permalink = request.build_absolute_uri(reverse("boards:snapshot", args=[snapshot_id]))
    return _pdf(render_plate(snapshot.data, permalink), f"snapshot-{snapshot_id}")
