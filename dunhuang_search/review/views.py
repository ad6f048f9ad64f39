"""The review queue page (/review/) and its htmx fragments: the next cards under the filters,
the progress counter, and an element's history. Archaeologists only; the actions themselves go
through the REST endpoints (review/api.py), called by static/js/review/queue.js."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_required
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.elements.serializers import UNCATEGORISED_COLOR

from . import actions
from .queue import (
    DEFAULT_THRESHOLD,
    QueueFilterForm,
    context_region,
    operating_thresholds,
    progress,
    queue,
)

CARDS_PER_PAGE = 12
CROP_SIZE = 360


def parse_skip(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip().isdigit()][:1000]


def card(element: Element, thresholds: dict[str, float]) -> dict:
    """What a card shows: the crop inside a larger IIIF region, with the box drawn on it."""
    region = context_region(element, element.mural)
    scale = min(1.0, CROP_SIZE / max(region[2], region[3]))
    size = [max(1, round(region[2] * scale)), max(1, round(region[3] * scale))]
    box = [round((element.x - region[0]) * scale), round((element.y - region[1]) * scale)]
    box += [max(1, round(element.w * scale)), max(1, round(element.h * scale))]
    region_text = ",".join(str(v) for v in region)
    slug = element.category.slug if element.category_id else ""
    return {
        "element": element,
        "mural": element.mural,
        "image_url": reverse(
            "iiif:image",
            args=[element.mural_id, region_text, f"{size[0]},{size[1]}", "0", "default", "jpg"],
        ),
        "size": size,
        "box": box,
        "region": region_text,
        "bbox": ",".join(str(v) for v in element.bbox),
        "stroke": max(2, round(max(size) / 120)),
        "colour": element.category.color if element.category_id else UNCATEGORISED_COLOR,
        "threshold": thresholds.get(slug, DEFAULT_THRESHOLD),
        "viewer_url": reverse("catalogue:mural", args=[element.mural_id])
        + f"?element={element.pk}",
    }


def filters_query(form: QueueFilterForm) -> str:
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])}
    if data.get("ids"):
        data["ids"] = ",".join(map(str, data["ids"]))
    return urlencode(data)


def cards_context(request: HttpRequest) -> dict:
    form = QueueFilterForm(request.GET)
    if not form.is_valid():
        return {"form": form, "cards": [], "progress": None}
    thresholds = operating_thresholds()
    elements = queue(form, CARDS_PER_PAGE, parse_skip(request.GET.get("skip", "")))
    return {
        "form": form,
        "cards": [card(element, thresholds) for element in elements],
        "progress": progress(form),
        "filters": filters_query(form),
    }


@role_required(ARCHAEOLOGIST)
def queue_page(request: HttpRequest) -> HttpResponse:
    """The queue: filters, the progress counter, and the next cards, reviewed by keys."""
    context = cards_context(request)
    context["categories"] = list(Category.objects.order_by("pk")[:9])
    context["config"] = {
        "reviewUrl": reverse("review:api_review", args=[0]).replace("/0/", "/{id}/"),
        "undoUrl": reverse("review:api_undo", args=[0]).replace("/0/", "/{id}/"),
        "similarUrl": reverse("review:api_similar", args=[0]).replace("/0/", "/{id}/"),
        "muralUrl": reverse("review:api_mural_remaining", args=[0]).replace("/0/", "/{id}/"),
        "batchUrl": reverse("review:api_batch"),
        "cardsUrl": reverse("review:cards"),
    }
    return render(request, "review/queue.html", context)


@role_required(ARCHAEOLOGIST)
def queue_cards(request: HttpRequest) -> HttpResponse:
    """The cards fragment (with its progress counter) for the filters in the query."""
    return render(request, "review/_cards.html", cards_context(request))


@role_required(ARCHAEOLOGIST)
def queue_progress(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    shown = progress(form) if form.is_valid() else None
    return render(request, "review/_progress.html", {"progress": shown})


@role_required(ARCHAEOLOGIST)
def history_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        events = actions.history(pk)
    except actions.ReviewError as exc:
        return render(request, "review/_history.html", {"error": str(exc)}, status=400)
    rows = []
    for event in events:
        before = event.before or {}
        changes = [
            (key, before.get(key), event.after.get(key))
            for key in event.changed()
            if key != "version"
        ]
        rows.append({"event": event, "changes": changes})
    return render(request, "review/_history.html", {"rows": rows})
