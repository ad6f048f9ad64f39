"""Few-shot categories: creating one (clashes refused), marking examples, "find more" by the
linear probe or the mean vector, overlaps skipped, and proposals through the queue."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from dunhuang_search.elements.models import Category, Element
from dunhuang_search.review import actions, categories, embedding, fewshot, queue
from tests.factories import EMBEDDER, add_elements, build_index, make_mural

pytestmark = pytest.mark.django_db

DIM = 16


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_create_a_category_and_refuse_clashes(archaeologist_client, reader_client):
    body = {"name": "Lotus", "name_zh": "莲花", "synonyms": ["padma"], "colour": "#AA3300"}
    response = post(archaeologist_client, "/api/v1/categories/", body)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "slug": "lotus", "name": "Lotus", "name_zh": "莲花", "synonyms": ["padma"],
        "colour": "#aa3300",
    }  # fmt: skip
    for clash, message in (
        ({"name": "lotus"}, "slug 'lotus' exists"),
        ({"name": "LOTUS", "slug": "lotus-2"}, "named 'LOTUS'"),
        ({"name": "Apsara"}, "slug 'apsara'"),
        ({"name": "Water", "colour": "blue"}, "colour must be #rrggbb"),
        ({"name": "飞天"}, "cannot make a slug"),
        ({"name_zh": "x"}, "name"),
    ):
        response = post(archaeologist_client, "/api/v1/categories/", clash)
        assert response.status_code == 400, clash
        assert message in response.json()["error"], response.json()
    assert Category.objects.filter(slug__startswith="lotus").count() == 1
    assert post(reader_client, "/api/v1/categories/", {"name": "Cloud"}).status_code == 403
    assert post(Client(), "/api/v1/categories/", {"name": "Cloud"}).status_code in (401, 403)


def test_an_example_is_a_manual_accepted_element(archaeologist_client, fake_embedder):
    categories.create_category("Lotus")
    mural = make_mural()
    url = "/api/v1/categories/lotus/examples/"
    response = post(archaeologist_client, url, {"mural": mural.pk, "bbox": [10, 20, 30, 40]})
    assert response.status_code == 201, response.content
    element = Element.objects.get(pk=response.json()["id"])
    assert (element.source, element.review_state, element.category.slug) == (
        "manual", "accepted", "lotus",
    )  # fmt: skip
    assert fake_embedder == [[10, 20, 30, 40]]
    bad = post(archaeologist_client, url, {"mural": mural.pk, "bbox": [9_990, 0, 30, 40]})
    assert bad.status_code == 400 and "outside the mural" in bad.json()["error"]
    missing = post(
        archaeologist_client,
        "/api/v1/categories/nope/examples/",
        {"mural": 1, "bbox": [0, 0, 5, 5]},
    )
    assert missing.status_code == 400 and "unknown category" in missing.json()["error"]


@pytest.fixture
def planted(db):
    """A lotus category with 5 examples around one direction; on another mural, 10 lotus-like
    dense windows among 300 random ones and 30 detections of other classes."""
    rng = np.random.default_rng(0)
    lotus = categories.create_category("Lotus")
    direction = np.zeros(DIM, np.float32)
    direction[0] = 1
    examples_mural, wall = make_mural(), make_mural()
    near = lambda n: direction + rng.normal(0, 0.25, (n, DIM))  # noqa: E731
    add_elements(examples_mural, near(5), category_slug="lotus", source="manual")
    like = add_elements(wall, near(10), category_slug=None, source="dense")
    noise = rng.normal(0, 1, (300, DIM))
    noise[:, 0] = -abs(noise[:, 0])
    rest = add_elements(wall, noise, category_slug=None, source="dense")
    # the grid of add_elements puts the first ten of both on the same boxes: move the noise
    Element.objects.filter(pk__in=[e.pk for e in rest]).update(y=5_000)
    others = rng.normal(0, 1, (30, DIM))
    others[:, 0] = -abs(others[:, 0])
    add_elements(wall, others, category_slug="donor", y=7_000)
    return lotus, wall, {e.pk for e in like}


@pytest.mark.parametrize("method", ["probe", "mean"])
@pytest.mark.parametrize("with_faiss", [True, False])
def test_find_more_ranks_the_planted_windows_first(planted, method, with_faiss):
    lotus, wall, like = planted
    if with_faiss:
        build_index(DIM)
    result = categories.propose("lotus", k=10, method=method)
    assert result["category"] == "lotus" and result["method"] == method
    found = [r["element_id"] for r in result["results"]]
    assert len(found) == 10 and set(found) == like
    scores = [r["score"] for r in result["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all(r["source"] == "dense" and r["mural_id"] == wall.pk for r in result["results"])


def test_candidates_over_an_element_of_the_category_are_skipped(planted):
    lotus, wall, like = planted
    first = Element.objects.get(pk=min(like))
    Element.objects.create(
        mural=wall, x=first.x + 5, y=first.y + 5, w=first.w, h=first.h, category=lotus,
        source="manual",
    )  # fmt: skip
    found = {r["element_id"] for r in categories.propose("lotus", k=9)["results"]}
    assert first.pk not in found and found == like - {first.pk}


def test_proposals_go_into_the_queue_and_accepting_makes_a_manual_element(
    planted, archaeologist, django_capture_on_commit_callbacks
):
    lotus, wall, like = planted
    with django_capture_on_commit_callbacks(execute=True):
        ids = categories.queue_proposals(categories.propose("lotus", k=3))
    assert len(ids) == 3
    form = queue.QueueFilterForm({"category": "lotus", "source": "proposal"})
    assert form.is_valid() and {e.pk for e in queue.queue(form)} == set(ids)
    assert not Element.objects.visible().filter(pk__in=ids).exists()
    assert not Element.objects.shown().filter(pk__in=ids).exists()  # not in viewer or API lists
    actions.apply_review(ids[0], archaeologist, {"state": "accepted"})
    accepted = Element.objects.get(pk=ids[0])
    assert (accepted.source, accepted.category, accepted.review_state) == (
        "manual",
        lotus,
        "accepted",
    )
    # proposals already queued are not proposed again
    again = {tuple(r["bbox"]) for r in categories.propose("lotus", k=3)["results"]}
    assert not again & {tuple(Element.objects.get(pk=pk).bbox) for pk in ids}


def test_the_proposals_endpoint_and_the_propose_command(planted, archaeologist_client, capsys):
    response = archaeologist_client.get("/api/v1/categories/lotus/proposals/", {"k": 5})
    assert response.status_code == 200 and len(response.json()["results"]) == 5
    queued = archaeologist_client.post("/api/v1/categories/lotus/proposals/?k=2")
    assert queued.status_code == 200 and len(queued.json()["queued"]) == 2
    call_command("propose", "--category", "lotus", "--k", "4", "--method", "mean", "--json")
    body = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(body) == {"category", "method", "results"} and len(body["results"]) == 4
    assert set(body["results"][0]) >= {"mural_id", "bbox", "score", "source"}
    with pytest.raises(CommandError, match="unknown category 'dragon'") as caught:
        call_command("propose", "--category", "dragon")
    assert caught.value.returncode == 2
    with pytest.raises(CommandError, match="no examples yet"):
        call_command("propose", "--category", "apsara")
    with pytest.raises(CommandError, match="k must be"):
        call_command("propose", "--category", "lotus", "--k", "0")
    assert (
        archaeologist_client.get("/api/v1/categories/lotus/proposals/", {"k": "x"}).status_code
        == 400
    )


def test_select_removes_overlapping_candidates():
    ranked = [
        fewshot.Candidate(1, (0, 0, 100, 100), 0.9, "dense"),
        fewshot.Candidate(1, (10, 10, 100, 100), 0.8, "dense"),  # over the first
        fewshot.Candidate(2, (10, 10, 100, 100), 0.7, "dense"),  # another mural
        fewshot.Candidate(1, (500, 0, 50, 50), 0.6, "detector"),  # over an existing one
        fewshot.Candidate(1, (900, 0, 50, 50), 0.5, "detector"),
    ]
    kept = fewshot.select(ranked, 10, {1: [(505, 5, 50, 50)]})
    assert [c.score for c in kept] == [0.9, 0.7, 0.5]
    assert [c.score for c in fewshot.select(ranked, 2, {})] == [0.9, 0.7]


def test_refinement_boxes_are_the_candidates_largest_box_of_the_examples_aspect():
    boxes = fewshot.refinement_boxes((100, 100, 128, 128), 1.5, (1000, 800))
    assert len(boxes) == 9 and all(b[2:] == (128, 85) for b in boxes)  # 128 / 1.5
    centres = sorted({(x + 64, y + 42.5) for x, y, _, _ in boxes})
    assert centres[0] == (132, 132.5) and centres[-1] == (196, 196.5)  # 164 -/+ 0.25 * 128
    tall = fewshot.refinement_boxes((100, 100, 128, 64), 0.5, (1000, 800))
    assert {b[2:] for b in tall} == {(32, 64)}
    # at the corner the boxes are moved inside, and a box wider than the mural is cut to it
    corner = fewshot.refinement_boxes((0, 0, 300, 100), 3.0, (200, 800))
    assert all(x >= 0 and y >= 0 and (w, h) == (200, 100) for x, y, w, h in corner)
    assert len(corner) == len(set(corner)) < 9


def test_refine_keeps_each_candidates_best_box_and_leaves_unreadable_murals_as_they_were():
    direction = fewshot.Direction("mean", np.array([1, 0], np.float32))
    target = (150, 120)  # the centre the stand-in embedder likes best

    def embed(mural_id, boxes):
        if mural_id == 2:
            return None
        far = [np.hypot(x + w / 2 - target[0], y + h / 2 - target[1]) for x, y, w, h in boxes]
        return np.array([[1.0, -d / 100] for d in far], np.float32)

    ranked = [
        fewshot.Candidate(1, (100, 100, 100, 100), 0.5, "dense", 7),
        fewshot.Candidate(2, (0, 0, 100, 100), 0.9, "dense", 8),
    ]
    refined = fewshot.refine(ranked, 1.25, direction, {1: (500, 500), 2: (500, 500)}, embed)
    assert [(c.element_id, c.refined) for c in refined] == [(7, True), (8, False)]
    assert refined[0].bbox == (100, 85, 100, 80)  # centre (150, 125): shifted 0 and -0.25
    assert refined[0].as_dict()["refined"] is True and refined[1].bbox == (0, 0, 100, 100)


def test_select_refined_refines_the_best_and_appends_the_rest():
    direction = fewshot.Direction("mean", np.array([1, 0], np.float32))
    seen = []

    def embed(mural_id, boxes):
        seen.extend(boxes)
        return np.array([[1.0, 0.0]] * len(boxes), np.float32)

    ranked = [
        fewshot.Candidate(1, (200 * i + 100, 100, 100, 100), 1 - i / 100, "dense")
        for i in range(10)
    ]
    chosen = fewshot.select_refined(ranked, 2, {}, 1.0, direction, {1: (5000, 500)}, embed)
    assert len(seen) == 4 * 9  # REFINE_POOL x k candidates, nine boxes each
    assert [c.refined for c in chosen] == [True, True]
    many = fewshot.select_refined(ranked, 8, {}, 1.0, direction, {1: (5000, 500)}, embed)
    assert len(many) == 8 and all(c.refined for c in many)


def test_find_more_re_boxes_with_the_examples_embedder_and_queues_the_new_boxes_vectors(
    planted, monkeypatch, django_capture_on_commit_callbacks
):
    """Where the configured embedder made the examples' vectors, the proposals are re-boxed to
    the examples' aspect toward what it scores best, and queued with their new box's vector."""
    lotus, wall, like = planted
    Element.objects.filter(category=lotus).update(w=60, h=40)
    stand_in = type("StandIn", (), {"id": EMBEDDER})()
    monkeypatch.setattr(embedding, "shared_embedder", lambda: stand_in)
    calls = []

    def embed_boxes(mural, boxes, embedder=None):
        calls.append(len(boxes))
        # each planted window (x, 0, 90, 90) likes the box centred 22 px right of its centre
        rows = []
        for x, y, w, h in boxes:
            window = (x + w / 2) // 100 * 100
            off = np.hypot(x + w / 2 - (window + 45 + 22.5), y + h / 2 - 45)
            rows.append(np.r_[1.0, np.full(DIM - 1, off / 50)])
        return fewshot.unit(np.array(rows)), EMBEDDER

    monkeypatch.setattr(embedding, "embed_boxes", embed_boxes)
    result = categories.propose("lotus", k=3, method="mean")
    # 2 x k candidates refined, nine boxes each (fewer where the mural's edge merges some)
    assert calls and 6 * 6 < sum(calls) <= 6 * 9
    for row in result["results"]:
        source = Element.objects.get(pk=row["element_id"])
        assert row["refined"] and source.pk in like
        # the window's largest 3:2 box (90 x 60), shifted a quarter of the window right
        assert row["bbox"] in ([source.x + 22, 15, 90, 60], [source.x + 23, 15, 90, 60])
    with django_capture_on_commit_callbacks(execute=True):
        ids = categories.queue_proposals(result)
    queued = Element.objects.get(pk=ids[0])
    assert list(queued.bbox) == result["results"][0]["bbox"]
    assert np.allclose(queued.embedding, embed_boxes(wall, [queued.bbox])[0][0])
    assert categories.propose("lotus", k=3, method="mean", refine=False)["results"][0][
        "refined"
    ] is False
