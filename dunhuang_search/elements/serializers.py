"""An element as JSON, in one place: the REST API, the viewer's elements.json, the OCR
correction answer and (through a subclass in search) search results all use ElementSerializer.

The declared fields are what the OpenAPI schema shows; `to_representation` builds the same keys
as one plain dict (no per-field calls: the viewer lists up to 5,000 boxes a request), and a test
checks that the two agree. Categories are reference data: read once per serializer, not joined
or queried per element.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from .inscriptions import ocr_source
from .models import Category, Element

UNCATEGORISED_COLOR = "#8a8178"
OCR_SOURCES = ["ocr", "reviewer", ""]


class ElementSerializer(serializers.Serializer):
    """A box on a mural in full-resolution mural pixels (`bbox` = [x, y, w, h])."""

    id = serializers.IntegerField(read_only=True)
    mural_id = serializers.IntegerField(read_only=True)
    bbox = serializers.ListField(
        child=serializers.IntegerField(), min_length=4, max_length=4, read_only=True
    )
    x = serializers.IntegerField(read_only=True)
    y = serializers.IntegerField(read_only=True)
    w = serializers.IntegerField(read_only=True)
    h = serializers.IntegerField(read_only=True)
    category = serializers.CharField(read_only=True, allow_null=True, help_text="category slug")
    category_name = serializers.CharField(read_only=True, allow_null=True)
    category_name_zh = serializers.CharField(read_only=True, allow_null=True)
    color = serializers.CharField(read_only=True, help_text="overlay colour, #rrggbb")
    score = serializers.FloatField(read_only=True, allow_null=True, help_text="detector score")
    source = serializers.ChoiceField(Element.Source.choices, read_only=True)
    model_version = serializers.CharField(read_only=True)
    review_state = serializers.ChoiceField(Element.Review.choices, read_only=True)
    ocr_text = serializers.CharField(read_only=True)
    ocr_confidence = serializers.FloatField(read_only=True, allow_null=True)
    ocr_source = serializers.ChoiceField(
        OCR_SOURCES, read_only=True, help_text='who read the text: "ocr", "reviewer" or ""'
    )
    notes = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    #: the category keys of an element without a category
    no_category: dict[str, str | None] = {
        "category": None,
        "category_name": None,
        "category_name_zh": None,
        "color": UNCATEGORISED_COLOR,
    }

    def category_of(self, element: Element) -> Category | None:
        """The element's category, from one read of all categories per serializer (reference
        data: a few rows), so lists need no join and no query per element."""
        if element.category_id is None:
            return None
        if not hasattr(self, "_categories"):
            self._categories = Category.objects.in_bulk()
        return self._categories.get(element.category_id)

    def category_keys(self, element: Element) -> dict[str, str | None]:
        category = self.category_of(element)
        if category is None:
            return self.no_category
        return {
            "category": category.slug,
            "category_name": category.name,
            "category_name_zh": category.name_zh,
            "color": category.color,
        }

    def to_representation(self, element: Element) -> dict:
        return {
            "id": element.pk,
            "mural_id": element.mural_id,
            "bbox": [element.x, element.y, element.w, element.h],
            "x": element.x,
            "y": element.y,
            "w": element.w,
            "h": element.h,
            **self.category_keys(element),
            "score": element.score,
            "source": element.source,
            "model_version": element.model_version,
            "review_state": element.review_state,
            "ocr_text": element.ocr_text,
            "ocr_confidence": element.ocr_confidence,
            "ocr_source": ocr_source(element.ocr_text, element.ocr_confidence),
            "notes": element.notes,
            "created_at": self.iso_time(element.created_at),
        }

    def iso_time(self, value) -> str | None:
        """As DRF's DateTimeField writes it (ISO 8601 in the current time zone, UTC as Z),
        with the zone looked up once per serializer rather than once per element."""
        if value is None:
            return None
        if not hasattr(self, "_zone"):
            self._zone = timezone.get_current_timezone()
        text = value.astimezone(self._zone).isoformat()
        return f"{text[:-6]}Z" if text.endswith("+00:00") else text


class ViewerElementSerializer(ElementSerializer):
    """The viewer groups its boxes by category slug, as its legend does: an element without a
    category is listed under "uncategorised" there (the API says null)."""

    no_category = {
        "category": "uncategorised",
        "category_name": "Uncategorised",
        "category_name_zh": "",
        "color": UNCATEGORISED_COLOR,
    }


#: what ElementSerializer reads of a row: list queries use .only(*ELEMENT_COLUMNS)
ELEMENT_COLUMNS = (
    "id", "mural_id", "x", "y", "w", "h", "category_id", "score", "source", "model_version",
    "review_state", "ocr_text", "ocr_confidence", "notes", "created_at",
)  # fmt: skip
