"""Index jobs from the mural viewer: a status partial that htmx polls while a job runs, and a
staff button that queues a job and runs `manage.py index --mural ID` in a detached process.

The command's run adopts the queued row (index_jobs.adopt_job), so one job is shown.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from dunhuang_search.accounts.roles import STAFF, role_required
from dunhuang_search.catalogue.models import Mural

from .index_jobs import (
    ACTIVE_STATES,
    AlreadyIndexing,
    job_log_path,
    latest_job,
    settle_orphan,
    start_job,
)
from .models import IndexJob

FINISHED_EVENT = "mural:indexfinished"  # fired (HX-Trigger) when a polled job has ended


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
@role_required(STAFF)
def index_mural(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff only: queue a job and start the index command; 409 while one is active."""
    mural = Mural.objects.filter(pk=pk).first()
    if mural is None:
        return JsonResponse({"error": f"no mural with id {pk}"}, status=404)
    dense = request.POST.get("dense", "") in ("1", "on", "true")
    try:
        start_job(mural, dense)
    except AlreadyIndexing as exc:
        return JsonResponse({"error": str(exc), "job": exc.job.pk}, status=409)
    if not request.htmx:
        return redirect("catalogue:mural", pk=mural.pk)
    return render_status(request, mural, latest_job(mural))
