"""The search parameters as a form, one for the page, the API and the CLI: query by example (a
box, an element, an uploaded crop), text, and the filters. query.parse_request turns it into a
SearchRequest, or a SearchInputError naming the first bad parameter."""

from __future__ import annotations

import io
import re
import unicodedata

import numpy as np
from django import forms
from django.conf import settings
from django.db.models import Model
from django.forms.utils import ErrorDict, ErrorList

from dunhuang_search.catalogue.forms import unknown_slug
from dunhuang_search.catalogue.models import Mural, Period, Site
from dunhuang_search.elements.forms import parse_box
from dunhuang_search.elements.models import Category, Element

SORTS = ("period", "-period", "cave", "-cave", "score", "-score")
KINDS = ("example", "element", "image")
MAX_TEXT = 500
MAX_UPLOAD_BYTES = 20 * 1024**2
MAX_UPLOAD_PIXELS = 50_000_000


class CommaListWidget(forms.Widget):
    """Every value of a repeated parameter (`a&a`), each split at commas, as one list."""

    def value_from_datadict(self, data, files, name: str) -> list[str]:
        getlist = getattr(data, "getlist", None)
        raw = getlist(name) if getlist else [data.get(name) or ""]
        return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


def whole_number(text: str, param: str, cap: int | None = None) -> int:
    text = str(text).strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise forms.ValidationError(f"{param} must be a whole number, not '{text}'")
    number = int(text)
    if number <= 0:
        raise forms.ValidationError(f"{param} must be at least 1, not {number}")
    if cap is not None and number > cap:
        raise forms.ValidationError(f"{param} must be at most {cap}, not {number}")
    return number


class WholeNumberField(forms.Field):
    """A whole number from 1 to `cap` (a number, or the name of a setting); None if absent."""

    def __init__(self, param: str, cap: int | str | None = None, **kwargs):
        super().__init__(required=False, **kwargs)
        self.param, self.cap = param, cap

    def to_python(self, value: object) -> int | None:
        if value is None:
            return None
        cap = getattr(settings, self.cap) if isinstance(self.cap, str) else self.cap
        return whole_number(str(value), self.param, cap)


class SlugListField(forms.Field):
    """Rows of `model` named by slugs (repeats dropped, order kept); `single` allows one."""

    widget = CommaListWidget

    def __init__(self, model: type[Model], noun: str, plural: str = "", single=False, **kwargs):
        super().__init__(required=False, **kwargs)
        self.model, self.noun, self.plural = model, noun, plural or f"{noun}s"
        self.single = single

    def to_python(self, value: list[str]) -> list[Model]:
        slugs = list(dict.fromkeys(value or []))
        if not slugs:  # most requests name no period, site or category: no query to build
            return []
        found = {row.slug: row for row in self.model.objects.filter(slug__in=slugs)}
        for slug in slugs:
            if slug not in found:
                raise forms.ValidationError(unknown_slug(self.model, self.noun, self.plural, slug))
        if self.single and len(slugs) > 1:
            raise forms.ValidationError(f"give one {self.noun}, not {len(slugs)}")
        return [found[slug] for slug in slugs]


class CaveListField(forms.Field):
    widget = CommaListWidget

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: list[str]) -> list[int]:
        return list(dict.fromkeys(whole_number(v, "cave", 100_000) for v in value or []))


class ReviewListField(forms.Field):
    widget = CommaListWidget

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: list[str]) -> list[str]:
        for state in value or []:
            if state not in Element.Review.values:
                states = ", ".join(Element.Review.values)
                raise forms.ValidationError(f"unknown review state '{state}' (use {states})")
        return list(dict.fromkeys(value or []))


class ExampleField(forms.Field):
    """`MURAL_ID:X,Y,W,H`, a box inside that mural -> (mural, (x, y, w, h))."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: object) -> tuple[Mural, tuple[int, int, int, int]] | None:
        text = str(value or "")
        if not text.strip():
            return None
        match = re.fullmatch(r"\s*(\d+)\s*:(.*)", text)
        box = parse_box(match.group(2)) if match else None
        if box is None:
            raise forms.ValidationError(f"expected MURAL_ID:X,Y,W,H, not '{text}'")
        mural = Mural.objects.filter(pk=int(match.group(1))).first()
        if mural is None:
            raise forms.ValidationError(f"there is no mural {match.group(1)}")
        x, y, w, h = box
        if w <= 0 or h <= 0:
            raise forms.ValidationError(f"the box {x},{y},{w},{h} has zero or negative size")
        if x < 0 or y < 0 or x + w > mural.width or y + h > mural.height:
            raise forms.ValidationError(
                f"the box {x},{y},{w},{h} lies outside mural {mural.pk} "
                f"({mural.width} × {mural.height} px)"
            )
        return mural, box


class ElementField(forms.Field):
    """An element id -> the Element, without its vector (the search reads that from the loaded
    index: engine.element_vector)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: object) -> Element | None:
        if value is None or not str(value).strip():
            return None
        element_id = whole_number(str(value), "element")
        element = Element.objects.defer("embedding").filter(pk=element_id).first()
        if element is None:
            raise forms.ValidationError(f"there is no element {element_id}")
        return element


class TextField(forms.Field):
    """Words to search for, whitespace collapsed; present but empty is an error."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: object) -> str | None:
        if value is None:
            return None
        text = str(value)
        if not text.strip():
            raise forms.ValidationError(
                "the text is empty; give words to search for (e.g. q=apsara or q=飞天), or "
                "search by category, example or element instead"
            )
        if len(text) > MAX_TEXT:
            raise forms.ValidationError(f"the text is longer than {MAX_TEXT} characters")
        return " ".join(text.split())


class FlagField(forms.Field):
    """A yes/no parameter: 1, true, yes, on / 0, false, no, off (absent: no)."""

    TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: object) -> bool:
        text = str(value or "").strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(f"expected 1 or 0 (true or false), not '{value}'")


def control_character(text: str) -> str | None:
    """The first control character in `text` (tab, newline and return are whitespace), as
    U+XXXX, or None."""
    for char in text:
        if unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            return f"U+{ord(char):04X}"
    return None


class CropField(forms.Field):
    """An uploaded image file -> an RGB array of at least 8 x 8 px; anything else is refused."""

    widget = forms.FileInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, upload) -> np.ndarray | None:  # an array cannot be compared with ""
        return None if upload is None else read_upload(upload)


def read_upload(upload) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(f"the image is over {MAX_UPLOAD_BYTES // 1024**2} MB")
    data = upload.read()
    too_many = forms.ValidationError("the image has too many pixels for a crop")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_UPLOAD_PIXELS:
                raise too_many
            rgb = np.asarray(image.convert("RGB"))
    except Image.DecompressionBombError:
        raise too_many from None
    # ImportError: once ultralytics is imported it wraps Image.open and, for bytes Pillow cannot
    # identify, tries the optional pi-heif plugin, which is not installed: still not an image.
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, ImportError):
        name = getattr(upload, "name", "the upload")
        raise forms.ValidationError(f"{name} is not an image PIL can read") from None
    if rgb.shape[0] < 8 or rgb.shape[1] < 8:
        raise forms.ValidationError("the image is smaller than 8 × 8 px")
    return rgb


class SearchForm(forms.Form):
    """Filters first, then the query: errors are reported in this order (the first one wins)."""

    category = SlugListField(Category, "category", "categories")
    period = SlugListField(Period, "period")
    period_from = SlugListField(Period, "period", single=True)
    period_to = SlugListField(Period, "period", single=True)
    site = SlugListField(Site, "site", single=True)
    cave = CaveListField()
    review = ReviewListField()
    k = WholeNumberField("k", cap="SEARCH_MAX_K")
    example = ExampleField()
    element = ElementField()
    image = CropField()
    q = TextField()
    text = TextField()  # the same as q, as the search issue named it
    include_uncertain = FlagField()
    sort = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(s, s) for s in SORTS],
        error_messages={"invalid_choice": f"unknown sort '%(value)s' (use {', '.join(SORTS)})"},
    )
    page = WholeNumberField("page", cap=100_000)
    page_size = WholeNumberField("page_size", cap=100)

    def full_clean(self) -> None:
        """Control characters (NUL...) are refused in every parameter before any is read, so
        none reaches PostgreSQL."""
        for name in self.fields:
            if name == "image" or not hasattr(self.data, "get"):
                continue
            getlist = getattr(self.data, "getlist", None)
            for value in getlist(name) if getlist else [self.data.get(name)]:
                char = control_character(str(value)) if value is not None else None
                if char is not None:
                    self.cleaned_data = {}
                    message = f"holds a control character ({char}); remove it"
                    self._errors = ErrorDict({name: ErrorList([message])})
                    return
        super().full_clean()

    def clean(self) -> dict:
        data = super().clean()
        given = [name for name in KINDS if self._given(name)]
        words = [name for name in ("q", "text") if self._given(name)]
        if len(words) > 1:
            self.add_error("text", "give q or text, not both (they are the same)")
        if len(given) > 1:
            self.add_error(given[1], f"give only one of example, element, image ({given})")
        elif words and given:
            self.add_error(words[0], f"search by text or by {given[0]}, not both")
        if data.get("q") is None and data.get("text") is not None:
            data["q"] = data["text"]
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start[0].start_year > end[0].start_year:
            self.add_error(
                "period_to",
                f"the range ends ({end[0].slug}) before it starts ({start[0].slug})",
            )
        return data

    def _given(self, name: str) -> bool:
        """Whether the request carries the parameter (valid or not)."""
        if name == "image":
            return bool(self.files.get("image"))
        value = self.data.get(name)
        return value is not None and (name in ("q", "text") or bool(str(value).strip()))
