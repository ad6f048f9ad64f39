"""REST endpoints of review (api/v1/...): review an element, undo its last review, read its
history; batch reviews and their targets (similar elements, the rest of a mural); an element the
detector missed, drawn in the viewer. Writes need
the archaeologist role; refusals are JSON 400 (409 for a stale version, with the element's
current state)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_permission
from dunhuang_search.elements.models import Element
from dunhuang_search.elements.serializers import ViewerElementSerializer

from . import actions, similar
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


class BatchRequestSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    state = serializers.ChoiceField(choices=Element.Review.values, required=False)
    category = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class BatchResultSerializer(serializers.Serializer):
    reviewed = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(child=serializers.IntegerField())


class TargetsSerializer(serializers.Serializer):
    element = serializers.IntegerField()
    count = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())
    scores = serializers.ListField(child=serializers.FloatField(), required=False)
    threshold = serializers.FloatField(required=False)


class BatchView(APIView):
    """POST {ids, state, category, note}: the same review for many waiting elements, all or
    none; elements reviewed meanwhile are skipped."""

    permission_classes = [role_permission(ARCHAEOLOGIST)]

    @extend_schema(request=BatchRequestSerializer, responses=BatchResultSerializer)
    def post(self, request: Request) -> Response:
        data = validated(BatchRequestSerializer, request)
        ids = data.pop("ids")
        try:
            done, skipped = actions.apply_batch(ids, request.user, data)
        except actions.ReviewError as exc:
            return refusal(exc)
        return Response({"reviewed": done, "skipped": skipped})


class SimilarView(APIView):
    """GET ?threshold=0.8: the waiting elements of the same category most like this one (what
    "accept the similar ones" would accept), best first."""

    permission_classes = [role_permission(ARCHAEOLOGIST, reads_open=False)]

    @extend_schema(
        parameters=[OpenApiParameter("threshold", float, description="cosine similarity 0-1")],
        responses=TargetsSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        text = request.query_params.get("threshold", "0.8")
        try:
            threshold = float(text)
        except ValueError:
            raise ValidationError({"threshold": [f"not a number: {text!r}"]}) from None
        try:
            hits = similar.similar_waiting(pk, threshold)
        except actions.ReviewError as exc:
            return refusal(exc)
        ids = [pk for pk, _ in hits]
        body = {"element": pk, "count": len(ids), "ids": ids, "threshold": threshold}
        return Response({**body, "scores": [score for _, score in hits]})


class MuralRemainingView(APIView):
    """GET: every waiting element on this element's mural (what Shift+A accepts)."""

    permission_classes = [role_permission(ARCHAEOLOGIST, reads_open=False)]

    @extend_schema(responses=TargetsSerializer)
    def get(self, request: Request, pk: int) -> Response:
        try:
            ids = similar.remaining_on_mural(pk)
        except actions.ReviewError as exc:
            return refusal(exc)
        return Response({"element": pk, "count": len(ids), "ids": ids})


class MissedRequestSerializer(serializers.Serializer):
    mural = serializers.IntegerField()
    bbox = serializers.ListField(
        child=serializers.IntegerField(), min_length=4, max_length=4, help_text="x, y, w, h"
    )
    category = serializers.CharField(required=False, allow_blank=True, help_text="a slug")


class MissedResultSerializer(serializers.Serializer):
    element = serializers.DictField(help_text="the element as the viewer's elements.json has it")
    viewer_url = serializers.CharField()
    history_url = serializers.CharField()


class MissedElementView(APIView):
    """POST {mural, bbox, category}: an element the detector missed, drawn in the viewer: a
    manual, accepted element, embedded at once (searchable right away), with its "create"
    event. Refusals (box outside the mural or empty, unknown mural or category) write nothing."""

    permission_classes = [role_permission(ARCHAEOLOGIST)]

    @extend_schema(request=MissedRequestSerializer, responses={201: MissedResultSerializer})
    def post(self, request: Request) -> Response:
        data = validated(MissedRequestSerializer, request)
        try:
            element = actions.mark_missed(
                data["mural"], data["bbox"], data.get("category"), request.user
            )
        except actions.ReviewError as exc:
            return refusal(exc)
        viewer = reverse("catalogue:mural", args=[element.mural_id])
        body = {
            "element": ViewerElementSerializer(element).data,
            "viewer_url": f"{viewer}?element={element.pk}",
            "history_url": reverse("review:api_history", args=[element.pk]),
        }
        return Response(body, status=status.HTTP_201_CREATED)
