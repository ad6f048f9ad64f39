"""The style pages: the map of style through time (/styles/), style sets (members, palette,
derivatives made with them, closest murals), their creation and editing, and the stylize form
with its side-by-side result. Every write needs the archaeologist role."""

from __future__ import annotations

import functools
import json

import pyvips
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, has_role, role_required
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.studio.derivatives import image_path
from dunhuang_search.studio.models import Derivative
from indexer.style import StyleError
from indexer.style.stats import palette

from . import stylemap
from .forms import SourceForm, StyleSetForm, StylizeForm
from .jobs import settle, start_stylize
from .members import member_pixels, region_pixels, remove_member
from .models import StyleJob, StyleSet, StyleSetMember, style_dir
from .requests import add_member, maybe_staged
from .transfer import provenance

PREVIEW_SIDE = 640


def jpeg(pixels) -> HttpResponse:
    image = pyvips.Image.new_from_array(pixels, interpretation="srgb")
    response = HttpResponse(image.jpegsave_buffer(Q=88), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@functools.lru_cache(maxsize=32)
def _set_summary(pk: int, version: int) -> dict:
    """The palette and closest murals of a set version (members are read once per version)."""
    style_set = StyleSet.objects.get(pk=pk)
    images = [
        member_pixels(m, 256) for m in style_set.members.select_related("element__mural", "mural")
    ]
    if not images:
        return {"palette": [], "closest": []}
    closest = [(m.pk, d) for m, d in stylemap.closest_murals(images)]
    return {"palette": palette(images), "closest": closest}


@require_GET
def style_index(request):
    selected = request.GET.get("mural")
    return render(
        request,
        "styles/index.html",
        {
            "map": stylemap.style_map(),
            "table": stylemap.period_distances(),
            "style_sets": StyleSet.objects.all(),
            "selected": selected,
            "can_edit": has_role(request.user, ARCHAEOLOGIST),
        },
    )


@require_GET
def map_nearest(request, pk: int):
    mural = get_object_or_404(Mural.objects.select_related("cave__site", "period"), pk=pk)
    return render(
        request,
        "styles/_nearest.html",
        {
            "mural": mural,
            "nearest": stylemap.nearest_in_other_caves(mural),
        },
    )


def _set_context(request, style_set: StyleSet, **extra) -> dict:
    summary = _set_summary(style_set.pk, style_set.version)
    closest = Mural.objects.in_bulk([pk for pk, _ in summary["closest"]])
    return {
        "style_set": style_set,
        "members": style_set.members.select_related("element__category", "mural"),
        "palette": summary["palette"],
        "closest": [(closest[pk], d) for pk, d in summary["closest"] if pk in closest],
        "derivatives": Derivative.objects.filter(kind="style", inputs__style_set=style_set.slug)[
            :24
        ],
        "can_edit": has_role(request.user, ARCHAEOLOGIST),
        "train_job": settle(style_set.jobs.filter(kind=StyleJob.Kind.TRAIN).first()),
        "unpaired_models": style_set.models.all(),
        "stylize_form": StylizeForm(),
        "member_form": SourceForm(),
        **extra,
    }


@require_GET
def set_detail(request, slug: str):
    style_set = get_object_or_404(StyleSet, slug=slug)
    return render(request, "styles/set_detail.html", _set_context(request, style_set))


@role_required(ARCHAEOLOGIST)
def set_form(request, slug: str | None = None):
    style_set = get_object_or_404(StyleSet, slug=slug) if slug else None
    form = StyleSetForm(request.POST or None, instance=style_set)
    if request.method == "POST" and form.is_valid():
        created = form.save(commit=False)
        if style_set is None:
            created.expert = request.user
        created.save()
        messages.success(request, f"Style set {created.name} saved.")
        return redirect("styles:set", slug=created.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "styles/set_form.html", {"form": form, "style_set": style_set}, status=status
    )


@require_POST
@role_required(ARCHAEOLOGIST)
def member_add(request, slug: str):
    style_set = get_object_or_404(StyleSet, slug=slug)
    form = SourceForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse(
            {
                "error": "; ".join(form.errors.get("__all__", [])) or form.errors.as_text(),
                "status": 400,
            },
            status=400,
        )
    try:
        with maybe_staged(form.cleaned_data) as path:
            _, created = add_member(style_set, form.cleaned_data, request.user, path)
    except StyleError as exc:
        return JsonResponse({"error": str(exc), "status": 400}, status=400)
    messages.success(request, "Member added." if created else "Already in this set.")
    return redirect("styles:set", slug=slug)


@require_POST
@role_required(ARCHAEOLOGIST)
def member_remove(request, slug: str, pk: int):
    member = get_object_or_404(StyleSetMember, pk=pk, style_set__slug=slug)
    remove_member(member)
    return redirect("styles:set", slug=slug)


@require_POST
@role_required(ARCHAEOLOGIST)
def stylize_view(request, slug: str):
    style_set = get_object_or_404(StyleSet, slug=slug)
    form = StylizeForm(request.POST, request.FILES)
    if not form.is_valid():
        message = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return render(request, "styles/_result.html", {"error": message}, status=400)
    data = form.cleaned_data
    try:
        with maybe_staged(data) as path:
            job = start_stylize(style_set, data, request.user, path)
    except StyleError as exc:
        return render(request, "styles/_result.html", {"error": str(exc)}, status=400)
    return render(request, "styles/_job.html", {"job": job})


@require_GET
def job_status(request, pk: int):
    """The polled progress of a stylize or training job (templates/styles/_job.html)."""
    job = settle(get_object_or_404(StyleJob.objects.select_related("derivative"), pk=pk))
    return render(request, "styles/_job.html", {"job": job})


@require_GET
def member_image(request, pk: int):
    member = get_object_or_404(
        StyleSetMember.objects.select_related("element__mural", "mural"), pk=pk
    )
    return jpeg(member_pixels(member, 256))


def _style_derivative(pk: int) -> Derivative:
    return get_object_or_404(Derivative, pk=pk, kind=Derivative.Kind.STYLE)


@require_GET
def derivative_image(request, pk: int):
    d = _style_derivative(pk)
    path = image_path(d)
    if not path.is_file():
        raise Http404("the derivative's file is missing")
    return jpeg(pyvips.Image.thumbnail(str(path), PREVIEW_SIDE, size="down").numpy()[..., :3])


@require_GET
def derivative_input(request, pk: int):
    d = _style_derivative(pk)
    if d.inputs.get("upload_file"):
        path = style_dir() / d.inputs["upload_file"]
        if not path.is_file():
            raise Http404("the input file is missing")
        return jpeg(pyvips.Image.thumbnail(str(path), PREVIEW_SIDE, size="down").numpy()[..., :3])
    if d.mural is None:
        raise Http404("no input recorded")
    return jpeg(region_pixels(d.mural, d.x, d.y, d.w, d.h, PREVIEW_SIDE))


@require_GET
def derivative_provenance(request, pk: int):
    d = _style_derivative(pk)
    response = HttpResponse(json.dumps(provenance(d), indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="derivative-{d.pk}.json"'
    return response
