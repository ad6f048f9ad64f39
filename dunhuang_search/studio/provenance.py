"""A derivative's provenance as a JSON-LD document in W3C PROV terms, and its export: the image
(full resolution, PNG) with the mask and the provenance sidecar, in one zip.

The derivative is a prov:Entity that prov:wasDerivedFrom the mural region (and the element, if
one was chosen); it prov:wasGeneratedBy an activity (the method, its parameters and seed) that
prov:used the mask, the model and the elements that supplied pixels, and prov:wasAssociatedWith
its author.
"""

from __future__ import annotations

import io
import json
import zipfile

import pyvips
from django.urls import reverse

from indexer.files import file_sha256

from . import derivatives
from .models import Derivative

CONTEXT = {
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dunhuang": "https://dunhuang-search.example/ns#",
}


def _absolute(build, path: str) -> str:
    return build(path) if build else path


def _source(derivative: Derivative, build) -> list[dict]:
    sources: list[dict] = []
    if derivative.mural_id:
        mural = derivative.mural
        region = ",".join(str(v) for v in derivative.bbox) if derivative.bbox else "full"
        base = _absolute(build, reverse("iiif:base", args=[mural.pk]))
        sources.append(
            {
                "@id": f"{base}/{region}/max/0/default.png",
                "@type": "prov:Entity",
                "dunhuang:mural": mural.pk,
                "dunhuang:bbox": derivative.bbox,
                "dunhuang:sourceChecksum": mural.checksum,
                "prov:label": str(mural),
            }
        )
    if derivative.element_id:
        sources.append(
            {
                "@id": f"element-{derivative.element_id}",
                "@type": "prov:Entity",
                "dunhuang:element": derivative.element_id,
            }
        )
    if derivative.upload_name:
        sources.append({"@id": f"upload:{derivative.upload_name}", "@type": "prov:Entity"})
    return sources


def _used(derivative: Derivative) -> list[dict]:
    used: list[dict] = []
    path = derivatives.mask_path(derivative)
    if path is not None:
        used.append(
            {
                "@id": f"derivative-{derivative.pk}-mask",
                "@type": "prov:Entity",
                "prov:label": "damage mask (8-bit PNG, nonzero = lost)",
                "dunhuang:sha256": file_sha256(path) if path.is_file() else None,
                "dunhuang:origin": derivative.inputs.get("mask", {}),
            }
        )
    if derivative.model_name:
        used.append(
            {
                "@id": f"model:{derivative.model_name}",
                "@type": "prov:Entity",
                "prov:label": derivative.model_name,
                "dunhuang:sha256": derivative.model_sha256,
            }
        )
    for pk in derivative.inputs.get("elements") or []:
        used.append(
            {
                "@id": f"element-{pk}",
                "@type": "prov:Entity",
                "prov:label": "intact element that supplied pixels",
                "dunhuang:element": pk,
            }
        )
    return used


def provenance(derivative: Derivative, build=None) -> dict:
    """The PROV document; `build(path)` makes absolute URLs (request.build_absolute_uri)."""
    agent = None
    if derivative.author_id:
        agent = {
            "@id": f"user:{derivative.author.username}",
            "@type": "prov:Agent",
            "prov:label": derivative.author.get_full_name() or derivative.author.username,
        }
    ended = derivative.created_at.isoformat() if derivative.created_at else None
    return {
        "@context": CONTEXT,
        "@id": _absolute(build, reverse("studio:iiif_base", args=[derivative.pk])),
        "@type": "prov:Entity",
        "dunhuang:kind": derivative.kind,
        "dunhuang:image": {
            "width": derivative.width,
            "height": derivative.height,
            "sha256": derivative.sha256,
        },
        "prov:wasDerivedFrom": _source(derivative, build),
        "prov:wasGeneratedBy": {
            "@id": f"derivative-{derivative.pk}-activity",
            "@type": "prov:Activity",
            "dunhuang:method": derivative.method,
            "dunhuang:parameters": derivative.parameters,
            "dunhuang:seed": derivative.seed,
            "dunhuang:seconds": derivative.seconds,
            "dunhuang:fallback": derivative.inputs.get("fallback"),
            "prov:endedAtTime": ended,
            "prov:used": _used(derivative),
            "prov:wasAssociatedWith": agent,
        },
        "prov:wasAttributedTo": agent,
        "dunhuang:review": {
            "state": derivative.review_state,
            "note": derivative.review_note,
            "by": derivative.reviewed_by.username if derivative.reviewed_by_id else None,
            "at": derivative.reviewed_at.isoformat() if derivative.reviewed_at else None,
        },
    }


def export_zip(derivative: Derivative, build=None) -> bytes:
    """derivative-<id>.png (full resolution), -mask.png and .prov.json, zipped."""
    stem = f"derivative-{derivative.pk}"
    image = pyvips.Image.new_from_file(str(derivatives.image_path(derivative)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.png", image.write_to_buffer(".png"))
        mask = derivatives.mask_path(derivative)
        if mask is not None and mask.is_file():
            archive.write(mask, f"{stem}-mask.png")
        document = json.dumps(provenance(derivative, build), indent=1, ensure_ascii=False)
        archive.writestr(f"{stem}.prov.json", document + "\n")
    return buffer.getvalue()
