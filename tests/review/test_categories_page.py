"""The categories page: the table of categories with their counts, creating one (a clash shows
the reason with a 400 and writes nothing), and "Find more" queueing proposals and opening the
queue on them. Archaeologists only."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client

from dunhuang_search.elements.models import Category, Element
from dunhuang_search.review import categories
from tests.factories import add_elements, make_mural

pytestmark = pytest.mark.django_db


def test_the_page_lists_categories_with_their_counts(archaeologist_client):
    lotus = categories.create_category("Lotus", "莲花", ["padma"], "#aa3300")
    mural = make_mural()
    add_elements(mural, np.eye(4)[:2], category_slug="lotus", source="manual")
    add_elements(mural, np.eye(4)[2:3], category_slug="lotus", source="proposal", y=3_000)
    html = archaeologist_client.get("/review/categories/").content.decode()
    row = html[html.index(f'data-category="{lotus.slug}"') :]
    row = row[: row.index("</tr>")]
    assert "莲花" in row and "padma" in row
    assert '<td data-field="confirmed">2</td>' in row
    assert "?category=lotus&amp;source=proposal\">1</a>" in row
    apsara = html[html.index('data-category="apsara"') :]
    assert "disabled" in apsara[: apsara.index("</tr>")]  # no examples: nothing to find yet


def test_creating_a_category_and_a_clash(archaeologist_client):
    response = archaeologist_client.post(
        "/review/categories/",
        {"name": "Lotus", "name_zh": "莲花", "synonyms": "padma, lily", "colour": "#AA3300"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?created=lotus")
    made = Category.objects.get(slug="lotus")
    assert (made.name_zh, made.synonyms, made.color) == ("莲花", ["padma", "lily"], "#aa3300")
    page = archaeologist_client.get(response["Location"]).content.decode()
    assert 'data-testid="category-created"' in page
    clash = archaeologist_client.post("/review/categories/", {"name": "LOTUS", "slug": "x"})
    assert clash.status_code == 400 and "exists" in clash.content.decode()
    assert 'value="LOTUS"' in clash.content.decode()  # the form keeps what was typed
    assert Category.objects.filter(name__iexact="lotus").count() == 1


def test_find_more_queues_proposals_and_opens_the_queue(archaeologist_client):
    categories.create_category("Lotus")
    direction = np.eye(8)[0]
    add_elements(make_mural(), direction + 0.1 * np.eye(8)[1:4], category_slug="lotus",
                 source="manual")  # fmt: skip
    wall = make_mural()
    add_elements(wall, direction + 0.1 * np.eye(8)[4:7], category_slug=None, source="dense")
    add_elements(wall, -np.eye(8)[:5] - direction, category_slug="donor", y=4_000)
    response = archaeologist_client.post("/review/categories/lotus/find-more/")
    assert response.status_code == 302
    assert response["Location"] == "/review/?category=lotus&source=proposal"
    queued = Element.objects.filter(source="proposal", category__slug="lotus")
    assert queued.count() == 8 and set(queued.values_list("mural", flat=True)) == {wall.pk}
    missing = archaeologist_client.post("/review/categories/dragon/find-more/")
    assert missing.status_code == 400 and "unknown category" in missing.content.decode()


def test_only_archaeologists(reader_client):
    assert reader_client.get("/review/categories/").status_code == 403
    assert reader_client.post("/review/categories/", {"name": "Cloud"}).status_code == 403
    anonymous = Client().post("/review/categories/lotus/find-more/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert Client().get("/review/categories/lotus/find-more/").status_code == 405
    assert not Category.objects.filter(slug="cloud").exists()
