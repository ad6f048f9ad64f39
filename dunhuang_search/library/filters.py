"""The one filter of a library view, shared by its stats, gallery, charts and exports: a
category plus period, site, cave, wall, source, review state, detector version and score range.

Values come from a query string (repeated keys or comma-separated); an unknown value, or a
score outside [0, 1], raises FilterError naming the parameter, which views turn into a 400.
Everything counted or shown starts from Element.objects.visible(): no dense windows, nothing
rejected, only confident, manual or accepted elements.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.db.models import QuerySet

from dunhuang_search.catalogue.models import Cave, Mural, Period, Site
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.elements.selection import SelectionError, element_ids

SOURCES = (Element.Source.DETECTOR.value, Element.Source.MANUAL.value)
REVIEW_STATES = (Element.Review.UNREVIEWED.value, Element.Review.ACCEPTED.value)
MULTI = ("period", "site", "cave", "wall", "source", "review", "detector")
FACETS = MULTI  # every multi-valued filter is a facet with live counts
LOOKUPS = {
    "period": "mural__period__slug__in",
    "site": "mural__cave__site__slug__in",
    "cave": "mural__cave__number__in",
    "wall": "mural__wall__in",
    "source": "source__in",
    "review": "review_state__in",
    "detector": "model_version__in",
}


class FilterError(ValueError):
    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param, self.message = param, message


def _values(params, name: str) -> list[str]:
    """All values of `name`: repeated keys and comma-separated lists, blanks dropped."""
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else [params[name]] if name in params else []
    out: list[str] = []
    for item in raw:
        out += [v.strip() for v in str(item).split(",") if v.strip()]
    return list(dict.fromkeys(out))


def _score(params, name: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise FilterError(name, f"{raw!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise FilterError(name, f"{value} is outside [0, 1]")
    return value


def _unknown(param: str, given: list, known) -> None:
    missing = [v for v in given if v not in set(known)]
    if missing:
        raise FilterError(param, f"unknown value(s) {', '.join(map(str, missing))}")


MAX_IDS = 5000


def _ids(category: Category, params) -> tuple[int, ...]:
    try:
        ids = element_ids(_values(params, "ids"), MAX_IDS)
    except SelectionError as exc:
        raise FilterError("ids", str(exc)) from exc
    if not ids:
        return ()
    found = Element.objects.visible().filter(category=category, pk__in=ids)
    _unknown("ids", ids, found.values_list("pk", flat=True))
    return tuple(ids)


def _known(qs, column: str, given: list) -> list:
    """Which of `given` occur in `column` (one indexed lookup, not the whole table)."""
    if not given:
        return []
    return list(qs.filter(**{f"{column}__in": given}).values_list(column, flat=True).distinct())


def _check_known(category: Category, values: dict) -> None:
    for raw in values["cave"]:
        if not raw.isdigit():
            raise FilterError("cave", f"{raw!r} is not a cave number")
    caves = [int(v) for v in values["cave"]]
    _unknown("period", values["period"], _known(Period.objects, "slug", values["period"]))
    _unknown("site", values["site"], _known(Site.objects, "slug", values["site"]))
    _unknown("cave", caves, _known(Cave.objects, "number", caves))
    _unknown("wall", values["wall"], _known(Mural.objects, "wall", values["wall"]))
    _unknown("source", values["source"], SOURCES)
    _unknown("review", values["review"], REVIEW_STATES)
    detectors = Element.objects.filter(category=category)
    _unknown("detector", values["detector"], _known(detectors, "model_version", values["detector"]))


def category_by_slug(slug: str) -> Category:
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise FilterError("category", f"unknown category {slug!r}") from None


@dataclass(frozen=True)
class LibraryFilter:
    category: Category
    period: tuple[str, ...] = ()
    site: tuple[str, ...] = ()
    cave: tuple[int, ...] = ()
    wall: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    review: tuple[str, ...] = ()
    detector: tuple[str, ...] = ()
    score_min: float | None = None
    score_max: float | None = None
    ids: tuple[int, ...] = ()  # a selection: only these elements

    @classmethod
    def parse(cls, category: Category | str, params) -> LibraryFilter:
        """The filter of a query string (a QueryDict or a plain dict)."""
        if isinstance(category, str):
            category = category_by_slug(category)
        values = {name: _values(params, name) for name in MULTI}
        _check_known(category, values)
        caves = [int(v) for v in values["cave"]]
        low, high = _score(params, "score_min"), _score(params, "score_max")
        if low is not None and high is not None and low > high:
            raise FilterError("score_min", f"{low} is above score_max {high}")
        ids = _ids(category, params)
        return cls(
            category=category,
            ids=ids,
            period=tuple(values["period"]),
            site=tuple(values["site"]),
            cave=tuple(caves),
            wall=tuple(values["wall"]),
            source=tuple(values["source"]),
            review=tuple(values["review"]),
            detector=tuple(values["detector"]),
            score_min=low,
            score_max=high,
        )

    def without(self, facet: str) -> LibraryFilter:
        """This filter with one facet cleared (for that facet's own live counts)."""
        return replace(self, **{facet: ()})

    def narrowed(self, qs: QuerySet) -> QuerySet:
        """`qs` (of elements, or of their counts: models.ElementCount has the same fields) in
        the category and the chosen facet values."""
        qs = qs.filter(category=self.category)
        for name, lookup in LOOKUPS.items():
            chosen = getattr(self, name)
            if chosen:
                qs = qs.filter(**{lookup: list(chosen)})
        return qs

    @property
    def countable(self) -> bool:
        """Whether the counts summary answers this filter: it holds no single element or score,
        only score bins, so a selection or a score range is counted from the elements."""
        return not self.ids and self.score_min is None and self.score_max is None

    def queryset(self) -> QuerySet[Element]:
        """The visible elements of the category that pass every filter."""
        qs = self.narrowed(Element.objects.visible())
        if self.ids:
            qs = qs.filter(pk__in=list(self.ids))
        if self.score_min is not None:
            qs = qs.filter(score__gte=self.score_min)
        if self.score_max is not None:
            qs = qs.filter(score__lte=self.score_max)
        return qs

    def params(self) -> dict[str, str]:
        """The query-string form (comma-joined), without the category: parse(params()) == self."""
        out = {name: ",".join(map(str, getattr(self, name))) for name in MULTI}
        out["ids"] = ",".join(map(str, self.ids))
        out["score_min"] = "" if self.score_min is None else f"{self.score_min:g}"
        out["score_max"] = "" if self.score_max is None else f"{self.score_max:g}"
        return {k: v for k, v in out.items() if v}

    def query(self, **more) -> str:
        return urlencode(
            {**self.params(), **{k: v for k, v in more.items() if v not in ("", None)}}
        )

    def toggled(self, facet: str, value) -> str:
        """The query string with `value` added to or removed from `facet` (for facet links)."""
        chosen = list(getattr(self, facet))
        chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        return replace(self, **{facet: tuple(chosen)}).query()
