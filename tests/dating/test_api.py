"""The dating REST endpoints: the estimate, a scholar's dating, staff's acceptance."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.dating.models import Dating
from tests.dating.conftest import vectors
from tests.factories import add_elements, make_mural, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(dated_world, indexed):
    mural = make_mural(cave=400, period=None)
    add_elements(mural, vectors(0, 3, seed=9), category_slug="donor")
    indexed()
    return mural


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def archaeologist():
    user = make_user("scholar")
    user.groups.add(Group.objects.get_or_create(name=ARCHAEOLOGIST)[0])
    return user


def test_the_estimate_is_the_contract_json(target):
    body = client_for().get(f"/api/v1/murals/{target.pk}/dating/").json()
    assert body["period"] == "sui" and body["abstained"] is False
    assert body["target"] == {"mural_id": target.pk, "element_id": None}
    assert len(body["interval"]) == 2 and abs(sum(body["distribution"].values()) - 1) < 1e-3
    keys = {"element_id", "neighbour_id", "period", "cave", "similarity", "weight"}
    assert keys <= set(body["evidence"][0])
    assert body["inscriptions"] == []


def test_unknown_mural_element_or_authority_is_a_json_error(target):
    client = client_for()
    missing = client.get("/api/v1/murals/999999/dating/")
    assert missing.status_code == 404 and "unknown mural" in missing.json()["error"]
    assert client.get("/api/v1/elements/999999/dating/").status_code == 404
    bad = client.get(f"/api/v1/murals/{target.pk}/dating/", {"authority": "Nobody"})
    assert bad.status_code == 400 and "unknown authority 'Nobody'" in bad.json()["error"]


def test_an_archaeologist_adds_a_scholars_dating_and_bad_years_are_refused(target):
    url = f"/api/v1/murals/{target.pk}/datings/"
    anonymous = client_for().post(url, {"period": "sui", "authority": "Scholar A"})
    assert anonymous.status_code in (401, 403)
    reader = client_for(make_user("reader")).post(url, {"period": "sui", "authority": "A"})
    assert reader.status_code == 403
    client = client_for(archaeologist())
    bad = client.post(url, {"start_year": 600, "end_year": 580, "authority": "Scholar A"})
    assert bad.status_code == 400 and "after the end year" in bad.json()["error"]
    unknown = client.post(url, {"period": "ming", "authority": "Scholar A"})
    assert unknown.status_code == 400 and "unknown period" in unknown.json()["error"]
    assert not Dating.objects.exists()
    made = client.post(
        url, {"period": "sui", "authority": "Scholar A", "citation": "Cave survey, p. 3"}
    )
    assert made.status_code == 201
    assert made.json()["start_year"] == 581 and made.json()["author"] == "scholar"
    listed = client_for().get(url).json()
    assert [row["authority"] for row in listed] == ["Scholar A"]


def test_staff_accept_the_estimate_and_only_then_the_catalogue_changes(target):
    url = f"/api/v1/murals/{target.pk}/dating/accept/"
    assert client_for().post(url).status_code in (401, 403)
    assert client_for(archaeologist()).post(url).status_code == 403
    client_for().get(f"/api/v1/murals/{target.pk}/dating/")
    assert Mural.objects.get(pk=target.pk).period is None  # estimating never writes
    accepted = client_for(make_user("curator", staff=True)).post(url)
    assert accepted.status_code == 201, accepted.content
    assert Mural.objects.get(pk=target.pk).period.slug == "sui"
    estimate = Dating.objects.get(source="assistant")
    assert estimate.accepted_at is not None and estimate.details["period"] == "sui"
    record = Dating.objects.get(source="catalogue")
    assert record.period.slug == "sui" and f"estimate {estimate.pk}" in record.citation


def test_an_abstained_estimate_cannot_be_accepted(dated_world, indexed):
    empty = make_mural(cave=401, period=None)
    indexed()
    refused = client_for(make_user("curator", staff=True)).post(
        f"/api/v1/murals/{empty.pk}/dating/accept/"
    )
    assert refused.status_code == 400 and "insufficient evidence" in refused.json()["error"]
    assert not Dating.objects.exists() and Mural.objects.get(pk=empty.pk).period is None
