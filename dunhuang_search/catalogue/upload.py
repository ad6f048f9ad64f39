"""Staff upload of a mural image: GET shows the form, POST ingests it and answers in kind.

- The form page (htmx): `HX-Redirect` to the new mural's viewer, or a 4xx HTML fragment for the
  form's status line.
- A browser without JavaScript (Accept prefers text/html): 303 to the viewer, or the form page
  again with the message.
- Any other client (scripts, `Accept: application/json` or `*/*`): 201 with the mural as JSON, or
  `{"error": ...}`.

Refusals are 400 (bad metadata, corrupt, duplicate), 413 (too large) or 415 (not an image), and
leave nothing written.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from dunhuang_search.accounts.roles import STAFF, role_required

from .forms import MuralUploadForm
from .ingest import IngestError, ingest_mural
from .models import Mural

STATUS_BY_KIND = {"too_large": 413, "not_image": 415, "unsupported": 415}


class UploadRefused(Exception):
    """An upload that was not added: the message for the user, the HTTP status, JSON extras."""

    def __init__(self, message: str, status: int, **extra: object) -> None:
        super().__init__(message)
        self.message, self.status, self.extra = message, status, extra


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[:120].strip("._")
    return stem or "upload"


def _wants_html(request: HttpRequest) -> bool:
    """A browser posting the form itself; clients that accept anything (`*/*`) get JSON."""
    return request.get_preferred_type(["application/json", "text/html"]) == "text/html"


def _oversized(request: HttpRequest) -> UploadRefused | None:
    """An oversized body is refused from its header, before Django reads any of it."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length <= settings.MAX_UPLOAD_BYTES:
        return None
    limit = settings.MAX_UPLOAD_BYTES
    return UploadRefused(f"upload of {length:,} bytes is over the limit of {limit:,}", 413)


def _ingest_upload(form: MuralUploadForm) -> Mural:
    """Store the uploaded file and ingest it; on any failure the stored file is removed."""
    if not form.is_valid():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        name, messages = next(iter(fields.items()))
        raise UploadRefused(f"{name}: {messages[0]}", 400, fields=fields)
    upload = form.cleaned_data["image"]
    upload_dir = Path(settings.UPLOAD_DIR)
    upload_dir.mkdir(parents=True, exist_ok=True)
    stored = upload_dir / f"{uuid.uuid4().hex}-{_safe_name(upload.name)}"
    with stored.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        return ingest_mural(
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
        raise UploadRefused(message, STATUS_BY_KIND.get(exc.kind, 400), kind=exc.kind) from exc
    except BaseException:
        stored.unlink(missing_ok=True)
        raise


def _form_page(
    request: HttpRequest, form: MuralUploadForm, error: str = "", status: int = 200
) -> HttpResponse:
    limit = settings.MAX_UPLOAD_BYTES
    context = {"form": form, "max_bytes": limit, "error": error, "status": status}
    return render(request, "catalogue/upload_form.html", context, status=status)


def _refused(request: HttpRequest, refused: UploadRefused, form: MuralUploadForm) -> HttpResponse:
    if request.htmx:
        context = {"error": refused.message, "status": refused.status}
        return render(request, "catalogue/_upload_status.html", context, status=refused.status)
    if _wants_html(request):
        return _form_page(request, form, refused.message, refused.status)
    body = {"error": refused.message, "status": refused.status, **refused.extra}
    return JsonResponse(body, status=refused.status)


def _added(request: HttpRequest, mural: Mural) -> HttpResponse:
    url = reverse("catalogue:mural", args=[mural.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    if _wants_html(request):
        response = HttpResponseRedirect(url)
        response.status_code = 303  # See Other: the browser GETs the viewer
        return response
    body = {"id": mural.pk, "url": url, "width": mural.width, "height": mural.height}
    return JsonResponse(body, status=201)


@role_required(STAFF)
def upload_mural(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, MuralUploadForm())
    too_large = _oversized(request)
    if too_large:  # the body is never parsed, so the form stays unbound
        return _refused(request, too_large, MuralUploadForm())
    form = MuralUploadForm(request.POST, request.FILES)
    try:
        mural = _ingest_upload(form)
    except UploadRefused as refused:
        return _refused(request, refused, form)
    return _added(request, mural)
