"""`/api/v1/search/`: query by example (box, element, uploaded crop), text, or metadata alone."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dunhuang_search.accounts.roles import READER, role_permission
from dunhuang_search.search.engine import SearchOutcome, run_search
from dunhuang_search.search.forms import SORTS
from dunhuang_search.search.query import SearchInputError, SearchUnavailable, parse_request
from dunhuang_search.search.serializers import SearchResponseSerializer

SEARCH_PARAMETERS = [
    OpenApiParameter(
        "example", str, description="query by example box: MURAL_ID:X,Y,W,H in mural pixels"
    ),
    OpenApiParameter("element", int, description="query by example: an existing element id"),
    OpenApiParameter(
        "q",
        str,
        description='text: structured words ("apsara high tang cave 220", 飞天, 供养人) and '
        "keywords matched in names, notes and inscription text",
    ),
    OpenApiParameter("text", str, description="the same as q"),
    OpenApiParameter(
        "include_uncertain",
        bool,
        description="also show unreviewed detections below their category's operating "
        "threshold (marked `uncertain`); default: no",
    ),
    OpenApiParameter("category", str, description="category slug(s), comma-separated"),
    OpenApiParameter("period", str, description="period slug(s), comma-separated"),
    OpenApiParameter("period_from", str, description="period slug: from this period on"),
    OpenApiParameter("period_to", str, description="period slug: up to this period"),
    OpenApiParameter("cave", str, description="cave number(s), comma-separated"),
    OpenApiParameter("site", str, description="site slug, e.g. mogao"),
    OpenApiParameter(
        "review",
        str,
        description="review states, comma-separated (default: unreviewed,accepted)",
    ),
    OpenApiParameter("k", int, description="results of a similarity query (default 20)"),
    OpenApiParameter("sort", str, enum=list(SORTS), description="order of browse/text results"),
    OpenApiParameter("page", int, description="page of browse/text results"),
    OpenApiParameter("page_size", int, description="browse/text results per page (max 100)"),
]

class ServiceUnavailable(APIException):
    status_code = 503
    default_detail = "search is unavailable"
    default_code = "unavailable"


def _page_link(request: Request, outcome: SearchOutcome, page: int) -> str | None:
    if outcome.total is None or page < 1 or page > outcome.num_pages:
        return None
    params = request.query_params.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def search_response(request: Request, params, files=None) -> Response:
    try:
        outcome = run_search(parse_request(params, files))
    except SearchUnavailable as exc:
        raise ServiceUnavailable(f"{exc.param}: {exc.message}") from exc
    except SearchInputError as exc:
        raise ValidationError({exc.param: [exc.message]}) from exc
    page = outcome.request.page
    body = {
        "query": outcome.query_dict(),
        "count": outcome.total if outcome.total is not None else len(outcome.results),
        "next": _page_link(request, outcome, page + 1),
        "previous": _page_link(request, outcome, page - 1),
        "results": outcome.results,
    }
    return Response(SearchResponseSerializer(body, context={"request": request}).data)


class SearchView(APIView):
    """Search elements. GET: example box, element, text or filters alone. POST (multipart):
    an uploaded `image` crop as the example, with the same filters."""

    parser_classes = [MultiPartParser, FormParser]
    checks_control_characters = True  # its form names the parameter (search/forms.py)
    permission_classes = [role_permission(READER)]  # a search by uploaded crop writes nothing

    @extend_schema(parameters=SEARCH_PARAMETERS, responses={200: SearchResponseSerializer})
    def get(self, request: Request) -> Response:
        return search_response(request, request.query_params)

    @extend_schema(
        parameters=[
            p for p in SEARCH_PARAMETERS if p.name not in ("example", "element", "q", "text")
        ],
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"image": {"type": "string", "format": "binary"}},
                "required": ["image"],
            }
        },
        responses={200: SearchResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        params = request.query_params.copy()
        for key, value in request.data.items():
            if key != "image":
                params[key] = value
        if "image" not in request.FILES:
            raise ValidationError({"image": ["upload an image file as `image` (multipart)"]})
        return search_response(request, params, request.FILES)
