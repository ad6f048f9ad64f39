"""Library pages: /library/ (every category's count, typical crops, review progress, periods and
top caves) and /library/<category>/ (faceted gallery, charts, selection). The URL holds the
whole state; bad filters answer 400 with the problem named."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from dunhuang_search.accounts.roles import STAFF, role_required
from dunhuang_search.catalogue.models import Period
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.search.links import crop_url
from indexer.motif_clusters import METHODS

from .filters import FACETS, FilterError, LibraryFilter
from .gallery import GalleryQuery, card
from .groups import group_rows, stencil_rows
from .jobs import AlreadyRunning, start_cluster_job
from .matrix import cave_matrix
from .models import LibraryJob
from .stats import facet_counts, places, review_progress, total

MOSAIC = 8
TOP_CAVES = 5
FACET_LABELS = {
    "period": "Period",
    "site": "Site",
    "cave": "Cave",
    "wall": "Wall",
    "source": "Source",
    "review": "Review state",
    "detector": "Detector version",
}


def _bad_request(exc: FilterError) -> HttpResponse:
    return HttpResponseBadRequest(f"{exc.param}: {exc.message}", content_type="text/plain")


def typical_elements(category: Category) -> list[Element]:
    """One crop from each motif group (its most central member), else the best scored."""
    groups = category.motif_groups.exclude(typical=None).select_related("typical")[:MOSAIC]
    picked = [g.typical for g in groups]
    if not picked:
        picked = list(
            Element.objects.visible()
            .filter(category=category)
            .order_by("-score", "id")
            .defer("embedding")[:MOSAIC]
        )
    return picked


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    libraries = []
    for category in Category.objects.order_by("name"):
        flt = LibraryFilter(category=category)
        periods, caves, _ = places(flt)
        libraries.append(
            {
                "category": category,
                "count": total(flt),
                "mosaic": [
                    {"element": e, "crop_url": crop_url(e, 120)} for e in typical_elements(category)
                ],
                "review": review_progress(flt),
                "periods": [p for p in periods if p["count"]],
                "top_caves": caves[:TOP_CAVES],
                "stats_url": reverse("library:api-stats", args=[category.slug]),
                "gallery_url": reverse("library:gallery", args=[category.slug]),
            }
        )
    return render(request, "library/overview.html", {"libraries": libraries})


def _facets(flt: LibraryFilter) -> list[dict]:
    counts = facet_counts(flt)
    periods = {p.slug: p for p in Period.objects.all()}
    counts["period"].sort(key=lambda r: periods[r["value"]].start_year)
    for row in counts["period"]:
        p = periods[row["value"]]
        row["label"], row["label_zh"] = p.name, p.name_zh
        row["years"] = f"{p.start_year}–{p.end_year}"
    out = []
    for facet in FACETS:
        values = [{**row, "toggle": flt.toggled(facet, row["value"])} for row in counts[facet]]
        out.append({"name": facet, "label": FACET_LABELS[facet], "values": values})
    return out


def _query(request: HttpRequest, slug: str) -> GalleryQuery:
    try:
        flt = LibraryFilter.parse(slug, request.GET)
    except FilterError as exc:
        if exc.param == "category":
            raise Http404(exc.message) from exc
        raise
    return GalleryQuery.parse(flt, request.GET)


def _page_context(query: GalleryQuery) -> dict:
    rows, more = query.page_rows()
    base = reverse("library:gallery_page", args=[query.flt.category.slug])
    next_url = None
    if more:
        next_url = f"{base}?{query.flt.query(**{**query.params(), 'page': query.page + 1})}"
    return {"cards": [card(e) for e in rows], "next_url": next_url, "query": query}


@require_safe
def gallery(request: HttpRequest, category: str) -> HttpResponse:
    try:
        query = _query(request, category)
    except FilterError as exc:
        return _bad_request(exc)
    flt = query.flt
    slug = flt.category.slug
    qs_here = flt.query(**query.params())
    context = {
        "category": flt.category,
        "flt": flt,
        "query": query,
        "total": total(flt),
        "facets": _facets(flt),
        "sorts": ["period", "cave", "score", "similar"],
        "stats_url": f"{reverse('library:api-stats', args=[slug])}?{flt.query()}",
        "gallery_url": reverse("library:gallery", args=[slug]),
        "export_csv_url": f"{reverse('library:api-export', args=[slug])}?{qs_here}",
        "manifest_url": f"{reverse('library:api-manifest', args=[slug])}?{qs_here}",
        "matrix_url": reverse("library:matrix", args=[slug]),
        "groups": group_rows(flt.category),
        "group_job": flt.category.library_jobs.first(),
        "methods": METHODS,
        "stencils": stencil_rows(flt.category),
        **_page_context(query),
    }
    return render(request, "library/gallery.html", context)


@require_safe
def gallery_page(request: HttpRequest, category: str) -> HttpResponse:
    """One more page of cards (htmx, when the last card scrolls into view)."""
    try:
        query = _query(request, category)
    except FilterError as exc:
        return _bad_request(exc)
    return render(request, "library/_cards.html", _page_context(query))


@require_safe
def matrix_page(request: HttpRequest, category: str) -> HttpResponse:
    """The similarity matrix of a selection (heatmap, hover crops, pair overlay) and the
    category's cave x cave matrix."""
    try:
        flt = LibraryFilter.parse(category, request.GET)
    except FilterError as exc:
        if exc.param == "category":
            raise Http404(exc.message) from exc
        return _bad_request(exc)
    slug = flt.category.slug
    caves = cave_matrix(LibraryFilter(category=flt.category))
    caves["rows"] = [
        {"cave": c, "values": row} for c, row in zip(caves["caves"], caves["matrix"], strict=True)
    ]
    context = {
        "category": flt.category,
        "flt": flt,
        "matrix_url": f"{reverse('library:api-matrix', args=[slug])}?{flt.query()}",
        "cave_matrix": caves,
        "cave_matrix_url": reverse("library:api-cave-matrix", args=[slug]),
        "gallery_url": reverse("library:gallery", args=[slug]),
        "crop_base": reverse("iiif:base", args=[0]).rsplit("/0", 1)[0],
    }
    return render(request, "library/matrix.html", context)


def _job_partial(request: HttpRequest, category: Category, job: LibraryJob | None) -> HttpResponse:
    return render(request, "library/_job.html", {"category": category, "job": job})


@require_safe
def group_job_status(request: HttpRequest, category: str) -> HttpResponse:
    """The category's latest recompute; the partial polls itself while the job is active."""
    cat = Category.objects.filter(slug=category).first()
    if cat is None:
        raise Http404(f"unknown category {category!r}")
    return _job_partial(request, cat, cat.library_jobs.first())


@require_POST
@role_required(STAFF)
def recompute_groups(request: HttpRequest, category: str) -> HttpResponse:
    """Staff: recompute the category's motif groups as a job (409 while one runs)."""
    cat = Category.objects.filter(slug=category).first()
    if cat is None:
        return JsonResponse({"error": f"unknown category {category!r}"}, status=400)
    method = request.POST.get("method") or "faiss-kmeans"
    if method not in METHODS:
        return JsonResponse({"error": f"method: unknown method {method!r}"}, status=400)
    try:
        job = start_cluster_job(cat, method)
    except AlreadyRunning as exc:
        return JsonResponse({"error": str(exc), "job": exc.job.pk}, status=409)
    return _job_partial(request, cat, job)
