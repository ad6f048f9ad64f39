"""Missed elements drawn in the viewer (POST /api/v1/review/missed/): archaeologists only, a
manual accepted element embedded at once (pgvector and FAISS), found by search right after;
bad input is a 400 that writes no row and no vector. The viewer shows the panel to them alone."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.test import Client

from dunhuang_search.elements.models import Element
from dunhuang_search.review.models import ReviewEvent
from indexer.vectors import VectorIndex
from tests.factories import EMBEDDER, build_index, ingested_mural, make_mural

from .conftest import DIM, box_vector

pytestmark = pytest.mark.django_db

URL = "/api/v1/review/missed/"


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def faiss_ids(settings) -> list[int]:
    index = VectorIndex.load(settings.VECTOR_INDEX_PATH)
    return [] if index is None else sorted(index.ids().tolist())


@pytest.fixture
def wall(db):
    """A row-only mural (10,000 x 8,000) with one embedded donor, in the FAISS file."""
    mural = make_mural()
    donor = Element.objects.create(
        mural=mural, x=100, y=200, w=50, h=80, category_id=None, source="detector", score=0.9,
        embedding=box_vector([100, 200, 50, 80]), embedder=EMBEDDER,
    )  # fmt: skip
    build_index(DIM)
    return mural, donor


def test_a_missed_element_is_manual_accepted_and_searchable_at_once(
    wall, archaeologist_client, fake_embedder, settings, django_capture_on_commit_callbacks
):
    mural, donor = wall
    box = [4000, 3000, 220, 310]
    # an element already looking like the new box: search "more like it" must find the new one
    twin = Element.objects.create(
        mural=mural, x=10, y=10, w=30, h=30, source="manual", review_state="accepted",
        embedding=box_vector(box), embedder=EMBEDDER,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        body = {"mural": mural.pk, "bbox": box, "category": "apsara"}
        response = post(archaeologist_client, body)
    assert response.status_code == 201, response.content
    body = response.json()
    new = Element.objects.get(pk=body["element"]["id"])
    assert (new.source, new.review_state, new.category.slug, new.bbox) == (
        "manual", "accepted", "apsara", box,
    )  # fmt: skip
    assert new.reviewed_by.username == "ana" and "missed" in new.notes
    assert body["element"]["color"] == new.category.color
    assert body["element"]["category"] == "apsara" and body["element"]["x"] == 4000
    assert body["viewer_url"] == f"/murals/{mural.pk}/?element={new.pk}"
    assert fake_embedder == [box]
    assert np.allclose(new.embedding, box_vector(box)) and new.embedder == EMBEDDER
    assert [e.action for e in ReviewEvent.objects.filter(element=new)] == ["create"]
    # FAISS holds the same vector as pgvector, at once
    index = VectorIndex.load(settings.VECTOR_INDEX_PATH)
    scores, ids = index.search(np.asarray(new.embedding, np.float32)[None], 1)
    assert ids[0][0] == new.pk and scores[0][0] == pytest.approx(1.0, abs=1e-5)
    assert faiss_ids(settings) == sorted([donor.pk, new.pk])  # the twin was never indexed
    found = Client().get(f"/api/v1/search/?element={twin.pk}&k=3").json()
    assert found["results"][0]["element_id"] == new.pk, found
    assert found["results"][0]["category"] == "apsara"
    # the viewer's elements.json lists it for everyone
    listed = Client().get(f"/murals/{mural.pk}/elements.json").json()["elements"]
    assert new.pk in [el["id"] for el in listed]


def test_staff_may_mark_missed_elements_too(wall, fake_embedder):
    from tests.factories import make_user

    client = Client()
    client.force_login(make_user("curator", staff=True))
    mural, _ = wall
    response = post(client, {"mural": mural.pk, "bbox": [0, 0, 10, 10], "category": "donor"})
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "change, message",
    [
        ({"bbox": [9_900, 0, 200, 50]}, "outside the mural"),
        ({"bbox": [-5, 0, 20, 20]}, "outside the mural"),
        ({"bbox": [100, 100, 0, 40]}, "zero size"),
        ({"bbox": [100, 100, 40, -1]}, "zero size"),
        ({"bbox": [1, 2, 3]}, "bbox"),
        ({"bbox": "1,2,3,4"}, "bbox"),
        ({"category": "dragon"}, "unknown category 'dragon'"),
        ({"category": ""}, "choose the missed element's category"),
        ({"category": None}, "category"),
        ({"mural": 987_654}, "no mural with id"),
        ({"mural": "x"}, "mural"),
    ],
)
def test_bad_input_is_a_400_that_writes_nothing(
    wall, archaeologist_client, fake_embedder, settings, change, message
):
    mural, donor = wall
    body = {"mural": mural.pk, "bbox": [100, 100, 40, 40], "category": "donor", **change}
    before = Element.objects.count()
    response = post(archaeologist_client, body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert message in response.json()["error"], response.json()
    assert Element.objects.count() == before
    assert ReviewEvent.objects.count() == 0
    assert fake_embedder == []
    assert faiss_ids(settings) == [donor.pk]


def test_readers_and_visitors_are_refused(wall, reader_client, fake_embedder, settings):
    mural, donor = wall
    body = {"mural": mural.pk, "bbox": [100, 100, 40, 40], "category": "donor"}
    assert post(reader_client, body).status_code == 403
    assert post(Client(), body).status_code in (401, 403)
    assert reader_client.get(URL).status_code in (403, 405)
    assert Element.objects.count() == 1 and fake_embedder == []
    assert faiss_ids(settings) == [donor.pk]


def test_the_viewer_shows_the_panel_to_archaeologists_only(
    wall, archaeologist_client, reader_client
):
    mural, _ = wall
    page = archaeologist_client.get(f"/murals/{mural.pk}/").content.decode()
    assert 'id="missed-panel"' in page and 'data-url="/api/v1/review/missed/"' in page
    assert 'value="donor"' in page and "js/viewer/missed.js" in page
    for client in (reader_client, Client()):
        page = client.get(f"/murals/{mural.pk}/").content.decode()
        assert "missed-panel" not in page and "Mark as missed element" not in page


def test_missed_elements_are_searchable_at_once_with_the_real_embedder(
    archaeologist_client, tmp_path, settings, django_capture_on_commit_callbacks
):
    from tests.conftest import write_test_image

    mural = ingested_mural(write_test_image(tmp_path / "wall.png", 400, 300))
    ids = []
    for box in ([40, 30, 120, 90], [220, 150, 100, 100]):
        with django_capture_on_commit_callbacks(execute=True):
            body = {"mural": mural.pk, "bbox": box, "category": "donor"}
            response = post(archaeologist_client, body)
        assert response.status_code == 201, response.content
        ids.append(response.json()["element"]["id"])
    assert faiss_ids(settings) == sorted(ids)
    stored = Element.objects.get(pk=ids[0])
    assert stored.embedder.startswith(settings.EMBEDDER)
    index = VectorIndex.load(settings.VECTOR_INDEX_PATH)
    scores, found = index.search(np.asarray(stored.embedding, np.float32)[None], 1)
    assert found[0][0] == ids[0] and scores[0][0] == pytest.approx(1.0, abs=1e-4)
    # "more like this" of the first (its pgvector row) finds the second (in FAISS)
    results = Client().get("/api/v1/search/", {"element": ids[0], "k": 5}).json()["results"]
    assert [r["element_id"] for r in results] == [ids[1]]
