"""REST endpoints of review (api/v1/...): review an element, undo its last review, read its
history. Writes need the archaeologist role; refusals are JSON 400 (409 for a stale version,
with the element's current state)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_permission

from . import actions
from .serializers import (
    ReviewEventSerializer,
    ReviewRequestSerializer,
    ReviewResultSerializer,
    UndoRequestSerializer,
)


def refusal(exc: actions.ReviewError) -> Response:
    """The house error shape; a stale version adds the element's `current` state."""
    body = {"error": str(exc), "detail": str(exc), "status": exc.status}
    if isinstance(exc, actions.StaleVersion):
        body["current"] = exc.current
    return Response(body, status=exc.status)


def validated(serializer_class, request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationError({"body": ["send a JSON object"]})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def result(element, event) -> Response:
    return Response(ReviewResultSerializer({"element": element, "event": event}).data)


class ReviewView(APIView):
    """POST {state, category, bbox, ocr_text, note, version}: review one element."""

    permission_classes = [role_permission(ARCHAEOLOGIST)]

    @extend_schema(request=ReviewRequestSerializer, responses=ReviewResultSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(ReviewRequestSerializer, request)
        version = data.pop("version", None)
        try:
            element, event = actions.apply_review(pk, request.user, data, version)
        except actions.ReviewError as exc:
            return refusal(exc)
        return result(element, event)


class UndoView(APIView):
    """POST {version}: restore the state before the element's last review, as a new event."""

    permission_classes = [role_permission(ARCHAEOLOGIST)]

    @extend_schema(request=UndoRequestSerializer, responses=ReviewResultSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(UndoRequestSerializer, request)
        try:
            element, event = actions.undo(pk, request.user, data.get("version"))
        except actions.ReviewError as exc:
            return refusal(exc)
        return result(element, event)


class HistoryView(APIView):
    """GET: the element's review events, newest first."""

    permission_classes = [role_permission(ARCHAEOLOGIST)]

    @extend_schema(responses=ReviewEventSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        try:
            events = actions.history(pk)
        except actions.ReviewError as exc:
            return refusal(exc)
        return Response(ReviewEventSerializer(events, many=True).data, status=status.HTTP_200_OK)
