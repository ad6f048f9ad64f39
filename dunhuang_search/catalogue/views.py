"""The catalogue page: browse murals by site, cave and period (GET filters), with facets.

The mural viewer, which shows a mural's elements, is elements.viewer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from .forms import MuralFilterForm
from .iiif import THUMBNAIL_BOX, thumbnail_path
from .models import Cave, Mural, Period, Site

MURALS_PER_PAGE = 24


@dataclass
class CatalogueFilters:
    """The catalogue's GET filters, checked; `errors` holds a readable line per bad value."""

    form: MuralFilterForm
    site: Site | None = None
    period: Period | None = None
    cave: int | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, params) -> CatalogueFilters:
        form = MuralFilterForm(params)
        form.is_valid()
        errors = [message for messages in form.errors.values() for message in messages]
        site, period, cave = (form.value(name) for name in ("site", "period", "cave"))
        return cls(form, site, period, cave, errors)

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


def thumbnail_size(width: int, height: int, box: int = THUMBNAIL_BOX) -> tuple[int, int]:
    """The size IIIF `!box,box` returns for a width x height image (never upscaled)."""
    scale = min(box / width, box / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _facets(filters: CatalogueFilters) -> dict[str, object]:
    """Sites, periods (in chronological order) and caves, each counted under the other filters."""
    all_murals = Mural.objects.all()
    site_counts = dict(
        filters.form.apply(all_murals, skip="site")
        .values_list("cave__site")
        .annotate(n=Count("id"))
    )
    period_counts = dict(
        filters.form.apply(all_murals, skip="period")
        .values_list("period")
        .annotate(n=Count("id"))
    )
    cave_counts = dict(
        filters.form.apply(all_murals, skip="cave")
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
        filters.form.apply(Mural.objects.all())
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
        mural.thumbnail_url = thumbnail_path(mural)
        mural.thumbnail_width, mural.thumbnail_height = thumbnail_size(mural.width, mural.height)
    return page


@require_safe  # a read: other methods are 405
def catalogue_index(request: HttpRequest) -> HttpResponse:
    """The catalogue; htmx requests get only the results partial (filters, list, pages)."""
    filters = CatalogueFilters.read(request.GET)
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
