"""IIIF Image API 3.0 request parameters: parsing, region and size arithmetic, canonical forms.

Pure Python (no Django, no pyvips): every rule of the spec's sections 4.1-4.7 is testable here.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

PROFILE_LEVEL = "level2"
QUALITIES = ("default", "color", "gray", "bitonal")
FORMATS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
FORMATS_WITH_ALPHA = ("png", "webp")
# Every feature the service really supports (level2 implies most; listing them all helps
# clients that read extraFeatures instead of the profile).
FEATURES = (
    "baseUriRedirect",
    "canonicalLinkHeader",
    "cors",
    "jsonldMediaType",
    "mirroring",
    "profileLinkHeader",
    "regionByPct",
    "regionByPx",
    "regionSquare",
    "rotationArbitrary",
    "rotationBy90s",
    "sizeByConfinedWh",
    "sizeByH",
    "sizeByPct",
    "sizeByW",
    "sizeByWh",
    "sizeUpscaling",
)
_KNOWN_FORMATS = ("tif", "gif", "jp2", "pdf")  # in the spec, not served here
_MAX_DIGITS = 15  # longer numbers are refused before any arithmetic
_INT = r"[0-9]+"
_DECIMAL = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"  # ASCII digits only


class IIIFParamError(ValueError):
    """A bad image request; `parameter` names the offending part, `status` the HTTP code."""

    def __init__(self, parameter: str, message: str, status: int = 400):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.status = status


@dataclass(frozen=True)
class Limits:
    """Server limits on the output image (info.json maxWidth, maxHeight, maxArea)."""

    max_width: int
    max_height: int
    max_area: int


@dataclass(frozen=True)
class Box:
    """A rectangle in full-resolution image pixels."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class RegionSpec:
    kind: str  # full | square | px | pct
    values: tuple[Fraction, ...] = ()


@dataclass(frozen=True)
class SizeSpec:
    kind: str  # max | w | h | wh | confined | pct
    w: int | None = None
    h: int | None = None
    pct: Fraction | None = None
    upscale: bool = False


@dataclass(frozen=True)
class Rotation:
    degrees: Fraction  # 0 <= degrees < 360
    mirror: bool = False

    @property
    def by_90s(self) -> bool:
        return self.degrees % 90 == 0


@dataclass(frozen=True)
class ImagePlan:
    """What to read, how large to make it and how to transform and encode it."""

    region: Box
    width: int  # output size before rotation
    height: int
    rotation: Rotation
    quality: str
    format: str

    @property
    def media_type(self) -> str:
        return FORMATS[self.format]

    @property
    def upscaled(self) -> bool:
        return self.width > self.region.w or self.height > self.region.h


def _number(parameter: str, text: str, pattern: str) -> Fraction:
    if text.startswith("-"):
        raise IIIFParamError(parameter, f"negative numbers are not allowed ('{text}')")
    if not re.fullmatch(pattern, text):
        raise IIIFParamError(parameter, f"'{text}' is not a valid number here")
    if len(text.split(".")[0]) > _MAX_DIGITS:
        raise IIIFParamError(parameter, f"'{text}' is too large")
    return Fraction(text)


def _numbers(parameter: str, text: str, count: int, pattern: str) -> tuple[Fraction, ...]:
    parts = text.split(",")
    if len(parts) != count:
        raise IIIFParamError(parameter, f"expected {count} comma-separated numbers, got '{text}'")
    return tuple(_number(parameter, part, pattern) for part in parts)


def parse_region(text: str) -> RegionSpec:
    """full | square | x,y,w,h | pct:x,y,w,h (section 4.1)."""
    if text in ("full", "square"):
        return RegionSpec(text)
    if text.startswith("pct:"):
        values = _numbers("region", text[4:], 4, _DECIMAL)
        kind = "pct"
    else:
        values = _numbers("region", text, 4, _INT)
        kind = "px"
    if values[2] == 0 or values[3] == 0:
        raise IIIFParamError("region", f"width and height must be greater than 0 ('{text}')")
    return RegionSpec(kind, values)


def parse_size(text: str) -> SizeSpec:
    """max | w, | ,h | w,h | !w,h | pct:n, each optionally prefixed by ^ (section 4.2)."""
    upscale = text.startswith("^")
    body = text[1:] if upscale else text
    if body == "max":
        return SizeSpec("max", upscale=upscale)
    if body.startswith("pct:"):
        pct = _number("size", body[4:], _DECIMAL)
        if pct == 0:
            raise IIIFParamError("size", "pct:0 asks for an empty image")
        if pct > 100 and not upscale:
            raise IIIFParamError("size", f"pct:{body[4:]} is over 100 without the ^ prefix")
        return SizeSpec("pct", pct=pct, upscale=upscale)
    confined = body.startswith("!")
    if confined:
        body = body[1:]
    if body.count(",") != 1:
        raise IIIFParamError("size", f"'{text}' is not max, w, ,h, w,h, !w,h or pct:n")
    w_text, h_text = body.split(",")
    if confined and (not w_text or not h_text):
        raise IIIFParamError("size", f"'{text}': !w,h needs both a width and a height")
    if not w_text and not h_text:
        raise IIIFParamError("size", f"'{text}' gives neither a width nor a height")
    w = int(_number("size", w_text, _INT)) if w_text else None
    h = int(_number("size", h_text, _INT)) if h_text else None
    if w == 0 or h == 0:
        raise IIIFParamError("size", f"'{text}' asks for an image 0 pixels wide or high")
    kind = "confined" if confined else "wh" if w and h else "w" if w else "h"
    return SizeSpec(kind, w=w, h=h, upscale=upscale)


def parse_rotation(text: str) -> Rotation:
    """n or !n with 0 <= n <= 360 degrees clockwise; ! mirrors first (section 4.3)."""
    mirror = text.startswith("!")
    degrees = _number("rotation", text[1:] if mirror else text, _DECIMAL)
    if degrees > 360:
        raise IIIFParamError("rotation", f"'{text}' is over 360 degrees")
    return Rotation(degrees % 360, mirror)


def parse_quality(text: str) -> str:
    if text not in QUALITIES:
        raise IIIFParamError("quality", f"'{text}' is not one of {', '.join(QUALITIES)}")
    return text


def parse_format(text: str) -> str:
    if text in FORMATS:
        return text
    served = ", ".join(FORMATS)
    if text in _KNOWN_FORMATS:
        raise IIIFParamError("format", f"'{text}' is not served here (use {served})")
    raise IIIFParamError("format", f"'{text}' is not a known format (use {served})")


def _round_half_up(numerator: Fraction | int, denominator: Fraction | int = 1) -> int:
    return math.floor(Fraction(numerator) / Fraction(denominator) + Fraction(1, 2))


def resolve_region(spec: RegionSpec, width: int, height: int) -> Box:
    """The requested region in image pixels, cropped to the image; 400 if nothing is left."""
    if spec.kind == "full":
        return Box(0, 0, width, height)
    if spec.kind == "square":
        side = min(width, height)
        return Box((width - side) // 2, (height - side) // 2, side, side)
    if spec.kind == "pct":
        px, py, pw, ph = spec.values
        x, w = _round_half_up(px * width, 100), _round_half_up(pw * width, 100)
        y, h = _round_half_up(py * height, 100), _round_half_up(ph * height, 100)
        if w == 0 or h == 0:
            raise IIIFParamError("region", "the percentage region is smaller than one pixel")
    else:
        x, y, w, h = (int(v) for v in spec.values)
    if x >= width or y >= height:
        raise IIIFParamError(
            "region", f"({x}, {y}) lies outside the {width}x{height} image"
        )
    return Box(x, y, min(w, width - x), min(h, height - y))


def _confine(rw: int, rh: int, box_w: int, box_h: int) -> tuple[int, int]:
    """The largest rw:rh size that fits in box_w x box_h (aspect kept, rounded half up)."""
    if box_w * rh <= box_h * rw:
        return box_w, _round_half_up(rh * box_w, rw)
    return _round_half_up(rw * box_h, rh), box_h


def _within_area(rw: int, rh: int, w: int, h: int, max_area: int) -> tuple[int, int]:
    if w * h <= max_area:
        return w, h
    scale = math.sqrt(max_area / (rw * rh))
    w, h = max(1, min(w, math.floor(rw * scale))), max(1, min(h, math.floor(rh * scale)))
    while w * h > max_area:
        if w >= h:
            w -= 1
        else:
            h -= 1
    return w, h


def max_size(rw: int, rh: int, limits: Limits, upscale: bool = False) -> tuple[int, int]:
    """The `max` (or `^max`) size of an rw x rh region under the server limits."""
    box_w, box_h = limits.max_width, limits.max_height
    if not upscale:
        box_w, box_h = min(box_w, rw), min(box_h, rh)
    w, h = _confine(rw, rh, box_w, box_h)
    return _within_area(rw, rh, max(1, w), max(1, h), limits.max_area)


def resolve_size(spec: SizeSpec, rw: int, rh: int, limits: Limits) -> tuple[int, int]:
    """Output width and height for an rw x rh region; IIIFParamError where the spec says 400."""
    if spec.kind == "max":
        return max_size(rw, rh, limits, spec.upscale)
    if spec.kind == "confined":
        box_w, box_h = min(spec.w, limits.max_width), min(spec.h, limits.max_height)
        if not spec.upscale:
            box_w, box_h = min(box_w, rw), min(box_h, rh)
        w, h = _confine(rw, rh, box_w, box_h)
        if w == 0 or h == 0:
            raise IIIFParamError("size", f"!{spec.w},{spec.h} leaves an image under one pixel")
        return _within_area(rw, rh, w, h, limits.max_area)
    if spec.kind == "pct":
        w, h = _round_half_up(rw * spec.pct, 100), _round_half_up(rh * spec.pct, 100)
    elif spec.kind == "w":
        w, h = spec.w, _round_half_up(rh * spec.w, rw)
    elif spec.kind == "h":
        w, h = _round_half_up(rw * spec.h, rh), spec.h
    else:
        w, h = spec.w, spec.h
    if w == 0 or h == 0:
        raise IIIFParamError("size", f"the result would be {w}x{h} pixels, under one pixel")
    if not spec.upscale and (w > rw or h > rh):
        raise IIIFParamError(
            "size",
            f"{w}x{h} is larger than the {rw}x{rh} region; prefix the size with ^ to upscale",
        )
    if w > limits.max_width or h > limits.max_height or w * h > limits.max_area:
        raise IIIFParamError(
            "size",
            f"{w}x{h} exceeds the limits (maxWidth {limits.max_width}, maxHeight "
            f"{limits.max_height}, maxArea {limits.max_area})",
        )
    return w, h


def plan_image_request(
    region: str,
    size: str,
    rotation: str,
    quality: str,
    fmt: str,
    width: int,
    height: int,
    limits: Limits,
) -> ImagePlan:
    """Parse and resolve every parameter of an image request against a width x height image."""
    region_spec = parse_region(region)
    size_spec = parse_size(size)
    rotation_value = parse_rotation(rotation)
    quality_value = parse_quality(quality)
    format_value = parse_format(fmt)
    box = resolve_region(region_spec, width, height)
    out_w, out_h = resolve_size(size_spec, box.w, box.h, limits)
    return ImagePlan(box, out_w, out_h, rotation_value, quality_value, format_value)


def _decimal_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.10f}".rstrip("0").rstrip(".")


def canonical_path(plan: ImagePlan, width: int, height: int, limits: Limits) -> str:
    """region/size/rotation/quality.format in the canonical syntax of section 4.7."""
    box = plan.region
    if (box.x, box.y, box.w, box.h) == (0, 0, width, height):
        region = "full"
    else:
        region = f"{box.x},{box.y},{box.w},{box.h}"
    if (plan.width, plan.height) == max_size(box.w, box.h, limits):
        size = "max"
    else:
        size = f"{'^' if plan.upscaled else ''}{plan.width},{plan.height}"
    rotation = ("!" if plan.rotation.mirror else "") + _decimal_text(plan.rotation.degrees)
    return f"{region}/{size}/{rotation}/{plan.quality}.{plan.format}"


def scale_factors(level_sizes: list[tuple[int, int]]) -> list[int]:
    """Scale factors of a pyramid whose level k is the full image halved k times."""
    return [2**k for k in range(len(level_sizes))]


def preferred_sizes(level_sizes: list[tuple[int, int]], limits: Limits) -> list[dict]:
    """info.json `sizes`: the pyramid levels within the limits, smallest first."""
    sizes = [
        {"width": w, "height": h}
        for w, h in level_sizes
        if w <= limits.max_width and h <= limits.max_height and w * h <= limits.max_area
    ]
    return sorted(sizes, key=lambda s: s["width"] * s["height"])
