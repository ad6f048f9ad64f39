"""Staff recompute motif groups from the gallery as a job whose progress the page polls;
anonymous visitors are sent to log in and other users get 403."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from dunhuang_search.library import jobs
from dunhuang_search.library.models import LibraryJob, MotifGroup
from tests.factories import make_user

pytestmark = pytest.mark.django_db
URL = "/library/apsara/groups/recompute/"


@pytest.fixture
def run_inline(monkeypatch):
    """The spawned command run in this process (the test database is not committed)."""

    def spawn(job):
        assert jobs.cluster_command(job)[2:4] == ["cluster_elements", "--category"]
        try:
            call_command(*jobs.cluster_command(job)[2:], verbosity=0, stdout=io.StringIO())
        except CommandError as exc:  # the spawned process would exit 2
            assert exc.returncode == 2

    monkeypatch.setattr(jobs, "spawn", spawn)


def test_staff_recompute_runs_a_job(staff_client, three_motifs, run_inline):
    response = staff_client.post(URL, {"method": "agglomerative"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    job = LibraryJob.objects.get()
    assert job.state == "done" and job.percent == 100 and job.result["groups"] == 3
    assert MotifGroup.objects.filter(category__slug="apsara", method="agglomerative").count() == 3
    assert 'data-state="done"' in response.content.decode()
    status = staff_client.get("/library/apsara/groups/job/").content.decode()
    assert "3 groups" in status and "every 1s" not in status


def test_an_active_job_polls_and_blocks_another(staff_client, three_motifs, monkeypatch):
    monkeypatch.setattr(jobs, "spawn", lambda job: None)
    first = staff_client.post(URL)
    assert 'hx-trigger="every 1s"' in first.content.decode()
    assert staff_client.post(URL).status_code == 409
    assert LibraryJob.objects.count() == 1


def test_failed_job_shows_the_reason(staff_client, db, run_inline):
    staff_client.post("/library/donor/groups/recompute/")
    job = LibraryJob.objects.get()
    assert job.state == "failed" and "no visible elements" in job.error


def test_bad_method_is_400(staff_client, three_motifs):
    assert staff_client.post(URL, {"method": "dbscan"}).status_code == 400
    assert not LibraryJob.objects.exists()


def test_roles(client, three_motifs, monkeypatch):
    monkeypatch.setattr(jobs, "spawn", lambda job: None)
    anonymous = client.post(URL)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    reader = Client()
    reader.force_login(make_user("reader"))
    assert reader.post(URL).status_code == 403
    assert not LibraryJob.objects.exists()
    assert "Recompute groups" not in reader.get("/library/apsara/").content.decode()
