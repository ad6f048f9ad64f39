"""A `kill -9` in the middle of indexing, then a re-run: no duplicate, no lost element.
And the local and Ray engines give the same elements for the same mural."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from dunhuang_search.elements.models import Element, IndexJob
from dunhuang_search.elements.vector_index import verify_index
from tests.cli import ROOT, manage_env, run_manage
from tests.factories import synthetic_mural

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_killed_run_resumes_with_no_duplicate_and_no_lost_element(
    demo_detector_weights, element_boxes, isolated_var, tmp_path
):
    mural = synthetic_mural(tmp_path, seed=31, size=(3200, 2400))  # 12 windows of 640 at 0.5
    env = {
        **manage_env(isolated_var),
        "DETECTOR_WEIGHTS": str(demo_detector_weights),
        "DUNHUANG_BATCH_SIZE": "2",  # six checkpointed batches
    }
    command = [sys.executable, str(ROOT / "manage.py"), "index", "--mural", str(mural.pk)]
    checkpoint = isolated_var / "jobs" / f"mural-{mural.pk}" / "tiles.jsonl"

    child = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None:
        if checkpoint.exists() and checkpoint.read_text().count("\n") >= 6:  # 3 batches
            break
        time.sleep(0.05)
    assert child.poll() is None, "indexing finished before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    batches_done = sum(1 for line in checkpoint.read_text().splitlines() if line.strip())
    job = IndexJob.objects.get(mural=mural)
    assert job.state == IndexJob.State.RUNNING and 0 < job.tiles_done < job.tiles_total
    assert not Element.objects.filter(mural=mural).exists()  # nothing half-written

    resumed = run_manage("index", "--mural", str(mural.pk), var_dir=isolated_var, env=env)
    assert resumed.returncode == 0, resumed.stderr
    job.refresh_from_db()
    assert job.state == IndexJob.State.DONE and IndexJob.objects.filter(mural=mural).count() == 1
    after_resume = element_boxes(mural)
    assert len(after_resume) == len(set(after_resume)) > 0  # no duplicates
    assert batches_done >= 3

    fresh = run_manage("index", "--mural", str(mural.pk), var_dir=isolated_var, env=env)
    assert fresh.returncode == 0, fresh.stderr
    assert element_boxes(mural) == after_resume  # nothing lost compared with an unbroken run
    assert verify_index().ok


def test_the_local_and_ray_engines_give_identical_elements(index, element_boxes, tmp_path):
    mural = synthetic_mural(tmp_path, seed=21, size=(1920, 1920))
    (local,) = index([mural], engine="local")
    by_local = element_boxes(mural)
    (ray,) = index([mural], engine="ray")
    assert (local.state, ray.state) == (IndexJob.State.DONE, IndexJob.State.DONE), ray.error
    assert ray.engine == "ray"
    assert element_boxes(mural) == by_local and len(by_local) > 0
    assert verify_index().ok
