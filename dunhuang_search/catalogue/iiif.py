"""IIIF endpoints: Image API 3.0 (level 2) cut from the mural pyramids, Presentation API 3.0.

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

from dunhuang_search.elements.models import Element
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
    max_size,
    parse_size,
    plan_image_request,
    preferred_sizes,
    resolve_size,
    scale_factors,
)
from .models import Mural

logger = logging.getLogger(__name__)

IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
PROFILE_URI = f"http://iiif.io/api/image/3/{PROFILE_LEVEL}.json"
JSON_LD_IMAGE = f'application/ld+json;profile="{IMAGE_CONTEXT}"'
JSON_LD_PRESENTATION = f'application/ld+json;profile="{PRESENTATION_CONTEXT}"'
JPEG_QUALITY = 85
THUMBNAIL_BOX = 320  # the catalogue's thumbnails use the same !320,320, so they share a cache
IMAGE_CACHE_CONTROL = "public, max-age=86400"
WALLS_ZH = {"south": "南壁", "north": "北壁", "east": "东壁", "west": "西壁", "ceiling": "窟顶"}


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


def _get_mural(pk: int) -> Mural:
    try:
        return Mural.objects.select_related("cave__site", "period").get(pk=pk)
    except Mural.DoesNotExist:
        raise IIIFError(404, f"no mural with id {pk}") from None


@functools.lru_cache(maxsize=16)  # each holds a file handle per pyramid level
def _open_pyramid(path: str, mtime_ns: int, size: int) -> Pyramid:
    return Pyramid(path)


def pyramid_for(mural: Mural) -> Pyramid:
    """The mural's pyramid, opened once per process (keyed by path, mtime and size)."""
    path = str(mural.pyramid_path)
    try:
        stat = os.stat(path)
    except OSError:
        logger.error("pyramid of mural %s is missing: %s", mural.pk, path)
        raise IIIFError(404, f"the image of mural {mural.pk} is missing on the server") from None
    return _open_pyramid(path, stat.st_mtime_ns, stat.st_size)


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
    _get_mural(pk)
    response = HttpResponse(status=303)
    response["Location"] = request.build_absolute_uri(reverse("iiif:info", args=[pk]))
    return response


def image_information(request: HttpRequest, mural: Mural, pyramid: Pyramid) -> dict:
    """The info.json document of a mural's image service."""
    lim = limits()
    tile = settings.IIIF_TILE_SIZE
    return {
        "@context": IMAGE_CONTEXT,
        "id": service_id(request, mural.pk),
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
        "partOf": [
            {
                "id": request.build_absolute_uri(reverse("iiif:manifest", args=[mural.pk])),
                "type": "Manifest",
                "label": {"en": [str(mural)]},
            }
        ],
    }


@iiif_endpoint
def image_info(request: HttpRequest, pk: int) -> HttpResponse:
    mural = _get_mural(pk)
    document = image_information(request, mural, pyramid_for(mural))
    response = JsonResponse(document, content_type=_info_media_type(request))
    response["Link"] = f'<{PROFILE_URI}>;rel="profile"'
    patch_vary_headers(response, ["Accept"])
    return response


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
    mural = _get_mural(pk)
    lim = limits()
    plan = plan_image_request(region, size, rotation, quality, fmt, mural.width, mural.height, lim)
    canonical = f"{service_id(request, pk)}/{canonical_path(plan, mural.width, mural.height, lim)}"
    digest = hashlib.sha256(f"{mural.checksum}:{request.path}".encode()).hexdigest()[:32]
    etag = f'"{digest}"'
    if _etag_matches(request, etag):
        response = HttpResponse(status=304)
    else:
        body = render_image(pyramid_for(mural), plan)
        response = HttpResponse(body, content_type=plan.media_type)
    response["ETag"] = etag
    response["Cache-Control"] = IMAGE_CACHE_CONTROL
    response["Link"] = f'<{canonical}>;rel="canonical", <{PROFILE_URI}>;rel="profile"'
    return response


def _language_map(en: str, zh: str = "") -> dict[str, list[str]]:
    return {"en": [en], "zh": [zh]} if zh else {"en": [en]}


def _metadata(mural: Mural) -> list[dict]:
    site, period = mural.cave.site, mural.period
    years = f"{period.start_year}–{period.end_year}"
    period_zh = f"{period.name_zh}（{years}年）" if period.name_zh else ""
    pairs = [
        (("Site", "遗址"), (site.name, site.name_zh)),
        (("Cave", "洞窟"), (str(mural.cave.number), "")),
        (("Wall", "位置"), (mural.wall, WALLS_ZH.get(mural.wall.lower(), ""))),
        (("Period", "时代"), (f"{period.name} ({years} CE)", period_zh)),
        (("Dimensions", "尺寸"), (f"{mural.width} × {mural.height} px", "")),
        (("dpi", ""), (str(mural.dpi) if mural.dpi else "unknown", "")),
    ]
    return [
        {"label": _language_map(*label), "value": _language_map(*value)} for label, value in pairs
    ]


def _label_zh(mural: Mural) -> str:
    site = mural.cave.site
    if not site.name_zh:
        return ""
    wall = WALLS_ZH.get(mural.wall.lower(), mural.wall)
    return f"{site.name_zh}第{mural.cave.number}窟{wall}"


def _element_annotations(mural: Mural, canvas_id: str, base: str) -> list[dict]:
    """One tagging annotation per element not rejected in review, its box clipped to the canvas."""
    rows = (
        Element.objects.shown()
        .filter(mural=mural)
        .exclude(review_state=Element.Review.REJECTED)
        .order_by("pk")
        .values_list("pk", "x", "y", "w", "h", "category__name", "category__name_zh")
    )
    annotations = []
    for pk, x, y, w, h, name, name_zh in rows:
        x, y = min(x, mural.width), min(y, mural.height)
        w, h = min(w, mural.width - x), min(h, mural.height - y)
        if w <= 0 or h <= 0:
            continue
        name = name or "Unclassified element"
        body = {"type": "TextualBody", "value": name, "language": "en", "format": "text/plain"}
        annotations.append(
            {
                "id": f"{base}/annotation/element-{pk}",
                "type": "Annotation",
                "motivation": "tagging",
                "label": _language_map(name, name_zh or ""),
                "body": {**body, "purpose": "tagging"},
                "target": f"{canvas_id}#xywh={x},{y},{w},{h}",
            }
        )
    return annotations


def _image_body(
    request: HttpRequest, mural: Mural, region: str, size: str, w: int, h: int
) -> dict:
    return {
        "id": image_url(request, mural.pk, region, size),
        "type": "Image",
        "format": "image/jpeg",
        "width": w,
        "height": h,
        "service": [
            {"id": service_id(request, mural.pk), "type": "ImageService3", "profile": PROFILE_LEVEL}
        ],
    }


def build_manifest(request: HttpRequest, mural: Mural) -> dict:
    """The Presentation 3 Manifest: one Canvas painted with the mural, elements as tags."""
    base = service_id(request, mural.pk)
    canvas_id = f"{base}/canvas/1"
    lim = limits()
    full_w, full_h = max_size(mural.width, mural.height, lim)
    thumb_size = f"!{THUMBNAIL_BOX},{THUMBNAIL_BOX}"
    thumb_w, thumb_h = resolve_size(parse_size(thumb_size), mural.width, mural.height, lim)
    period = mural.period
    return {
        "@context": PRESENTATION_CONTEXT,
        "id": request.build_absolute_uri(reverse("iiif:manifest", args=[mural.pk])),
        "type": "Manifest",
        "label": _language_map(str(mural), _label_zh(mural)),
        "summary": _language_map(
            f"{period.name} mural ({period.start_year}–{period.end_year} CE), "
            f"{mural.cave.site.name} cave {mural.cave.number}, {mural.wall} wall; "
            f"{mural.width} × {mural.height} px"
        ),
        "metadata": _metadata(mural),
        "thumbnail": [_image_body(request, mural, "full", thumb_size, thumb_w, thumb_h)],
        "homepage": [
            {
                "id": request.build_absolute_uri(reverse("catalogue:mural", args=[mural.pk])),
                "type": "Text",
                "label": _language_map(f"{mural} in Dunhuang Search"),
                "format": "text/html",
            }
        ],
        "items": [
            {
                "id": canvas_id,
                "type": "Canvas",
                "label": _language_map(str(mural)),
                "width": mural.width,
                "height": mural.height,
                "items": [
                    {
                        "id": f"{base}/page/painting",
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "id": f"{base}/annotation/painting",
                                "type": "Annotation",
                                "motivation": "painting",
                                "body": _image_body(request, mural, "full", "max", full_w, full_h),
                                "target": canvas_id,
                            }
                        ],
                    }
                ],
                "annotations": [
                    {
                        "id": f"{base}/page/elements",
                        "type": "AnnotationPage",
                        "items": _element_annotations(mural, canvas_id, base),
                    }
                ],
            }
        ],
    }


@iiif_endpoint
def manifest(request: HttpRequest, pk: int) -> HttpResponse:
    mural = _get_mural(pk)
    return JsonResponse(build_manifest(request, mural), content_type=JSON_LD_PRESENTATION)
