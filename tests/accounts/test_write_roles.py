"""Each existing write asks for its own role: staff ingest and index, archaeologists correct
inscriptions. (tests/test_write_permissions.py shows that no write is open; this shows that the
right people get through.)"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, READER
from tests.factories import add_element, make_mural, make_user

pytestmark = pytest.mark.django_db


def signed_in(role: str) -> Client:
    client = Client()
    user = make_user(f"someone-{role}", staff=role == "staff")
    if role in (READER, ARCHAEOLOGIST):
        user.groups.add(Group.objects.get(name=role))
    if role != "anonymous":
        client.force_login(user)
    return client


@pytest.fixture
def element():
    return add_element(make_mural(), "inscription", ocr_text="南无")


def post_ocr(client: Client, element) -> int:
    url = reverse("elements:correct_ocr", args=[element.pk])
    body = json.dumps({"words": "no text field"})  # passes the role check, then a 400
    return client.post(url, body, content_type="application/json").status_code


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), (READER, 403), (ARCHAEOLOGIST, 400), ("staff", 400)],
)
def test_inscription_corrections_need_an_archaeologist(element, role, status):
    assert post_ocr(signed_in(role), element) == status


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), (READER, 403), (ARCHAEOLOGIST, 403), ("staff", 400)],
)
def test_uploads_need_staff(role, status):
    response = signed_in(role).post(reverse("catalogue:upload"), HTTP_ACCEPT="application/json")
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("accounts:login") + "?next=/murals/add/")


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), (READER, 403), (ARCHAEOLOGIST, 403), ("staff", 404)],
)
def test_index_jobs_need_staff(role, status):
    response = signed_in(role).post(reverse("catalogue:index_mural", args=[987654]))
    assert response.status_code == status  # staff passes the check and learns there is no mural


def test_the_viewer_offers_the_correction_to_archaeologists_only(element):
    url = reverse("catalogue:mural", args=[element.mural_id])

    def offered(client: Client) -> str:
        html = client.get(url).content.decode()
        return json.loads(
            html.split('id="viewer-config" type="application/json">')[1].split("</script>")[0]
        )["ocrCorrectUrl"]

    assert offered(signed_in(READER)) == ""
    assert offered(signed_in(ARCHAEOLOGIST)) == "/elements/{id}/ocr/"
