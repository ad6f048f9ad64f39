"""Dense search windows are vectors for query by example, not elements a person browses."""
from __future__ import annotations

import pytest

from dunhuang_search.elements.models import Element
from tests.factories import add_element, ingested_mural

pytestmark = pytest.mark.django_db


@pytest.fixture
def mural_with_dense_rows(image_file):
    mural = ingested_mural(image_file("wall.jpg"))
    add_element(mural, "apsara", x=10, y=10, w=50, h=40, score=0.8)
    for i in range(3):
        add_element(mural, None, x=i * 100, y=0, w=128, h=128, score=None, source="dense")
    return mural


def test_the_viewer_catalogue_manifest_and_api_leave_dense_windows_out(
    client, mural_with_dense_rows
):
    mural = mural_with_dense_rows
    elements = client.get(f"/murals/{mural.pk}/elements.json").json()["elements"]
    assert [e["source"] for e in elements] == ["detector"]
    assert b"1 element" in client.get("/").content
    manifest = client.get(f"/iiif/3/{mural.pk}/manifest.json").json()
    annotations = manifest["items"][0]["annotations"][0]["items"]
    assert len(annotations) == 1
    assert client.get("/api/v1/elements/").json()["count"] == 1
    assert client.get("/api/v1/elements/?source=dense").json()["count"] == 3
    assert Element.objects.shown().count() == 1 and Element.objects.count() == 4
