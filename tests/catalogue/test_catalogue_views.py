"""The catalogue page: listing, filters as GET params, htmx partials, bad filters, empty states.

Also checks that the admin pages for every catalogue and elements model render.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from dunhuang_search.catalogue.views import MURALS_PER_PAGE, thumbnail_size
from dunhuang_search.elements.models import Category, Element
from tests.factories import ingested_mural, make_mural

pytestmark = pytest.mark.django_db


def card_ids(html: str) -> list[int]:
    return [int(m) for m in re.findall(r'data-mural="(\d+)"', html)]


def test_it_lists_a_mural_with_its_thumbnail_and_facts(client, tmp_path):
    pixels = np.random.default_rng(1).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    mural = ingested_mural(tmp_path / "wall.png", pixels, title="Amitabha paradise")
    Element.objects.create(mural=mural, x=1, y=2, w=30, h=40,
                           category=Category.objects.get(slug="donor"))

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="/iiif/3/{mural.pk}/full/!320,320/0/default.jpg"' in html
    assert 'loading="lazy"' in html
    assert "Cave 220" in html and "South wall" in html
    assert "Amitabha paradise" in html
    assert "Early Tang" in html and '<span lang="zh" class="zh">初唐</span>' in html
    assert "618–704" in html
    assert "0.1 MP" in html
    assert "1 element" in html
    assert f'href="/murals/{mural.pk}/"' in html


def test_it_filters_by_period_site_and_cave_from_get_params(client):
    tang = make_mural(cave=220, period="early-tang")
    wei = make_mural(cave=249, period="western-wei")
    yulin = make_mural(cave=25, period="middle-tang", site="yulin")

    assert card_ids(client.get("/?period=early-tang").content.decode()) == [tang.pk]
    assert card_ids(client.get("/?cave=249").content.decode()) == [wei.pk]
    assert card_ids(client.get("/?site=yulin").content.decode()) == [yulin.pk]
    assert card_ids(client.get("/?site=mogao&period=western-wei").content.decode()) == [wei.pk]
    assert card_ids(client.get("/?site=yulin&cave=220").content.decode()) == []


def test_it_lists_periods_in_chronological_order_with_counts(client):
    make_mural(period="late-tang")
    make_mural(period="northern-wei")
    make_mural(period="northern-wei")
    make_mural(period="sui")

    html = client.get("/").content.decode()

    slugs = re.findall(r'class="period-link[^"]*" data-period="([a-z-]+)"', html)
    assert slugs == ["northern-wei", "sui", "late-tang"]
    northern_wei = html[html.index('data-period="northern-wei"'):]
    assert re.search(r'class="count"[^>]*>2<', northern_wei[:600])
    assert "439–534" in html


def test_period_links_keep_the_other_filters_and_push_a_shareable_url(client):
    make_mural(cave=220, period="early-tang")
    make_mural(cave=220, period="high-tang")

    html = client.get("/?cave=220").content.decode()

    assert 'href="/?period=high-tang&amp;cave=220"' in html
    assert 'id="catalogue" class="catalogue" hx-boost="true" hx-target="#catalogue"' in html


def test_htmx_requests_get_only_the_results_partial(client):
    mural = make_mural(period="sui")

    response = client.get("/?period=sui", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert card_ids(html) == [mural.pk]
    assert "<html" not in html and 'class="site-header"' not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client):
    make_mural()

    response = client.get(
        "/?period=early-tang",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=ming", "Unknown period “ming”"),
        ("site=atlantis", "Unknown site “atlantis”"),
        ("cave=abc", "Cave must be a cave number"),
        ("cave=-3", "Cave must be a cave number"),
    ],
)
def test_it_answers_a_bad_filter_with_400_and_a_clear_message(client, query, message):
    make_mural()

    response = client.get(f"/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert card_ids(html) == []


def test_it_answers_a_bad_htmx_filter_with_the_400_partial(client):
    response = client.get("/?period=ming", headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert "Unknown period" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_an_empty_catalogue_explains_how_to_add_murals(client):
    html = client.get("/").content.decode()

    assert "The catalogue is empty" in html
    assert "python manage.py add_mural" in html
    assert 'href="/murals/add/"' in html


def test_filters_that_match_nothing_say_so(client):
    make_mural(period="sui")

    html = client.get("/?period=early-tang").content.decode()

    assert "No murals match these filters" in html
    assert card_ids(html) == []


def test_it_paginates_the_murals(client):
    murals = [make_mural(cave=100 + i) for i in range(MURALS_PER_PAGE + 3)]

    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()

    assert card_ids(first) == [m.pk for m in murals[:MURALS_PER_PAGE]]
    assert card_ids(second) == [m.pk for m in murals[MURALS_PER_PAGE:]]
    assert 'href="/?page=2"' in first
    assert client.get("/?page=zzz").status_code == 200


def test_thumbnail_size_fits_the_iiif_box_without_upscaling():
    assert thumbnail_size(4000, 3000) == (320, 240)
    assert thumbnail_size(1000, 8000) == (40, 320)
    assert thumbnail_size(200, 100) == (200, 100)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalogue/site/",
        "/admin/catalogue/period/",
        "/admin/catalogue/cave/",
        "/admin/catalogue/cave/?q=220",
        "/admin/catalogue/cave/?q=mogao",
        "/admin/catalogue/mural/",
        "/admin/elements/category/",
        "/admin/elements/element/",
    ],
)
def test_admin_changelists_render_for_every_model(admin_client, url):
    mural = make_mural()
    Element.objects.create(mural=mural, x=1, y=2, w=3, h=4, embedding=[0.5] * 8)

    assert admin_client.get(url).status_code == 200


def test_admin_element_page_does_not_offer_the_embedding_as_a_field(admin_client):
    mural = make_mural()
    element = Element.objects.create(mural=mural, x=1, y=2, w=3, h=4, embedding=[0.25] * 8)

    response = admin_client.get(f"/admin/elements/element/{element.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="embedding"' not in html
    assert "8-dimensional vector" in html
    assert admin_client.get(f"/admin/catalogue/mural/{mural.pk}/change/").status_code == 200
