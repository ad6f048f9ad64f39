"""Long style work with polled progress, on the job mechanism of the studio's restorations
(studio/jobs.py) and the index jobs (elements/index_jobs.py): a StyleJob row records its state,
progress and worker (host:pid); the page polls templates/styles/_job.html; a job whose worker
died is failed by the next look at it (settle).

- stylize: checked in the request (bad input is a StyleError before anything is written), then
  run in a background thread of the web process; an uploaded input waits under JOBS_DIR/styles/
  until the job has run and is removed either way (the derivative keeps its own copy).
- train: `manage.py train_style` reports its iterations and epochs on its own row.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dunhuang_search.elements.index_jobs import fail_if_orphaned, this_worker
from indexer.files import atomic_write
from indexer.style import StyleError

from .members import check_upload
from .models import StyleJob, StyleSet
from .transfer import Content, check_method, check_pixels, stylize_to_derivative

# Tests on the ordinary (transaction-wrapped) test database run jobs inline instead.
RUN_IN_BACKGROUND = True
ACTIVE = (StyleJob.State.QUEUED, StyleJob.State.RUNNING)


def input_file(job: StyleJob) -> Path:
    return Path(settings.JOBS_DIR) / "styles" / f"job-{job.pk}-input{job.request['suffix']}"


def check_stylize(style_set: StyleSet, data: dict, upload_path: Path | None) -> None:
    """What stylize_to_derivative would refuse, refused now (it is cheap to tell)."""
    check_method(data["method"])
    if not style_set.members.exists():
        raise StyleError(f"the style set {style_set.slug!r} is empty: add members to it first")
    if data["method"] == "unpaired" and not style_set.models.exists():
        raise StyleError("this style set has no unpaired model: run train_style first")
    if data.get("element_obj") is not None:
        check_pixels(data["element_obj"].w, data["element_obj"].h)
    elif data.get("region_obj") is not None:
        check_pixels(*data["region_obj"][3:])
    else:
        check_upload(upload_path)


def queue_stylize(style_set: StyleSet, data: dict, user, upload_path: Path | None) -> StyleJob:
    """Check a valid StylizeForm's data and queue its job; StyleError if it cannot run."""
    check_stylize(style_set, data, upload_path)
    request = {"strength": data["strength"], "seed": data.get("seed") or 0}
    if data.get("element_obj") is not None:
        request["element"] = data["element_obj"].pk
    elif data.get("region_obj") is not None:
        mural, *box = data["region_obj"]
        request["region"] = [mural.pk, *box]
    else:
        request["upload_name"] = data["image"].name
        request["suffix"] = Path(upload_path).suffix.lower()
    with transaction.atomic():
        job = StyleJob.objects.create(
            kind=StyleJob.Kind.STYLIZE,
            style_set=style_set,
            method=data["method"],
            request=request,
            author=user if getattr(user, "is_authenticated", False) else None,
            total=100,
        )
        if upload_path is not None:
            with atomic_write(input_file(job)) as staged:
                shutil.copyfile(upload_path, staged)
    return job


def start_stylize(style_set: StyleSet, data: dict, user, upload_path: Path | None) -> StyleJob:
    job = queue_stylize(style_set, data, user, upload_path)
    if RUN_IN_BACKGROUND:
        transaction.on_commit(
            lambda: threading.Thread(
                target=run_stylize, args=(job.pk,), name=f"stylize-{job.pk}", daemon=True
            ).start()
        )
    else:
        run_stylize(job.pk)
        job.refresh_from_db()
    return job


class Reporter:
    """Writes a job's phase and progress, at most every `every` s unless the phase changes."""

    def __init__(self, pk: int, every: float = 0.3):
        self.pk, self.every, self.last, self.phase = pk, every, 0.0, None

    def __call__(self, phase: str, done: int, total: int, **progress) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.last < self.every:
            return
        self.phase, self.last = phase, now
        fields = {"phase": phase[:60], "done": done, "total": total}
        if progress:
            fields["progress"] = progress
        StyleJob.objects.filter(pk=self.pk).update(**fields)


def _content(job: StyleJob) -> Content:
    from dunhuang_search.catalogue.models import Mural
    from dunhuang_search.elements.models import Element

    r = job.request
    if "element" in r:
        return Content.element(Element.objects.select_related("mural").get(pk=r["element"]))
    if "region" in r:
        pk, x, y, w, h = r["region"]
        return Content.region(Mural.objects.get(pk=pk), x, y, w, h)
    return Content.upload(input_file(job), name=r["upload_name"])


def finish(pk: int, error: str = "", **fields) -> None:
    if error:
        fields.update(state=StyleJob.State.FAILED, error=" ".join(error.split())[:2000])
    else:
        fields.update(state=StyleJob.State.DONE, phase="done")
    StyleJob.objects.filter(pk=pk).update(finished_at=timezone.now(), **fields)


def run_stylize(pk: int) -> None:
    """Run a queued stylize job to done or failed (never leaves it running unless the process
    dies)."""
    try:
        job = StyleJob.objects.select_related("style_set", "author").get(pk=pk)
        StyleJob.objects.filter(pk=pk).update(
            state=StyleJob.State.RUNNING, worker=this_worker(), phase="reading"
        )
        report = Reporter(pk)
        try:
            with transaction.atomic():
                row = stylize_to_derivative(
                    job.style_set,
                    _content(job),
                    job.method,
                    author=job.author,
                    seed=job.request.get("seed", 0),
                    strength=job.request["strength"],
                    progress=lambda phase, f: report(phase, round(f * 100), 100),
                )
        except Exception as exc:  # any failure is the job's, said in one line
            finish(pk, str(exc) or type(exc).__name__)
        else:
            finish(pk, derivative=row, done=100)
        finally:
            if "suffix" in job.request:
                input_file(job).unlink(missing_ok=True)
    finally:
        if RUN_IN_BACKGROUND:
            connection.close()  # this thread's own connection


def start_training(style_set: StyleSet, total: int, request: dict) -> StyleJob:
    """The row a train_style run reports on (running, by this process)."""
    return StyleJob.objects.create(
        kind=StyleJob.Kind.TRAIN,
        style_set=style_set,
        method="unpaired",
        request=request,
        state=StyleJob.State.RUNNING,
        worker=this_worker(),
        phase="starting",
        total=total,
    )


def settle(job: StyleJob | None) -> StyleJob | None:
    """A job whose worker process died is marked failed, so polling stops."""
    error = "the process running the job stopped before it finished"
    if job is not None and fail_if_orphaned(job, ACTIVE, error):
        if job.kind == StyleJob.Kind.STYLIZE and "suffix" in job.request:
            input_file(job).unlink(missing_ok=True)
    return job
