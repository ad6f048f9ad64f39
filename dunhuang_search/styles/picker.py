"""The "Add to style set" control that search results, the viewer and the library gallery
include (templates/styles/_add_button.html): GET answers the set picker for a target (an
element, a selection of elements, or a mural region), POST adds the target to the chosen set
or to a new one. Archaeologists only; bad input answers 400 and writes nothing."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_required
from indexer.style import StyleError

from .adding import add_to_set, parse_target
from .models import StyleSet

FIELDS = ("element", "elements", "mural", "box")


@role_required(ARCHAEOLOGIST)
@require_http_methods(["GET", "POST"])
def add_to_style_set(request):
    data = request.POST if request.method == "POST" else request.GET
    try:
        target = parse_target(data)
        if request.method == "GET":
            return render(
                request,
                "styles/_add_picker.html",
                {
                    "style_sets": StyleSet.objects.order_by("-updated_at", "name"),
                    "fields": {k: data.get(k, "") for k in FIELDS},
                    "target": target.describe(),
                },
            )
        result = add_to_set(target, data.get("style_set", ""), data.get("name", ""), request.user)
    except StyleError as exc:
        return render(request, "styles/_add_result.html", {"error": str(exc)}, status=400)
    return render(request, "styles/_add_result.html", {"result": result})
