"""Training labels from the catalogue: the detector's classes and the boxes people vouch for.

The accepted elements become LabelledMurals, which indexer.training cuts into a data set.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Category, Element
from indexer.training.datasets import DatasetError, LabelledBox, LabelledMural


def class_names() -> list[str]:
    """The detector's classes: every category slug, in the order the categories were made."""
    return list(Category.objects.order_by("pk").values_list("slug", flat=True))


def accepted_elements() -> QuerySet:
    """Boxes a person vouches for: manual ones not rejected, and detector ones accepted.

    Corrections made in the UI (accepting, rejecting, adding boxes) flow back into training.
    """
    return Element.objects.filter(
        (Q(source=Element.Source.MANUAL) & ~Q(review_state=Element.Review.REJECTED))
        | (Q(source=Element.Source.DETECTOR) & Q(review_state=Element.Review.ACCEPTED)),
        category__isnull=False,
    )


def labelled_murals(names: list[str], murals=None) -> list[LabelledMural]:
    """Every mural with at least one accepted element, as the dataset builder takes them."""
    index = {slug: i for i, slug in enumerate(names)}
    boxes: dict[int, list[LabelledBox]] = {}
    rows = accepted_elements().values_list("mural_id", "x", "y", "w", "h", "category__slug")
    if murals is not None:
        rows = rows.filter(mural__in=murals)
    for mural_id, x, y, w, h, slug in rows.order_by("mural_id", "pk"):
        if slug not in index:
            raise DatasetError(f"category {slug!r} is not one of the detector's classes {names}")
        boxes.setdefault(mural_id, []).append(LabelledBox(x, y, w, h, index[slug]))
    out = []
    for mural in Mural.objects.filter(pk__in=boxes).order_by("pk"):
        out.append(
            LabelledMural(f"mural-{mural.pk}", str(mural.pyramid_path), tuple(boxes[mural.pk]))
        )
    return out
