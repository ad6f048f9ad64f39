"""Polled progress for long style work: the stylize job of the set page (its partial polls while
it runs, shows the result when done, fails in one line, leaves no staged input), a job whose
worker died, and train_style's run reported on the set page; an interrupted training run keeps
a checkpoint to resume from."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from dunhuang_search.elements.index_jobs import this_worker
from dunhuang_search.studio.models import Derivative
from dunhuang_search.styles import jobs
from dunhuang_search.styles.models import StyleJob, StyleModel
from indexer.style import StyleSource, stylize
from indexer.style.training import TrainingStopped, train
from indexer.style.unpaired import CycleConfig, load_checkpoint
from tests.styles.conftest import green

pytestmark = pytest.mark.django_db

TINY = ["--filters", "4", "--blocks", "1"]


def test_stylize_reports_planning_then_windows_to_the_end(style_set):
    heard = []
    content = np.random.default_rng(0).integers(0, 255, (150, 200, 3), dtype=np.uint8)
    stylize(
        content,
        StyleSource([green(1)]),
        "color",
        tile=64,
        progress=lambda phase, f: heard.append((phase, f)),
    )
    assert heard[0] == ("planning", 0.0)
    windows = [f for phase, f in heard if phase == "windows"]
    assert len(windows) > 4 and windows == sorted(windows) and windows[-1] == pytest.approx(1.0)


def test_the_set_page_stylize_is_a_job_with_its_result(archaeologist_client, style_set, photo):
    with photo.open("rb") as f:
        r = archaeologist_client.post(
            f"/styles/sets/{style_set.slug}/stylize/", {"image": f, "method": "color"}
        )
    html = r.content.decode()
    job = StyleJob.objects.get()
    assert r.status_code == 200 and f'data-job="{job.pk}"' in html
    assert job.kind == "stylize" and job.state == "done" and job.percent == 100
    assert job.derivative == Derivative.objects.get() and 'class="side-by-side"' in html
    assert "hx-trigger" not in html  # done: no more polling
    staged = jobs.input_file(job)
    assert not staged.exists() and not any(staged.parent.iterdir())


def test_a_running_job_polls_and_shows_its_progress(client, style_set):
    job = StyleJob.objects.create(
        kind="stylize", style_set=style_set, method="neural-stats", state="running",
        worker=this_worker(), phase="windows", done=42, total=100,
    )  # fmt: skip
    html = client.get(f"/styles/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/styles/jobs/{job.pk}/"' in html and 'hx-trigger="every 1s"' in html
    assert '<progress max="100" value="42"' in html and "windows" in html


def test_a_job_whose_worker_died_is_failed_and_stops_polling(client, style_set):
    job = StyleJob.objects.create(
        kind="stylize", style_set=style_set, method="color", state="running",
        worker=f"{socket.gethostname()}:999999999",
    )  # fmt: skip
    html = client.get(f"/styles/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.state == "failed" and "stopped before it finished" in html
    assert "hx-trigger" not in html


def test_a_failing_job_says_why_in_one_line_and_writes_nothing(style_set, described_murals):
    from tests.factories import add_element

    element = add_element(described_murals[0], x=5, y=5, w=40, h=30)
    data = {"method": "color", "strength": 1.0, "seed": 0, "element_obj": element}
    job = jobs.queue_stylize(style_set, data, None, None)
    element.delete()  # gone before the job ran
    jobs.run_stylize(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.error and "\n" not in job.error
    assert job.derivative is None and not Derivative.objects.exists()


def test_train_style_reports_on_the_set_page(client, style_set, style_images, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "p.png").write_bytes((style_images / "g0.png").read_bytes())
    args = ["--style-set", "qinglv", "--photos", str(photos), "--epochs", "2", *TINY]
    call_command("train_style", *args, "--max-iterations", "2")
    job = StyleJob.objects.get(kind="train")
    assert job.state == "done" and job.done == 2 and job.worker == this_worker()
    assert job.progress["epochs"] == 2 and job.progress["s_per_iteration"] > 0
    assert {"loss_g", "loss_d", "loss_cycle"} <= set(job.progress)
    html = client.get("/styles/sets/qinglv/").content.decode()
    assert "Unpaired model (train_style)" in html and "iteration 2 of" in html
    assert "128² model: 0 epochs, 2 iterations" in html
    # a run in progress is polled on the set page
    StyleJob.objects.filter(pk=job.pk).update(state="running", done=1)
    html = client.get("/styles/sets/qinglv/").content.decode()
    assert f'hx-get="/styles/jobs/{job.pk}/"' in html and 'hx-trigger="every 5s"' in html


def test_a_refused_train_style_leaves_no_job(style_set, style_images, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "p.png").write_bytes((style_images / "g0.png").read_bytes())
    call_command("train_style", "--style-set", "qinglv", "--photos", str(photos),
                 "--max-iterations", "1", *TINY)  # fmt: skip
    with pytest.raises(CommandError) as info:  # another shape cannot resume that checkpoint
        call_command("train_style", "--style-set", "qinglv", "--photos", str(photos),
                     "--resume", "--filters", "8", "--blocks", "1")  # fmt: skip
    assert info.value.returncode == 2 and "cannot resume" in str(info.value)
    assert StyleJob.objects.filter(kind="train").count() == 1


def test_an_interrupted_run_checkpoints_where_it_stopped_and_resumes(tmp_path):
    styles = [green(s) for s in range(4)]
    photos = [green(9)[..., ::-1].copy()]
    path, config = tmp_path / "m.pt", CycleConfig(size=128, filters=4, blocks=1)
    seen = []

    def interrupt(i, total, losses):
        if i == 2:
            raise KeyboardInterrupt

    with pytest.raises(TrainingStopped) as info:
        train(photos, styles, path, config=config, epochs=1, data={"style_set": "g"},
              progress=interrupt, checkpointed=seen.append)  # fmt: skip
    assert info.value.result.iteration == 2 and seen[-1].iteration == 2
    state = load_checkpoint(path)
    assert state["iteration"] == 2 and state["epoch"] == 0 and state["history"][-1]["stopped"]
    done = train(photos, styles, path, config=config, epochs=1, resume=True,
                 data={"style_set": "g"})  # fmt: skip
    assert done.iteration == 4 and done.epoch == 1  # the two left of the 4-image epoch
    assert not StyleModel.objects.exists()  # the indexer registers nothing itself
