"""Index jobs from the mural viewer: a status partial that htmx polls while a job runs, and a
staff button that queues a job and runs `manage.py index --mural ID` in a detached process.

The command's run adopts the queued row (elements.indexing._job_for), so one job is shown.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dunhuang_search.elements.models import IndexJob

from .models import Mural

FINISHED_EVENT = "mural:indexfinished"  # fired (HX-Trigger) when a polled job has ended
ACTIVE_STATES = (IndexJob.State.QUEUED, IndexJob.State.RUNNING)


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


def settle_orphan(job: IndexJob) -> IndexJob:
    """Mark an active job whose process has died (kill -9, crash) failed, so that polling
    stops and the mural can be indexed again. The next run resumes its checkpoints."""
    if job.state in ACTIVE_STATES and worker_alive(job.worker) is False:
        _, _, pid = job.worker.rpartition(":")
        IndexJob.objects.filter(pk=job.pk, state__in=ACTIVE_STATES, worker=job.worker).update(
            state=IndexJob.State.FAILED,
            error=f"the indexing process (pid {pid}) stopped before it finished; index the "
            f"mural again to resume",
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
    return job


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


def render_status(request: HttpRequest, mural: Mural, job: IndexJob | None) -> HttpResponse:
    log = job_log_path(mural.pk, job.pk) if job else None
    context = {"mural": mural, "job": job, "log_path": log if log and log.exists() else None}
    return render(request, "catalogue/_index_status.html", context)


@require_GET
def index_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The mural's latest job; the partial polls itself every 2 s only while the job is active.

    A poll that finds the job ended fires FINISHED_EVENT, on which the viewer reloads boxes.
    """
    mural = get_object_or_404(Mural, pk=pk)
    job = latest_job(mural)
    if job is not None:
        job = settle_orphan(job)
    response = render_status(request, mural, job)
    if request.htmx and job is not None and job.state not in ACTIVE_STATES:
        detail = {"mural": mural.pk, "job": job.pk, "state": job.state}
        response["HX-Trigger"] = json.dumps({FINISHED_EVENT: detail})
    return response


@require_POST
def index_mural(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff only: queue a job and start the index command; 409 while one is active."""
    if not request.user.is_staff:
        return JsonResponse({"error": "only staff can index murals"}, status=403)
    mural = Mural.objects.filter(pk=pk).first()
    if mural is None:
        return JsonResponse({"error": f"no mural with id {pk}"}, status=404)
    dense = request.POST.get("dense", "") in ("1", "on", "true")
    with transaction.atomic():
        Mural.objects.select_for_update().get(pk=mural.pk)
        for active in mural.index_jobs.filter(state__in=ACTIVE_STATES):
            if settle_orphan(active).state in ACTIVE_STATES:
                return JsonResponse(
                    {
                        "error": f"mural {mural.pk} is already being indexed "
                        f"(job {active.pk} is {active.state})",
                        "job": active.pk,
                    },
                    status=409,
                )
        job = IndexJob.objects.create(mural=mural, state=IndexJob.State.QUEUED, dense=dense)
    try:
        process = spawn_index(mural.pk, job.pk, dense)
    except OSError as exc:
        IndexJob.objects.filter(pk=job.pk, state=IndexJob.State.QUEUED).update(
            state=IndexJob.State.FAILED,
            error=f"could not start the indexing process: {exc}",
            finished_at=timezone.now(),
        )
    else:  # the command records the same host:pid when it adopts the job
        IndexJob.objects.filter(pk=job.pk, worker="").update(
            worker=f"{socket.gethostname()}:{process.pid}"
        )
    if not request.htmx:
        return redirect("catalogue:mural", pk=mural.pk)
    return render_status(request, mural, latest_job(mural))
