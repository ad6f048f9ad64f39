"""The mural viewer page and its elements.json: metadata, overlays' data, deep links, 404s.

The browser side (OpenSeadragon, drawing) is tested in tests/browser.
"""
from __future__ import annotations

import json
import re

import pytest

from dunhuang_search.elements.forms import clip_box, parse_box
from dunhuang_search.elements.models import Element
from dunhuang_search.elements.serializers import ViewerElementSerializer
from dunhuang_search.vendored import vendor_path
from tests.factories import add_element, make_mural

pytestmark = pytest.mark.django_db


@pytest.fixture
def mural():
    return make_mural(title="Amitabha paradise", dpi=300, width=6000, height=4000)


def viewer_config(html: str) -> dict:
    match = re.search(r'<script id="viewer-config" type="application/json">(.*?)</script>', html,
                      re.S)
    assert match, "the viewer config is missing"
    return json.loads(match.group(1))


def test_the_viewer_shows_the_mural_record_and_opens_its_iiif_image(client, mural):
    response = client.get(f"/murals/{mural.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert vendor_path("openseadragon", "openseadragon.min.js") in html
    assert vendor_path("openseadragon", "images/") in html
    assert "js/viewer.js" in html
    for text in ["Mogao Caves", "Cave 220", "South", "Early Tang", "618–704", "Amitabha paradise",
                 "300 dpi", "6,000 × 4,000 px", "24.0 MP"]:
        assert text in html, text
    assert '<span lang="zh" class="zh">初唐</span>' in html
    assert f'href="/iiif/3/{mural.pk}/manifest.json"' in html
    assert f'href="/iiif/3/{mural.pk}/info.json"' in html
    assert 'id="draw-box"' in html and 'id="drawn-box"' in html
    config = viewer_config(html)
    assert config["infoUrl"] == f"/iiif/3/{mural.pk}/info.json"
    assert config["elementsUrl"] == f"/murals/{mural.pk}/elements.json"
    assert (config["mural"], config["width"], config["height"]) == (mural.pk, 6000, 4000)
    assert config["focus"] is None


def test_the_legend_counts_elements_per_category_with_their_colours(client, mural):
    add_element(mural, "donor")
    add_element(mural, "donor", x=300)
    add_element(mural, "apsara")
    add_element(mural, None)

    html = client.get(f"/murals/{mural.pk}/").content.decode()

    legend = html[html.index('class="legend-list"'):]
    assert re.search(r'data-legend-category="donor".*?#3cb44b.*?class="count">2<', legend, re.S)
    assert re.search(r'data-legend-category="apsara".*?#4363d8.*?class="count">1<', legend, re.S)
    assert 'data-legend-category="uncategorised"' in legend
    assert '<span lang="zh" class="zh">供养人</span>' in legend


def test_an_unknown_mural_is_a_404_page(client):
    response = client.get("/murals/999999/")

    assert response.status_code == 404
    assert "Mural 999999 is not in the catalogue" in response.content.decode()


def test_elements_json_lists_the_boxes_with_category_names_and_colours(client, mural):
    donor = add_element(mural, "donor", x=10, y=20, w=30, h=40)
    loose = add_element(mural, None, x=5, y=6, w=7, h=8)

    response = client.get(f"/murals/{mural.pk}/elements.json")

    assert response.status_code == 200
    data = response.json()
    assert (data["mural"], data["width"], data["height"]) == (mural.pk, 6000, 4000)
    assert data["total"] == 2 and data["next"] is None
    by_id = {e["id"]: e for e in data["elements"]}
    viewer_keys = {
        "id": donor.pk, "x": 10, "y": 20, "w": 30, "h": 40, "category": "donor",
        "category_name": "Donor", "color": "#3cb44b", "score": 0.9, "source": "detector",
        "review_state": "unreviewed", "ocr_text": "", "ocr_confidence": None, "ocr_source": "",
    }  # what static/js/viewer.js reads
    assert {key: by_id[donor.pk][key] for key in viewer_keys} == viewer_keys
    assert set(by_id[donor.pk]) == set(ViewerElementSerializer().fields)  # the API's keys
    assert by_id[donor.pk]["bbox"] == [10, 20, 30, 40]
    assert by_id[loose.pk]["category"] == "uncategorised"
    assert by_id[loose.pk]["color"].startswith("#")


def test_elements_json_pages_through_many_elements(client, mural):
    Element.objects.bulk_create(
        Element(mural=mural, x=i, y=i, w=10, h=10, source="detector") for i in range(25)
    )

    first = client.get(f"/murals/{mural.pk}/elements.json?limit=10").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    assert [len(p["elements"]) for p in (first, second, third)] == [10, 10, 5]
    assert third["next"] is None
    ids = [e["id"] for p in (first, second, third) for e in p["elements"]]
    assert len(set(ids)) == 25 and first["total"] == 25
    assert client.get(f"/murals/{mural.pk}/elements.json?limit=999999").json()["limit"] == 5000


def test_elements_json_narrows_to_one_category(client, mural):
    add_element(mural, "donor")
    apsara = add_element(mural, "apsara")

    data = client.get(f"/murals/{mural.pk}/elements.json?category=apsara").json()

    assert [e["id"] for e in data["elements"]] == [apsara.pk]


def test_elements_json_of_an_unknown_mural_is_a_404(client):
    assert client.get("/murals/999999/elements.json").status_code == 404


def test_a_box_deep_link_focuses_the_box_clipped_to_the_mural(client, mural):
    html = client.get(f"/murals/{mural.pk}/?box=5900,100,500,200").content.decode()

    assert viewer_config(html)["focus"] == {"kind": "box", "box": [5900, 100, 100, 200]}


def test_a_malformed_box_deep_link_shows_a_notice_and_the_whole_mural(client, mural):
    response = client.get(f"/murals/{mural.pk}/?box=1,2,three")

    html = response.content.decode()
    assert response.status_code == 200
    assert "is not x,y,w,h inside this mural" in html
    assert viewer_config(html)["focus"] is None


def test_an_element_deep_link_focuses_and_describes_the_element(client, mural):
    element = add_element(mural, "apsara", x=1000, y=500, w=300, h=200)

    config = viewer_config(client.get(f"/murals/{mural.pk}/?element={element.pk}").content.decode())

    assert config["focus"]["kind"] == "element"
    assert config["focus"]["box"] == [1000, 500, 300, 200]
    assert config["focus"]["detail"]["category_name"] == "Apsara"


def test_an_element_of_another_mural_is_not_focused(client, mural):
    html = client.get(f"/murals/{mural.pk}/?element=987654").content.decode()

    assert "is not on this mural" in html
    assert viewer_config(html)["focus"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10,20,30,40", [10, 20, 30, 40]),
        (" 10, 20, 30, 40 ", [10, 20, 30, 40]),
        ("10.4,20.6,30,40", [10, 21, 30, 40]),
        ("-10,-10,30,40", [0, 0, 20, 30]),
        ("90,90,50,50", [90, 90, 10, 10]),
        ("100,0,5,5", None),
        ("1,2,3", None),
        ("a,b,c,d", None),
        ("1,2,0,5", None),
    ],
)
def test_a_box_is_read_and_clipped_to_the_mural(text, expected):
    box = parse_box(text)
    assert (clip_box(box, 100, 100) if box else None) == expected
