"""A search request read from query parameters (API, page, CLI alike) and checked.

Every bad value raises SearchInputError naming its parameter; nothing is searched before the
whole request has been checked.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import Q

from dunhuang_search.catalogue.models import Mural, Period, Site
from dunhuang_search.elements.models import Category, Element

SORTS = ("period", "-period", "cave", "-cave", "score", "-score")
KINDS = ("example", "element", "image")
MAX_UPLOAD_BYTES = 20 * 1024**2
MAX_UPLOAD_PIXELS = 50_000_000


class SearchInputError(ValueError):
    """A bad parameter: `param` names it, the message says what is wrong and what would do."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param, self.message = param, message


@dataclass
class Filters:
    categories: list[Category] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    period_from: Period | None = None
    period_to: Period | None = None
    caves: list[int] = field(default_factory=list)
    site: Site | None = None
    review: list[str] = field(default_factory=lambda: default_review())

    @property
    def narrowing(self) -> bool:
        """True when a filter other than the default review states is set."""
        return bool(
            self.categories
            or self.periods
            or self.period_from
            or self.period_to
            or self.caves
            or self.site
            or set(self.review) != set(default_review())
        )

    def q(self) -> Q:
        """The filters as a condition on Element."""
        q = Q(review_state__in=self.review)
        if self.categories:
            q &= Q(category__in=self.categories)
        if self.periods:
            q &= Q(mural__period__in=self.periods)
        if self.period_from:
            q &= Q(mural__period__start_year__gte=self.period_from.start_year)
        if self.period_to:
            q &= Q(mural__period__start_year__lte=self.period_to.start_year)
        if self.caves:
            q &= Q(mural__cave__number__in=self.caves)
        if self.site:
            q &= Q(mural__cave__site=self.site)
        return q

    def as_dict(self) -> dict:
        return {
            "category": [c.slug for c in self.categories],
            "period": [p.slug for p in self.periods],
            "period_from": self.period_from.slug if self.period_from else None,
            "period_to": self.period_to.slug if self.period_to else None,
            "cave": self.caves,
            "site": self.site.slug if self.site else None,
            "review": self.review,
        }

    def params(self) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        out = {
            "category": ",".join(c.slug for c in self.categories),
            "period": ",".join(p.slug for p in self.periods),
            "period_from": self.period_from.slug if self.period_from else "",
            "period_to": self.period_to.slug if self.period_to else "",
            "cave": ",".join(str(c) for c in self.caves),
            "site": self.site.slug if self.site else "",
        }
        if set(self.review) != set(default_review()):
            out["review"] = ",".join(self.review)
        return {key: value for key, value in out.items() if value}


def default_review() -> list[str]:
    """Rejected detections are false positives: left out unless asked for."""
    return [Element.Review.UNREVIEWED, Element.Review.ACCEPTED]


@dataclass
class Example:
    mural: Mural
    box: tuple[int, int, int, int]


@dataclass
class SearchRequest:
    example: Example | None = None
    element: Element | None = None
    image: np.ndarray | None = None
    text: str | None = None
    filters: Filters = field(default_factory=Filters)
    k: int = 20
    sort: str = ""
    page: int = 1
    page_size: int = 24

    @property
    def kind(self) -> str:
        if self.example:
            return "example"
        if self.element is not None:
            return "element"
        if self.image is not None:
            return "image"
        if self.text is not None:
            return "text"
        return "browse"

    def as_dict(self) -> dict:
        data: dict = {"kind": self.kind, "k": self.k, "filters": self.filters.as_dict()}
        if self.example:
            data["example"] = {"mural_id": self.example.mural.pk, "bbox": list(self.example.box)}
        if self.element is not None:
            data["element_id"] = self.element.pk
        if self.text is not None:
            data["text"] = self.text
        if self.kind in ("browse", "text"):
            data.update(sort=self.sort, page=self.page, page_size=self.page_size)
        return data


def _get(params, name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return None if value is None else str(value)


def _list(params, name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else [_get(params, name) or ""]
    return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


def _slugs(params, name: str, model) -> list:
    slugs = _list(params, name)
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=slugs)}
    for slug in slugs:
        if slug not in found:
            known = ", ".join(model.objects.order_by("slug").values_list("slug", flat=True))
            raise SearchInputError(name, f"unknown {name} '{slug}' (known: {known})")
    return [found[slug] for slug in dict.fromkeys(slugs)]


def _one_slug(params, name: str, model):
    values = _slugs(params, name, model)
    if len(values) > 1:
        raise SearchInputError(name, f"give one {name}, not {len(values)}")
    return values[0] if values else None


def positive_int(value: str, param: str, cap: int | None = None) -> int:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise SearchInputError(param, f"{param} must be a whole number, not '{value}'")
    number = int(text)
    if number <= 0:
        raise SearchInputError(param, f"{param} must be at least 1, not {number}")
    if cap is not None and number > cap:
        raise SearchInputError(param, f"{param} must be at most {cap}, not {number}")
    return number


def parse_filters(params) -> Filters:
    filters = Filters(
        categories=_slugs(params, "category", Category),
        periods=_slugs(params, "period", Period),
        period_from=_one_slug(params, "period_from", Period),
        period_to=_one_slug(params, "period_to", Period),
        site=_one_slug(params, "site", Site),
    )
    if (
        filters.period_from
        and filters.period_to
        and filters.period_from.start_year > filters.period_to.start_year
    ):
        raise SearchInputError(
            "period_to",
            f"the range ends ({filters.period_to.slug}) before it starts "
            f"({filters.period_from.slug})",
        )
    filters.caves = list(
        dict.fromkeys(positive_int(c, "cave", 100_000) for c in _list(params, "cave"))
    )
    review = _list(params, "review")
    for state in review:
        if state not in Element.Review.values:
            raise SearchInputError(
                "review", f"unknown review state '{state}' (use {', '.join(Element.Review.values)})"
            )
    if review:
        filters.review = list(dict.fromkeys(review))
    return filters


def parse_example(value: str) -> Example:
    match = re.fullmatch(r"\s*(\d+)\s*:\s*([-+\d.,\s]+)", value)
    if not match:
        raise SearchInputError("example", f"expected MURAL_ID:X,Y,W,H, not '{value}'")
    parts = [p.strip() for p in match.group(2).split(",")]
    try:
        x, y, w, h = (int(round(float(p))) for p in parts)
    except ValueError:
        raise SearchInputError("example", f"expected MURAL_ID:X,Y,W,H, not '{value}'") from None
    mural = Mural.objects.filter(pk=int(match.group(1))).first()
    if mural is None:
        raise SearchInputError("example", f"there is no mural {match.group(1)}")
    if w <= 0 or h <= 0:
        raise SearchInputError("example", f"the box {x},{y},{w},{h} has zero or negative size")
    if x < 0 or y < 0 or x + w > mural.width or y + h > mural.height:
        raise SearchInputError(
            "example",
            f"the box {x},{y},{w},{h} lies outside mural {mural.pk} "
            f"({mural.width} × {mural.height} px)",
        )
    return Example(mural, (x, y, w, h))


def read_upload(upload) -> np.ndarray:
    """An uploaded image file as an RGB array; anything else is refused."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > MAX_UPLOAD_BYTES:
        raise SearchInputError("image", f"the image is over {MAX_UPLOAD_BYTES // 1024**2} MB")
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_UPLOAD_PIXELS:
                raise SearchInputError("image", "the image has too many pixels for a crop")
            rgb = np.asarray(image.convert("RGB"))
    # ImportError: once ultralytics is imported it wraps Image.open and, for bytes Pillow cannot
    # identify, tries the optional pi-heif plugin, which is not installed: still not an image.
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, ImportError) as exc:
        if isinstance(exc, SearchInputError):
            raise
        name = getattr(upload, "name", "the upload")
        raise SearchInputError("image", f"{name} is not an image PIL can read") from None
    except Image.DecompressionBombError:
        raise SearchInputError("image", "the image has too many pixels for a crop") from None
    if rgb.shape[0] < 8 or rgb.shape[1] < 8:
        raise SearchInputError("image", "the image is smaller than 8 × 8 px")
    return rgb


def parse_request(params, files=None) -> SearchRequest:
    """Read a SearchRequest from query parameters (and an uploaded `image`)."""
    upload = files.get("image") if files else None
    given = [name for name in KINDS if (_get(params, name) or "").strip()]
    if upload is not None:
        given = [*given, "image"] if "image" not in given else given
    if len(given) > 1:
        raise SearchInputError(given[1], f"give only one of example, element, image ({given})")
    request = SearchRequest(filters=parse_filters(params))
    k = _get(params, "k")
    if k is not None:
        request.k = positive_int(k, "k", settings.SEARCH_MAX_K)
    if (example := _get(params, "example")) is not None and example.strip():
        request.example = parse_example(example)
    elif (element := _get(params, "element")) is not None and element.strip():
        element_id = positive_int(element, "element")
        request.element = Element.objects.select_related("mural").filter(pk=element_id).first()
        if request.element is None:
            raise SearchInputError("element", f"there is no element {element_id}")
    elif upload is not None:
        request.image = read_upload(upload)
    text = _get(params, "q")
    if text is not None:
        if not text.strip():
            raise SearchInputError("q", "the text is empty; type words to search for")
        if given:
            raise SearchInputError("q", f"search by text or by {given[0]}, not both")
        if len(text) > 500:
            raise SearchInputError("q", "the text is longer than 500 characters")
        request.text = " ".join(text.split())
    sort = _get(params, "sort")
    if sort:
        if sort not in SORTS:
            raise SearchInputError("sort", f"unknown sort '{sort}' (use {', '.join(SORTS)})")
        request.sort = sort
    if (page := _get(params, "page")) is not None:
        request.page = positive_int(page, "page", 100_000)
    if (size := _get(params, "page_size")) is not None:
        request.page_size = positive_int(size, "page_size", 100)
    return request
