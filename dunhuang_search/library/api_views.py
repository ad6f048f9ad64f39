"""REST endpoints of the libraries (under /api/v1/library/): the stats behind every chart (JSON,
or CSV with ?format=csv), and exports of a view (CSV, IIIF Manifest). Bad filters are 400 JSON
naming the parameter."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dunhuang_search.elements.manifest import JSON_LD_PRESENTATION
from dunhuang_search.elements.models import Element

from .exports import MANIFEST_MAX, csv_rows, elements_csv, selection_manifest
from .filters import FilterError, LibraryFilter
from .gallery import GalleryQuery
from .matrix import cave_matrix, matrix_csv, selection_matrix
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


def parse_query(slug: str, params) -> GalleryQuery:
    try:
        return GalleryQuery.parse(LibraryFilter.parse(slug, params), params)
    except FilterError as exc:
        raise ValidationError({exc.param: [exc.message]}) from exc


def ordered_elements(query: GalleryQuery, cap: int | None = None) -> list[Element]:
    try:
        qs = query.ordered().defer("embedding")
    except FilterError as exc:
        raise ValidationError({exc.param: [exc.message]}) from exc
    if cap is None:
        return list(qs.iterator(chunk_size=2000))
    rows = list(qs[: cap + 1])
    if len(rows) > cap:
        raise ValidationError(
            {"ids": [f"the view holds over {cap} elements; select or filter to at most {cap}"]}
        )
    return rows


SORT_PARAMETERS = [
    OpenApiParameter("ids", str, description="a selection: element ids, comma-separated"),
    OpenApiParameter("sort", str, enum=["period", "cave", "score", "similar"]),
    OpenApiParameter("to", int, description="the element of sort=similar"),
]


class LibraryExportView(JSONErrorsMixin, APIView):
    """CSV of a library view's elements: id, mural, site, cave, wall, period, bbox, category,
    score, review state and IIIF region URL, in the view's order (with Accept:
    application/json, the same as {"columns", "rows"})."""

    renderer_classes = [CSVRenderer, JSONRenderer]

    @extend_schema(
        parameters=[*FILTER_PARAMETERS, *SORT_PARAMETERS], responses={200: OpenApiTypes.OBJECT}
    )
    def get(self, request: Request, category: str) -> Response:
        query = parse_query(category, request.query_params)
        elements = ordered_elements(query)
        if request.accepted_renderer.format != "csv":  # Accept: application/json
            rows = list(csv_rows(request, elements))
            return Response({"columns": rows[0], "rows": rows[1:]})
        response = Response(elements_csv(request, elements), content_type="text/csv; charset=utf-8")
        name = f"library-{query.flt.category.slug}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class LibraryManifestView(APIView):
    """A IIIF Presentation 3 Manifest of a library view: one labelled canvas per crop."""

    @extend_schema(
        parameters=[*FILTER_PARAMETERS, *SORT_PARAMETERS], responses={200: OpenApiTypes.OBJECT}
    )
    def get(self, request: Request, category: str) -> Response:
        query = parse_query(category, request.query_params)
        elements = ordered_elements(query, cap=MANIFEST_MAX)
        body = selection_manifest(request, query.flt, elements, query.flt.query(**query.params()))
        return Response(body, content_type=JSON_LD_PRESENTATION)


def _matrix_response(body: dict, request: Request, name: str) -> Response:
    if request.accepted_renderer.format == "csv":
        response = Response(matrix_csv(body), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return Response(body)


class LibraryMatrixView(JSONErrorsMixin, APIView):
    """Cosine similarity matrix of a selection (ids=...) or filtered view of at most 500
    elements, in hierarchical-clustering leaf order (scipy); ?format=csv downloads it."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        parameters=[*FILTER_PARAMETERS, SORT_PARAMETERS[0]], responses={200: OpenApiTypes.OBJECT}
    )
    def get(self, request: Request, category: str) -> Response:
        flt = parse_filter(category, request.query_params)
        try:
            body = selection_matrix(flt)
        except FilterError as exc:
            raise ValidationError({exc.param: [exc.message]}) from exc
        return _matrix_response(body, request, f"library-{flt.category.slug}-matrix")


class LibraryCaveMatrixView(JSONErrorsMixin, APIView):
    """Cave x cave matrix of a category: the mean similarity between the elements of each pair
    of caves (diagonal: within the cave, self-pairs left out); ?format=csv downloads it."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, category: str) -> Response:
        flt = parse_filter(category, request.query_params)
        try:
            body = cave_matrix(flt)
        except FilterError as exc:
            raise ValidationError({exc.param: [exc.message]}) from exc
        return _matrix_response(body, request, f"library-{flt.category.slug}-caves")
