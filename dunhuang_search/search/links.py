"""Links of a search result: its IIIF crop, the viewer zoomed to it, and "more like this"."""

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


def api_search_url() -> str:
    return _url_templates()["api"]
