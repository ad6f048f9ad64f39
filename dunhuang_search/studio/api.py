"""The studio's REST endpoints (api/v1/): restorations run as background jobs with polled
progress, proposed masks, derivatives with their provenance, export and review. Writes need the
archaeologist role; bad input is a 400 naming the problem, and nothing is written."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_permission
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from indexer.restoration import RestorationError

from . import jobs, mask_inputs
from .models import Derivative, RestorationJob
from .provenance import export_zip
from .restoring import RegionRequest, check_region, parse_region, read_region
from .serializers import (
    DerivativeSerializer,
    JobSerializer,
    MaskRequestSerializer,
    RestorationRequestSerializer,
    ReviewSerializer,
)

Archaeologist = role_permission(ARCHAEOLOGIST)


def bad(field: str, exc: Exception) -> ValidationError:
    return ValidationError({field: [str(exc)]})


def region_of(data: dict) -> tuple[Mural, tuple, Element | None]:
    """The mural, box and element a request names (a 400 if they do not exist or fit)."""
    element = None
    if data.get("element") is not None:
        element = Element.objects.select_related("mural").filter(pk=data["element"]).first()
        if element is None:
            raise ValidationError({"element": [f"no element with id {data['element']}"]})
        mural = element.mural
    else:
        mural = Mural.objects.filter(pk=data["mural"]).first()
        if mural is None:
            raise ValidationError({"mural": [f"no mural with id {data['mural']}"]})
    try:
        box = parse_region(data["bbox"]) if data.get("bbox") else tuple(element.bbox)
        box = check_region(mural, box)
    except RestorationError as exc:
        raise bad("bbox", exc) from exc
    return mural, box, element


def build_mask(data: dict, mural: Mural, box: tuple) -> tuple:
    """(mask, how it was made) for the request's one mask input."""
    size = (box[3], box[2])
    try:
        if data.get("mask") is not None:
            upload = data["mask"]
            return mask_inputs.uploaded_mask(upload.read(), size), {
                "kind": "upload",
                "name": upload.name,
            }
        if data.get("simulated") not in (None, ""):
            spec = data["simulated"]
            mask = mask_inputs.simulated(spec, size)
            level, seed = spec.get("level", "light"), spec.get("seed", 0)
            return mask, {"kind": "simulated", "damage": spec["kind"], "level": level, "seed": seed}
        pixels = read_region(mural, box)
        if data.get("clicks") not in (None, ""):
            method = data.get("click_method")
            origin = {"kind": "clicks", "clicks": data["clicks"], "click_method": method}
            return mask_inputs.clicked_mask(pixels, data["clicks"], method), origin
        return mask_inputs.suggested(pixels), {"kind": "suggested"}
    except RestorationError as exc:
        raise bad("mask", exc) from exc


class RestorationsView(APIView):
    permission_classes = [Archaeologist]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": RestorationRequestSerializer,
                 "application/json": RestorationRequestSerializer},
        responses={202: JobSerializer},
        summary="Restore a region (a background job; poll its status_url)",
    )  # fmt: skip
    def post(self, request):
        form = RestorationRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        mural, box, element = region_of(data)
        mask, origin = build_mask(data, mural, box)
        try:
            job = jobs.start_job(
                RegionRequest(
                    mural=mural, box=box, mask=mask, method=data["method"], element=element,
                    model=data.get("model") or None, author=request.user,
                    seed=data.get("seed"), mask_origin=origin,
                )
            )  # fmt: skip
        except RestorationError as exc:
            raise bad("restoration", exc) from exc
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class JobView(generics.RetrieveAPIView):
    serializer_class = JobSerializer
    queryset = RestorationJob.objects.all()

    def get_object(self):
        return jobs.settle(super().get_object())


class MaskView(APIView):
    """A proposed mask for a region, as an 8-bit PNG of the region's size (255 = lost)."""

    permission_classes = [Archaeologist]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=MaskRequestSerializer,
        responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, "the mask, 8-bit PNG")},
        summary="Propose a mask from 1-3 clicks or from the suggested losses",
    )
    def post(self, request):
        form = MaskRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if not data.get("suggest") and data.get("clicks") in (None, ""):
            raise ValidationError({"clicks": ["give 1-3 clicks, or suggest=true"]})
        mural, box, _ = region_of(data)
        mask, _ = build_mask(data, mural, box)
        import cv2

        ok, png = cv2.imencode(".png", mask)
        response = HttpResponse(png.tobytes(), content_type="image/png")
        response["X-Lost-Pixels"] = str(int((mask > 0).sum()))
        return response


DERIVATIVE_FILTERS = [
    OpenApiParameter("mural", int, description="derivatives of this mural"),
    OpenApiParameter("element", int, description="derivatives of this element"),
    OpenApiParameter("kind", str, enum=Derivative.Kind.values),
]


class DerivativeListView(generics.ListAPIView):
    serializer_class = DerivativeSerializer

    def get_queryset(self):
        rows = Derivative.objects.select_related("author", "reviewed_by", "mural__cave__site")
        for name in ("mural", "element"):
            value = self.request.query_params.get(name)
            if value:
                if not value.isdigit():
                    raise ValidationError({name: [f"{name} must be an id, not {value!r}"]})
                rows = rows.filter(**{f"{name}_id": int(value)})
        kind = self.request.query_params.get("kind")
        if kind:
            rows = rows.filter(kind=kind)
        return rows

    @extend_schema(parameters=DERIVATIVE_FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DerivativeView(generics.RetrieveAPIView):
    serializer_class = DerivativeSerializer
    queryset = Derivative.objects.select_related("author", "reviewed_by", "mural__cave__site")


class ReviewView(APIView):
    permission_classes = [Archaeologist]

    @extend_schema(request=ReviewSerializer, responses={200: DerivativeSerializer},
                   summary="Approve or reject a derivative, with a note")  # fmt: skip
    def post(self, request, pk: int):
        row = get_object_or_404(Derivative, pk=pk)
        form = ReviewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        row.review_state = form.validated_data["state"]
        row.review_note = form.validated_data["note"]
        row.reviewed_by, row.reviewed_at = request.user, timezone.now()
        row.save(update_fields=["review_state", "review_note", "reviewed_by", "reviewed_at"])
        return Response(DerivativeSerializer(row, context={"request": request}).data)


class ExportView(APIView):
    @extend_schema(
        responses={(200, "application/zip"): OpenApiResponse(
            OpenApiTypes.BINARY, "derivative-<id>.png, -mask.png and .prov.json (W3C PROV)")},
        summary="Export a derivative with its provenance sidecar",
    )  # fmt: skip
    def get(self, request, pk: int):
        row = get_object_or_404(Derivative, pk=pk)
        response = HttpResponse(export_zip(row, request.build_absolute_uri),
                                content_type="application/zip")  # fmt: skip
        response["Content-Disposition"] = f'attachment; filename="derivative-{row.pk}.zip"'
        return response
