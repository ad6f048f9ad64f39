"""REST endpoints of the libraries (under /api/v1/library/): the stats behind every chart (JSON,
or CSV with ?format=csv). Bad filters are 400 JSON naming the parameter."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .filters import FilterError, LibraryFilter
from .stats import library_stats, stats_csv

FILTER_PARAMETERS = [
    OpenApiParameter("period", str, description="period slug(s), comma-separated or repeated"),
    OpenApiParameter("site", str, description="site slug(s)"),
    OpenApiParameter("cave", str, description="cave number(s)"),
    OpenApiParameter("wall", str, description="wall(s), e.g. south"),
    OpenApiParameter("source", str, description="detector and/or manual"),
    OpenApiParameter("review", str, description="unreviewed and/or accepted"),
    OpenApiParameter("detector", str, description="detector model version(s)"),
    OpenApiParameter("score_min", float, description="lowest score, in [0, 1]"),
    OpenApiParameter("score_max", float, description="highest score, in [0, 1]"),
]


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, str | bytes) else ""


def parse_filter(slug: str, params) -> LibraryFilter:
    """The view's filter, or a DRF ValidationError (400 JSON) naming the bad parameter."""
    try:
        return LibraryFilter.parse(slug, params)
    except FilterError as exc:
        raise ValidationError({exc.param: [exc.message]}) from exc


class JSONErrorsMixin:
    """Errors are JSON even when a CSV was asked for."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class LibraryStatsView(JSONErrorsMixin, APIView):
    """Counts of a category's visible elements under the library filters: per period (with
    years), per cave, per review state and source, period x cave, and a score histogram."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv downloads"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, category: str) -> Response:
        flt = parse_filter(category, request.query_params)
        stats = library_stats(flt)
        if request.accepted_renderer.format == "csv":
            response = Response(stats_csv(stats), content_type="text/csv; charset=utf-8")
            name = f"library-{flt.category.slug}-stats.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return Response(stats)
