"""The studio's pages: the studio for a region (archaeologists), the polled job status, a
derivative's before/after, and the derivatives of a mural or an element."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.test import Client

from dunhuang_search.studio.models import RestorationJob
from dunhuang_search.studio.restoring import RegionRequest, restore_to_derivative
from tests.factories import add_element, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(archaeologist):
    client = Client()
    client.force_login(archaeologist)
    return client


@pytest.fixture
def derivative(wall, archaeologist):
    element = add_element(wall, "donor", x=100, y=60, w=160, h=120)
    mask = np.zeros((120, 160), np.uint8)
    mask[40:70, 50:90] = 255
    return restore_to_derivative(
        RegionRequest(
            wall, (100, 60, 160, 120), mask, "telea", element=element, author=archaeologist
        )
    )


def config(response) -> dict:
    html = response.content.decode()
    start = html.index('id="studio-config"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_the_studio_opens_on_a_region_for_an_archaeologist(signed_in, wall):
    response = signed_in.get("/studio/", {"mural": wall.pk, "region": "100,50,300,200"})
    assert response.status_code == 200
    settings = config(response)
    assert settings["region"] == [100, 50, 300, 200] and settings["mural"] == wall.pk
    assert settings["infoUrl"] == f"/iiif/3/{wall.pk}/info.json"
    html = response.content.decode()
    for tool in (
        'value="brush"',
        'value="eraser"',
        'value="clicks"',
        'id="suggest-losses"',
        '<option value="telea"',
        '<option value="search-guided"',
    ):
        assert tool in html


def test_the_studio_opens_on_an_element_box(signed_in, wall):
    element = add_element(wall, "donor", x=10, y=20, w=64, h=48)
    settings = config(signed_in.get("/studio/", {"element": element.pk}))
    assert settings["region"] == [10, 20, 64, 48] and settings["element"] == element.pk


def test_the_studio_needs_an_archaeologist_and_a_region_inside_the_mural(signed_in, wall):
    anonymous = Client().get("/studio/", {"mural": wall.pk})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    reader = Client()
    reader.force_login(make_user("reader"))
    assert reader.get("/studio/", {"mural": wall.pk}).status_code == 403
    assert (
        signed_in.get("/studio/", {"mural": wall.pk, "region": "600,0,100,100"}).status_code == 400
    )
    assert signed_in.get("/studio/").status_code == 400
    assert signed_in.get("/studio/", {"mural": 999999}).status_code == 404


def test_the_job_status_polls_while_active_and_shows_before_and_after_when_done(
    client, wall, derivative
):
    job = RestorationJob.objects.create(mural=wall, x=100, y=60, w=160, h=120, method="telea",
                                        state="queued", percent=0)  # fmt: skip
    html = client.get(f"/studio/jobs/{job.pk}/status").content.decode()
    assert 'hx-trigger="every 1s"' in html and 'value="0"' in html
    job.state, job.percent, job.derivative = "done", 100, derivative
    job.save()
    html = client.get(f"/studio/jobs/{job.pk}/status").content.decode()
    assert "hx-trigger" not in html and "data-compare" in html
    assert f"/iiif/3/{wall.pk}/100,60,160,120/" in html
    assert f"/iiif/3/derivative-{derivative.pk}/full/" in html


def test_the_derivative_page_and_the_lists(client, signed_in, wall, derivative):
    page = client.get(f"/studio/derivatives/{derivative.pk}/").content.decode()
    assert "data-compare" in page and "side-by-side" in page
    assert f"/api/v1/derivatives/{derivative.pk}/export/" in page
    assert 'id="review-form"' not in page  # readers see the review, not the form
    assert (
        'id="review-form"'
        in signed_in.get(f"/studio/derivatives/{derivative.pk}/").content.decode()
    )
    by_mural = client.get(f"/studio/murals/{wall.pk}/derivatives/").content.decode()
    by_element = client.get(
        f"/studio/elements/{derivative.element_id}/derivatives/"
    ).content.decode()
    for html in (by_mural, by_element):
        assert f'data-derivative="{derivative.pk}"' in html


def test_search_result_cards_offer_restore_in_the_studio(wall):
    from django.template.loader import render_to_string

    element = add_element(wall, "donor")
    card = {"element": element, "mural": wall, "viewer_url": "/v", "more_url": "/m",
            "crop_url": "/c", "score": None}  # fmt: skip
    html = render_to_string("search/_grid.html", {"cards": [card]})
    assert f'href="/studio/?element={element.pk}"' in html and ">Restore</a>" in html
