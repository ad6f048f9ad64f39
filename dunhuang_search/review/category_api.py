"""REST endpoints for few-shot categories (api/v1/categories/...): create a category, mark an
example, and "find more" (GET: the ranked candidates; POST: put them into the review queue).
Writes need the archaeologist role; refusals are JSON 400 naming the problem."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_permission

from . import actions, categories, fewshot
from .api import refusal, validated
from .serializers import ReviewStateSerializer


class CategoryRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    name_zh = serializers.CharField(max_length=50, required=False, allow_blank=True)
    synonyms = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    colour = serializers.CharField(required=False, help_text="#rrggbb")
    slug = serializers.SlugField(required=False, help_text="default: made from the name")
    description = serializers.CharField(required=False, allow_blank=True)


class CategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    synonyms = serializers.ListField(child=serializers.CharField())
    colour = serializers.CharField(source="color")


class ExampleRequestSerializer(serializers.Serializer):
    mural = serializers.IntegerField()
    bbox = serializers.ListField(child=serializers.IntegerField(), min_length=4, max_length=4)


class CandidateSerializer(serializers.Serializer):
    mural_id = serializers.IntegerField()
    bbox = serializers.ListField(child=serializers.IntegerField())
    score = serializers.FloatField()
    source = serializers.CharField()
    element_id = serializers.IntegerField(allow_null=True)
    refined = serializers.BooleanField(help_text="re-boxed to the examples' aspect")


class ProposalsSerializer(serializers.Serializer):
    category = serializers.CharField()
    method = serializers.CharField()
    results = CandidateSerializer(many=True)
    queued = serializers.ListField(child=serializers.IntegerField(), required=False)


class CategoriesView(APIView):
    """POST {name, name_zh, synonyms, colour}: a new category (a clash is a 400)."""

    permission_classes = [role_permission(ARCHAEOLOGIST)]

    @extend_schema(request=CategoryRequestSerializer, responses={201: CategorySerializer})
    def post(self, request: Request) -> Response:
        data = validated(CategoryRequestSerializer, request)
        try:
            category = categories.create_category(**data)
        except actions.ReviewError as exc:
            return refusal(exc)
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)


class ExamplesView(APIView):
    """POST {mural, bbox}: mark an example of the category (a manual, accepted element)."""

    permission_classes = [role_permission(ARCHAEOLOGIST)]

    @extend_schema(request=ExampleRequestSerializer, responses={201: ReviewStateSerializer})
    def post(self, request: Request, slug: str) -> Response:
        data = validated(ExampleRequestSerializer, request)
        try:
            element = categories.add_example(slug, data["mural"], data["bbox"], request.user)
        except actions.ReviewError as exc:
            return refusal(exc)
        return Response(ReviewStateSerializer(element).data, status=status.HTTP_201_CREATED)


PROPOSAL_PARAMETERS = [
    OpenApiParameter("k", int, description="how many candidates (default 20)"),
    OpenApiParameter("method", str, enum=list(fewshot.METHODS)),
    OpenApiParameter("refine", int, enum=[0, 1], description="re-box the best (default 1)"),
]


def proposal_options(request: Request) -> tuple[int, str | None, bool]:
    text = request.query_params.get("k", "20")
    if not text.isdigit():
        raise actions.ReviewError(f"k must be a whole number, not {text!r}")
    refine = request.query_params.get("refine", "1")
    if refine not in ("0", "1"):
        raise actions.ReviewError(f"refine must be 0 or 1, not {refine!r}")
    return int(text), request.query_params.get("method") or None, refine == "1"


class ProposalsView(APIView):
    """GET ?k=&method=: "find more", the best candidates first; POST: the same, put into the
    review queue as proposals."""

    permission_classes = [role_permission(ARCHAEOLOGIST, reads_open=False)]

    @extend_schema(parameters=PROPOSAL_PARAMETERS, responses=ProposalsSerializer)
    def get(self, request: Request, slug: str) -> Response:
        try:
            return Response(categories.propose(slug, *proposal_options(request)))
        except actions.ReviewError as exc:
            return refusal(exc)

    @extend_schema(parameters=PROPOSAL_PARAMETERS, request=None, responses=ProposalsSerializer)
    def post(self, request: Request, slug: str) -> Response:
        try:
            result = categories.propose(slug, *proposal_options(request))
            return Response({**result, "queued": categories.queue_proposals(result)})
        except actions.ReviewError as exc:
            return refusal(exc)
