"""Staff upload of a mural image: GET shows the form, POST ingests and answers JSON.

Errors are JSON: 400 (bad metadata, corrupt, duplicate), 413 (too large), 415 (not an image).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from .forms import MuralUploadForm
from .ingest import IngestError, ingest_mural

STATUS_BY_KIND = {"too_large": 413, "not_image": 415, "unsupported": 415}


def _error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, "status": status, **extra}, status=status)


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[:120].strip("._")
    return stem or "upload"


@staff_member_required
def upload_mural(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(
            request,
            "catalogue/upload_form.html",
            {"form": MuralUploadForm(), "max_bytes": settings.MAX_UPLOAD_BYTES},
        )
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.MAX_UPLOAD_BYTES:
        return _error(
            f"upload of {length:,} bytes is over the limit of {settings.MAX_UPLOAD_BYTES:,}", 413
        )
    form = MuralUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        first = next(iter(fields.items()))
        return _error(f"{first[0]}: {first[1][0]}", 400, fields=fields)

    upload = form.cleaned_data["image"]
    upload_dir = Path(settings.UPLOAD_DIR)
    upload_dir.mkdir(parents=True, exist_ok=True)
    stored = upload_dir / f"{uuid.uuid4().hex}-{_safe_name(upload.name)}"
    with stored.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        mural = ingest_mural(
            stored,
            site=form.cleaned_data["site"].slug,
            cave=form.cleaned_data["cave"],
            wall=form.cleaned_data["wall"],
            period=form.cleaned_data["period"].slug,
            title=form.cleaned_data["title"],
            dpi=form.cleaned_data["dpi"],
        )
    except IngestError as exc:
        stored.unlink(missing_ok=True)
        message = str(exc).replace(stored.name, upload.name)
        return _error(message, STATUS_BY_KIND.get(exc.kind, 400), kind=exc.kind)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    url = reverse("catalogue:mural", args=[mural.pk])
    return JsonResponse(
        {"id": mural.pk, "url": url, "width": mural.width, "height": mural.height}, status=201
    )
