"""The staff upload endpoint: 201 with the new mural, or JSON 400/413/415 and nothing written;
the form page (htmx) gets HX-Redirect or an HTML fragment, a browser without JavaScript a page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from dunhuang_search.catalogue.models import Mural

pytestmark = pytest.mark.django_db

URL = "/murals/add/"


HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT": "text/html, */*"}
BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def post(client, path: Path, headers: dict | None = None, **fields):
    data = {"site": "mogao", "cave": "220", "wall": "south", "period": "early-tang", **fields}
    with path.open("rb") as f:
        return client.post(URL, {**data, "image": f}, **(headers or {}))


def folder_is_empty(folder) -> bool:
    folder = Path(folder)
    return not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]


def test_it_shows_the_form_to_staff(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert b'name="image"' in response.content and b"early-tang" in response.content


def test_it_sends_non_staff_to_the_login_page(client):
    assert client.get(URL).status_code == 302
    assert reverse("accounts:login") in client.get(URL)["Location"]


def test_it_ingests_an_upload_and_keeps_the_original(staff_client, image_file, settings):
    response = post(staff_client, image_file("wall.png", width=600, height=400), title="Donors")
    assert response.status_code == 201, response.content
    body = response.json()
    mural = Mural.objects.get(pk=body["id"])
    assert body["url"] == f"/murals/{mural.pk}/"
    assert (mural.width, mural.height, mural.title) == (600, 400, "Donors")
    assert Path(mural.source_path).parent == Path(settings.UPLOAD_DIR)
    assert Path(mural.source_path).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("make", "status", "message"),
    [
        ("text", 415, "not an image"),
        ("empty", 400, "empty"),
        ("truncated", 400, "truncated or corrupt"),
        ("bomb", 413, "over the limit"),
    ],
)
def test_it_answers_bad_files_with_json_and_writes_nothing(
    staff_client, image_file, tmp_path, settings, make, status, message
):
    path = tmp_path / "upload.jpg"
    if make == "text":
        path.write_text("not a mural\n" * 50)
    elif make == "empty":
        path.write_bytes(b"")
    elif make == "truncated":
        good = image_file("good.jpg", width=800, height=600)
        path.write_bytes(good.read_bytes()[:4000])
    else:
        settings.MAX_MURAL_PIXELS = 100 * 100
        path = image_file("big.jpg", width=200, height=200)
    response = post(staff_client, path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]
    assert not Mural.objects.exists()
    assert folder_is_empty(settings.PYRAMID_DIR)
    assert folder_is_empty(settings.UPLOAD_DIR)


def test_it_answers_413_for_an_oversized_upload(staff_client, image_file, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    response = post(staff_client, image_file("wall.jpg"))
    assert response.status_code == 413
    assert "over the limit" in response.json()["error"]
    assert folder_is_empty(settings.UPLOAD_DIR)


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"period": "ming"}, "period"), ({"site": "atlantis"}, "site"), ({"cave": "12b"}, "cave")],
)
def test_it_answers_bad_metadata_with_400_naming_the_field(
    staff_client, image_file, settings, fields, field
):
    response = post(staff_client, image_file("wall.jpg"), **fields)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field}:")
    assert not Mural.objects.exists()
    assert folder_is_empty(settings.UPLOAD_DIR)


def test_it_answers_a_duplicate_with_400(staff_client, image_file, settings):
    path = image_file("wall.jpg")
    assert post(staff_client, path).status_code == 201
    response = post(staff_client, path, wall="north")
    assert response.status_code == 400
    assert "already in the catalogue" in response.json()["error"]
    assert Mural.objects.count() == 1
    assert len([p for p in Path(settings.UPLOAD_DIR).iterdir()]) == 1


def test_it_answers_json_to_a_client_that_asks_for_it(staff_client, image_file):
    response = post(staff_client, image_file("wall.png"), {"HTTP_ACCEPT": "application/json"})
    assert response.status_code == 201
    assert response.json()["url"] == f"/murals/{response.json()['id']}/"


def test_it_sends_the_htmx_form_to_the_new_murals_viewer(staff_client, image_file):
    response = post(staff_client, image_file("wall.png", width=600, height=400), HTMX)
    mural = Mural.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/murals/{mural.pk}/"
    assert (mural.width, mural.height) == (600, 400)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [({}, 415, "notes.jpg is not an image"), ({"period": "ming"}, 400, "period:")],
)
def test_it_answers_a_refused_htmx_upload_with_an_html_fragment(
    staff_client, tmp_path, settings, fields, status, message
):
    path = tmp_path / "notes.jpg"
    path.write_text("not a mural\n" * 50)
    response = post(staff_client, path, HTMX, **fields)
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert "HX-Redirect" not in response
    assert html.strip().startswith('<strong class="error"') and "<form" not in html
    assert f"Not added: {message}" in html
    assert not Mural.objects.exists()
    assert folder_is_empty(settings.UPLOAD_DIR)


def test_it_escapes_the_file_name_in_the_htmx_fragment(staff_client, tmp_path):
    path = tmp_path / "<i>wall.jpg"
    path.write_text("not a mural\n" * 50)
    html = post(staff_client, path, HTMX).content.decode()
    assert "&lt;i&gt;wall.jpg is not an image" in html
    assert "<i>" not in html


def test_it_redirects_a_browser_without_javascript_to_the_viewer(staff_client, image_file):
    response = post(staff_client, image_file("wall.png"), BROWSER)
    mural = Mural.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/murals/{mural.pk}/"


def test_it_shows_a_browser_without_javascript_the_form_again_with_the_message(
    staff_client, image_file, settings
):
    response = post(staff_client, image_file("wall.jpg"), BROWSER, cave="12b")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="upload-form"' in html and 'name="image"' in html
    assert "Not added: cave:" in html
    assert 'value="south"' in html  # the fields keep what was typed
    assert not Mural.objects.exists()
    assert folder_is_empty(settings.UPLOAD_DIR)


def test_it_refuses_an_oversized_htmx_upload_without_reading_it(
    staff_client, image_file, settings
):
    settings.MAX_UPLOAD_BYTES = 1000
    response = post(staff_client, image_file("wall.jpg"), HTMX)
    assert response.status_code == 413
    assert "Not added: upload of" in response.content.decode()
    assert folder_is_empty(settings.UPLOAD_DIR)


def test_the_form_page_has_no_inline_script(staff_client):
    html = staff_client.get(URL).content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert 'src="/static/js/upload.js"' in html


def test_it_reads_an_upload_by_its_content_not_its_name(staff_client, image_file, tmp_path):
    png = image_file("wall.png", width=400, height=300)
    misnamed = tmp_path / "wall.jpg.txt"
    misnamed.write_bytes(png.read_bytes())
    response = post(staff_client, misnamed)
    assert response.status_code in (200, 201, 302), response.content[:300]
    assert Mural.objects.get().source_format == "png"
