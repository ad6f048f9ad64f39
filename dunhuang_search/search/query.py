"""A search request read from query parameters (API, page, CLI alike) and checked.

The parameters are read by forms.SearchForm; every bad value raises SearchInputError naming its
parameter, and nothing is searched before the whole request has been checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q

from dunhuang_search.catalogue.models import Mural, Period, Site
from dunhuang_search.elements.models import Category, Element

from .forms import SearchForm


class SearchInputError(ValueError):
    """A bad parameter: `param` names it, the message says what is wrong and what would do."""

    status = 400

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param, self.message = param, message


class SearchUnavailable(SearchInputError):
    """Search cannot answer until an operator acts (the vector index is corrupt): 503."""

    status = 503


@dataclass
class Filters:
    categories: list[Category] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    period_from: Period | None = None
    period_to: Period | None = None
    caves: list[int] = field(default_factory=list)
    site: Site | None = None
    review: list[str] = field(default_factory=lambda: default_review())
    include_uncertain: bool = False

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
        """The filters as a condition on Element; detections below their class's operating
        threshold only with include_uncertain (Element.objects.visible's rule)."""
        q = Q(review_state__in=self.review)
        if not self.include_uncertain:
            q &= CONFIDENT
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
            "include_uncertain": self.include_uncertain,
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
        if self.include_uncertain:
            out["include_uncertain"] = "1"
        return {key: value for key, value in out.items() if value}


#: what Element.objects.visible() keeps besides its review-state rule, as a condition that
#: FAISS post-filters and pgvector queries can share: confident detections, manual elements
#: and accepted ones (tests/search check that the two agree)
CONFIDENT = (
    Q(confident=True) | Q(source=Element.Source.MANUAL) | Q(review_state=Element.Review.ACCEPTED)
)


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
    prior: float | None = None  # example queries' category prior (None: engine.CATEGORY_PRIOR)

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


def parse_request(params, files=None) -> SearchRequest:
    """Read a SearchRequest from query parameters (and an uploaded `image`), or raise a
    SearchInputError naming the first bad parameter."""
    form = SearchForm(params, files)
    if not form.is_valid():
        param, messages = next(iter(form.errors.items()))
        raise SearchInputError(param, messages[0])
    data = form.cleaned_data
    filters = Filters(
        categories=data["category"],
        periods=data["period"],
        period_from=_one(data["period_from"]),
        period_to=_one(data["period_to"]),
        caves=data["cave"],
        site=_one(data["site"]),
        review=data["review"] or default_review(),
        include_uncertain=bool(data["include_uncertain"]),
    )
    request = SearchRequest(filters=filters, text=data["q"], sort=data["sort"])
    if data["example"]:
        request.example = Example(*data["example"])
    request.element, request.image = data["element"], data["image"]
    for name in ("k", "page", "page_size"):
        if data[name] is not None:
            setattr(request, name, data[name])
    return request


def _one(rows: list):
    return rows[0] if rows else None
