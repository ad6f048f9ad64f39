"""Catalogue pages: browse murals by site, cave and period, and the deep-zoom mural viewer.

The viewer's element boxes come from elements.json; the pixels come from the IIIF endpoints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from dunhuang_search.elements.inscriptions import ocr_source
from dunhuang_search.elements.models import Element

from .models import Cave, Mural, Period, Site

MURALS_PER_PAGE = 24
THUMBNAIL_BOX = 320
ELEMENTS_PAGE_DEFAULT = 2000
ELEMENTS_PAGE_MAX = 5000
UNCATEGORISED_COLOR = "#8a8178"


@dataclass
class CatalogueFilters:
    """The catalogue's GET filters, checked; `errors` holds a readable line per bad value."""

    site: Site | None = None
    period: Period | None = None
    cave: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.site or self.period or self.cave is not None)

    def query(self, **overrides: object) -> str:
        """The filters as a query string, with `overrides` (None removes a key)."""
        params: dict[str, object] = {
            "site": self.site.slug if self.site else None,
            "period": self.period.slug if self.period else None,
            "cave": self.cave,
        }
        params.update(overrides)
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def parse_catalogue_filters(params) -> CatalogueFilters:
    """Read site, period and cave from GET params; unknown or malformed values become errors."""
    filters = CatalogueFilters()
    site_slug = params.get("site", "").strip()
    if site_slug:
        filters.site = Site.objects.filter(slug=site_slug).first()
        if filters.site is None:
            known = ", ".join(Site.objects.values_list("slug", flat=True))
            filters.errors.append(f"Unknown site “{site_slug}”. Known sites: {known}.")
    period_slug = params.get("period", "").strip()
    if period_slug:
        filters.period = Period.objects.filter(slug=period_slug).first()
        if filters.period is None:
            known = ", ".join(Period.objects.values_list("slug", flat=True))
            filters.errors.append(f"Unknown period “{period_slug}”. Known periods: {known}.")
    cave = params.get("cave", "").strip()
    if cave:
        if cave.isdigit() and 0 < int(cave) < 100_000:
            filters.cave = int(cave)
        else:
            filters.errors.append(f"Cave must be a cave number such as 220, not “{cave}”.")
    return filters


def _filter_murals(murals: QuerySet, filters: CatalogueFilters, skip: str = "") -> QuerySet:
    """Apply the filters except the one named by `skip` (so each facet counts the others)."""
    if filters.site and skip != "site":
        murals = murals.filter(cave__site=filters.site)
    if filters.period and skip != "period":
        murals = murals.filter(period=filters.period)
    if filters.cave is not None and skip != "cave":
        murals = murals.filter(cave__number=filters.cave)
    return murals


def thumbnail_size(width: int, height: int, box: int = THUMBNAIL_BOX) -> tuple[int, int]:
    """The size IIIF `!box,box` returns for a width x height image (never upscaled)."""
    scale = min(box / width, box / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _facets(filters: CatalogueFilters) -> dict[str, object]:
    """Sites, periods (in chronological order) and caves, each counted under the other filters."""
    all_murals = Mural.objects.all()
    site_counts = dict(
        _filter_murals(all_murals, filters, skip="site")
        .values_list("cave__site")
        .annotate(n=Count("id"))
    )
    period_counts = dict(
        _filter_murals(all_murals, filters, skip="period")
        .values_list("period")
        .annotate(n=Count("id"))
    )
    cave_counts = dict(
        _filter_murals(all_murals, filters, skip="cave")
        .values_list("cave__number")
        .annotate(n=Count("id"))
    )
    index_url = reverse("catalogue:index")
    sites = [
        (site, site_counts.get(site.pk, 0))
        for site in Site.objects.all()
        if site_counts.get(site.pk) or site == filters.site
    ]
    periods = [
        {
            "period": period,
            "count": period_counts.get(period.pk, 0),
            "url": _with_query(index_url, filters.query(period=period.slug)),
            "current": period == filters.period,
        }
        for period in Period.objects.order_by("start_year", "end_year")
        if period_counts.get(period.pk) or period == filters.period
    ]
    caves = sorted(cave_counts.items())
    if filters.cave is not None and filters.cave not in cave_counts:
        caves = sorted([*caves, (filters.cave, 0)])
    return {
        "sites": sites,
        "periods": periods,
        "caves": caves,
        "all_periods_url": _with_query(index_url, filters.query(period=None)),
    }


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _page_of_murals(request: HttpRequest, filters: CatalogueFilters) -> Page:
    murals = (
        _filter_murals(Mural.objects.all(), filters)
        .select_related("cave__site", "period")
        .annotate(element_count=Count("elements", filter=~Q(elements__source="dense")))
        .order_by("cave__site__name", "cave__number", "wall", "id")
    )
    page = Paginator(murals, MURALS_PER_PAGE).get_page(request.GET.get("page"))
    index_url = reverse("catalogue:index")
    page.previous_url = (
        _with_query(index_url, filters.query(page=page.previous_page_number()))
        if page.has_previous()
        else None
    )
    page.next_url = (
        _with_query(index_url, filters.query(page=page.next_page_number()))
        if page.has_next()
        else None
    )
    for mural in page.object_list:
        mural.thumbnail_url = reverse(
            "iiif:image",
            kwargs={
                "pk": mural.pk,
                "region": "full",
                "size": f"!{THUMBNAIL_BOX},{THUMBNAIL_BOX}",
                "rotation": "0",
                "quality": "default",
                "fmt": "jpg",
            },
        )
        mural.thumbnail_width, mural.thumbnail_height = thumbnail_size(mural.width, mural.height)
    return page


def catalogue_index(request: HttpRequest) -> HttpResponse:
    """The catalogue; htmx requests get only the results partial (filters, list, pages)."""
    filters = parse_catalogue_filters(request.GET)
    context: dict[str, object] = {
        "filters": filters,
        "catalogue_size": Mural.objects.count(),
        "cave_count": Cave.objects.filter(murals__isnull=False).distinct().count(),
    }
    # With a bad value the facets still offer the good choices; the results give way to the message.
    context.update(_facets(filters))
    if filters.errors:
        status = 400
        context["page"] = None
    else:
        status = 200
        context["page"] = _page_of_murals(request, filters)
    partial = request.htmx and not request.htmx.history_restore_request
    template = "catalogue/_results.html" if partial else "catalogue/index.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def parse_box(text: str, width: int, height: int) -> list[int] | None:
    """`x,y,w,h` in mural pixels, clipped to the mural; None if malformed or empty."""
    parts = text.replace(" ", "").split(",")
    if len(parts) != 4:
        return None
    try:
        x, y, w, h = (int(round(float(p))) for p in parts)
    except ValueError:
        return None
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    if x1 <= x0 or y1 <= y0:
        return None
    return [x0, y0, x1 - x0, y1 - y0]


def element_as_json(element: Element) -> dict[str, object]:
    """One element as elements.json lists it."""
    category = element.category
    return {
        "id": element.pk,
        "x": element.x,
        "y": element.y,
        "w": element.w,
        "h": element.h,
        "category": category.slug if category else "uncategorised",
        "category_name": category.name if category else "Uncategorised",
        "color": category.color if category else UNCATEGORISED_COLOR,
        "score": element.score,
        "source": element.source,
        "review_state": element.review_state,
        "ocr_text": element.ocr_text,
        "ocr_confidence": element.ocr_confidence,
        "ocr_source": ocr_source(element.ocr_text, element.ocr_confidence),
    }


def _legend(mural: Mural) -> list[dict[str, object]]:
    rows = (
        Element.objects.shown()
        .filter(mural=mural)
        .values("category__slug", "category__name", "category__name_zh", "category__color")
        .annotate(count=Count("id"))
        .order_by("category__name")
    )
    return [
        {
            "slug": row["category__slug"] or "uncategorised",
            "name": row["category__name"] or "Uncategorised",
            "name_zh": row["category__name_zh"] or "",
            "color": row["category__color"] or UNCATEGORISED_COLOR,
            "count": row["count"],
        }
        for row in rows
    ]


def mural_viewer(request: HttpRequest, pk: int) -> HttpResponse:
    """The deep-zoom viewer with element overlays, box drawing and ?box= / ?element= deep links."""
    mural = Mural.objects.select_related("cave__site", "period").filter(pk=pk).first()
    if mural is None:
        return render(request, "catalogue/mural_missing.html", {"pk": pk}, status=404)
    notices: list[str] = []
    focus: dict[str, object] | None = None
    if box_param := request.GET.get("box", "").strip():
        box = parse_box(box_param, mural.width, mural.height)
        if box is None:
            notices.append(
                f"The box “{box_param}” is not x,y,w,h inside this mural "
                f"({mural.width} × {mural.height} px); showing the whole mural."
            )
        else:
            focus = {"kind": "box", "box": box}
    elif element_param := request.GET.get("element", "").strip():
        element = (
            Element.objects.shown()
            .select_related("category")
            .filter(mural=mural, pk=element_param)
            .first()
            if element_param.isdigit()
            else None
        )
        if element is None:
            notices.append(
                f"Element “{element_param}” is not on this mural; showing the whole mural."
            )
        else:
            focus = {
                "kind": "element",
                "element": element.pk,
                "box": element.bbox,
                "detail": element_as_json(element),
            }
    legend = _legend(mural)
    config = {
        "mural": mural.pk,
        "width": mural.width,
        "height": mural.height,
        "infoUrl": reverse("iiif:info", args=[mural.pk]),
        "elementsUrl": reverse("catalogue:mural_elements", args=[mural.pk]),
        "viewerUrl": reverse("catalogue:mural", args=[mural.pk]),
        "ocrCorrectUrl": (
            reverse("elements:correct_ocr", args=[0]).replace("/0/", "/{id}/")
            if request.user.is_staff
            else ""
        ),
        "adminElementUrl": (
            reverse("admin:elements_element_change", args=[0]).replace("/0/", "/{id}/")
            if request.user.is_staff
            else ""
        ),
        "focus": focus,
    }
    context = {
        "mural": mural,
        "legend": legend,
        "element_total": sum(row["count"] for row in legend),
        "notices": notices,
        "viewer_config": config,
        "info_url": config["infoUrl"],
        "manifest_url": reverse("iiif:manifest", args=[mural.pk]),
    }
    return render(request, "catalogue/mural_viewer.html", context)


def _int_param(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    value = request.GET.get(name, "")
    if not value.isdigit():
        return default
    return max(low, min(high, int(value)))


def mural_elements_json(request: HttpRequest, pk: int) -> JsonResponse:
    """A mural's elements as boxes in mural pixels, `limit` at a time (`offset`, `next`).

    Optional `category=<slug>` narrows the list; `total` counts all matching elements.
    """
    mural = get_object_or_404(Mural, pk=pk)
    limit = _int_param(request, "limit", ELEMENTS_PAGE_DEFAULT, 1, ELEMENTS_PAGE_MAX)
    offset = _int_param(request, "offset", 0, 0, 10**9)
    elements = Element.objects.shown().filter(mural=mural)
    category = request.GET.get("category", "").strip()
    if category == "uncategorised":
        elements = elements.filter(category__isnull=True)
    elif category:
        elements = elements.filter(category__slug=category)
    total = elements.count()
    rows = (
        elements.order_by("id")
        .values(
            "id", "x", "y", "w", "h", "score", "source", "review_state",
            "category__slug", "category__name", "category__color",
            "ocr_text", "ocr_confidence",
        )[offset : offset + limit]
    )
    items = [
        {
            "id": row["id"],
            "x": row["x"],
            "y": row["y"],
            "w": row["w"],
            "h": row["h"],
            "category": row["category__slug"] or "uncategorised",
            "category_name": row["category__name"] or "Uncategorised",
            "color": row["category__color"] or UNCATEGORISED_COLOR,
            "score": row["score"],
            "source": row["source"],
            "review_state": row["review_state"],
            "ocr_text": row["ocr_text"],
            "ocr_confidence": row["ocr_confidence"],
            "ocr_source": ocr_source(row["ocr_text"], row["ocr_confidence"]),
        }
        for row in rows
    ]
    next_url = None
    if offset + len(items) < total:
        query = {"offset": offset + len(items), "limit": limit}
        if category:
            query["category"] = category
        next_url = f"{request.path}?{urlencode(query)}"
    return JsonResponse(
        {
            "mural": mural.pk,
            "width": mural.width,
            "height": mural.height,
            "total": total,
            "offset": offset,
            "limit": limit,
            "next": next_url,
            "elements": items,
        },
        json_dumps_params={"ensure_ascii": False},
    )

