"""A reviewer's correction of an element's inscription text (archaeologists, JSON)."""

from __future__ import annotations

import json

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_required

from .inscriptions import CorrectionError, correct_inscription
from .serializers import ViewerElementSerializer


@require_POST
@role_required(ARCHAEOLOGIST)
def correct_ocr_text(request: HttpRequest, pk: int) -> JsonResponse:
    """POST {"text": "..."} (JSON, or a form field) -> the element as elements.json lists it.

    Archaeologists and staff only (anonymous: 302 to login, others 403); 404 for an unknown
    element, 400 for a missing or bad text.
    """
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return JsonResponse({"error": "the body is not valid JSON"}, status=400)
        if not isinstance(body, dict) or "text" not in body:
            return JsonResponse({"error": 'send {"text": "..."}'}, status=400)
        text = body["text"]
    elif "text" in request.POST:
        text = request.POST["text"]
    else:
        return JsonResponse({"error": "the text field is missing"}, status=400)
    try:
        element = correct_inscription(pk, text, request.user)
    except ObjectDoesNotExist:
        return JsonResponse({"error": f"no element with id {pk}"}, status=404)
    except CorrectionError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    body = ViewerElementSerializer(element).data
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
