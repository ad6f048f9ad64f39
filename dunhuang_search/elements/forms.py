"""GET parameters of the element pages and the element API, as forms: a box `x,y,w,h` in mural
pixels (search reads it too), the viewer's deep links, the pages of elements.json, and the
filters of `/api/v1/elements/`."""

from __future__ import annotations

import re

from django import forms

from dunhuang_search.catalogue.forms import SlugChoiceField

from .models import Category, Element

BOX_TEXT = re.compile(r"\s*([-+\d.]+)\s*,\s*([-+\d.]+)\s*,\s*([-+\d.]+)\s*,\s*([-+\d.]+)\s*")
ELEMENTS_PAGE_DEFAULT = 2000
ELEMENTS_PAGE_MAX = 5000


def parse_box(text: str) -> tuple[int, int, int, int] | None:
    """`x,y,w,h` (numbers, rounded to whole pixels) -> (x, y, w, h); None if malformed."""
    match = BOX_TEXT.fullmatch(text)
    if not match:
        return None
    try:
        x, y, w, h = (int(round(float(part))) for part in match.groups())
    except ValueError:
        return None
    return x, y, w, h


def clip_box(box: tuple[int, int, int, int], width: int, height: int) -> list[int] | None:
    """The box clipped to a width x height mural; None if nothing of it is inside."""
    x, y, w, h = box
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    if x1 <= x0 or y1 <= y0:
        return None
    return [x0, y0, x1 - x0, y1 - y0]


class BoxField(forms.Field):
    """`x,y,w,h` -> (x, y, w, h) in whole pixels; bounds are the caller's to check."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: object) -> tuple[int, int, int, int] | None:
        text = str(value or "").strip()
        if not text:
            return None
        box = parse_box(text)
        if box is None:
            raise forms.ValidationError(f"expected X,Y,W,H, not '{text}'")
        return box


class LenientIntegerField(forms.Field):
    """A whole number brought into [low, high]; a missing or malformed one is the default."""

    def __init__(self, *, default: int, low: int, high: int, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.default, self.low, self.high = default, low, high

    def to_python(self, value: object) -> int:
        text = str(value or "").strip()
        if not text.isdigit():
            return self.default
        return max(self.low, min(self.high, int(text)))


class ViewerLinkForm(forms.Form):
    """The viewer's deep links: `?box=x,y,w,h` (a region) or `?element=ID` (an element)."""

    box = BoxField()
    element = forms.IntegerField(required=False, min_value=1)


class ElementsPageForm(forms.Form):
    """elements.json: `limit` boxes from `offset`, optionally of one `category` slug (or
    "uncategorised"); a bad limit or offset falls back to the default."""

    limit = LenientIntegerField(default=ELEMENTS_PAGE_DEFAULT, low=1, high=ELEMENTS_PAGE_MAX)
    offset = LenientIntegerField(default=0, low=0, high=10**9)
    category = forms.CharField(required=False)


class PositiveIdField(forms.Field):
    """A row id: a whole number of at least 1."""

    def __init__(self, noun: str, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.noun = noun

    def to_python(self, value: object) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        if not re.fullmatch(r"[+-]?\d+", text):
            raise forms.ValidationError(f"{self.noun} must be a number, not '{text}'")
        if int(text) <= 0:
            raise forms.ValidationError(f"{self.noun} must be positive")
        return int(text)


class ElementFilterForm(forms.Form):
    """`/api/v1/elements/` filters; without `source`, dense search windows are left out."""

    mural = PositiveIdField("mural")
    category = SlugChoiceField(Category, "category", "categories")
    source = forms.ChoiceField(required=False, choices=[("", "")] + Element.Source.choices)

    def apply(self, elements):
        data = self.cleaned_data
        if data["mural"] is not None:
            elements = elements.filter(mural_id=data["mural"])
        if data["category"]:
            elements = elements.filter(category=data["category"])
        if data["source"]:
            return elements.filter(source=data["source"])
        return elements.shown()
