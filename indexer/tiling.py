"""Half-overlap sliding windows over a mural, as in "AI for Dunhuang".

Windows of T detector pixels step by T/2; the last row and column are aligned to the edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tile:
    """A window in full-resolution mural pixels, and where it sits in the tile grid."""

    index: int
    row: int
    col: int
    x: int
    y: int
    w: int
    h: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.x + self.w, self.y + self.h)


def axis_starts(length: int, window: int, stride: int) -> list[int]:
    """Window starts along one axis: 0, stride, 2*stride, ..., and length - window last."""
    if length <= 0 or window <= 0 or stride <= 0:
        raise ValueError("length, window and stride must be positive")
    if length <= window:
        return [0]
    starts = list(range(0, length - window + 1, stride))
    if starts[-1] != length - window:
        starts.append(length - window)
    return starts


def tile_mural(
    width: int, height: int, tile_size: int = 640, overlap: float = 0.5, scale: float = 1.0
) -> list[Tile]:
    """Tiles covering a width x height mural.

    tile_size is in detector pixels; `scale` maps mural pixels to detector pixels (0.5 shows
    a 600 dpi mural to a detector trained at 300 dpi), so a window spans tile_size / scale
    mural pixels. overlap is the fraction shared by neighbours (0.5: stride of half a tile).
    A mural smaller than one window is one tile of the mural's own size (no padding past
    the border, anywhere).
    """
    if not 0 <= overlap < 1:
        raise ValueError("overlap must be in [0, 1)")
    if scale <= 0:
        raise ValueError("scale must be positive")
    window = max(1, int(round(tile_size / scale)))
    stride = max(1, int(math.floor(window * (1 - overlap))))
    ys = axis_starts(height, window, stride)
    xs = axis_starts(width, window, stride)
    tiles = []
    for row, y in enumerate(ys):
        for col, x in enumerate(xs):
            tiles.append(
                Tile(len(tiles), row, col, x, y, min(window, width - x), min(window, height - y))
            )
    return tiles


def window_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Origins of `tile`-px windows overlapping by `overlap` that cover [0, length), the last
    flush with the end (for restoring or stylizing an image window by window)."""
    return axis_starts(length, tile, tile - overlap)


def blend_ramp(n: int, overlap: int, before: bool, after: bool) -> np.ndarray:
    """Weights along one side of an n-px window: rising over `overlap` px on the sides where a
    neighbouring window overlaps it, so that blended seams do not show."""
    r = np.ones(n, np.float32)
    k = min(overlap, n // 2)
    if k > 0:
        rise = (np.arange(k, dtype=np.float32) + 1) / (k + 1)
        if before:
            r[:k] = rise
        if after:
            r[n - k :] = rise[::-1]
    return r
