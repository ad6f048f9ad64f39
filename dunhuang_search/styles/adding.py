""" "Add to style set" from search results, the viewer and the library gallery: what to add (an
element, several elements, or a mural region), to which set (an existing one, or a new one
named on the spot), idempotently (what is already in the set is not added twice, and the set's
version goes up only when something was added).

Everything is checked before anything is written: a bad target or set is a StyleError and
leaves no new set and no member.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.forms import parse_box
from dunhuang_search.elements.models import Element
from indexer.style import StyleError

from .members import add_elements, add_region
from .models import StyleSet, StyleSetMember

MAX_ELEMENTS = 500  # one gallery selection at most


@dataclass
class Target:
    """Elements to add, and mural regions (mural, x, y, w, h) to add."""

    elements: list = field(default_factory=list)
    regions: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.elements) + len(self.regions)

    def describe(self) -> str:
        if self.regions and not self.elements:
            mural, x, y, w, h = self.regions[0]
            return (
                f"region {x},{y},{w},{h} of mural {mural.pk}"
                if self.count == 1
                else (f"{self.count} regions")
            )
        if self.count == 1:
            return f"element {self.elements[0].pk}"
        return f"{self.count} elements"


@dataclass
class AddResult:
    style_set: StyleSet
    added: list[StyleSetMember]
    already: list[StyleSetMember]
    created_set: bool = False


def _ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in str(text).replace(" ", "").split(",") if part]
    except ValueError:
        raise StyleError(f"elements must be comma-separated ids, not {text!r}") from None
    if not ids:
        raise StyleError("the selection names no element")
    if len(ids) > MAX_ELEMENTS:
        raise StyleError(f"at most {MAX_ELEMENTS} elements at once, not {len(ids)}")
    return list(dict.fromkeys(ids))


def _region(mural: Mural, box) -> tuple:
    x, y, w, h = box
    if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > mural.width or y + h > mural.height:
        raise StyleError(f"the region {x},{y},{w},{h} lies outside mural {mural.pk}")
    return (mural, x, y, w, h)


def parse_target(data) -> Target:
    """{element}, {elements: "1,2,3"} or {mural, box: "x,y,w,h"} -> Target; StyleError names
    what is wrong. A dense search window (not a real element) is added as its region."""
    given = [k for k in ("element", "elements", "mural") if data.get(k) not in (None, "")]
    if len(given) != 1:
        raise StyleError("give one of: element, elements (a selection), or mural and box")
    if given[0] == "mural":
        try:
            mural = Mural.objects.filter(pk=int(data["mural"])).first()
        except (TypeError, ValueError):
            mural = None
        if mural is None:
            raise StyleError(f"no mural {data['mural']!r}")
        box = parse_box(str(data.get("box") or ""))
        if box is None:
            raise StyleError(f"a box is x,y,w,h in mural pixels, not {data.get('box')!r}")
        return Target(regions=[_region(mural, box)])
    ids = _ids(data[given[0]])
    found = Element.objects.select_related("mural", "category").in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise StyleError(f"no element {', '.join(map(str, missing[:10]))}")
    target = Target()
    for pk in ids:
        e = found[pk]
        if e.source == Element.Source.DENSE:
            target.regions.append(_region(e.mural, (e.x, e.y, e.w, e.h)))
        else:
            target.elements.append(e)
    return target


def unique_slug(name: str) -> str:
    base = (slugify(name) or "style-set")[:40].strip("-") or "style-set"
    slug, n = base, 2
    while StyleSet.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def resolve_set(slug: str, name: str) -> StyleSet | None:
    """The chosen set, or None when a new one named `name` is to be made."""
    name = (name or "").strip()
    if slug:
        style_set = StyleSet.objects.filter(slug=slug).first()
        if style_set is None:
            raise StyleError(f"no style set {slug!r}")
        return style_set
    if not name:
        raise StyleError("choose a style set, or name a new one")
    if len(name) > 200:
        raise StyleError("a style set's name is at most 200 characters")
    return None


def add_to_set(target: Target, slug: str, name: str, user) -> AddResult:
    """Add `target` to the set `slug` (or to a new set called `name`), in one transaction."""
    style_set = resolve_set(slug, name)
    with transaction.atomic():
        created = style_set is None
        if created:
            style_set = StyleSet.objects.create(
                name=name.strip(), slug=unique_slug(name), expert=user
            )
        before = {m.element_id: m for m in style_set.members.filter(element__in=target.elements)}
        added = add_elements(style_set, target.elements, user)
        already = [before[e.pk] for e in target.elements if e.pk in before]
        for region in target.regions:
            member, new = add_region(style_set, *region, user=user)
            (added if new else already).append(member)
        style_set.refresh_from_db()
    return AddResult(style_set, added, already, created)
