"""An undated mural (Mural.period empty) everywhere a period used to be assumed."""

from __future__ import annotations

import pytest

from dunhuang_search.catalogue.ingest import IngestError, resolve_place
from tests.factories import add_element, make_mural

pytestmark = pytest.mark.django_db


@pytest.fixture
def undated(db):
    mural = make_mural(cave=285, period=None, wall="north")
    add_element(mural, "donor", x=10, y=10, w=50, h=80)
    return mural


def test_the_api_gives_null_periods(client, undated):
    body = client.get(f"/api/v1/murals/{undated.pk}/").json()
    assert body["period"] is None and body["period_years"] is None
    assert body["period_disputed"] is False
    results = client.get("/api/v1/search/", {"category": "donor"}).json()["results"]
    assert [(r["mural_id"], r["period"]) for r in results] == [(undated.pk, None)]


def test_pages_and_manifest_say_undated(client, undated):
    assert "Undated" in client.get(f"/murals/{undated.pk}/").content.decode()
    assert "Undated" in client.get("/").content.decode()
    manifest = client.get(f"/iiif/3/{undated.pk}/manifest.json").json()
    assert manifest["summary"]["en"][0].startswith("Undated mural")
    period = next(m for m in manifest["metadata"] if m["label"]["en"] == ["Period"])
    assert period["value"]["en"] == ["undated"]
    grid = client.get("/search/", {"category": "donor"}).content.decode()
    assert "Undated" in grid


def test_a_disputed_mural_says_so(client, db):
    mural = make_mural(cave=290, period="northern-zhou", period_disputed=True)
    assert mural.period_label == "Northern Zhou (557–581) (disputed)"
    assert "(disputed)" in client.get(f"/murals/{mural.pk}/").content.decode()


def test_undated_is_a_period_choice_of_ingest_and_unknown_ones_are_refused(db):
    assert resolve_place("mogao", 285, "undated")[2] is None
    with pytest.raises(IngestError, match="known: .*undated"):
        resolve_place("mogao", 285, "ming")
