"""A premultiplied RGBA patch that motifs paint on with cv2's anti-aliased primitives.

Shapes take float pixel coordinates (4 bits of sub-pixel precision); curves are plain point lists.
"""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np

from .palette import Colour

SHIFT = 4
MIN_ALPHA = 64  # fainter anti-aliasing fringes are dropped, so a label's edges are really painted


def _fixed(points) -> np.ndarray:
    return (
        np.round(np.asarray(points, np.float64) * (1 << SHIFT)).astype(np.int32).reshape(-1, 1, 2)
    )


class Canvas:
    """Drawing on a patch of `width` x `height`; `pixels` is premultiplied RGBA uint8.

    cv2's anti-aliased drawing blends every channel by coverage, which on premultiplied
    RGBA with opaque colours is exactly the "over" operator.
    """

    def __init__(self, width: int, height: int):
        self.pixels = np.zeros((max(1, height), max(1, width), 4), np.uint8)

    @property
    def width(self) -> int:
        return self.pixels.shape[1]

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    def fill(self, points, colour: Colour) -> None:
        cv2.fillPoly(self.pixels, [_fixed(points)], (*colour, 255), cv2.LINE_AA, SHIFT)

    def stroke(self, points, colour: Colour, thickness: float, closed: bool = False) -> None:
        t = max(1, int(round(thickness)))
        cv2.polylines(self.pixels, [_fixed(points)], closed, (*colour, 255), t, cv2.LINE_AA, SHIFT)

    def shape(self, points, colour: Colour, ink: Colour | None = None, line: float = 1.0) -> None:
        """A filled polygon, outlined in `ink` when given."""
        self.fill(points, colour)
        if ink is not None:
            self.stroke(points, ink, line, closed=True)

    def ellipse(
        self,
        centre,
        axes,
        colour: Colour,
        ink: Colour | None = None,
        line: float = 1.0,
        angle: float = 0.0,
    ) -> None:
        self.shape(ellipse_points(centre, axes, angle), colour, ink, line)

    def band(self, centreline, widths, colour: Colour, ink: Colour | None = None, line=1.0) -> None:
        """A strip of varying width along a centreline (limbs, ribbons, stems)."""
        self.shape(band_outline(centreline, widths), colour, ink, line)

    def mottle(self, rng: np.random.Generator, strength: float, grain: int = 6) -> None:
        """Uneven brushwork: darken the painted colours by a smooth random field."""
        h, w = self.height, self.width
        small = rng.random((max(2, h // grain), max(2, w // grain))).astype(np.float32)
        small = (255 * (1 - strength * small)).astype(np.uint8)
        field = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        factor = cv2.merge([field, field, field, np.full_like(field, 255)])
        self.pixels = cv2.multiply(self.pixels, factor, scale=1 / 255)

    def fade(self, opacity: float) -> None:
        """Worn pigment: scale the whole patch towards transparent."""
        if opacity < 1.0:
            self.pixels = cv2.convertScaleAbs(self.pixels, alpha=opacity)

    def finish(self, flip: bool = False) -> np.ndarray:
        """The patch with faint fringes dropped, mirrored left-right when `flip`."""
        _, keep = cv2.threshold(self.pixels[..., 3], MIN_ALPHA - 1, 255, cv2.THRESH_BINARY)
        pixels = cv2.bitwise_and(self.pixels, self.pixels, mask=keep)
        return cv2.flip(pixels, 1) if flip else pixels


def alpha_box(patch: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the painted (alpha > 0) pixels of an RGBA patch, or None if empty."""
    alpha = patch[..., 3] > 0
    rows = np.flatnonzero(alpha.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(alpha.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


class Frame:
    """Maps motif units (a figure of height 1, say) to canvas pixels: rotate, scale, move."""

    def __init__(self, scale: float, origin: tuple[float, float], angle: float = 0.0):
        self.scale = scale
        self.ox, self.oy = float(origin[0]), float(origin[1])
        rad = math.radians(angle)
        self.cos, self.sin = math.cos(rad) * scale, math.sin(rad) * scale

    def __call__(self, points) -> np.ndarray:
        pts = np.asarray(points, np.float64).reshape(-1, 2)
        x, y = pts[:, 0], pts[:, 1]
        return np.stack(
            [x * self.cos - y * self.sin + self.ox, x * self.sin + y * self.cos + self.oy], axis=1
        )

    def length(self, units: float) -> float:
        return units * self.scale


@functools.lru_cache(maxsize=512)
def _unit_arc(n: int, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.radians(np.linspace(start, end, n, endpoint=(end - start) < 360.0))
    return np.cos(t), np.sin(t)


def ellipse_points(centre, axes, angle: float = 0.0, start=0.0, end=360.0) -> np.ndarray:
    ax, ay = float(axes[0]), float(axes[1])
    n = int(min(96, max(12, (ax + ay) * 0.9)))
    cos, sin = _unit_arc(n, float(start), float(end))
    x, y = ax * cos, ay * sin
    if angle:
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        x, y = x * c - y * s, x * s + y * c
    return np.stack([x + float(centre[0]), y + float(centre[1])], axis=1)


def spline(points, per_segment: int = 12) -> np.ndarray:
    """A Catmull-Rom curve through the points (smooth ribbons, stems, folds)."""
    p = np.asarray(points, np.float64)
    if len(p) < 3:
        return p
    ext = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    t2, t3 = t * t, t * t * t
    out = []
    for i in range(1, len(ext) - 2):
        p0, p1, p2, p3 = ext[i - 1], ext[i], ext[i + 1], ext[i + 2]
        out.append(
            0.5
            * (
                2 * p1
                + (-p0 + p2) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                + (-p0 + 3 * p1 - 3 * p2 + p3) * t3
            )
        )
    out.append(p[-1:])
    return np.vstack(out)


def band_outline(centreline, widths) -> np.ndarray:
    """Polygon around a centreline with a (scalar or per-point) full width."""
    c = np.asarray(centreline, np.float64)
    w = np.broadcast_to(np.asarray(widths, np.float64), (len(c),))
    d = np.gradient(c, axis=0)
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    n = np.stack([-d[:, 1], d[:, 0]], axis=1) / norm[:, None]
    left = c + n * (w[:, None] / 2)
    right = c - n * (w[:, None] / 2)
    return np.vstack([left, right[::-1]])


def line_width(size: float, per: float = 90.0) -> float:
    """Ink outline width for a motif of `size` px (one pixel at least)."""
    return max(1.0, size / per)


def pointed_ellipse(centre, axes, point: float) -> np.ndarray:
    """An ellipse whose upper half rises to a point (mandorlas, petals)."""
    pts = ellipse_points((0, 0), axes)
    up = pts[:, 1] < 0
    k = -pts[up, 1] / axes[1]
    pts[up, 1] *= 1 + point * k**2
    pts[up, 0] *= 1 - 0.35 * point * k**3
    return pts + np.asarray(centre, np.float64)
