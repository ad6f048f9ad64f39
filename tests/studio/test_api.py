"""The studio's REST endpoints: restorations as jobs with polled progress, proposed masks,
derivatives, review; archaeologists only for writes, a 400 naming the problem on bad input."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from rest_framework.test import APIClient

from dunhuang_search.studio import derivatives, jobs
from dunhuang_search.studio.models import Derivative, RestorationJob
from tests.factories import add_element, make_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/studio/restorations/"


@pytest.fixture
def api(archaeologist):
    client = APIClient()
    client.force_authenticate(archaeologist)
    return client


@pytest.fixture
def inline(monkeypatch):
    monkeypatch.setattr(jobs, "RUN_IN_BACKGROUND", False)


def png(mask: np.ndarray) -> io.BytesIO:
    upload = io.BytesIO(cv2.imencode(".png", mask)[1].tobytes())
    upload.name = "mask.png"
    return upload


def hole(h=100, w=120) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    cv2.circle(mask, (60, 50), 12, 255, -1)
    return mask


def test_an_uploaded_mask_is_restored_by_a_job_into_a_derivative(api, wall, inline, settings):
    response = api.post(URL, {"mural": wall.pk, "bbox": "10,20,120,100", "method": "telea",
                              "mask": png(hole())}, format="multipart")  # fmt: skip
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["state"] == "done" and job["percent"] == 100, job
    status = api.get(job["status_url"]).json()
    row = Derivative.objects.get(pk=status["derivative"])
    assert row.bbox == [10, 20, 120, 100] and row.author.username == "restorer"
    assert row.inputs["mask"]["kind"] == "upload"
    # the job's waiting mask is gone; the derivative keeps its own
    assert not any((settings.JOBS_DIR / "studio").iterdir())
    body = api.get(f"/api/v1/derivatives/{row.pk}/").json()
    assert body["iiif"] == f"/iiif/3/derivative-{row.pk}"
    assert body["provenance"]["prov:wasGeneratedBy"]["dunhuang:method"] == "telea"


def test_a_simulated_mask_and_an_element_source(api, wall, inline):
    element = add_element(wall, "donor", x=200, y=100, w=128, h=128)
    response = api.post(URL, {"element": element.pk, "method": "ns", "seed": 5,
                              "simulated": {"kind": "jelly", "level": "heavy", "seed": 5}},
                        format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    row = Derivative.objects.get(pk=response.json()["derivative"])
    assert row.element == element and row.bbox == [200, 100, 128, 128]
    assert row.inputs["mask"]["kind"] == "simulated" and row.inputs["mask"]["level"] == "heavy"
    assert row.seed == 5
    listed = api.get("/api/v1/derivatives/", {"element": element.pk}).json()
    assert [d["id"] for d in listed["results"]] == [row.pk]


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"bbox": "0,0,120,100", "method": "telea"}, "non_field_errors", "exactly one mask"),
        ({"bbox": "600,0,120,100", "method": "telea", "mask": "HOLE"}, "bbox", "outside"),
        ({"bbox": "0,0,120,100", "method": "magic", "mask": "HOLE"}, "method", "magic"),
        ({"bbox": "0,0,60,60", "method": "telea", "mask": "HOLE"}, "mask", "must match"),
        ({"bbox": "0,0,120,100", "method": "telea", "mask": "EMPTY"}, "restoration", "empty"),
        ({"bbox": "0,0,120,100", "method": "pconv", "mask": "HOLE", "model": "nope"},
         "restoration", "unknown inpainting model"),
        ({"bbox": "0,0,120,100", "method": "telea", "mask": "TEXT"}, "mask", "not an image"),
        ({"bbox": "0,0,120,100", "method": "telea", "simulated": '{"kind": "mud"}'}, "mask",
         "unknown mask kind"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_problem_and_writes_nothing(
    api, wall, settings, data, field, message
):
    data = {"mural": wall.pk, **data}
    if data.get("mask") == "HOLE":
        data["mask"] = png(hole())
    elif data.get("mask") == "EMPTY":
        data["mask"] = png(np.zeros((100, 120), np.uint8))
    elif data.get("mask") == "TEXT":
        data["mask"] = io.BytesIO(b"hello")
        data["mask"].name = "mask.png"
    response = api.post(URL, data, format="multipart")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["detail"] and message in body["error"], body
    assert not RestorationJob.objects.exists() and not Derivative.objects.exists()
    assert not (settings.JOBS_DIR / "studio").exists() or not any(
        (settings.JOBS_DIR / "studio").iterdir()
    )


def test_writes_need_an_archaeologist(wall):
    data = {"mural": wall.pk, "bbox": "0,0,120,100", "method": "telea"}
    anonymous = APIClient().post(URL, {**data, "mask": png(hole())}, format="multipart")
    assert anonymous.status_code in (401, 403) and "error" in anonymous.json()
    reader = APIClient()
    reader.force_authenticate(make_user("reader"))
    refused = reader.post(URL, {**data, "mask": png(hole())}, format="multipart")
    assert refused.status_code == 403 and "archaeologist" in refused.json()["error"]
    assert reader.post("/api/v1/studio/masks/", {**data, "suggest": True}).status_code == 403
    assert not RestorationJob.objects.exists()


def test_a_job_that_fails_midway_leaves_no_derivative_and_no_image(
    api, wall, inline, settings, monkeypatch
):
    def broken(image, dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(derivatives, "write_pyramid", broken)
    response = api.post(URL, {"mural": wall.pk, "bbox": "0,0,120,100", "method": "telea",
                              "mask": png(hole())}, format="multipart")  # fmt: skip
    job = response.json()
    assert job["state"] == "failed" and "disk full" in job["error"]
    assert not Derivative.objects.exists()
    folder = settings.DERIVATIVE_DIR
    assert not folder.exists() or not any(folder.iterdir())


def test_a_job_whose_worker_died_is_failed_by_the_next_poll(api, wall):
    job = RestorationJob.objects.create(mural=wall, x=0, y=0, w=10, h=10, method="telea",
                                        state="running", worker="nohost-x:1")  # fmt: skip
    import socket

    job.worker = f"{socket.gethostname()}:999999"
    job.save()
    body = api.get(f"/api/v1/studio/restorations/{job.pk}/").json()
    assert body["state"] == "failed" and "stopped" in body["error"]


def test_masks_from_clicks_and_suggested_losses(api, tmp_path):
    from tests.factories import ingested_mural

    from .conftest import textured

    pixels = textured(200, 200)
    pixels[60:110, 70:130] = (228, 222, 210)  # a pale, bare-plaster loss
    mural = ingested_mural(tmp_path / "flaked.png", pixels)
    clicked = api.post(
        "/api/v1/studio/masks/",
        {
            "mural": mural.pk,
            "bbox": "0,0,200,200",
            "clicks": [[100, 85]],
            "click_method": "watershed",
        },
        format="json",
    )
    assert clicked.status_code == 200, clicked.content
    mask = cv2.imdecode(np.frombuffer(clicked.content, np.uint8), 0)
    assert mask.shape == (200, 200)
    inside = mask[60:110, 70:130] > 0
    assert inside.mean() > 0.8 and (mask > 0).sum() < 1.5 * inside.size
    suggested = api.post(
        "/api/v1/studio/masks/",
        {"mural": mural.pk, "bbox": "0,0,200,200", "suggest": True},
        format="json",
    )
    mask = cv2.imdecode(np.frombuffer(suggested.content, np.uint8), 0)
    assert (mask[60:110, 70:130] > 0).mean() > 0.8
    bad = api.post(
        "/api/v1/studio/masks/",
        {"mural": mural.pk, "bbox": "0,0,200,200", "clicks": [[1, 1]] * 5},
        format="json",
    )
    assert bad.status_code == 400 and "1 to 3 clicks" in bad.json()["error"]


def test_review_approves_or_rejects_with_a_note(api, wall, inline):
    response = api.post(URL, {"mural": wall.pk, "bbox": "0,0,120,100", "method": "telea",
                              "mask": png(hole())}, format="multipart")  # fmt: skip
    pk = response.json()["derivative"]
    url = f"/api/v1/derivatives/{pk}/review/"
    approved = api.post(url, {"state": "approved", "note": "faithful to the template"})
    assert approved.status_code == 200
    assert approved.json()["review_state"] == "approved"
    assert approved.json()["reviewed_by"] == "restorer"
    assert api.post(url, {"state": "maybe"}).status_code == 400
    reader = APIClient()
    reader.force_authenticate(make_user("reader"))
    assert reader.post(url, {"state": "rejected"}).status_code == 403
    row = Derivative.objects.get(pk=pk)
    assert (row.review_state, row.review_note) == ("approved", "faithful to the template")
