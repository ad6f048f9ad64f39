"""The /search/ page: query box and filters, results grid of IIIF crops, shareable URLs."""

from __future__ import annotations

import numpy as np
import pytest

from tests.factories import add_elements, build_index, make_mural, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def collection():
    rng = np.random.default_rng(5)
    mural = make_mural(cave=220, period="high-tang")
    elements = add_elements(mural, unit(rng.normal(size=(12, 8))), "apsara")
    elements += add_elements(make_mural(cave=9), unit(rng.normal(size=(12, 8))), "donor")
    build_index(8)
    return elements


def test_the_empty_page_offers_the_query_box_and_filters(client, collection):
    page = client.get("/search/").content.decode()
    for name in ('name="q"', 'name="category"', 'name="period"', 'name="cave"', 'name="site"'):
        assert name in page
    assert 'name="image"' in page


def test_text_results_show_crops_with_place_period_category_and_links(client, collection):
    response = client.get("/search/", {"q": "飞天"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="result-card"') == 12
    assert f"/iiif/3/{collection[0].mural_id}/{','.join(map(str, collection[0].bbox))}/" in page
    assert "Cave 220" in page and "High Tang" in page and "Apsara" in page
    assert f"/murals/{collection[0].mural_id}/?element={collection[0].pk}" in page
    assert f"/search/?element={collection[0].pk}" in page  # more like this


def test_htmx_requests_get_the_results_partial(client, collection):
    response = client.get(f"/search/?element={collection[0].pk}&k=4", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page and page.count('class="result-card"') == 4
    assert "Like element #" in page


def test_a_bad_parameter_is_shown_with_status_400(client, collection):
    response = client.get("/search/?cave=abc")
    assert response.status_code == 400
    assert 'data-param="cave"' in response.content.decode()
