"""/api/v1/search/: every query kind, pagination, OpenAPI, and JSON 400s naming the parameter."""

from __future__ import annotations

import io

import numpy as np
import pytest
import pyvips

from dunhuang_search.elements.models import Category, Element
from dunhuang_search.elements.vector_index import rebuild_index
from dunhuang_search.search.engine import active_embedder, embed_box
from tests.factories import add_elements, build_index, ingested_mural, make_mural, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def vector_collection():
    rng = np.random.default_rng(3)
    murals = [make_mural(cave=c, period=p) for c, p in ((220, "high-tang"), (57, "early-tang"))]
    elements = add_elements(murals[0], unit(rng.normal(size=(30, 8))), "apsara")
    elements += add_elements(murals[1], unit(rng.normal(size=(30, 8))), "donor")
    build_index(8)
    return murals, elements


def test_it_finds_elements_like_an_element_with_links(client, vector_collection):
    _, elements = vector_collection
    body = client.get(f"/api/v1/search/?element={elements[0].pk}&k=5").json()
    assert body["query"]["kind"] == "element" and body["count"] == 5
    first = body["results"][0]
    assert {
        "element_id",
        "mural_id",
        "bbox",
        "score",
        "category",
        "period",
        "cave",
        "source",
    } <= set(first)
    assert first["crop"].startswith("http://testserver/iiif/3/")
    assert "/murals/" in first["viewer"] and f"element={first['element_id']}" in first["viewer"]
    assert f"element={first['element_id']}" in first["more_like_this"]


def test_filters_apply_to_example_queries(client, vector_collection):
    _, elements = vector_collection
    body = client.get(f"/api/v1/search/?element={elements[0].pk}&category=donor&k=7").json()
    assert len(body["results"]) == 7
    assert {r["category"] for r in body["results"]} == {"donor"}
    body = client.get(f"/api/v1/search/?element={elements[0].pk}&cave=57&site=mogao").json()
    assert {r["cave"] for r in body["results"]} == {57}


def test_metadata_browse_is_paginated_and_sorted(client, vector_collection):
    body = client.get("/api/v1/search/?period=high-tang&page_size=10&sort=cave").json()
    assert body["query"]["kind"] == "browse" and body["count"] == 30
    assert len(body["results"]) == 10 and "page=2" in body["next"]
    assert body["previous"] is None
    last = client.get("/api/v1/search/?period=high-tang&page_size=10&page=3").json()
    assert last["next"] is None and len(last["results"]) == 10
    by_period = client.get("/api/v1/search/?sort=-period&page_size=1").json()
    assert by_period["results"][0]["period"] == "high-tang"


def test_text_search_through_the_api(client, vector_collection):
    body = client.get("/api/v1/search/", {"q": "供养人 cave 57"}).json()
    assert body["query"]["parsed"]["category"] == ["donor"] and body["count"] == 30


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("example=1:0,0,0,10", "example"),
        ("example=MURAL:0,0,10,10", "example"),
        ("example=999999:0,0,10,10", "example"),
        ("category=sphinx", "category"),
        ("period=ming", "period"),
        ("site=atlantis", "site"),
        ("cave=abc", "cave"),
        ("cave=-3", "cave"),
        ("k=0", "k"),
        ("k=-1", "k"),
        ("k=100000", "k"),
        ("k=ten", "k"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        ("element=999999", "element"),
        ("sort=colour", "sort"),
        ("period_from=late-tang&period_to=sui", "period_to"),
        ("review=maybe", "review"),
    ],
)
def test_bad_parameters_get_json_400_naming_them(client, vector_collection, query, param):
    response = client.get(f"/api/v1/search/?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == 400 and body["error"].startswith(f"{param}:")
    assert param in body["detail"]


def test_boxes_outside_the_mural_or_empty_are_refused(client, vector_collection):
    murals, _ = vector_collection
    mural = murals[0]
    for box in ("-5,0,10,10", f"{mural.width - 5},0,10,10", "0,0,10,-4", "0,0,0,0"):
        response = client.get(f"/api/v1/search/?example={mural.pk}:{box}")
        assert response.status_code == 400
        assert response.json()["error"].startswith("example:")


def test_a_search_before_any_index_says_how_to_build_one(client):
    mural = make_mural()
    add_elements(mural, [[1.0, 0.0]])
    element = Element.objects.get()
    response = client.get(f"/api/v1/search/?element={element.pk}")
    assert response.status_code == 400
    assert "manage.py index --all" in response.json()["error"]


def test_a_non_image_upload_is_refused(client, vector_collection):
    upload = io.BytesIO(b"%PDF-1.4 not an image at all")
    upload.name = "notes.pdf"
    response = client.post("/api/v1/search/", {"image": upload})
    assert response.status_code == 400
    assert response.json()["error"].startswith("image:")
    assert client.post("/api/v1/search/", {}).status_code == 400


def test_the_openapi_schema_documents_search(client):
    schema = client.get("/api/schema/?format=json").json()
    params = {p["name"] for p in schema["paths"]["/api/v1/search/"]["get"]["parameters"]}
    assert {"example", "element", "q", "category", "period", "cave", "site", "k"} <= params
    assert (
        "multipart/form-data"
        in schema["paths"]["/api/v1/search/"]["post"]["requestBody"]["content"]
    )


@pytest.fixture
def embedded_murals(image_file):
    """Two real murals whose element vectors come from the active embedder (EfficientNet)."""
    a = ingested_mural(image_file("a.png", seed=1), period="high-tang")
    b = ingested_mural(
        image_file("b.png", seed=2), site="yulin", cave=25, wall="north", period="late-tang"
    )
    apsara = Category.objects.get(slug="apsara")
    boxes = [(40, 40, 120, 100), (300, 200, 90, 150), (480, 300, 100, 120)]
    for mural in (a, b):
        for box in boxes:
            vector, embedder_id = embed_box(mural, box)
            x, y, w, h = box
            Element.objects.create(
                mural=mural, x=x, y=y, w=w, h=h, category=apsara, source="detector",
                embedder=embedder_id, embedding=vector,
            )  # fmt: skip
    embedder = active_embedder()
    rebuild_index(embedder.id, embedder.dim)
    return a, b


def test_a_drawn_box_finds_elements_elsewhere_but_not_its_own_spot(client, embedded_murals):
    a, b = embedded_murals
    body = client.get(f"/api/v1/search/?example={a.pk}:42,38,118,104&k=10").json()
    results = body["results"]
    assert body["query"]["example"] == {"mural_id": a.pk, "bbox": [42, 38, 118, 104]}
    assert not any(r["mural_id"] == a.pk and r["bbox"] == [40, 40, 120, 100] for r in results)
    assert len(results) == 5 and -1 <= results[-1]["score"] <= results[0]["score"] <= 1


def test_an_uploaded_crop_finds_the_element_it_was_cut_from(client, embedded_murals):
    a, _ = embedded_murals
    element = Element.objects.get(mural=a, x=300)  # the source images share their gradients
    crop = pyvips.Image.new_from_file(str(a.source_path)).crop(300, 200, 90, 150)
    upload = io.BytesIO(crop.write_to_buffer(".png"))
    upload.name = "crop.png"
    body = client.post("/api/v1/search/?k=3", {"image": upload}).json()
    assert body["query"]["kind"] == "image"
    assert body["results"][0]["bbox"] == element.bbox  # the same motif (on either wall)
