"""Large regions restored tile by tile at full resolution: overlapping windows, each restored
with its own context, blended with linear ramps across the overlaps. Rows are handed on as soon
as no later window touches them, so memory is bounded by a band of tile rows, not the region.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..tiling import blend_ramp, window_starts
from .errors import RestorationError

# read(x, y, w, h) -> (h, w, 3) uint8 for images, (h, w) uint8 (nonzero = lost) for masks
Reader = Callable[[int, int, int, int], np.ndarray]
Writer = Callable[[int, np.ndarray], None]  # write(y, rows): rows y .. y + len(rows) are done
TILES = {"pconv": (512, 64), "search-guided": (512, 64), "patchmatch": (512, 64)}
DEFAULT_TILE = (1024, 64)  # telea, ns: local methods, big windows


def restore_region(
    read_image: Reader,
    read_mask: Reader,
    width: int,
    height: int,
    method: str,
    write: Writer,
    tile: int | None = None,
    overlap: int | None = None,
    **params,
) -> dict:
    """Restore a width x height region window by window, writing finished rows as they come.
    Returns {"windows", "restored_windows", "tile", "overlap", "model"?}."""
    from .methods import call_method, check_method

    fn = check_method(method)
    dt, do = TILES.get(method, DEFAULT_TILE)
    tile, overlap = int(tile or dt), int(overlap if overlap is not None else do)
    if tile < 64 or not 0 <= overlap < tile // 2:
        raise RestorationError("tile must be >= 64 px and overlap under half a tile")
    xs, ys = window_starts(width, tile, overlap), window_starts(height, tile, overlap)
    acc = np.zeros((0, width, 3), np.float32)
    wsum = np.zeros((0, width), np.float32)
    lo = 0  # first row not yet written
    restored, details = 0, {}
    for r, y0 in enumerate(ys):
        h = min(tile, height - y0)
        grow = y0 + h - (lo + acc.shape[0])
        if grow > 0:
            acc = np.concatenate([acc, np.zeros((grow, width, 3), np.float32)])
            wsum = np.concatenate([wsum, np.zeros((grow, width), np.float32)])
        for c, x0 in enumerate(xs):
            w = min(tile, width - x0)
            lost = np.asarray(read_mask(x0, y0, w, h))
            if not lost.any():
                continue
            lost = np.where(lost != 0, 255, 0).astype(np.uint8)
            window = np.array(read_image(x0, y0, w, h), copy=True)
            window[lost > 0] = 0
            out, info = call_method(fn, window, lost, params)
            details.update({k: v for k, v in info.items() if k == "model"})
            restored += 1
            weight = np.outer(
                blend_ramp(h, overlap, r > 0, r < len(ys) - 1),
                blend_ramp(w, overlap, c > 0, c < len(xs) - 1),
            ) * (lost > 0)
            rows = slice(y0 - lo, y0 - lo + h)
            acc[rows, x0 : x0 + w] += out.astype(np.float32) * weight[..., None]
            wsum[rows, x0 : x0 + w] += weight
        done = ys[r + 1] if r + 1 < len(ys) else height
        if done > lo:
            n = done - lo
            rows = np.array(read_image(0, lo, width, n), dtype=np.uint8, copy=True)
            lost_rows = np.asarray(read_mask(0, lo, width, n)) != 0
            filled = acc[:n][lost_rows]  # only the lost pixels, in place from here on
            filled /= np.maximum(wsum[:n][lost_rows], 1e-6)[:, None]
            np.clip(np.rint(filled, out=filled), 0, 255, out=filled)
            rows[lost_rows] = filled.astype(np.uint8)
            write(lo, rows)
            acc, wsum, lo = acc[n:], wsum[n:], done
    return {"windows": len(xs) * len(ys), "restored_windows": restored, "tile": tile,
            "overlap": overlap, **details}


def array_reader(array: np.ndarray) -> Reader:
    return lambda x, y, w, h: array[y : y + h, x : x + w]


def tiled_restore(
    image: np.ndarray,
    lost: np.ndarray,
    method: str,
    tile: int | None = None,
    progress: Callable[[float], None] | None = None,
    **params,
) -> tuple[np.ndarray, dict]:
    """restore_region over in-memory arrays; returns (image, details). `progress(fraction)`
    is called as rows are finished."""
    out = np.empty_like(image)
    h, w = image.shape[:2]

    def write(y: int, rows: np.ndarray) -> None:
        out[y : y + rows.shape[0]] = rows
        if progress is not None:
            progress((y + rows.shape[0]) / h)

    details = restore_region(
        array_reader(image), array_reader(lost), w, h, method, write, tile=tile, **params
    )
    return out, {"tiled": details, **({"model": details["model"]} if "model" in details else {})}


def pyramid_reader(pyramid, x0: int, y0: int) -> Reader:
    """Full-resolution reads of a region of an indexer.imagery.Pyramid (mural coordinates)."""
    return lambda x, y, w, h: pyramid.read_full_res(x0 + x, y0 + y, w, h)
