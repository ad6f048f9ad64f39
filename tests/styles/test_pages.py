"""The style pages and REST endpoints: roles, the map, the set page, stylize and its refusals."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from dunhuang_search.studio.models import Derivative
from dunhuang_search.styles.models import StyleDescriptor, StyleSet, StyleSetMember

pytestmark = pytest.mark.django_db


def test_the_map_places_described_murals_coloured_by_period(client, described_murals):
    assert StyleDescriptor.objects.filter(element__isnull=True).count() == 8  # 2 kinds x 4
    page = client.get("/styles/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="map-point"') == 4
    assert "Early Tang" in html and "High Tang" in html  # the legend and the period table
    assert "Mean style distance between periods" in html


def test_nearest_styles_are_in_other_caves(client, described_murals):
    first = described_murals[0]
    page = client.get(f"/styles/map/nearest/{first.pk}/").content.decode()
    listed = [m for m in described_murals if f'data-mural="{m.pk}"' in page]
    assert described_murals[1] not in listed  # same cave 220
    assert set(listed) == {described_murals[2], described_murals[3]}


def test_style_map_api(client, described_murals):
    body = client.get("/api/v1/style-map/").json()
    assert len(body["points"]) == 4 and {e["period"] for e in body["legend"]} == {
        "early-tang",
        "high-tang",
    }


def test_set_page_shows_members_palette_and_closest(client, style_set, described_murals):
    html = client.get(f"/styles/sets/{style_set.slug}/").content.decode()
    assert html.count('class="member"') == 3
    assert html.count('class="palette-colour"') >= 1
    assert "Stylize with this set" not in html  # anonymous readers see no write forms
    # the green set is closest to the green High Tang murals
    closest = html.split("closest to this set")[1]
    assert closest.index(f"Mural {described_murals[2].pk}") < closest.index(
        f"Mural {described_murals[0].pk}"
    )


def test_writes_need_the_archaeologist_role(style_set, reader_client, photo):
    anonymous = Client()
    assert anonymous.get("/styles/sets/new/").status_code == 302
    assert reader_client.get("/styles/sets/new/").status_code == 403
    with photo.open("rb") as f:
        r = anonymous.post(
            f"/styles/sets/{style_set.slug}/stylize/",
            {"image": f, "method": "color", "strength": 1},
        )
    assert r.status_code == 302
    with photo.open("rb") as f:
        r = reader_client.post(
            f"/styles/sets/{style_set.slug}/stylize/",
            {"image": f, "method": "color", "strength": 1},
        )
    assert r.status_code == 403
    assert anonymous.post("/api/v1/style-sets/", {"slug": "x", "name": "X"}).status_code in (
        401,
        403,
    )
    assert reader_client.post("/api/v1/style-sets/", {"slug": "x", "name": "X"}).status_code == 403
    assert not Derivative.objects.exists() and StyleSet.objects.count() == 1


def test_archaeologist_creates_edits_and_adds_members(archaeologist_client, photo):
    r = archaeologist_client.post(
        "/styles/sets/new/", {"name": "QingLv", "slug": "qinglv-2", "description": "green"}
    )
    assert r.status_code == 302
    s = StyleSet.objects.get(slug="qinglv-2")
    assert s.expert.username == "archaeologist" and s.version == 1
    with photo.open("rb") as f:
        r = archaeologist_client.post("/styles/sets/qinglv-2/members/", {"image": f})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.members.count() == 1 and s.version == 2
    r = archaeologist_client.post(
        "/styles/sets/qinglv-2/edit/", {"name": "QingLv II", "slug": "qinglv-2"}
    )
    assert r.status_code == 302 and StyleSet.objects.get(pk=s.pk).name == "QingLv II"


def test_stylize_page_shows_input_and_result_side_by_side(archaeologist_client, style_set, photo):
    with photo.open("rb") as f:
        r = archaeologist_client.post(
            f"/styles/sets/{style_set.slug}/stylize/",
            {"image": f, "method": "color", "strength": 0.5},
        )
    assert r.status_code == 200, r.content
    d = Derivative.objects.get()
    assert d.author.username == "archaeologist" and d.parameters == {"strength": 0.5}
    html = r.content.decode()
    assert f"/styles/derivatives/{d.pk}/input.jpg" in html
    assert f"/styles/derivatives/{d.pk}.jpg" in html
    assert archaeologist_client.get(f"/styles/derivatives/{d.pk}.jpg")["Content-Type"] == (
        "image/jpeg"
    )
    assert d.inputs.get("upload_file"), d.inputs
    assert archaeologist_client.get(f"/styles/derivatives/{d.pk}/input.jpg").status_code == 200
    sidecar = json.loads(
        archaeologist_client.get(f"/styles/derivatives/{d.pk}/provenance.json").content
    )
    assert sidecar["style_set"] == style_set.slug
    assert sidecar["style_set_version"] == style_set.version and sidecar["method"] == "color"


def test_stylize_a_mural_region_and_an_element(archaeologist_client, style_set, described_murals):
    from tests.factories import add_element

    mural = described_murals[0]
    r = archaeologist_client.post(
        f"/styles/sets/{style_set.slug}/stylize/",
        {"region": f"{mural.pk}:10,10,64,48", "method": "color", "strength": 1},
    )
    assert r.status_code == 200
    element = add_element(mural, x=5, y=5, w=40, h=30)
    r = archaeologist_client.post(
        f"/styles/sets/{style_set.slug}/stylize/",
        {"element": element.pk, "method": "color", "strength": 1},
    )
    assert r.status_code == 200
    by_element = Derivative.objects.get(element=element)
    assert by_element.bbox == [5, 5, 40, 30] and by_element.mural == mural
    assert Derivative.objects.get(element__isnull=True).bbox == [10, 10, 64, 48]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"method": "cubism"}, "method"),
        ({"method": "unpaired"}, "run train_style first"),
        ({"method": "color", "strength": 3}, "strength"),
        ({"method": "color", "upload": b"not an image"}, "not an image"),
        ({"method": "color", "region": "999:0,0,5,5"}, "no mural"),
    ],
)
def test_stylize_refusals_leave_nothing(
    archaeologist_client, style_set, photo, style_dir, fields, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"strength": 1, **fields}
    if "upload" in data:
        data["image"] = SimpleUploadedFile("notes.jpg", data.pop("upload"))
    elif "region" not in data:
        data["image"] = SimpleUploadedFile("p.png", photo.read_bytes())
    r = archaeologist_client.post(f"/styles/sets/{style_set.slug}/stylize/", data)
    assert r.status_code == 400 and message in r.content.decode()
    r = archaeologist_client.post(
        f"/api/v1/style-sets/{style_set.slug}/stylize/",
        {
            **data,
            **(
                {
                    "image": SimpleUploadedFile(
                        data["image"].name, fields.get("upload") or photo.read_bytes()
                    )
                }
                if "image" in data
                else {}
            ),
        },
    )
    assert r.status_code == 400 and message in r.json()["error"]
    assert not Derivative.objects.exists()
    assert not (style_dir / "inputs").exists() or not any((style_dir / "inputs").iterdir())


def test_stylize_refuses_an_empty_set(archaeologist_client, photo):
    StyleSet.objects.create(slug="empty", name="Empty")
    with photo.open("rb") as f:
        r = archaeologist_client.post(
            "/api/v1/style-sets/empty/stylize/", {"image": f, "method": "color"}
        )
    assert r.status_code == 400 and "empty" in r.json()["error"]


def test_rest_create_add_member_and_stylize(archaeologist_client, photo, style_images):
    r = archaeologist_client.post(
        "/api/v1/style-sets/", {"slug": "api-set", "name": "API"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["version"] == 1
    with (style_images / "g0.png").open("rb") as f:
        r = archaeologist_client.post("/api/v1/style-sets/api-set/members/", {"image": f})
    assert r.status_code == 201 and r.json()["kind"] == "upload"
    with photo.open("rb") as f:
        r = archaeologist_client.post(
            "/api/v1/style-sets/api-set/stylize/",
            {"image": f, "method": "arbitrary", "strength": 0.7},
        )
    assert r.status_code == 201
    body = r.json()
    assert body["style_set"] == "api-set" and body["style_set_version"] == 2
    assert body["model"]["sha256"] and body["parameters"] == {"strength": 0.7}
    detail = Client().get("/api/v1/style-sets/api-set/").json()
    assert len(detail["members"]) == 1 and detail["expert"] == "archaeologist"
    assert StyleSetMember.objects.count() == 1
