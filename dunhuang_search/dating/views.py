"""Pages of the dating app: the estimate fragment of a mural (loaded by htmx into the viewer),
and staff's "accept" of it."""

from __future__ import annotations

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, STAFF, has_role, role_required
from dunhuang_search.catalogue.iiif import thumbnail_path
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element

from .assistant import estimate
from .authority import DatingError, known_authorities
from .records import accept_estimate, save_estimate

STRONGEST = 8  # evidence rows shown


def _mural(pk: int) -> Mural:
    mural = Mural.objects.select_related("cave__site", "period").filter(pk=pk).first()
    if mural is None:
        raise Http404(f"unknown mural {pk}")
    return mural


def _context(request, mural: Mural, result: dict, message: str = "") -> dict:
    evidence = result["evidence"][:STRONGEST]
    ids = {row["element_id"] for row in evidence} | {row["neighbour_id"] for row in evidence}
    elements = Element.objects.select_related("category", "mural__cave").in_bulk(ids)
    rows = [
        {
            **row,
            "target": elements.get(row["element_id"]),
            "neighbour": elements.get(row["neighbour_id"]),
        }
        for row in evidence
    ]
    palette_rows = result.get("palette_evidence", [])
    walls = Mural.objects.select_related("cave__site").in_bulk(r["mural_id"] for r in palette_rows)
    nearest_walls = [
        {**row, "mural": wall, "thumbnail": thumbnail_path(wall, 96)}
        for row in palette_rows
        if (wall := walls.get(row["mural_id"])) is not None
    ]
    # no evidence at all (no interval): the distribution is the flat prior, not worth drawing
    no_evidence = result["abstained"] and result["interval"] is None
    top = [] if no_evidence else sorted(result["distribution"].items(), key=lambda kv: -kv[1])[:5]
    return {
        "mural": mural,
        "result": result,
        "rows": rows,
        "walls": nearest_walls,
        "top": [{"slug": slug, "p": p, "percent": round(100 * p)} for slug, p in top],
        "authorities": known_authorities(),
        "can_accept": has_role(request.user, STAFF) and not result["abstained"],
        # "Pin evidence" posts to the boards app (boards:pin-evidence), linked by URL only
        "can_pin": has_role(request.user, ARCHAEOLOGIST) and bool(result["evidence"]),
        "message": message,
    }


@require_GET
def mural_estimate(request, pk: int):
    mural = _mural(pk)
    try:
        result = estimate(mural, None, request.GET.get("authority"))
    except DatingError as error:
        return HttpResponseBadRequest(str(error))
    return render(request, "dating/_estimate.html", _context(request, mural, result))


@require_POST
@role_required(STAFF)
def accept_mural_estimate(request, pk: int):
    mural = _mural(pk)
    try:
        result = estimate(mural, None, request.POST.get("authority"))
        if result["abstained"]:
            raise DatingError(f"insufficient evidence: {result['reason']}")
        accept_estimate(save_estimate(mural, None, result), request.user)
    except DatingError as error:
        return HttpResponseBadRequest(str(error))
    mural.refresh_from_db()
    message = f"Accepted: the catalogue now dates this mural {mural.period.name}."
    return render(request, "dating/_estimate.html", _context(request, mural, result, message))
