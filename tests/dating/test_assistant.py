"""The dating assistant: votes of dated neighbours in other caves, inscriptions, abstention."""

from __future__ import annotations

import pytest

from dunhuang_search.dating.assistant import estimate
from dunhuang_search.dating.authority import DatingError
from dunhuang_search.dating.records import add_dating
from dunhuang_search.elements.models import Element
from tests.dating.conftest import vectors
from tests.factories import add_element, add_elements, make_mural

pytestmark = pytest.mark.django_db


def test_an_undated_mural_gets_the_period_of_its_neighbours(dated_world, indexed):
    target = make_mural(cave=400, period=None)
    add_elements(target, vectors(0, 3, seed=9), category_slug="donor")
    indexed()
    result = estimate(target)
    assert result["period"] == "sui" and not result["abstained"]
    assert result["distribution"]["sui"] > 0.6
    low, high = result["interval"]
    assert 560 <= low <= 600 <= high <= 660
    assert {row["period"] for row in result["evidence"][:5]} == {"sui"}
    assert result["target"] == {"mural_id": target.pk, "element_id": None}
    assert set(result) >= {"period", "interval", "distribution", "abstained", "evidence"}
    row = result["evidence"][0]
    assert set(row) >= {"element_id", "neighbour_id", "period", "cave", "similarity", "weight"}


def test_the_targets_own_cave_is_never_used(dated_world, indexed):
    """A mural of the target's own cave, dated Early Tang, holds the exact copies of the target's
    vectors; the other caves are Sui. If the cave were not excluded its elements would be the
    nearest, and win."""
    own_cave = 301
    target = make_mural(cave=own_cave, period=None, wall="north")
    same_cave = make_mural(cave=own_cave, period="early-tang", wall="west")
    target_vectors = vectors(0, 3, jitter=0.3, seed=11)
    add_elements(target, target_vectors, category_slug="donor")
    copies = add_elements(same_cave, target_vectors, category_slug="donor")
    indexed()
    result = estimate(target, k=20)
    used = {row["neighbour_id"] for row in result["evidence"]}
    assert used and not used & {e.pk for e in copies}
    assert all(row["cave"] != own_cave for row in result["evidence"])
    assert not Element.objects.filter(pk__in=used, mural__cave__number=own_cave).exists()
    assert result["period"] == "sui"


def test_a_dated_inscription_clips_the_estimate(dated_world, indexed):
    target = make_mural(cave=400, period=None)
    add_elements(target, vectors(0, 3, seed=9), category_slug="donor")  # looks Sui
    add_element(target, "inscription", ocr_text="大代大魏大統四年歲次戊午", x=10, y=10)
    indexed()
    result = estimate(target)
    assert result["inscriptions"] == [
        {"element_id": result["inscriptions"][0]["element_id"], "text": "大統四年",
         "year": 538, "years": (538,)}
    ]  # fmt: skip
    assert result["interval"] == [538, 538]
    assert result["period"] == "western-wei"
    assert result["distribution"]["sui"] == 0


def test_an_element_alone_can_be_estimated(dated_world, indexed):
    target = make_mural(cave=400, period=None)
    (tang,) = add_elements(target, vectors(1, 1, seed=5), category_slug="donor")
    add_elements(target, vectors(0, 3, seed=6), category_slug="donor")
    indexed()
    result = estimate(target, tang)
    assert result["period"] == "early-tang"
    assert {row["element_id"] for row in result["evidence"]} == {tang.pk}


def test_a_mural_without_elements_abstains_with_the_reason(dated_world, indexed):
    target = make_mural(cave=400, period=None)
    indexed()
    result = estimate(target)
    assert result["abstained"] and result["period"] is None
    assert "has no elements" in result["reason"]
    assert result["evidence"] == []


def test_neighbours_are_of_the_elements_own_category(dated_world, indexed):
    target = make_mural(cave=400, period=None)
    add_elements(target, vectors(0, 3, seed=9), category_slug="apsara")  # only donors dated
    indexed()
    result = estimate(target)
    assert result["abstained"] and result["evidence"] == []
    assert result["reason"] == "no dated neighbours in other caves"


def test_mixed_elements_are_flagged_as_possible_repainting(dated_world, indexed):
    target = make_mural(cave=400, period=None)
    sui = add_elements(target, vectors(0, 3, seed=21), category_slug="donor")
    tang = add_elements(target, vectors(1, 3, seed=22), category_slug="donor")
    indexed()
    result = estimate(target)
    assert result["possible_repainting"] == {
        "sui": sorted(e.pk for e in sui),
        "early-tang": sorted(e.pk for e in tang),
    }


def test_few_detections_bring_in_the_dense_windows(dated_world, indexed):
    for cave, axis in [(301, 0), (303, 1)]:
        add_elements(dated_world[cave], vectors(axis, 3, seed=cave + 50), None, source="dense")
    target = make_mural(cave=400, period=None)
    dense = add_elements(target, vectors(1, 4, seed=30), None, source="dense")
    indexed()
    result = estimate(target)
    assert result["period"] == "early-tang"
    assert {row["element_id"] for row in result["evidence"]} <= {e.pk for e in dense}
    neighbours = Element.objects.filter(pk__in=[r["neighbour_id"] for r in result["evidence"]])
    assert set(neighbours.values_list("source", flat=True)) == {"dense"}


def test_the_estimate_follows_the_chosen_authority(dated_world, indexed):
    target = make_mural(cave=400, period=None)
    add_elements(target, vectors(0, 3, seed=9), category_slug="donor")
    indexed()
    # a scholar who dates the "Sui" caves to the Northern Zhou
    for cave in (301, 302):
        add_dating(mural=dated_world[cave], period="northern-zhou", authority="Scholar A")
    assert estimate(target)["period"] == "sui"
    assert estimate(target, authority="Scholar A")["period"] == "northern-zhou"
    with pytest.raises(DatingError, match="unknown authority 'Nobody'"):
        estimate(target, authority="Nobody")


def test_without_a_vector_index_the_assistant_abstains(dated_world):
    target = make_mural(cave=400, period=None)
    add_elements(target, vectors(0, 3, seed=9), category_slug="donor")
    result = estimate(target)
    assert result["abstained"] and "no vector index" in result["reason"]


def test_the_panel_draws_no_flat_distribution_without_evidence(dated_world, client):
    target = make_mural(cave=401, period=None)
    add_elements(target, vectors(0, 3, seed=9), category_slug="donor")
    html = client.get(f"/murals/{target.pk}/dating/").content.decode()
    assert "Insufficient evidence." in html and "no vector index yet" in html
    assert "dating-distribution" not in html  # the uniform prior is not an estimate
    assert "/tmp/" not in html and ".faiss" not in html  # no server paths shown


def test_the_panel_draws_the_distribution_from_evidence(dated_world, indexed, client):
    target = make_mural(cave=402, period=None)
    add_elements(target, vectors(0, 3, seed=9), category_slug="donor")
    indexed()
    html = client.get(f"/murals/{target.pk}/dating/").content.decode()
    assert "Most likely <strong>sui</strong>" in html
    assert '<span class="period-slug">sui</span>' in html.split("dating-distribution")[1]
