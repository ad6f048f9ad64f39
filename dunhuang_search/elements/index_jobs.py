"""Index jobs: the row a run adopts or creates, the worker that runs it, and the detached
`manage.py index --mural ID` process the web starts.

A job records its worker (`host:pid`); a job whose worker died is failed by the next look at it,
so no job stays "running" forever.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dunhuang_search.catalogue.models import Mural

from .models import IndexJob

ACTIVE_STATES = (IndexJob.State.QUEUED, IndexJob.State.RUNNING)


class AlreadyIndexing(Exception):
    """A job of the mural is queued or running (`job`), so another is not started."""

    def __init__(self, job: IndexJob):
        super().__init__(
            f"mural {job.mural_id} is already being indexed (job {job.pk} is {job.state})"
        )
        self.job = job


def this_worker() -> str:
    """host:pid of this process, recorded on the jobs it runs (the web checks it is alive)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def adopt_job(mural: Mural, fingerprint: dict, **fields) -> IndexJob:
    """The unfinished job of the same configuration to resume, else the job queued for the
    mural (by the web's "Index" button), else a new one; marked running by this worker.

    Other queued jobs of the mural are requests this run fulfils: they are deleted, so no
    orphan stays queued.
    """
    with transaction.atomic():
        Mural.objects.select_for_update().get(pk=mural.pk)
        job = (
            IndexJob.objects.filter(mural=mural, fingerprint=fingerprint)
            .exclude(state=IndexJob.State.DONE)
            .order_by("-created_at")
            .first()
        )
        queued = IndexJob.objects.filter(mural=mural, state=IndexJob.State.QUEUED)
        if job is None:
            job = queued.order_by("-created_at").first() or IndexJob(mural=mural)
        queued.exclude(pk=job.pk).delete()
        job.fingerprint = fingerprint
        for name, value in fields.items():
            setattr(job, name, value)
        job.state, job.error, job.started_at = IndexJob.State.RUNNING, "", timezone.now()
        job.worker = this_worker()
        job.save()
    return job


def fail_queued(murals: Iterable[Mural], error: str) -> None:
    """A run refused before any work marks the jobs queued for it failed, with the reason."""
    IndexJob.objects.filter(mural__in=list(murals), state=IndexJob.State.QUEUED).update(
        state=IndexJob.State.FAILED, error=error, finished_at=timezone.now()
    )


def latest_job(mural: Mural) -> IndexJob | None:
    return mural.index_jobs.order_by("-created_at", "-pk").first()


def job_log_path(mural_id: int, job_id: int) -> Path:
    return Path(settings.JOBS_DIR) / "logs" / f"mural-{mural_id}-job-{job_id}.log"


def index_command(mural_id: int, dense: bool = False) -> list[str]:
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "index"]
    return [*command, "--mural", str(mural_id), *(["--dense"] if dense else [])]


def worker_alive(worker: str) -> bool | None:
    """Whether the process `host:pid` still runs; None where that cannot be told from here
    (another host, or no worker recorded yet). An exited child not yet reaped counts as gone."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, under another user
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def fail_if_orphaned(job, active_states, error: str) -> bool:
    """Mark an active job row (any model with state, worker, error and finished_at) failed when
    the process recorded as its worker has died (kill -9, crash), so that polling stops; True
    when it did. The index, restoration and style jobs all settle through this."""
    if job.state not in active_states or not job.worker or worker_alive(job.worker) is not False:
        return False
    type(job).objects.filter(pk=job.pk, state__in=active_states, worker=job.worker).update(
        state=type(job).State.FAILED, error=error, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return True


def settle_orphan(job: IndexJob) -> IndexJob:
    """An index job whose process has died is failed, so that the mural can be indexed again.
    The next run resumes its checkpoints."""
    pid = job.worker.rpartition(":")[2]
    fail_if_orphaned(
        job,
        ACTIVE_STATES,
        f"the indexing process (pid {pid}) stopped before it finished; index the mural again "
        f"to resume",
    )
    return job


def active_job(mural: Mural) -> IndexJob | None:
    """A job of the mural that is queued or running with a live worker (orphans are settled)."""
    for job in mural.index_jobs.filter(state__in=ACTIVE_STATES):
        if settle_orphan(job).state in ACTIVE_STATES:
            return job
    return None


def spawn_index(mural_id: int, job_id: int, dense: bool) -> subprocess.Popen:
    """Start `manage.py index --mural ID` in its own session (it outlives this request), its
    output going to a log under JOBS_DIR/logs; a thread reaps it when it exits."""
    log = job_log_path(mural_id, job_id)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            index_command(mural_id, dense),
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    threading.Thread(target=process.wait, name=f"reap-index-{process.pid}", daemon=True).start()
    return process


def start_job(mural: Mural, dense: bool) -> IndexJob:
    """Queue a job for the mural and spawn its command; AlreadyIndexing while one is active.

    The command records the same host:pid when it adopts the job; a spawn that fails marks the
    job failed with the reason.
    """
    with transaction.atomic():
        Mural.objects.select_for_update().get(pk=mural.pk)
        if (active := active_job(mural)) is not None:
            raise AlreadyIndexing(active)
        job = IndexJob.objects.create(mural=mural, state=IndexJob.State.QUEUED, dense=dense)
    try:
        process = spawn_index(mural.pk, job.pk, dense)
    except OSError as exc:
        IndexJob.objects.filter(pk=job.pk, state=IndexJob.State.QUEUED).update(
            state=IndexJob.State.FAILED,
            error=f"could not start the indexing process: {exc}",
            finished_at=timezone.now(),
        )
    else:
        IndexJob.objects.filter(pk=job.pk, worker="").update(
            worker=f"{socket.gethostname()}:{process.pid}"
        )
    return job
