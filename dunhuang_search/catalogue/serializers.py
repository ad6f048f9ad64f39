"""DRF serializers for murals and elements (bbox in full-resolution mural pixels)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element


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

    def get_period_years(self, mural: Mural) -> list[int]:
        return [mural.period.start_year, mural.period.end_year]

    def get_iiif_info(self, mural: Mural) -> str:
        return self._absolute(reverse("iiif:info", args=[mural.pk]))

    def get_manifest(self, mural: Mural) -> str:
        return self._absolute(reverse("iiif:manifest", args=[mural.pk]))

    def get_viewer(self, mural: Mural) -> str:
        return self._absolute(reverse("catalogue:mural", args=[mural.pk]))


class ElementSerializer(serializers.ModelSerializer):
    mural_id = serializers.IntegerField(read_only=True)
    bbox = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Element
        fields = [
            "id",
            "mural_id",
            "bbox",
            "category",
            "score",
            "source",
            "model_version",
            "review_state",
            "ocr_text",
            "ocr_confidence",
            "notes",
            "created_at",
        ]
