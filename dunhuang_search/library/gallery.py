"""The gallery of a library view: its sorted elements, a page at a time, as cards with their
IIIF crop and viewer links. Sorts: period, cave, score, or similarity to a chosen element."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet
from pgvector.django import CosineDistance

from dunhuang_search.elements.models import Element
from dunhuang_search.search.links import crop_url, viewer_url

from .filters import FilterError, LibraryFilter

PAGE_SIZE = 48
SORTS = {
    "period": ("mural__period__start_year", "mural__cave__number", "mural__wall", "id"),
    "cave": ("mural__cave__site__slug", "mural__cave__number", "mural__wall", "y", "x", "id"),
    "score": (F("score").desc(nulls_last=True), "id"),
    "similar": (),  # by cosine distance to the element `to`
}
RELATED = ("mural__cave__site", "mural__period", "category")


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
        rows = list(self.ordered().defer("embedding")[start : start + PAGE_SIZE + 1])
        return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


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
