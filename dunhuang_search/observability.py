"""What an operator watches: one JSON line per request, and `/healthz`.

Request lines go to the `dunhuang_search.requests` logger (settings.LOGGING prints each as it
is): `{"event": "request", "method", "path", "status", "ms", "user", "time"}`, at ERROR for a 5xx
and INFO otherwise. The query string is left out (it may carry a search's words or a
token); `user` is the username, or null for an anonymous visitor.

`/healthz` answers 200 when the database answers, the FAISS file is readable and the active
detector's weights are present, else 503; the body names every check and what failed. Which
detector is active is the training registry's answer, found through the dotted path in
settings.HEALTH_ACTIVE_DETECTOR (this module, like every project module, imports no app).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from indexer.vectors import VectorIndex

request_log = logging.getLogger("dunhuang_search.requests")

#: every FAISS index file starts with its type's four-character code, all of which begin "I"
#: (the project's IndexIDMap2 over a flat index is "IxM2")
FAISS_MAGIC = (b"I",)


def request_record(request: HttpRequest, status: int, started: float) -> dict:
    user = getattr(request, "user", None)
    record = {
        "event": "request",
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": request.method,
        "path": request.path,
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "user": user.get_username() if user is not None and user.is_authenticated else None,
    }
    return record


class RequestLogMiddleware:
    """Times each request and logs it as one JSON line once the response is ready."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.REQUEST_LOG:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)  # a view's exception arrives here as a 500
        record = request_record(request, response.status_code, started)
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        request_log.log(level, json.dumps(record, ensure_ascii=False))
        return response


# /healthz --------------------------------------------------------------------------------------


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return {"ok": False, "error": f"the database does not answer: {first}"}
    return {"ok": True}


def readable_file(path: Path, what: str, magic: tuple[bytes, ...] = ()) -> dict:
    """ok when `path` is a non-empty file that can be read (and starts with `magic`)."""
    result: dict = {"path": str(path)}
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except FileNotFoundError:
        return {**result, "ok": False, "error": f"{what} {path} is missing"}
    except OSError as exc:
        return {**result, "ok": False, "error": f"{what} {path} cannot be read: {exc.strerror}"}
    if not head:
        return {**result, "ok": False, "error": f"{what} {path} is empty"}
    if magic and not head.startswith(magic):
        return {**result, "ok": False, "error": f"{what} {path} is not a FAISS index"}
    return {**result, "ok": True}


def check_vector_index() -> dict:
    """The FAISS file and its sidecar: present, readable, a FAISS index, and at least as long
    as the vectors the sidecar counts (a truncated copy is caught without loading it)."""
    path = Path(settings.VECTOR_INDEX_PATH)
    result = readable_file(path, "the FAISS file", FAISS_MAGIC)
    if result["ok"]:
        result.update(sidecar_facts(path))
    if not result["ok"]:
        result["error"] += "; run `python manage.py rebuild_index`"
    return result


def sidecar_facts(path: Path) -> dict:
    sidecar = VectorIndex.sidecar(path)
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        embedder, dim, count = meta["embedder"], int(meta["dim"]), int(meta["count"])
    except FileNotFoundError:
        return {"ok": False, "error": f"its sidecar {sidecar} is missing"}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"ok": False, "error": f"its sidecar {sidecar} cannot be read ({exc})"}
    facts = {"embedder": embedder, "dim": dim, "count": count}
    least = count * (dim * 4 + 8)  # a float32 vector and an int64 id each
    if path.stat().st_size < least:
        return {**facts, "ok": False, "error": f"the FAISS file {path} is truncated"}
    return facts


def check_active_detector() -> dict:
    try:
        choice = import_string(settings.HEALTH_ACTIVE_DETECTOR)()
    except DatabaseError:
        return {"ok": False, "error": "the active detector cannot be read from the database"}
    result = readable_file(Path(choice.weights), f"the weights of detector {choice.name!r}")
    return {"name": choice.name, **result}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok", "checks": {...}} when every check passes, else 503 with
    "failed": [names] and each failed check's `error`."""
    checks = {"database": check_database()}
    checks["vector_index"] = check_vector_index()
    if checks["database"]["ok"]:
        checks["detector"] = check_active_detector()
    else:
        checks["detector"] = {"ok": False, "error": "not checked: the database does not answer"}
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "failed" if failed else "ok", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)
