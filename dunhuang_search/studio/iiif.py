"""IIIF Image API 3.0 for derivatives: /iiif/3/derivative-<id>/info.json and its region and size
requests, served by the catalogue's image service functions over the derivative's own pyramid
(the original's pyramid is never touched)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from dunhuang_search.catalogue import iiif

from . import derivatives
from .models import Derivative


def get_derivative(pk: int) -> Derivative:
    try:
        return Derivative.objects.get(pk=pk)
    except Derivative.DoesNotExist:
        raise iiif.IIIFError(404, f"no derivative with id {pk}") from None


def service_id(request: HttpRequest, pk: int) -> str:
    return request.build_absolute_uri(reverse("studio:iiif_base", args=[pk]))


def pyramid_of(derivative: Derivative):
    missing = f"the image of derivative {derivative.pk} is missing on the server"
    return iiif.open_pyramid(derivatives.image_path(derivative), missing)


def information(request: HttpRequest, derivative: Derivative) -> dict:
    document = iiif.service_information(service_id(request, derivative.pk), pyramid_of(derivative))
    api = reverse("studio:api_derivative", args=[derivative.pk])
    document["seeAlso"] = [
        {
            "id": request.build_absolute_uri(api),
            "type": "Dataset",
            "format": "application/json",
            "label": {"en": [f"provenance of {derivative}"]},
        }
    ]
    return document


@iiif.iiif_endpoint
def image_base(request: HttpRequest, pk: int) -> HttpResponse:
    get_derivative(pk)
    response = HttpResponse(status=303)
    response["Location"] = request.build_absolute_uri(reverse("studio:iiif_info", args=[pk]))
    return response


@iiif.iiif_endpoint
def image_info(request: HttpRequest, pk: int) -> HttpResponse:
    return iiif.info_response(request, information(request, get_derivative(pk)))


@iiif.iiif_endpoint
def image_request(
    request: HttpRequest, pk: int, region: str, size: str, rotation: str, quality: str, fmt: str
) -> HttpResponse:
    derivative = get_derivative(pk)
    return iiif.image_response(
        request,
        service_id(request, pk),
        (derivative.width, derivative.height),
        derivative.sha256,
        lambda: pyramid_of(derivative),
        (region, size, rotation, quality, fmt),
    )
