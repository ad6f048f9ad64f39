"""Restoration jobs asked for on the web: checked and queued in the request (bad input is a
RestorationError before anything is written), then run in a background thread of the web
process with polled progress, like the index jobs (elements.index_jobs): the job records its
worker (host:pid), and a job whose worker died is failed by the next look at it.

The mask waits under JOBS_DIR/studio/ until the job has run; it is removed either way (the
derivative keeps its own copy). A job that fails leaves no derivative row and no image.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dunhuang_search.elements.index_jobs import fail_if_orphaned, this_worker
from indexer.restoration import RestorationError, read_mask
from indexer.restoration.masks import as_mask

from .derivatives import write_mask
from .models import RestorationJob
from .restoring import (
    RegionRequest,
    check_method,
    check_region,
    resolve_model,
    restore_to_derivative,
)

# Tests on the ordinary (transaction-wrapped) test database run jobs inline instead.
RUN_IN_BACKGROUND = True
ACTIVE = (RestorationJob.State.QUEUED, RestorationJob.State.RUNNING)


def mask_file(job: RestorationJob) -> Path:
    return Path(settings.JOBS_DIR) / "studio" / f"job-{job.pk}-mask.png"


def queue_job(request: RegionRequest) -> RestorationJob:
    """Check the request, store its mask and queue a job; RestorationError if it cannot run."""
    check_method(request.method)
    x, y, w, h = check_region(request.mural, request.box)
    lost = as_mask(request.mask, (h, w))
    if not lost.any():
        raise RestorationError("the mask is empty: nothing to restore")
    if request.method in ("pconv", "search-guided"):
        resolve_model(request.model)
    with transaction.atomic():
        job = RestorationJob.objects.create(
            mural=request.mural,
            element=request.element,
            x=x,
            y=y,
            w=w,
            h=h,
            method=request.method,
            model_name=request.model or "",
            mask_origin={
                **request.mask_origin,
                **({"seed": request.seed} if request.seed is not None else {}),
            },
            author=request.author,
        )
        write_mask(lost, mask_file(job))
    return job


def start_job(request: RegionRequest) -> RestorationJob:
    job = queue_job(request)
    if RUN_IN_BACKGROUND:
        transaction.on_commit(
            lambda: threading.Thread(
                target=run_job, args=(job.pk,), name=f"restore-{job.pk}", daemon=True
            ).start()
        )
    else:
        run_job(job.pk)
        job.refresh_from_db()
    return job


class _Progress:
    """Writes the job's phase and percent, at most every 0.3 s unless the phase changes."""

    def __init__(self, pk: int):
        self.pk, self.last, self.phase = pk, 0.0, ""

    def __call__(self, phase: str, fraction: float) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.last < 0.3:
            return
        self.phase, self.last = phase, now
        RestorationJob.objects.filter(pk=self.pk).update(
            phase=phase, percent=int(max(0, min(99, round(fraction * 100))))
        )


def run_job(pk: int) -> None:
    """Run a queued job to done or failed (never leaves it running unless the process dies)."""
    try:
        job = RestorationJob.objects.select_related("mural", "element", "author").get(pk=pk)
        RestorationJob.objects.filter(pk=pk).update(
            state=RestorationJob.State.RUNNING, worker=this_worker(), phase="starting"
        )
        path = mask_file(job)
        try:
            mask = read_mask(path, (job.h, job.w))
            row = restore_to_derivative(
                RegionRequest(
                    mural=job.mural,
                    box=tuple(job.bbox),
                    mask=mask,
                    method=job.method,
                    element=job.element,
                    model=job.model_name or None,
                    author=job.author,
                    seed=job.mask_origin.get("seed"),
                    mask_origin=job.mask_origin,
                ),
                progress=_Progress(pk),
            )
        except Exception as exc:  # any failure is the job's, said in one line
            message = " ".join(str(exc).split()) or type(exc).__name__
            RestorationJob.objects.filter(pk=pk).update(
                state=RestorationJob.State.FAILED,
                error=message[:2000],
                finished_at=timezone.now(),
            )
        else:
            RestorationJob.objects.filter(pk=pk).update(
                state=RestorationJob.State.DONE,
                derivative=row,
                percent=100,
                phase="done",
                finished_at=timezone.now(),
            )
        finally:
            path.unlink(missing_ok=True)
    finally:
        if RUN_IN_BACKGROUND:
            connection.close()  # this thread's own connection


def settle(job: RestorationJob) -> RestorationJob:
    """A job whose worker process died is marked failed, so polling stops."""
    error = "the process running the restoration stopped before it finished"
    if fail_if_orphaned(job, ACTIVE, error):
        mask_file(job).unlink(missing_ok=True)
    return job
