"""IIIF for boards: a Presentation 3 Manifest of a board or a snapshot (one Canvas per item,
painted with the item's region through the mural's Image API service; its label, period, cave
and note as annotations), and a IIIF Content State per item that opens the item's region on
its mural's own Manifest (elements/manifest.py).

Both are built from a record (records.board_record, or a snapshot's frozen data), so a
snapshot's Manifest never changes with the board.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from django.http import HttpRequest
from django.urls import reverse

from dunhuang_search.catalogue.iiif import image_url, service_id
from dunhuang_search.catalogue.iiif_params import PROFILE_LEVEL
from dunhuang_search.elements.manifest import PRESENTATION_CONTEXT

from .items import dating_text, place_of

CONTENT_STATE_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
PLAIN = "text/plain"


def _language_map(en: str, zh: str = "") -> dict[str, list[str]]:
    return {"en": [en], "zh": [zh]} if zh else {"en": [en]}


def _text(value: str, purpose: str | None = None) -> dict:
    body = {"type": "TextualBody", "value": value, "language": "en", "format": PLAIN}
    return {**body, "purpose": purpose} if purpose else body


def item_facts(item: dict) -> dict[str, str]:
    """The label, period, cave and note of an item record, as plain strings."""
    return {
        "label": item["caption"],
        "period": dating_text(item["dating"]),
        "cave": place_of(item["frozen"]),
        "note": item["note"],
    }


def _painting(request: HttpRequest, item: dict, canvas_id: str) -> list[dict]:
    """The painting annotation page: the region of the mural (none once the mural is gone)."""
    mural_id = item["mural_id"]
    if item["crop"] is None or mural_id is None:
        return []
    x, y, w, h = item["region"]
    body = {
        "id": image_url(request, mural_id, f"{x},{y},{w},{h}", "max"),
        "type": "Image",
        "format": "image/jpeg",
        "width": w,
        "height": h,
        "service": [
            {"id": service_id(request, mural_id), "type": "ImageService3", "profile": PROFILE_LEVEL}
        ],
    }
    return [{"id": f"{canvas_id}/page/painting", "type": "AnnotationPage", "items": [
        {"id": f"{canvas_id}/annotation/painting", "type": "Annotation",
         "motivation": "painting", "body": body, "target": canvas_id},
    ]}]  # fmt: skip


def _annotations(item: dict, canvas_id: str) -> list[dict]:
    facts = item_facts(item)
    motivations = {"label": "describing", "period": "classifying", "cave": "identifying",
                   "note": "commenting"}  # fmt: skip
    annotations = [
        {
            "id": f"{canvas_id}/annotation/{name}",
            "type": "Annotation",
            "motivation": motivation,
            "label": _language_map(name),
            "body": _text(facts[name], motivation),
            "target": canvas_id,
        }
        for name, motivation in motivations.items()
        if facts[name]
    ]
    return [{"id": f"{canvas_id}/page/notes", "type": "AnnotationPage", "items": annotations}]


def _canvas(request: HttpRequest, base: str, item: dict) -> dict:
    canvas_id = f"{base}/canvas/{item['id']}"
    _, _, w, h = item["region"]
    facts = item_facts(item)
    metadata = [
        {"label": _language_map("Place"), "value": _language_map(facts["cave"])},
        {"label": _language_map("Dating"), "value": _language_map(facts["period"])},
        {"label": _language_map("Lane"), "value": _language_map(item["lane"] or "undated tray")},
    ]
    if item["mural_id"] is not None:
        state = encode_content_state(content_state(request, item))
        metadata.append(
            {"label": _language_map("IIIF Content State"), "value": _language_map(state)}
        )
    canvas = {
        "id": canvas_id,
        "type": "Canvas",
        "label": _language_map(facts["label"]),
        "width": w,
        "height": h,
        "metadata": metadata,
        "items": _painting(request, item, canvas_id),
        "annotations": _annotations(item, canvas_id),
    }
    if item["source_gone"]:
        canvas["summary"] = _language_map("a frozen crop: its source was deleted")
    return canvas


def build_manifest(request: HttpRequest, record: dict, manifest_url: str, page_url: str) -> dict:
    """The Presentation 3 Manifest of a board record, one Canvas per item."""
    base = manifest_url.removesuffix("/manifest.json")
    return {
        "@context": PRESENTATION_CONTEXT,
        "id": manifest_url,
        "type": "Manifest",
        "label": _language_map(record["title"]),
        "summary": _language_map(record["description"] or f"{len(record['items'])} items"),
        "homepage": [
            {
                "id": page_url,
                "type": "Text",
                "label": _language_map(record["title"]),
                "format": "text/html",
            }
        ],  # fmt: skip
        "items": [_canvas(request, base, item) for item in record["items"]],
    }


def content_state(request: HttpRequest, item: dict) -> dict:
    """IIIF Content State 1.0: the item's region on the first Canvas of its mural's Manifest."""
    mural_id = item["mural_id"]
    manifest = request.build_absolute_uri(reverse("iiif:manifest", args=[mural_id]))
    x, y, w, h = item["region"]
    return {
        "@context": CONTENT_STATE_CONTEXT,
        "id": f"{manifest}#item-{item['id']}",
        "type": "Annotation",
        "motivation": ["contentState"],
        "target": {
            "id": f"{service_id(request, mural_id)}/canvas/1#xywh={x},{y},{w},{h}",
            "type": "Canvas",
            "partOf": [{"id": manifest, "type": "Manifest"}],
        },
    }


def encode_content_state(state: dict) -> str:
    """Content State 1.0 §2.3: URI-encoded as encodeURIComponent does, then base64url without
    padding (for `?iiif-content=`)."""
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    uri = quote(text, safe="-_.!~*'()")
    return base64.urlsafe_b64encode(uri.encode("utf-8")).decode("ascii").rstrip("=")


def decode_content_state(encoded: str) -> dict:
    from urllib.parse import unquote

    padded = encoded + "=" * (-len(encoded) % 4)
    return json.loads(unquote(base64.urlsafe_b64decode(padded).decode("utf-8")))
