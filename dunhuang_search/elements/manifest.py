"""IIIF Presentation API 3.0: a mural's Manifest, one Canvas painted with the mural's image
service, its elements as W3C Web Annotations (tagging), so Mirador or any IIIF viewer opens our
murals and boxes. Rejected elements are left out.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from dunhuang_search.catalogue.iiif import (
    THUMBNAIL_BOX,
    get_mural,
    iiif_endpoint,
    image_url,
    limits,
    service_id,
)
from dunhuang_search.catalogue.iiif_params import PROFILE_LEVEL, max_size, parse_size, resolve_size
from dunhuang_search.catalogue.models import Mural

from .models import Element

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
JSON_LD_PRESENTATION = f'application/ld+json;profile="{PRESENTATION_CONTEXT}"'
WALLS_ZH = {"south": "南壁", "north": "北壁", "east": "东壁", "west": "西壁", "ceiling": "窟顶"}


def _language_map(en: str, zh: str = "") -> dict[str, list[str]]:
    return {"en": [en], "zh": [zh]} if zh else {"en": [en]}


def _metadata(mural: Mural) -> list[dict]:
    site, period = mural.cave.site, mural.period
    if period is None:
        period_en, period_zh = "undated", "年代未定"
    else:
        years = f"{period.start_year}–{period.end_year}"
        period_en = f"{period.name} ({years} CE)"
        period_zh = f"{period.name_zh}（{years}年）" if period.name_zh else ""
    pairs = [
        (("Site", "遗址"), (site.name, site.name_zh)),
        (("Cave", "洞窟"), (str(mural.cave.number), "")),
        (("Wall", "位置"), (mural.wall, WALLS_ZH.get(mural.wall.lower(), ""))),
        (("Period", "时代"), (period_en, period_zh)),
        (("Dimensions", "尺寸"), (f"{mural.width} × {mural.height} px", "")),
        (("dpi", ""), (str(mural.dpi) if mural.dpi else "unknown", "")),
    ]
    return [
        {"label": _language_map(*label), "value": _language_map(*value)} for label, value in pairs
    ]


def _label_zh(mural: Mural) -> str:
    site = mural.cave.site
    if not site.name_zh:
        return ""
    wall = WALLS_ZH.get(mural.wall.lower(), mural.wall)
    return f"{site.name_zh}第{mural.cave.number}窟{wall}"


def _element_annotations(mural: Mural, canvas_id: str, base: str) -> list[dict]:
    """One tagging annotation per element not rejected in review, its box clipped to the canvas."""
    rows = (
        Element.objects.shown()
        .filter(mural=mural)
        .exclude(review_state=Element.Review.REJECTED)
        .order_by("pk")
        .values_list("pk", "x", "y", "w", "h", "category__name", "category__name_zh")
    )
    annotations = []
    for pk, x, y, w, h, name, name_zh in rows:
        x, y = min(x, mural.width), min(y, mural.height)
        w, h = min(w, mural.width - x), min(h, mural.height - y)
        if w <= 0 or h <= 0:
            continue
        name = name or "Unclassified element"
        body = {"type": "TextualBody", "value": name, "language": "en", "format": "text/plain"}
        annotations.append(
            {
                "id": f"{base}/annotation/element-{pk}",
                "type": "Annotation",
                "motivation": "tagging",
                "label": _language_map(name, name_zh or ""),
                "body": {**body, "purpose": "tagging"},
                "target": f"{canvas_id}#xywh={x},{y},{w},{h}",
            }
        )
    return annotations


def _image_body(
    request: HttpRequest, mural: Mural, region: str, size: str, w: int, h: int
) -> dict:
    return {
        "id": image_url(request, mural.pk, region, size),
        "type": "Image",
        "format": "image/jpeg",
        "width": w,
        "height": h,
        "service": [
            {"id": service_id(request, mural.pk), "type": "ImageService3", "profile": PROFILE_LEVEL}
        ],
    }


def build_manifest(request: HttpRequest, mural: Mural) -> dict:
    """The Presentation 3 Manifest: one Canvas painted with the mural, elements as tags."""
    base = service_id(request, mural.pk)
    canvas_id = f"{base}/canvas/1"
    lim = limits()
    full_w, full_h = max_size(mural.width, mural.height, lim)
    thumb_size = f"!{THUMBNAIL_BOX},{THUMBNAIL_BOX}"
    thumb_w, thumb_h = resolve_size(parse_size(thumb_size), mural.width, mural.height, lim)
    period = mural.period
    when = (
        f"{period.name} mural ({period.start_year}–{period.end_year} CE)"
        if period
        else "Undated mural"
    )
    return {
        "@context": PRESENTATION_CONTEXT,
        "id": request.build_absolute_uri(reverse("iiif:manifest", args=[mural.pk])),
        "type": "Manifest",
        "label": _language_map(str(mural), _label_zh(mural)),
        "summary": _language_map(
            f"{when}, "
            f"{mural.cave.site.name} cave {mural.cave.number}, {mural.wall} wall; "
            f"{mural.width} × {mural.height} px"
        ),
        "metadata": _metadata(mural),
        "thumbnail": [_image_body(request, mural, "full", thumb_size, thumb_w, thumb_h)],
        "homepage": [
            {
                "id": request.build_absolute_uri(reverse("catalogue:mural", args=[mural.pk])),
                "type": "Text",
                "label": _language_map(f"{mural} in Dunhuang Search"),
                "format": "text/html",
            }
        ],
        "items": [
            {
                "id": canvas_id,
                "type": "Canvas",
                "label": _language_map(str(mural)),
                "width": mural.width,
                "height": mural.height,
                "items": [
                    {
                        "id": f"{base}/page/painting",
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "id": f"{base}/annotation/painting",
                                "type": "Annotation",
                                "motivation": "painting",
                                "body": _image_body(request, mural, "full", "max", full_w, full_h),
                                "target": canvas_id,
                            }
                        ],
                    }
                ],
                "annotations": [
                    {
                        "id": f"{base}/page/elements",
                        "type": "AnnotationPage",
                        "items": _element_annotations(mural, canvas_id, base),
                    }
                ],
            }
        ],
    }


@iiif_endpoint
def manifest(request: HttpRequest, pk: int) -> HttpResponse:
    mural = get_mural(pk)
    return JsonResponse(build_manifest(request, mural), content_type=JSON_LD_PRESENTATION)
