"""The gallery of a library view: its sorted elements, a page at a time, as cards with their
IIIF crop and viewer links. Sorts: period, cave, score, or similarity to a chosen element.

Sorting a million elements by their mural's period or cave for each page would sort them all;
instead the murals are sorted (a few thousand), the counts summary says how many elements each
holds under the filter, and only the murals the page falls in are read."""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import groupby

from django.db.models import Count, F, QuerySet, Sum
from pgvector.django import CosineDistance

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from dunhuang_search.search.links import crop_url, viewer_url

from .filters import FilterError, LibraryFilter
from .models import ElementCount

PAGE_SIZE = 48
SORTS = {
    "period": ("mural__period__start_year", "mural__cave__number", "mural__wall", "id"),
    "cave": ("mural__cave__site__slug", "mural__cave__number", "mural__wall", "y", "x", "id"),
    "score": (F("score").desc(nulls_last=True), "id"),
    "similar": (),  # by cosine distance to the element `to`
}
RELATED = ("mural__cave__site", "mural__period", "category")
# SORTS["period"] and SORTS["cave"] split into the mural's part and the part within murals
MURAL_KEYS = {
    "period": ("period__start_year", "cave__number", "wall"),
    "cave": ("cave__site__slug", "cave__number", "wall"),
}
WITHIN = {"period": ("id",), "cave": ("y", "x", "id")}
PER_MURAL_MAX = 64  # up to this many murals, sort=score merges each mural's best


@dataclass(frozen=True)
class GalleryQuery:
    flt: LibraryFilter
    sort: str = "period"
    to: int | None = None  # the element of sort=similar
    page: int = 1

    @classmethod
    def parse(cls, flt: LibraryFilter, params) -> GalleryQuery:
        sort = params.get("sort") or "period"
        if sort not in SORTS:
            raise FilterError("sort", f"unknown sort {sort!r}; sorts are {', '.join(SORTS)}")
        to = params.get("to") or None
        if to is not None:
            if not str(to).isdigit():
                raise FilterError("to", f"{to!r} is not an element id")
            to = int(to)
        if sort == "similar" and to is None:
            raise FilterError("to", "sort=similar needs the element to compare with (to=ID)")
        page = params.get("page") or "1"
        if not str(page).isdigit() or int(page) < 1:
            raise FilterError("page", f"{page!r} is not a page number")
        return cls(flt, sort, to, int(page))

    def params(self) -> dict[str, str]:
        out = {**self.flt.params(), "sort": self.sort}
        if self.to is not None:
            out["to"] = str(self.to)
        return out

    def ordered(self) -> QuerySet[Element]:
        qs = self.flt.queryset().select_related(*RELATED)
        if self.sort != "similar":
            return qs.order_by(*SORTS[self.sort])
        anchor = Element.objects.filter(pk=self.to).values("embedding", "embedder").first()
        if anchor is None or anchor["embedding"] is None:
            raise FilterError("to", f"element {self.to} has no vector to compare with")
        return (
            qs.filter(embedder=anchor["embedder"], embedding__isnull=False)
            .annotate(distance=CosineDistance("embedding", anchor["embedding"]))
            .order_by("distance", "id")
        )

    def page_rows(self) -> tuple[list[Element], bool]:
        """The page's elements, and whether another page follows (no COUNT needed)."""
        start = (self.page - 1) * PAGE_SIZE
        if self.sort in MURAL_KEYS:
            rows = self._by_murals(self._held(), start, PAGE_SIZE + 1)
        elif self.sort == "score" and len(murals := self._murals_holding()) <= PER_MURAL_MAX:
            rows = self._best_per_mural(murals, start, PAGE_SIZE + 1)
        else:
            rows = list(self.ordered().defer("embedding")[start : start + PAGE_SIZE + 1])
        return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

    def _held(self) -> dict[int, int]:
        """Mural id -> how many of the view's elements it holds: from the counts summary, or
        for a selection or a score range (which it cannot count) one GROUP BY of the rows."""
        if self.flt.countable:
            rows = self.flt.narrowed(ElementCount.objects.filter(visible=True)).order_by()
            return dict(rows.values_list("mural_id").annotate(n=Sum("count")))
        rows = self.flt.queryset().order_by()
        return dict(rows.values_list("mural_id").annotate(n=Count("id")))

    def _murals_holding(self) -> list[int]:
        """The murals that may hold the view's elements (up to one more than PER_MURAL_MAX),
        for sort=score: from the counts summary, which ignores a score range (each mural's
        part applies it), so only a selection is grouped from its rows."""
        if self.flt.ids:
            return list(self._held())
        flt = replace(self.flt, score_min=None, score_max=None)
        rows = flt.narrowed(ElementCount.objects.filter(visible=True)).order_by()
        return list(rows.values_list("mural_id", flat=True).distinct()[: PER_MURAL_MAX + 1])

    def _best_per_mural(self, murals: list[int], start: int, want: int) -> list[Element]:
        """Rows start..start+want by score when the facets leave a few murals: the best
        start+want of each mural (an index walk each, in one UNION ALL), merged here."""
        depth = start + want
        # the murals already answer the mural facets: each part filters its own columns only
        own = replace(self.flt, period=(), site=(), cave=(), wall=()).queryset()
        parts = [
            own.filter(mural_id=pk).order_by(*SORTS["score"])
            .values_list("pk", "score")[:depth]
            for pk in murals
        ]  # fmt: skip
        if not parts:
            return []
        best = list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])
        best.sort(key=lambda r: (r[1] is None, -(r[1] or 0.0), r[0]))
        ids = [pk for pk, _ in best[start:depth]]
        found = self.flt.queryset().select_related(*RELATED).defer("embedding").in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def _by_murals(self, held: dict[int, int], start: int, want: int) -> list[Element]:
        """Rows start..start+want of ordered(), read from the murals they lie in: murals in
        sort order, grouped where their keys tie (their elements interleave), skipped whole
        by their counts until the page begins."""
        keys = MURAL_KEYS[self.sort]
        murals = Mural.objects.filter(pk__in=list(held)).order_by(*keys, "pk")
        rows: list[Element] = []
        seen = 0
        for _, tied in groupby(murals.values_list(*keys, "pk"), key=lambda r: r[:-1]):
            ids = [r[-1] for r in tied]
            n = sum(held[pk] for pk in ids)
            if seen + n > start:
                offset = max(0, start - seen)
                qs = self.flt.queryset().filter(mural_id__in=ids).select_related(*RELATED)
                qs = qs.defer("embedding").order_by(*WITHIN[self.sort])
                rows += qs[offset : offset + want - len(rows)]
                if len(rows) >= want:
                    break
            seen += n
        return rows


def card(element: Element) -> dict:
    mural = element.mural
    similarity = getattr(element, "distance", None)
    return {
        "element": element,
        "mural": mural,
        "crop_url": crop_url(element),
        "viewer_url": viewer_url(element),
        "similarity": None if similarity is None else 1.0 - similarity,
    }
