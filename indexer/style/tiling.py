"""Large images stylized tile by tile at full resolution: overlapping windows, each stylized on
its own, blended with linear ramps across the overlaps. Rows are handed on as soon as no later
window touches them, so memory is bounded by a band of tile rows, not by the image (a 4,000 px
photo, or a mural region read from its pyramid). The same shape as indexer/restoration/tiled.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..tiling import blend_ramp, window_starts
from .errors import StyleError

Reader = Callable[[int, int, int, int], np.ndarray]  # read(x, y, w, h) -> (h, w, 3) uint8
Writer = Callable[[int, np.ndarray], None]  # write(y, rows): rows y .. y + len(rows) are done
TileFn = Callable[[np.ndarray, int, int], np.ndarray]  # fn(window, x0, y0): same size out
Progress = Callable[[int, int], None]  # progress(windows done, windows in all)


def stylize_region(
    read: Reader,
    width: int,
    height: int,
    fn: TileFn,
    write: Writer,
    tile: int,
    overlap: int,
    progress: Progress | None = None,
) -> dict:
    """Stylize a width x height image window by window with `fn`, writing finished rows;
    `progress(done, total)` is called after each window."""
    tile, overlap = int(tile), int(overlap)
    if tile < 32 or not 0 <= overlap < tile // 2:
        raise StyleError("tile must be >= 32 px and the overlap under half a tile")
    xs, ys = window_starts(width, tile, overlap), window_starts(height, tile, overlap)
    acc = np.zeros((0, width, 3), np.float32)
    wsum = np.zeros((0, width), np.float32)
    lo = 0
    for r, y0 in enumerate(ys):
        h = min(tile, height - y0)
        grow = y0 + h - (lo + acc.shape[0])
        if grow > 0:
            acc = np.concatenate([acc, np.zeros((grow, width, 3), np.float32)])
            wsum = np.concatenate([wsum, np.zeros((grow, width), np.float32)])
        for c, x0 in enumerate(xs):
            w = min(tile, width - x0)
            out = fn(np.ascontiguousarray(read(x0, y0, w, h)), x0, y0)
            if out.shape[:2] != (h, w):
                raise StyleError(f"a tile came back {out.shape[1]}x{out.shape[0]}, not {w}x{h}")
            weight = np.outer(
                blend_ramp(h, overlap, r > 0, r < len(ys) - 1),
                blend_ramp(w, overlap, c > 0, c < len(xs) - 1),
            )
            rows = slice(y0 - lo, y0 - lo + h)
            acc[rows, x0 : x0 + w] += out.astype(np.float32) * weight[..., None]
            wsum[rows, x0 : x0 + w] += weight
            if progress is not None:
                progress(r * len(xs) + c + 1, len(xs) * len(ys))
        done = ys[r + 1] if r + 1 < len(ys) else height
        if done > lo:
            n = done - lo
            rows = acc[:n] / np.maximum(wsum[:n], 1e-6)[..., None]
            write(lo, np.clip(np.rint(rows), 0, 255).astype(np.uint8))
            acc, wsum, lo = acc[n:], wsum[n:], done
    return {"windows": len(xs) * len(ys), "tile": tile, "overlap": overlap}


def array_reader(array: np.ndarray) -> Reader:
    return lambda x, y, w, h: array[y : y + h, x : x + w]


def tiled(
    image: np.ndarray, fn: TileFn, tile: int, overlap: int, progress: Progress | None = None
) -> tuple[np.ndarray, dict]:
    """stylize_region over an in-memory array: (image, details)."""
    out = np.empty_like(image)

    def write(y: int, rows: np.ndarray) -> None:
        out[y : y + rows.shape[0]] = rows

    h, w = image.shape[:2]
    return out, stylize_region(array_reader(image), w, h, fn, write, tile, overlap, progress)
