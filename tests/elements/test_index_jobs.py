"""Index jobs on the mural viewer: the status partial polls while a job runs and stops when it
ends, the staff-only button queues a job and spawns `manage.py index`, and no job is orphaned."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements import index_jobs
from dunhuang_search.elements.index_jobs import adopt_job
from dunhuang_search.elements.models import Element, IndexJob
from dunhuang_search.elements.vector_index import verify_index
from indexer.dense import plan_windows
from tests.cli import ROOT, manage_env
from tests.factories import make_mural, make_user, synthetic_mural

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mural() -> Mural:
    return make_mural(width=6000, height=4000)


class FakePopen:
    """Records what would have been started; its pid is this (live) test process's."""

    started: list[tuple[list[str], dict]] = []
    pid = os.getpid()

    def __init__(self, argv, **kwargs):
        FakePopen.started.append((argv, kwargs))

    def wait(self):
        return 0


@pytest.fixture
def fake_popen(monkeypatch) -> list[tuple[list[str], dict]]:
    """Popen as index_jobs sees it (only there) records the argv instead of starting it."""
    FakePopen.started = []
    fake = SimpleNamespace(Popen=FakePopen, DEVNULL=subprocess.DEVNULL, STDOUT=subprocess.STDOUT)
    monkeypatch.setattr(index_jobs, "subprocess", fake)
    return FakePopen.started


def dead_worker() -> str:
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}"


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def status(client: Client, mural: Mural):
    return client.get(reverse("catalogue:index_status", args=[mural.pk]), **HTMX)


def test_the_status_partial_polls_every_2s_while_a_job_runs(client, mural):
    IndexJob.objects.create(
        mural=mural, state="running", phase="tiles", tiles_total=10, tiles_done=5,
        worker=this_process(),
    )
    response = status(client, mural)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert 'hx-trigger="every 2s"' in html
    assert f'hx-get="{reverse("catalogue:index_status", args=[mural.pk])}"' in html
    assert '<progress max="100" value="35"' in html and "Running" in html and "tiles" in html
    assert "Index this mural" not in html  # anonymous visitors see no button


def test_the_partial_stops_polling_and_announces_the_end_when_the_job_is_done(client, mural):
    job = IndexJob.objects.create(mural=mural, state="done", phase="finished", elements_found=7)
    response = status(client, mural)
    html = response.content.decode()
    assert "hx-trigger" not in html and 'value="100"' in html and "Done" in html
    assert '<dd data-field="elements">7</dd>' in html
    event = json.loads(response["HX-Trigger"])
    assert event == {"mural:indexfinished": {"mural": mural.pk, "job": job.pk, "state": "done"}}


def test_a_failed_job_shows_its_error_without_polling(client, mural):
    IndexJob.objects.create(mural=mural, state="failed", error="image pyramid missing: /x.tif")
    html = status(client, mural).content.decode()
    assert "hx-trigger" not in html and "image pyramid missing: /x.tif" in html


def test_a_mural_never_indexed_says_so(client, mural):
    html = status(client, mural).content.decode()
    assert "not been indexed yet" in html and "hx-trigger" not in html
    assert client.get(reverse("catalogue:index_status", args=[999999])).status_code == 404


def test_the_viewer_page_shows_the_latest_job_and_polls_it(client, mural):
    IndexJob.objects.create(mural=mural, state="done", phase="finished")
    IndexJob.objects.create(mural=mural, state="running", phase="crops", worker=this_process())
    html = client.get(reverse("catalogue:mural", args=[mural.pk])).content.decode()
    assert 'id="index-status"' in html and 'data-state="running"' in html
    assert 'hx-trigger="every 2s"' in html


def test_a_job_whose_process_died_is_failed_so_polling_stops(client, mural):
    IndexJob.objects.create(mural=mural, state="running", worker=dead_worker())
    response = status(client, mural)
    html = response.content.decode()
    assert "hx-trigger" not in html and "stopped before it finished" in html
    assert IndexJob.objects.get(mural=mural).state == "failed"
    assert "mural:indexfinished" in response["HX-Trigger"]


def test_only_staff_can_start_indexing(client, mural, fake_popen):
    url = reverse("catalogue:index_mural", args=[mural.pk])
    response = client.post(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    client.force_login(make_user("visitor"))
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    assert not IndexJob.objects.exists() and fake_popen == []


def test_the_index_button_is_csrf_protected(mural, fake_popen):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("curator", staff=True))
    response = client.post(reverse("catalogue:index_mural", args=[mural.pk]), **HTMX)
    assert response.status_code == 403
    assert not IndexJob.objects.exists() and fake_popen == []
    page = client.get(reverse("catalogue:mural", args=[mural.pk])).content.decode()
    assert "Index this mural" in page and "csrfmiddlewaretoken" in page


def test_starting_queues_a_job_and_spawns_the_index_command_detached(
    staff_client, mural, fake_popen, settings
):
    url = reverse("catalogue:index_mural", args=[mural.pk])
    response = staff_client.post(url, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html and 'data-state="queued"' in html
    job = IndexJob.objects.get(mural=mural)
    assert job.state == "queued" and not job.dense
    assert job.worker == f"{socket.gethostname()}:{FakePopen.pid}"
    ((argv, kwargs),) = fake_popen
    assert argv == [sys.executable, str(ROOT / "manage.py"), "index", "--mural", str(mural.pk)]
    assert kwargs["start_new_session"] is True and kwargs["stderr"] == subprocess.STDOUT
    log = Path(kwargs["stdout"].name)
    assert log.parent == Path(settings.JOBS_DIR) / "logs" and log.exists()

    job.state = "done"
    job.save()
    staff_client.post(url, {"dense": "1"}, **HTMX)
    assert fake_popen[-1][0][-3:] == ["--mural", str(mural.pk), "--dense"]
    assert IndexJob.objects.filter(mural=mural, state="queued", dense=True).count() == 1
    # without htmx (no JavaScript) the form goes back to the viewer
    IndexJob.objects.filter(state="queued").update(state="done")
    assert staff_client.post(url).url == reverse("catalogue:mural", args=[mural.pk])


def test_a_second_start_is_refused_with_409_while_a_job_is_active(
    staff_client, mural, fake_popen
):
    url = reverse("catalogue:index_mural", args=[mural.pk])
    running = IndexJob.objects.create(mural=mural, state="running", worker=this_process())
    response = staff_client.post(url, **HTMX)
    assert response.status_code == 409
    assert "already being indexed" in response.json()["error"]
    assert response.json()["job"] == running.pk
    running.state = "done"
    running.save()
    assert staff_client.post(url, **HTMX).status_code == 200  # queued, with a live worker
    assert staff_client.post(url, **HTMX).status_code == 409
    assert len(fake_popen) == 1


def test_a_start_after_a_dead_run_is_allowed(staff_client, mural, fake_popen):
    IndexJob.objects.create(mural=mural, state="running", worker=dead_worker())
    response = staff_client.post(reverse("catalogue:index_mural", args=[mural.pk]), **HTMX)
    assert response.status_code == 200 and len(fake_popen) == 1
    assert sorted(IndexJob.objects.values_list("state", flat=True)) == ["failed", "queued"]


def test_the_command_adopts_the_job_the_web_queued(mural):
    queued = IndexJob.objects.create(mural=mural, state="queued")
    job = adopt_job(mural, {"detector": "a"}, engine="local")
    assert job.pk == queued.pk and job.state == "running" and job.fingerprint == {"detector": "a"}
    assert job.worker == this_process()


def test_a_resumed_run_takes_the_place_of_the_queued_request(mural):
    unfinished = IndexJob.objects.create(mural=mural, state="failed", fingerprint={"d": "a"})
    IndexJob.objects.create(mural=mural, state="queued")
    job = adopt_job(mural, {"d": "a"})
    assert job.pk == unfinished.pk and job.state == "running"
    assert not IndexJob.objects.filter(state="queued").exists()  # no orphan left queued


def test_a_refused_run_fails_the_queued_job_with_the_reason(mural, settings, tmp_path):
    IndexJob.objects.create(mural=mural, state="queued")
    settings.DETECTOR_WEIGHTS = str(tmp_path / "missing.pt")
    with pytest.raises(CommandError) as refused:
        call_command("index", mural=[mural.pk])
    assert refused.value.returncode == 2
    job = IndexJob.objects.get(mural=mural)
    assert job.state == "failed" and "detector weights not found" in job.error


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_button_really_indexes_the_mural_with_dense_windows_while_the_partial_follows(
    staff_client, isolated_var, tmp_path, demo_detector_weights, monkeypatch
):
    mural = synthetic_mural(tmp_path, seed=22, size=(640, 480), suffix=".png")
    weights = {"DETECTOR_WEIGHTS": str(demo_detector_weights)}
    for name, value in {**manage_env(isolated_var), **weights}.items():
        monkeypatch.setenv(name, value)
    url = reverse("catalogue:index_mural", args=[mural.pk])
    response = staff_client.post(url, {"dense": "1"}, **HTMX)
    assert response.status_code == 200
    seen, deadline = [], time.monotonic() + 300
    while time.monotonic() < deadline:
        response = status(staff_client, mural)
        job = IndexJob.objects.get(mural=mural)
        seen.append(job.state)
        if job.state not in ("queued", "running"):
            break
        assert 'hx-trigger="every 2s"' in response.content.decode()
        time.sleep(0.5)
    log = index_jobs.job_log_path(mural.pk, job.pk).read_text()
    assert job.state == "done", f"{job.error}\n{log}"
    assert IndexJob.objects.filter(mural=mural).count() == 1  # the queued row was adopted
    assert "running" in seen and "hx-trigger" not in response.content.decode()
    assert "mural:indexfinished" in response["HX-Trigger"]
    detected = Element.objects.filter(mural=mural, source="detector")
    assert detected.count() == job.elements_found > 0
    windows = plan_windows(mural.width, mural.height).windows  # the default dense scales
    assert job.dense and job.windows_total == job.windows_done == len(windows)
    assert 0 < Element.objects.filter(mural=mural, source="dense").count() <= len(windows)
    assert verify_index().ok
