"""The /search/ page: a query box and filters over a results grid of crops; htmx swaps results.

GET carries the whole query in the URL (shareable); POST takes an uploaded crop as the example.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from dunhuang_search.catalogue.models import Period, Site
from dunhuang_search.elements.models import Category, Element

from .engine import SearchOutcome, run_search
from .forms import SORTS
from .links import crop_url, more_like_this_query, viewer_url
from .query import SearchInputError, parse_request
from .serializers import SearchResultSerializer

QUERY_KEYS = (
    "example", "element", "q", "text", "category", "period", "period_from", "period_to", "cave",
    "site", "review", "include_uncertain", "k", "sort", "page", "page_size",
)  # fmt: skip


def _given(params: QueryDict) -> QueryDict:
    """The query parameters that carry a value (an empty form field is no filter)."""
    kept = QueryDict(mutable=True)
    for key in QUERY_KEYS:
        values = [v for v in params.getlist(key) if v.strip()]
        if values:
            kept.setlist(key, values)
    return kept


def _cards(outcome: SearchOutcome, filter_params: dict[str, str]) -> list[dict]:
    """The results as the grid shows them: the serialized result's score and links, the element
    and mural rows the template reads, and a "more like this" on this page."""
    rows = SearchResultSerializer(outcome.results, many=True).data
    cards = []
    for (element, _), row in zip(outcome.results, rows, strict=True):
        more = f"{reverse('search:index')}?{more_like_this_query(element, filter_params)}"
        cards.append(
            {
                "element": element,
                "mural": element.mural,
                "score": row["score"],
                "crop_url": row["crop"],
                "viewer_url": row["viewer"],
                "more_url": more,
                "dense": element.source == Element.Source.DENSE,
                "uncertain": row["uncertain"],
            }
        )
    return cards


def _example_context(request_obj) -> dict:
    if request_obj.example:
        mural, box = request_obj.example.mural, request_obj.example.box
        spec = ",".join(str(v) for v in box)
        return {
            "mural": mural,
            "box": box,
            "crop_url": reverse(
                "iiif:image",
                kwargs={
                    "pk": mural.pk,
                    "region": spec,
                    "size": "^!120,120",
                    "rotation": "0",
                    "quality": "default",
                    "fmt": "jpg",
                },
            ),  # fmt: skip
            "viewer_url": f"{reverse('catalogue:mural', args=[mural.pk])}?box={spec}",
        }
    if request_obj.element is not None:
        element = request_obj.element
        return {
            "mural": element.mural,
            "box": element.bbox,
            "element": element,
            "crop_url": crop_url(element, 120),
            "viewer_url": viewer_url(element),
        }
    return {}


def _page_url(params: QueryDict, page: int) -> str:
    query = params.copy()
    query["page"] = str(page)
    return f"{reverse('search:index')}?{query.urlencode()}"


@require_http_methods(["GET", "POST"])
def search_page(request: HttpRequest) -> HttpResponse:
    """The search page; htmx requests get the results partial only."""
    params = _given(request.POST if request.method == "POST" else request.GET)
    context: dict = {
        "params": params,
        "categories": Category.objects.order_by("name"),
        "periods": Period.objects.order_by("start_year", "end_year"),
        "sites": Site.objects.order_by("name"),
        "sorts": SORTS,
        "review_states": Element.Review.values,
        "uploaded": request.method == "POST",
    }
    status = 200
    has_query = bool(params) or bool(request.FILES)
    if has_query:
        try:
            outcome = run_search(parse_request(params, request.FILES))
        except SearchInputError as exc:
            status = exc.status  # 400, or 503 while the index is corrupt
            context["error"] = exc
        else:
            filter_params = outcome.request.filters.params()
            context.update(
                outcome=outcome,
                cards=_cards(outcome, filter_params),
                example=_example_context(outcome.request),
                filter_query=urlencode(filter_params),
            )
            if outcome.total is not None:
                page = outcome.request.page
                context["previous_url"] = _page_url(params, page - 1) if page > 1 else None
                context["next_url"] = (
                    _page_url(params, page + 1) if page < outcome.num_pages else None
                )
    partial = request.htmx and not request.htmx.history_restore_request
    template = "search/_results.html" if partial else "search/index.html"
    if partial and request.GET.get("panel") == "viewer":
        template = "search/_viewer_results.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


search_page.checks_control_characters = True  # its form names the parameter (forms.py)
