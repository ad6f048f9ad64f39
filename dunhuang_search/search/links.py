"""Search results as JSON (the CLI contract, the API) and as links: IIIF crops, the viewer,
and "more like this"."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.urls import reverse

from dunhuang_search.elements.models import Element

CROP_BOX = 240


@functools.cache
def _url_templates() -> dict[str, str]:
    """URL patterns reversed once per process (reverse() is slow next to a FAISS query)."""
    return {
        "crop": reverse(
            "iiif:image",
            kwargs={
                "pk": 999999991,
                "region": "REGION",
                "size": "SIZE",
                "rotation": "0",
                "quality": "default",
                "fmt": "jpg",
            },
        ),
        "viewer": reverse("catalogue:mural", args=[999999991]),
        "api": reverse("api-search"),
    }


def crop_url(element: Element, box: int = CROP_BOX) -> str:
    """The element's region through the IIIF Image API, fitted into box x box."""
    return (
        _url_templates()["crop"]
        .replace("999999991", str(element.mural_id))
        .replace("REGION", ",".join(str(v) for v in element.bbox))
        .replace("SIZE", f"^!{box},{box}")
    )


def viewer_url(element: Element) -> str:
    """The mural viewer zoomed to the element and highlighting it (dense windows by box)."""
    base = _url_templates()["viewer"].replace("999999991", str(element.mural_id))
    if element.source == Element.Source.DENSE:
        return f"{base}?box={','.join(str(v) for v in element.bbox)}"
    return f"{base}?element={element.pk}"


def more_like_this_query(element: Element, filters: dict[str, str] | None = None) -> str:
    return urlencode({"element": element.pk, **(filters or {})})


def contract_dict(element: Element, score: float | None) -> dict:
    """One result as `manage.py search --json` prints it (ARCHITECTURE.md)."""
    mural = element.mural
    return {
        "element_id": element.pk,
        "mural_id": element.mural_id,
        "bbox": element.bbox,
        "score": None if score is None else round(float(score), 6),
        "category": element.category.slug if element.category else None,
        "period": mural.period.slug,
        "cave": mural.cave.number,
        "source": element.source,
    }


def api_dict(element: Element, score: float | None, build_uri=None) -> dict:
    """One result in the REST API: the contract fields plus place, names and links."""
    absolute = build_uri or (lambda url: url)
    mural = element.mural
    category = element.category
    return {
        **contract_dict(element, score),
        "site": mural.cave.site.slug,
        "wall": mural.wall,
        "period_name": mural.period.name,
        "period_years": [mural.period.start_year, mural.period.end_year],
        "category_name": category.name if category else None,
        "category_name_zh": category.name_zh if category else None,
        "review_state": element.review_state,
        "ocr_text": element.ocr_text,
        "notes": element.notes,
        "crop": absolute(crop_url(element)),
        "viewer": absolute(viewer_url(element)),
        "more_like_this": absolute(f"{reverse('api-search')}?{more_like_this_query(element)}"),
    }
