"""The studio's pages: the studio for a region (mask tools over the deep-zoom viewer, a method
picker, a run with polled progress), a derivative's before/after and side-by-side view, and the
derivatives of a mural or an element. Running is the REST endpoint's (api.py)."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, has_role, role_required
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from indexer.restoration import METHODS, RestorationError
from indexer.restoration.masks import LEVELS, MASK_KINDS

from . import jobs
from .models import Derivative, RestorationJob
from .restoring import check_region, parse_region

METHOD_NOTES = {
    "telea": "OpenCV fast marching: quick, smooth; the classical floor",
    "ns": "OpenCV Navier-Stokes: smooth, like Telea",
    "patchmatch": "exemplar patches from the same region",
    "pconv": "the learned partial-convolution U-Net",
    "search-guided": "aligned intact copies of the element's motif (needs an element)",
}
VIEW_BOX = 1600  # px: before and after are shown at most this size
DEFAULT_REGION = 1024  # px: the studio opens on the middle of a mural when no region is given


def _region(request, mural: Mural, element: Element | None) -> tuple[int, int, int, int]:
    text = request.GET.get("region")
    if not text:
        if element is None:
            w, h = min(DEFAULT_REGION, mural.width), min(DEFAULT_REGION, mural.height)
            return (mural.width - w) // 2, (mural.height - h) // 2, w, h
    try:
        return check_region(mural, parse_region(text) if text else element.bbox)
    except RestorationError as exc:
        raise BadRequest(str(exc)) from exc


@role_required(ARCHAEOLOGIST)
def studio(request):
    """/studio/?mural=ID&region=x,y,w,h or /studio/?element=ID."""
    element = None
    if request.GET.get("element", "").isdigit():
        element = get_object_or_404(Element.objects.select_related("mural"),
                                    pk=int(request.GET["element"]))  # fmt: skip
        mural = element.mural
    elif request.GET.get("mural", "").isdigit():
        mural = get_object_or_404(Mural, pk=int(request.GET["mural"]))
    else:
        raise BadRequest("open the studio with ?mural=ID&region=x,y,w,h or ?element=ID")
    x, y, w, h = _region(request, mural, element)
    config = {
        "mural": mural.pk,
        "element": element.pk if element else None,
        "region": [x, y, w, h],
        "infoUrl": reverse("iiif:info", args=[mural.pk]),
        "restorationsUrl": reverse("studio:api_restorations"),
        "masksUrl": reverse("studio:api_masks"),
        "jobStatusUrl": reverse("studio:job_status", args=[0]).replace("/0/", "/{id}/"),
    }
    methods = [(m, METHOD_NOTES.get(m, "")) for m in sorted(METHODS)]
    context = {
        "mural": mural,
        "element": element,
        "region": (x, y, w, h),
        "methods": methods,
        "mask_kinds": sorted(MASK_KINDS),
        "levels": LEVELS,
        "config": config,
        "derivatives": Derivative.objects.filter(mural=mural).select_related("author")[:12],
    }
    return render(request, "studio/studio.html", context)


def job_status(request, pk: int):
    """The polled status of a restoration job (htmx swaps it in until the job ends)."""
    job = jobs.settle(get_object_or_404(RestorationJob.objects.select_related("derivative"),
                                        pk=pk))  # fmt: skip
    context = {"job": job}
    if job.derivative is not None:
        context.update(before_url=_region_url(job.derivative), after_url=_after_url(job.derivative))
    return render(request, "studio/_job_status.html", context)


def derivative_page(request, pk: int):
    row = get_object_or_404(
        Derivative.objects.select_related("mural__cave__site", "author", "reviewed_by"), pk=pk
    )
    context = {
        "derivative": row,
        "before_url": _region_url(row),
        "after_url": _after_url(row),
        "info_url": reverse("studio:iiif_info", args=[row.pk]),
        "can_review": has_role(request.user, ARCHAEOLOGIST),
    }
    return render(request, "studio/derivative.html", context)


def _after_url(row: Derivative) -> str:
    return f"{reverse('studio:iiif_base', args=[row.pk])}/full/!{VIEW_BOX},{VIEW_BOX}/0/default.jpg"


def _region_url(row: Derivative) -> str | None:
    if not row.mural_id or row.x is None:
        return None
    base = reverse("iiif:base", args=[row.mural_id])
    return f"{base}/{row.x},{row.y},{row.w},{row.h}/!{VIEW_BOX},{VIEW_BOX}/0/default.jpg"


def _listing(request, title: str, rows, mural=None, element=None):
    return render(request, "studio/derivative_list.html", {
        "title": title, "rows": rows, "mural": mural, "element": element,
    })  # fmt: skip


@require_safe
def mural_derivatives(request, pk: int):
    mural = get_object_or_404(Mural.objects.select_related("cave__site"), pk=pk)
    rows = Derivative.objects.filter(mural=mural).select_related("author", "element__category")
    return _listing(request, f"Derivatives of {mural}", rows, mural=mural)


@require_safe
def element_derivatives(request, pk: int):
    element = get_object_or_404(Element.objects.select_related("mural", "category"), pk=pk)
    rows = Derivative.objects.filter(element=element).select_related("author")
    return _listing(request, f"Derivatives of {element}", rows, mural=element.mural,
                    element=element)  # fmt: skip
