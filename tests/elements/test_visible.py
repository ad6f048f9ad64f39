"""Which elements are shown by default: manual and accepted ones, and confident detections;
never rejected elements or dense windows. "Include uncertain" adds the rest."""

from __future__ import annotations

import pytest

from dunhuang_search.elements.models import Element
from tests.factories import add_element, make_mural

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds():
    mural = make_mural()
    made = {
        "confident": dict(source="detector", score=0.9, confident=True),
        "uncertain": dict(source="detector", score=0.1, confident=False),
        "accepted_uncertain": dict(
            source="detector", score=0.1, confident=False, review_state="accepted"
        ),
        "rejected_confident": dict(
            source="detector", score=0.9, confident=True, review_state="rejected"
        ),
        "manual": dict(source="manual", confident=False),
        "manual_rejected": dict(source="manual", review_state="rejected"),
        "dense": dict(source="dense", confident=True),
    }
    return {
        name: add_element(mural, None if name == "dense" else "donor", x=10 * i, **fields).pk
        for i, (name, fields) in enumerate(made.items())
    }


def names(queryset, kinds) -> set[str]:
    by_pk = {pk: name for name, pk in kinds.items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


def test_it_shows_manual_accepted_and_confident_elements_by_default(kinds):
    assert names(Element.objects.visible(), kinds) == {
        "confident",
        "accepted_uncertain",
        "manual",
    }


def test_including_uncertain_adds_only_the_unreviewed_detections_below_threshold(kinds):
    assert names(Element.objects.visible(include_uncertain=True), kinds) == {
        "confident",
        "uncertain",
        "accepted_uncertain",
        "manual",
    }
    assert names(Element.objects.uncertain(), kinds) == {"uncertain"}
