"""The deep-zoom mural viewer and its elements.json: a mural's elements as boxes to overlay.

The pixels come from the IIIF endpoints; the boxes (ViewerElementSerializer) from elements.json,
`limit` at a time. `?box=` and `?element=` deep links focus a region or an element.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, STAFF, has_role
from dunhuang_search.catalogue.models import Mural

from .forms import ElementsPageForm, ViewerLinkForm, clip_box
from .models import Element
from .serializers import ELEMENT_COLUMNS, UNCATEGORISED_COLOR, ViewerElementSerializer


def legend(mural: Mural) -> list[dict[str, object]]:
    """The mural's categories with their colours and element counts, by name."""
    rows = (
        Element.objects.shown()
        .filter(mural=mural)
        .values("category__slug", "category__name", "category__name_zh", "category__color")
        .annotate(count=Count("id"))
        .order_by("category__name")
    )
    return [
        {
            "slug": row["category__slug"] or "uncategorised",
            "name": row["category__name"] or "Uncategorised",
            "name_zh": row["category__name_zh"] or "",
            "color": row["category__color"] or UNCATEGORISED_COLOR,
            "count": row["count"],
        }
        for row in rows
    ]


def focus_of(mural: Mural, params) -> tuple[dict[str, object] | None, list[str]]:
    """The region or element a deep link asks to focus, and notices for what cannot be."""
    links = ViewerLinkForm(params)
    links.is_valid()
    if box_text := params.get("box", "").strip():
        box = links.cleaned_data.get("box")
        box = clip_box(box, mural.width, mural.height) if box else None
        if box is None:
            return None, [
                f"The box “{box_text}” is not x,y,w,h inside this mural "
                f"({mural.width} × {mural.height} px); showing the whole mural."
            ]
        return {"kind": "box", "box": box}, []
    if element_text := params.get("element", "").strip():
        element_id = links.cleaned_data.get("element")
        shown = Element.objects.shown().only(*ELEMENT_COLUMNS)
        element = shown.filter(mural=mural, pk=element_id).first() if element_id else None
        if element is None:
            notice = f"Element “{element_text}” is not on this mural; showing the whole mural."
            return None, [notice]
        detail = ViewerElementSerializer(element).data
        return {"kind": "element", "element": element.pk, "box": element.bbox, "detail": detail}, []
    return None, []


def staff_url(request: HttpRequest, name: str, role: str = STAFF) -> str:
    """The URL of an action for `role` with `{id}` where the element id goes; "" for those
    without the role."""
    if not has_role(request.user, role):
        return ""
    return reverse(name, args=[0]).replace("/0/", "/{id}/")


@require_safe  # reads: other methods are 405
def mural_viewer(request: HttpRequest, pk: int) -> HttpResponse:
    """The deep-zoom viewer with element overlays, box drawing and ?box= / ?element= deep links."""
    mural = Mural.objects.select_related("cave__site", "period").filter(pk=pk).first()
    if mural is None:
        return render(request, "catalogue/mural_missing.html", {"pk": pk}, status=404)
    focus, notices = focus_of(mural, request.GET)
    rows = legend(mural)
    config = {
        "mural": mural.pk,
        "width": mural.width,
        "height": mural.height,
        "infoUrl": reverse("iiif:info", args=[mural.pk]),
        "elementsUrl": reverse("catalogue:mural_elements", args=[mural.pk]),
        "viewerUrl": reverse("catalogue:mural", args=[mural.pk]),
        "ocrCorrectUrl": staff_url(request, "elements:correct_ocr", ARCHAEOLOGIST),
        "adminElementUrl": staff_url(request, "admin:elements_element_change"),
        "focus": focus,
    }
    context = {
        "mural": mural,
        "legend": rows,
        "element_total": sum(row["count"] for row in rows),
        "notices": notices,
        "viewer_config": config,
        "info_url": config["infoUrl"],
        "manifest_url": reverse("iiif:manifest", args=[mural.pk]),
    }
    return render(request, "catalogue/mural_viewer.html", context)


@require_safe
def mural_elements_json(request: HttpRequest, pk: int) -> JsonResponse:
    """A mural's elements as boxes in mural pixels, `limit` at a time (`offset`, `next`).

    Optional `category=<slug>` narrows the list; `total` counts all matching elements.
    """
    mural = get_object_or_404(Mural, pk=pk)
    page = ElementsPageForm(request.GET)
    page.is_valid()  # every value is valid: bad ones fall back to the defaults
    limit, offset = page.cleaned_data["limit"], page.cleaned_data["offset"]
    category = page.cleaned_data["category"].strip()
    elements = Element.objects.shown().filter(mural=mural)
    if category == "uncategorised":
        elements = elements.filter(category__isnull=True)
    elif category:
        elements = elements.filter(category__slug=category)
    total = elements.count()
    rows = elements.order_by("id").only(*ELEMENT_COLUMNS)[offset : offset + limit]
    items = ViewerElementSerializer(rows, many=True).data
    next_url = None
    if offset + len(items) < total:
        query = {"offset": offset + len(items), "limit": limit}
        if category:
            query["category"] = category
        next_url = f"{request.path}?{urlencode(query)}"
    body = {
        "mural": mural.pk,
        "width": mural.width,
        "height": mural.height,
        "total": total,
        "offset": offset,
        "limit": limit,
        "next": next_url,
        "elements": items,
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
