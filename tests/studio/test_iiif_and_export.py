"""Derivatives are served by IIIF as derivative-<id> (info.json, region and size requests) and
exported as the image with its mask and a W3C PROV sidecar."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
import pyvips

from dunhuang_search.studio import derivatives
from dunhuang_search.studio.restoring import RegionRequest, restore_to_derivative

pytestmark = pytest.mark.django_db


@pytest.fixture
def derivative(wall, archaeologist):
    mask = np.zeros((120, 160), np.uint8)
    mask[40:70, 50:90] = 255
    return restore_to_derivative(
        RegionRequest(mural=wall, box=(100, 60, 160, 120), mask=mask, method="telea",
                      author=archaeologist, mask_origin={"kind": "simulated", "seed": 3})
    )  # fmt: skip


def test_info_json_describes_the_derivative_not_the_mural(client, derivative):
    info = client.get(f"/iiif/3/derivative-{derivative.pk}/info.json").json()
    assert info["id"].endswith(f"/iiif/3/derivative-{derivative.pk}")
    assert (info["width"], info["height"]) == (160, 120)
    assert info["type"] == "ImageService3"
    assert info["seeAlso"][0]["id"].endswith(f"/api/v1/derivatives/{derivative.pk}/")


def test_region_and_size_requests_are_cut_from_the_derivative(client, derivative):
    base = f"/iiif/3/derivative-{derivative.pk}"
    response = client.get(f"{base}/40,30,80,60/40,/0/default.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = pyvips.Image.new_from_buffer(response.content, "")
    assert (image.width, image.height) == (40, 30)
    full = pyvips.Image.new_from_file(str(derivatives.image_path(derivative))).numpy()
    expected = pyvips.Image.new_from_array(full[30:90, 40:120]).resize(0.5).numpy()
    assert np.abs(image.numpy()[..., :3].astype(int) - expected).mean() < 6
    assert client.get(f"{base}").status_code == 303
    assert client.get(f"{base}/0,0,999,999/max/0/default.jpg").status_code == 200
    missing = client.get("/iiif/3/derivative-999999/info.json")
    assert missing.status_code == 404 and "no derivative" in missing.json()["error"]
    assert client.get(f"{base}/full/max/0/default.gif").status_code == 400


def test_export_is_the_image_the_mask_and_a_prov_sidecar(client, derivative, wall):
    response = client.get(f"/api/v1/derivatives/{derivative.pk}/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    stem = f"derivative-{derivative.pk}"
    assert set(archive.namelist()) == {f"{stem}.png", f"{stem}-mask.png", f"{stem}.prov.json"}
    image = pyvips.Image.new_from_buffer(archive.read(f"{stem}.png"), "")
    assert (image.width, image.height) == (160, 120)
    prov = json.loads(archive.read(f"{stem}.prov.json"))
    assert prov["@context"]["prov"] == "http://www.w3.org/ns/prov#"
    source = prov["prov:wasDerivedFrom"][0]
    assert source["dunhuang:mural"] == wall.pk and source["dunhuang:bbox"] == [100, 60, 160, 120]
    assert source["dunhuang:sourceChecksum"] == wall.checksum
    activity = prov["prov:wasGeneratedBy"]
    assert activity["dunhuang:method"] == "telea"
    assert activity["prov:wasAssociatedWith"]["@id"] == "user:restorer"
    mask = next(u for u in activity["prov:used"] if u["@id"].endswith("-mask"))
    assert mask["dunhuang:origin"]["kind"] == "simulated"
    assert mask["dunhuang:origin"]["lost_pixels"] == 30 * 40
