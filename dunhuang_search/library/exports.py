"""Exports of any library view (its filter, sort and selection): a CSV of its elements, and a IIIF
Presentation 3 Manifest with one labelled canvas per crop, painted from the mural's image
service, so Mirador opens the selection (the labels and image bodies of elements/manifest.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import HttpRequest
from django.urls import reverse

from dunhuang_search.catalogue.iiif import image_url
from dunhuang_search.elements.manifest import PRESENTATION_CONTEXT, _image_body, _language_map
from dunhuang_search.elements.models import Element

from .filters import LibraryFilter

CSV_COLUMNS = [
    "element_id",
    "mural_id",
    "site",
    "cave",
    "wall",
    "period",
    "x",
    "y",
    "w",
    "h",
    "category",
    "score",
    "review_state",
    "iiif_region_url",
]
MANIFEST_MAX = 2000
THUMB = 200


def region(element: Element) -> str:
    return ",".join(str(v) for v in element.bbox)


def csv_rows(request: HttpRequest, elements: Iterable[Element]) -> Iterator[list]:
    yield CSV_COLUMNS
    for e in elements:
        mural = e.mural
        yield [
            e.pk,
            mural.pk,
            mural.cave.site.slug,
            mural.cave.number,
            mural.wall,
            mural.period.slug,
            *e.bbox,
            e.category.slug if e.category else "",
            "" if e.score is None else f"{e.score:.4f}",
            e.review_state,
            image_url(request, mural.pk, region(e), "max"),
        ]


def elements_csv(request: HttpRequest, elements: Iterable[Element]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(request, elements))
    return out.getvalue()


def _thumbnail(request: HttpRequest, e: Element) -> dict:
    scale = min(1.0, THUMB / max(e.w, e.h))
    w, h = max(1, round(e.w * scale)), max(1, round(e.h * scale))
    body = _image_body(request, e.mural, region(e), f"{w},{h}", w, h)
    return body


def _metadata(e: Element) -> list[dict]:
    period, mural = e.mural.period, e.mural
    years = f"{period.name} ({period.start_year}–{period.end_year} CE)"
    return [
        {"label": _language_map("Period", "时代"), "value": _language_map(years, period.name_zh)},
        {"label": _language_map("Box", "位置"), "value": _language_map(f"{mural} at {region(e)}")},
        {"label": _language_map("Review", "审核"), "value": _language_map(e.review_state)},
    ]


def _canvas(request: HttpRequest, base: str, e: Element) -> dict:
    mural, cat = e.mural, e.category
    name = cat.name if cat else "Element"
    label_en = f"{name} {e.pk}: {mural.cave.site.name} cave {mural.cave.number}, {mural.wall} wall"
    label_zh = f"{cat.name_zh} {e.pk}" if cat and cat.name_zh else ""
    canvas_id = f"{base}/canvas/{e.pk}"
    painting = {
        "id": f"{canvas_id}/painting",
        "type": "Annotation",
        "motivation": "painting",
        "body": _image_body(request, mural, region(e), "max", e.w, e.h),
        "target": canvas_id,
    }
    return {
        "id": canvas_id,
        "type": "Canvas",
        "label": _language_map(label_en, label_zh),
        "width": e.w,
        "height": e.h,
        "metadata": _metadata(e),
        "thumbnail": [_thumbnail(request, e)],
        "items": [{"id": f"{canvas_id}/page", "type": "AnnotationPage", "items": [painting]}],
    }


def selection_manifest(
    request: HttpRequest, flt: LibraryFilter, elements: list[Element], query: str
) -> dict:
    """A Presentation 3 Manifest: one canvas per element crop, in the view's order."""
    path = reverse("library:api-manifest", args=[flt.category.slug])
    manifest_id = request.build_absolute_uri(f"{path}?{query}" if query else path)
    base = request.build_absolute_uri(path).rstrip("/")
    cat = flt.category
    return {
        "@context": PRESENTATION_CONTEXT,
        "id": manifest_id,
        "type": "Manifest",
        "label": _language_map(f"{cat.name} library: {len(elements)} elements", cat.name_zh),
        "summary": _language_map(f"Filters: {query or 'none'}"),
        "items": [_canvas(request, base, e) for e in elements],
    }
