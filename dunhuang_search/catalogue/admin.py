"""Admin for sites, periods, caves and murals.

Murals are added by ingest (add_mural or the upload form); here their records are edited.
"""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from .models import Cave, Mural, Period, Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "slug", "cave_count")
    search_fields = ("name", "name_zh", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(cave_total=Count("caves"))

    @admin.display(description="caves", ordering="cave_total")
    def cave_count(self, site: Site) -> int:
        return site.cave_total


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "start_year", "end_year", "slug", "mural_count")
    search_fields = ("name", "name_zh", "slug")
    ordering = ("start_year", "end_year")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(mural_total=Count("murals"))

    @admin.display(description="murals", ordering="mural_total")
    def mural_count(self, period: Period) -> int:
        return period.mural_total


@admin.register(Cave)
class CaveAdmin(admin.ModelAdmin):
    list_display = ("number", "site", "name", "mural_count")
    list_filter = ("site",)
    search_fields = ("=number", "name", "site__name")
    list_select_related = ("site",)
    ordering = ("site__name", "number")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(mural_total=Count("murals"))

    @admin.display(description="murals", ordering="mural_total")
    def mural_count(self, cave: Cave) -> int:
        return cave.mural_total


@admin.register(Mural)
class MuralAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "cave_number",
        "wall",
        "title",
        "period",
        "site_name",
        "pixel_size",
        "element_count",
        "created_at",
        "viewer_link",
    )
    list_display_links = ("id", "cave_number")
    list_filter = ("period", "cave__site", "dpi", "source_format")
    search_fields = ("title", "wall", "checksum", "source_path")
    list_select_related = ("cave__site", "period")
    autocomplete_fields = ("cave",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "width",
        "height",
        "checksum",
        "source_path",
        "source_format",
        "source_bytes",
        "pyramid",
        "created_at",
        "viewer_link",
    )
    fieldsets = (
        (None, {"fields": ("cave", "wall", "period", "title", "dpi", "viewer_link")}),
        (
            "Image (set by ingest)",
            {
                "fields": (
                    ("width", "height"),
                    "checksum",
                    "source_path",
                    ("source_format", "source_bytes"),
                    "pyramid",
                    "created_at",
                )
            },
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # murals come in through ingest, which builds the pyramid

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(element_total=Count("elements"))

    @admin.display(description="cave", ordering="cave__number")
    def cave_number(self, mural: Mural) -> int:
        return mural.cave.number

    @admin.display(description="site", ordering="cave__site__name")
    def site_name(self, mural: Mural) -> str:
        return mural.cave.site.name

    @admin.display(description="size")
    def pixel_size(self, mural: Mural) -> str:
        return f"{mural.width} × {mural.height} ({mural.megapixels:.1f} MP)"

    @admin.display(description="elements", ordering="element_total")
    def element_count(self, mural: Mural) -> int:
        return getattr(mural, "element_total", 0)

    @admin.display(description="viewer")
    def viewer_link(self, mural: Mural) -> str:
        if not mural.pk:
            return "—"
        return format_html('<a href="{}">open</a>', reverse("catalogue:mural", args=[mural.pk]))
