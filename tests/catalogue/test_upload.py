"""The staff upload endpoint: 201 with the new mural, or JSON 400/413/415 and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dunhuang_search.catalogue.models import Mural

pytestmark = pytest.mark.django_db

URL = "/murals/add/"


@pytest.fixture
def staff_client(client):
    user = User.objects.create_user("curator", password="x", is_staff=True)
    client.force_login(user)
    return client


def post(client, path: Path, **fields):
    data = {"site": "mogao", "cave": "220", "wall": "south", "period": "early-tang", **fields}
    with path.open("rb") as f:
        return client.post(URL, {**data, "image": f})


def folder_is_empty(folder) -> bool:
    folder = Path(folder)
    return not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]


def test_it_shows_the_form_to_staff(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert b'name="image"' in response.content and b"early-tang" in response.content


def test_it_sends_non_staff_to_the_login_page(client):
    assert client.get(URL).status_code == 302
    assert reverse("admin:login") in client.get(URL)["Location"]


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
