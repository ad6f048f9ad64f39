"""Staff recomputes of a category's motif groups from the gallery: a LibraryJob row, and
`manage.py cluster_elements --job ID` spawned in its own session (it outlives the request) that
reports its progress on the row, which the page polls."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dunhuang_search.elements.models import Category

from .models import LibraryJob

ACTIVE = (LibraryJob.State.QUEUED, LibraryJob.State.RUNNING)


class AlreadyRunning(Exception):
    def __init__(self, job: LibraryJob):
        super().__init__(f"groups of {job.category.slug} are already being computed (job {job.pk})")
        self.job = job


def job_log(job: LibraryJob) -> Path:
    return Path(settings.JOBS_DIR) / "logs" / f"library-{job.category.slug}-job-{job.pk}.log"


def cluster_command(job: LibraryJob) -> list[str]:
    return [
        sys.executable,
        str(Path(settings.BASE_DIR) / "manage.py"),
        "cluster_elements",
        "--category",
        job.category.slug,
        "--method",
        job.method,
        "--job",
        str(job.pk),
    ]


def spawn(job: LibraryJob) -> None:
    log = job_log(job)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            cluster_command(job),
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    threading.Thread(target=process.wait, name=f"reap-cluster-{process.pid}", daemon=True).start()


def start_cluster_job(category: Category, method: str) -> LibraryJob:
    """Queue and spawn a recompute; AlreadyRunning while one of the category is active."""
    with transaction.atomic():
        Category.objects.select_for_update().get(pk=category.pk)
        active = LibraryJob.objects.filter(category=category, state__in=ACTIVE).first()
        if active is not None:
            raise AlreadyRunning(active)
        job = LibraryJob.objects.create(category=category, kind="cluster", method=method)
    try:
        spawn(job)
    except OSError as exc:
        LibraryJob.objects.filter(pk=job.pk).update(
            state=LibraryJob.State.FAILED,
            error=f"could not start: {exc}",
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def report(job_id: int | None):
    """A progress callback that writes done/total on the job row (no-op without a job)."""

    def progress(done: int, total: int) -> None:
        if job_id is not None:
            LibraryJob.objects.filter(pk=job_id).update(
                state=LibraryJob.State.RUNNING, done=done, total=total
            )

    return progress


def finish(job_id: int | None, result: dict | None = None, error: str = "") -> None:
    if job_id is None:
        return
    LibraryJob.objects.filter(pk=job_id).update(
        state=LibraryJob.State.FAILED if error else LibraryJob.State.DONE,
        error=error,
        result=result or {},
        finished_at=timezone.now(),
    )
