"""REST API v1 for murals and elements, its JSON errors and the OpenAPI schema."""

from __future__ import annotations

import pytest

from dunhuang_search.elements.models import Category, Element
from tests.factories import ingested_mural

pytestmark = pytest.mark.django_db


@pytest.fixture
def murals(image_file):
    south = ingested_mural(image_file("a.jpg", seed=1))
    north = ingested_mural(
        image_file("b.jpg", seed=2), site="yulin", cave=25, wall="north", period="middle-tang"
    )
    apsara = Category.objects.get(slug="apsara")
    donor = Category.objects.get(slug="donor")
    Element.objects.create(
        mural=south, x=10, y=20, w=30, h=40, category=apsara, embedding=[0.1] * 8
    )
    Element.objects.create(
        mural=north, x=5, y=5, w=50, h=90, category=donor, source="detector", score=0.9
    )
    return south, north


def test_it_lists_murals_with_iiif_links(client, murals):
    body = client.get("/api/v1/murals/").json()
    assert body["count"] == 2
    first = body["results"][0]
    assert first["site"] == "mogao" and first["cave"] == 220 and first["period"] == "early-tang"
    assert first["period_years"] == [618, 704]
    assert first["iiif_info"].endswith(f"/iiif/3/{murals[0].pk}/info.json")
    assert first["manifest"].endswith(f"/iiif/3/{murals[0].pk}/manifest.json")


@pytest.mark.parametrize(
    ("query", "count"),
    [("site=yulin", 1), ("period=early-tang", 1), ("cave=220", 1), ("cave=221", 0)],
)
def test_it_filters_murals(client, murals, query, count):
    assert client.get(f"/api/v1/murals/?{query}").json()["count"] == count


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("site=atlantis", "site"),
        ("period=ming", "period"),
        ("cave=abc", "cave"),
        ("cave=-3", "cave"),
    ],
)
def test_it_answers_bad_filters_with_json_400_naming_the_parameter(client, murals, query, param):
    response = client.get(f"/api/v1/murals/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["error"].startswith(f"{param}:")


def test_it_lists_elements_with_bbox_and_no_vectors(client, murals):
    body = client.get(f"/api/v1/elements/?mural={murals[0].pk}").json()
    assert body["count"] == 1
    element = body["results"][0]
    assert element["bbox"] == [10, 20, 30, 40] and element["category"] == "apsara"
    assert "embedding" not in element
    assert client.get("/api/v1/elements/?category=donor&source=detector").json()["count"] == 1
    assert client.get("/api/v1/elements/?category=sphinx").status_code == 400
    assert client.get("/api/v1/elements/?source=oracle").status_code == 400


def test_it_answers_unknown_ids_with_json_404(client, murals):
    response = client.get("/api/v1/murals/999999/")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_it_serves_an_openapi_schema(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/murals/" in schema["paths"] and "/api/v1/elements/" in schema["paths"]
