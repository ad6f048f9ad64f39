"""The wall's palette votes: the dated walls of other caves with the nearest colours."""

from __future__ import annotations

import numpy as np
import pytest

from dunhuang_search.catalogue.models import Mural, MuralPalette
from dunhuang_search.dating.assistant import estimate
from indexer.dating.palette import colour_histogram
from tests.dating.conftest import vectors
from tests.factories import add_elements, make_mural

pytestmark = pytest.mark.django_db


def palette(*colours: tuple[int, int, int]) -> list[float]:
    pixels = np.zeros((len(colours), 10, 3), np.uint8)
    for row, colour in enumerate(colours):
        pixels[row] = colour
    return colour_histogram(pixels).tolist()


RED_GROUND = palette((150, 70, 50), (150, 70, 50), (40, 30, 30))
WHITE_GROUND = palette((230, 225, 200), (230, 225, 200), (40, 30, 30))


def paint(mural: Mural, colours: list[float]) -> Mural:
    MuralPalette.store(mural.pk, colours)
    return mural


def test_a_wall_without_elements_is_dated_by_its_palette(dated_world, indexed):
    """Caves 301-302 (Sui) have red grounds, 303-305 white: a red wall with no elements at all
    gets Sui from the palettes alone, and says which walls voted."""
    for cave, mural in dated_world.items():
        paint(mural, RED_GROUND if cave in (301, 302) else WHITE_GROUND)
    target = paint(make_mural(cave=400, period=None), RED_GROUND)
    indexed()
    result = estimate(target)
    assert result["period"] == "sui" and result["evidence"] == []
    voters = {row["mural_id"] for row in result["palette_evidence"]}
    assert voters == {m.pk for m in dated_world.values()}  # all five, the nearest first
    first = result["palette_evidence"][0]
    assert first["period"] == "sui" and first["similarity"] == pytest.approx(1.0)


def test_the_palette_never_looks_into_the_targets_own_cave(dated_world, indexed):
    """A wall of the target's own cave, dated Early Tang, has the target's very palette; of the
    other caves only Sui cave 302 shares it. Were the cave not excluded, the twin would vote
    Early Tang as strongly as 302 votes Sui."""
    for cave, mural in dated_world.items():
        paint(mural, WHITE_GROUND if cave == 302 else RED_GROUND)
    target = paint(make_mural(cave=301, period=None, wall="north"), WHITE_GROUND)
    twin = paint(make_mural(cave=301, period="early-tang", wall="west"), WHITE_GROUND)
    indexed()
    result = estimate(target)
    voters = {row["mural_id"] for row in result["palette_evidence"]}
    assert voters and twin.pk not in voters and dated_world[301].pk not in voters
    assert all(row["cave"] != 301 for row in result["palette_evidence"])
    assert result["distribution"]["sui"] > result["distribution"]["early-tang"]


def test_palette_and_elements_vote_together_and_an_element_alone_has_no_palette(
    dated_world, indexed
):
    for cave, mural in dated_world.items():
        paint(mural, RED_GROUND if cave in (301, 302) else WHITE_GROUND)
    target = paint(make_mural(cave=400, period=None), RED_GROUND)
    (element, *_) = add_elements(target, vectors(0, 3, seed=9), category_slug="donor")
    indexed()
    wall = estimate(target)
    assert wall["period"] == "sui" and wall["evidence"] and wall["palette_evidence"]
    assert "palette" not in {row["category"] for row in wall["evidence"]}
    alone = estimate(target, element)
    assert alone["palette_evidence"] == [] and alone["evidence"]
