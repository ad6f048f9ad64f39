"""A mural as JSON (the REST API): its place, period, size and its IIIF and viewer links.

Each resource's serializer lives in the app of its model (elements.serializers for elements),
so that pages of lower layers can use it too; the api app holds the views and routes.
"""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from .models import Mural


class MuralSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(source="cave.site", slug_field="slug", read_only=True)
    cave = serializers.IntegerField(source="cave.number", read_only=True)
    period = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    period_years = serializers.SerializerMethodField()
    iiif_info = serializers.SerializerMethodField()
    manifest = serializers.SerializerMethodField()
    viewer = serializers.SerializerMethodField()

    class Meta:
        model = Mural
        fields = [
            "id",
            "site",
            "cave",
            "wall",
            "period",
            "period_years",
            "period_disputed",
            "title",
            "dpi",
            "width",
            "height",
            "checksum",
            "source_format",
            "created_at",
            "iiif_info",
            "manifest",
            "viewer",
        ]

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_period_years(self, mural: Mural) -> list[int] | None:
        """[start, end] of the catalogue period; null when the mural is undated."""
        if mural.period is None:
            return None
        return [mural.period.start_year, mural.period.end_year]

    def get_iiif_info(self, mural: Mural) -> str:
        return self._absolute(reverse("iiif:info", args=[mural.pk]))

    def get_manifest(self, mural: Mural) -> str:
        return self._absolute(reverse("iiif:manifest", args=[mural.pk]))

    def get_viewer(self, mural: Mural) -> str:
        return self._absolute(reverse("catalogue:mural", args=[mural.pk]))
