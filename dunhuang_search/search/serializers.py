"""A search result as JSON: the element (elements.serializers.ElementSerializer) with the
query's score, its place and period, and links. The REST API prints all of it; `manage.py search
--json` prints the ARCHITECTURE contract keys of the same dicts.

Results come with their category fetched and their mural, cave, site and period from the
catalogue's cache (engine._with_relations), so a result costs no query.
"""

from __future__ import annotations

from collections.abc import Callable

from rest_framework import serializers

from dunhuang_search.elements.models import Element
from dunhuang_search.elements.serializers import ElementSerializer

from .links import api_search_url, crop_url, more_like_this_query, viewer_url

#: what `manage.py search --json` prints of each result (ARCHITECTURE.md)
CONTRACT_KEYS = ("element_id", "mural_id", "bbox", "score", "category", "period", "cave", "source")


class SearchResultSerializer(ElementSerializer):
    """One (element, score) pair, best first in a list; `score` is the query's (similarity,
    text rank, or the detector score when browsing), not the element's own."""

    element_id = serializers.IntegerField(read_only=True)
    score = serializers.FloatField(read_only=True, allow_null=True, help_text="the query's score")
    period = serializers.CharField(
        read_only=True, allow_null=True, help_text="period slug; null when the mural is undated"
    )
    period_name = serializers.CharField(read_only=True)
    period_years = serializers.ListField(
        child=serializers.IntegerField(), min_length=2, max_length=2, read_only=True,
        allow_null=True,
    )  # fmt: skip
    cave = serializers.IntegerField(read_only=True)
    site = serializers.CharField(read_only=True, help_text="site slug")
    wall = serializers.CharField(read_only=True)
    crop = serializers.CharField(read_only=True, help_text="IIIF image of the element's box")
    viewer = serializers.CharField(read_only=True, help_text="the mural viewer, zoomed to it")
    more_like_this = serializers.CharField(read_only=True, help_text="this search, by example")
    uncertain = serializers.BooleanField(
        read_only=True,
        help_text="an unreviewed detection below its class's operating threshold (shown only "
        "with include_uncertain)",
    )

    def absolute(self) -> Callable[[str], str]:
        request = self.context.get("request")
        return request.build_absolute_uri if request is not None else str

    def to_representation(self, result: tuple[Element, float | None]) -> dict:
        element, score = result
        mural = element.mural
        period = mural.period
        absolute = self.absolute()
        more = f"{api_search_url()}?{more_like_this_query(element)}"
        return {
            **super().to_representation(element),
            "element_id": element.pk,
            "score": None if score is None else round(float(score), 6),
            "period": period.slug if period else None,
            "period_name": period.name if period else "undated",
            "period_years": [period.start_year, period.end_year] if period else None,
            "cave": mural.cave.number,
            "site": mural.cave.site.slug,
            "wall": mural.wall,
            "crop": absolute(crop_url(element)),
            "viewer": absolute(viewer_url(element)),
            "more_like_this": absolute(more),
            "uncertain": is_uncertain(element),
        }


def is_uncertain(element: Element) -> bool:
    return (
        element.source == Element.Source.DETECTOR
        and element.review_state == Element.Review.UNREVIEWED
        and not element.confident
    )


def contract_results(results: list[tuple[Element, float | None]]) -> list[dict]:
    """The results as `manage.py search --json` prints them."""
    rows = SearchResultSerializer(results, many=True).data
    return [{key: row[key] for key in CONTRACT_KEYS} for row in rows]


class SearchResponseSerializer(serializers.Serializer):
    """One page of results: the checked query (with the strategy used), how many matched, links
    to the neighbouring pages (browse and text), and the results, best first."""

    query = serializers.DictField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    next = serializers.CharField(read_only=True, allow_null=True)
    previous = serializers.CharField(read_only=True, allow_null=True)
    results = SearchResultSerializer(many=True, read_only=True)
