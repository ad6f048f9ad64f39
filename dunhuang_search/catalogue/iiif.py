"""IIIF Image API 3.0 (level 2) endpoints cut from the mural pyramids, and what every IIIF
endpoint shares (CORS, GET only, JSON errors). The Presentation manifest, which carries the
elements as annotations, is elements.manifest.

Images are read from the pyramid level nearest the requested scale, never the whole mural.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

from indexer.imagery import Pyramid

from .iiif_params import (
    FEATURES,
    FORMATS,
    FORMATS_WITH_ALPHA,
    PROFILE_LEVEL,
    QUALITIES,
    IIIFParamError,
    ImagePlan,
    Limits,
    canonical_path,
    plan_image_request,
    preferred_sizes,
    scale_factors,
)
from .models import Mural

logger = logging.getLogger(__name__)

IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
PROFILE_URI = f"http://iiif.io/api/image/3/{PROFILE_LEVEL}.json"
JSON_LD_IMAGE = f'application/ld+json;profile="{IMAGE_CONTEXT}"'
JPEG_QUALITY = 85
THUMBNAIL_BOX = 320  # the catalogue's thumbnails use the same !320,320, so they share a cache
IMAGE_CACHE_CONTROL = "public, max-age=86400"


class IIIFError(Exception):
    """An error answered as JSON {"error": message, "status": status}."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _error_response(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message, "status": status}, status=status)


def _with_cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Link, ETag"
    return response


def iiif_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """CORS (with preflight), GET/HEAD only, and JSON errors for one IIIF view."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", "*"
            )
            response["Access-Control-Max-Age"] = "86400"
            return _with_cors(response)
        if request.method not in ("GET", "HEAD"):
            response = _error_response(405, f"{request.method} is not allowed; use GET")
            response["Allow"] = "GET, HEAD, OPTIONS"
            return _with_cors(response)
        try:
            response = view(request, *args, **kwargs)
        except IIIFParamError as exc:
            response = _error_response(exc.status, str(exc))
        except IIIFError as exc:
            response = _error_response(exc.status, exc.message)
        return _with_cors(response)

    return wrapper


def limits() -> Limits:
    return Limits(settings.IIIF_MAX_WIDTH, settings.IIIF_MAX_HEIGHT, settings.IIIF_MAX_AREA)


def get_mural(pk: int) -> Mural:
    """The mural with its cave, site and period; IIIFError 404 if there is none."""
    try:
        return Mural.objects.select_related("cave__site", "period").get(pk=pk)
    except Mural.DoesNotExist:
        raise IIIFError(404, f"no mural with id {pk}") from None


@functools.lru_cache(maxsize=16)  # each holds a file handle per pyramid level
def _open_pyramid(path: str, mtime_ns: int, size: int) -> Pyramid:
    return Pyramid(path)


def open_pyramid(path: str | os.PathLike, missing: str) -> Pyramid:
    """The pyramid at path, opened once per process (keyed by path, mtime and size); IIIFError
    404 saying `missing` if the file is not there."""
    path = str(path)
    try:
        stat = os.stat(path)
    except OSError:
        logger.error("%s: %s", missing, path)
        raise IIIFError(404, missing) from None
    return _open_pyramid(path, stat.st_mtime_ns, stat.st_size)


def pyramid_for(mural: Mural) -> Pyramid:
    """The mural's pyramid, opened once per process."""
    missing = f"the image of mural {mural.pk} is missing on the server"
    return open_pyramid(mural.pyramid_path, missing)


def service_id(request: HttpRequest, pk: int) -> str:
    """The absolute base URI of a mural's image service, without a trailing slash."""
    return request.build_absolute_uri(reverse("iiif:base", args=[pk]))


def image_url(request: HttpRequest, pk: int, region: str, size: str, fmt: str = "jpg") -> str:
    return f"{service_id(request, pk)}/{region}/{size}/0/default.{fmt}"


def thumbnail_path(mural: Mural, box: int = THUMBNAIL_BOX) -> str:
    """Site-relative URL of the mural's thumbnail, at most box x box pixels."""
    return f"{reverse('iiif:base', args=[mural.pk])}/full/!{box},{box}/0/default.jpg"


def _info_media_type(request: HttpRequest) -> str:
    """application/json unless the Accept header asks for JSON-LD first (Image API 5.1)."""
    for accepted in request.accepted_types:
        media = f"{accepted.main_type}/{accepted.sub_type}"
        if media == "application/ld+json":
            return JSON_LD_IMAGE
        if media == "application/json":
            return "application/json"
    return "application/json"


@iiif_endpoint
def image_base(request: HttpRequest, pk: int) -> HttpResponse:
    """The bare service URI redirects (303) to its info.json."""
    get_mural(pk)
    response = HttpResponse(status=303)
    response["Location"] = request.build_absolute_uri(reverse("iiif:info", args=[pk]))
    return response


def image_information(request: HttpRequest, mural: Mural, pyramid: Pyramid) -> dict:
    """The info.json document of a mural's image service."""
    document = service_information(service_id(request, mural.pk), pyramid)
    document["partOf"] = [
        {
            "id": request.build_absolute_uri(reverse("iiif:manifest", args=[mural.pk])),
            "type": "Manifest",
            "label": {"en": [str(mural)]},
        }
    ]
    return document


def service_information(base_id: str, pyramid: Pyramid) -> dict:
    """The info.json document of the image service at base_id (absolute URI) over a pyramid:
    what murals and derivatives share."""
    lim = limits()
    tile = settings.IIIF_TILE_SIZE
    return {
        "@context": IMAGE_CONTEXT,
        "id": base_id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": PROFILE_LEVEL,
        "width": pyramid.width,
        "height": pyramid.height,
        "maxWidth": lim.max_width,
        "maxHeight": lim.max_height,
        "maxArea": lim.max_area,
        "sizes": preferred_sizes(pyramid.level_sizes, lim),
        "tiles": [
            {"width": tile, "height": tile, "scaleFactors": scale_factors(pyramid.level_sizes)}
        ],
        "extraQualities": [q for q in QUALITIES if q != "default"],
        "extraFormats": [f for f in FORMATS if f != "jpg"],
        "extraFeatures": list(FEATURES),
    }


def info_response(request: HttpRequest, document: dict) -> HttpResponse:
    """An info.json document as JSON (or JSON-LD, if asked first), with the profile link."""
    response = JsonResponse(document, content_type=_info_media_type(request))
    response["Link"] = f'<{PROFILE_URI}>;rel="profile"'
    patch_vary_headers(response, ["Accept"])
    return response


@iiif_endpoint
def image_info(request: HttpRequest, pk: int) -> HttpResponse:
    mural = get_mural(pk)
    return info_response(request, image_information(request, mural, pyramid_for(mural)))


def render_image(pyramid: Pyramid, plan: ImagePlan) -> bytes:
    """Region, then size, mirror and rotation, then quality, then format (Image API 4.6)."""
    box = plan.region
    image = pyramid.read_region(box.x, box.y, box.w, box.h, plan.width, plan.height)
    if plan.rotation.mirror:
        image = image.fliphor()
    alpha = False
    if plan.rotation.by_90s:
        if plan.rotation.degrees:
            image = image.rot(f"d{int(plan.rotation.degrees)}")
    else:
        image = image.bandjoin(255).copy(interpretation="srgb")
        image = image.rotate(float(plan.rotation.degrees), background=[0, 0, 0, 0])
        alpha = True
    if plan.quality in ("gray", "bitonal"):
        image = image.colourspace("b-w")
        if plan.quality == "bitonal":
            black_white = image[0] > 127
            image = black_white.bandjoin(image[1]) if alpha else black_white
    if alpha and plan.format not in FORMATS_WITH_ALPHA:
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.format != "uchar":
        image = image.cast("uchar")
    if plan.format == "jpg":
        return image.write_to_buffer(".jpg", Q=JPEG_QUALITY)
    if plan.format == "webp":
        return image.write_to_buffer(".webp", Q=JPEG_QUALITY)
    if plan.quality == "bitonal" and image.bands == 1:
        return image.write_to_buffer(".png", bitdepth=1)
    return image.write_to_buffer(".png")


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    candidates = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in candidates or etag in (c.removeprefix("W/") for c in candidates)


@iiif_endpoint
def image_request(
    request: HttpRequest, pk: int, region: str, size: str, rotation: str, quality: str, fmt: str
) -> HttpResponse:
    """{region}/{size}/{rotation}/{quality}.{format} of one mural (Image API 4)."""
    mural = get_mural(pk)
    return image_response(
        request,
        service_id(request, pk),
        (mural.width, mural.height),
        mural.checksum,
        lambda: pyramid_for(mural),
        (region, size, rotation, quality, fmt),
    )


def image_response(
    request: HttpRequest,
    base_id: str,
    full_size: tuple[int, int],
    checksum: str,
    pyramid: Callable[[], Pyramid],
    params: tuple[str, str, str, str, str],
) -> HttpResponse:
    """One image request (region, size, rotation, quality, format) of the service at base_id
    over an image of full_size (w, h) whose content checksum makes the ETag; the pyramid is
    opened only when the image must be rendered. Murals and derivatives share it."""
    width, height = full_size
    lim = limits()
    plan = plan_image_request(*params, width, height, lim)
    canonical = f"{base_id}/{canonical_path(plan, width, height, lim)}"
    digest = hashlib.sha256(f"{checksum}:{request.path}".encode()).hexdigest()[:32]
    etag = f'"{digest}"'
    if _etag_matches(request, etag):
        response = HttpResponse(status=304)
    else:
        body = render_image(pyramid(), plan)
        response = HttpResponse(body, content_type=plan.media_type)
    response["ETag"] = etag
    response["Cache-Control"] = IMAGE_CACHE_CONTROL
    response["Link"] = f'<{canonical}>;rel="canonical", <{PROFILE_URI}>;rel="profile"'
    return response
