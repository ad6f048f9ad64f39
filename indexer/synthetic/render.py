"""Renders any rectangle of a planned mural, so big murals stream strip by strip.

Every pixel is a function of its mural coordinates alone: regions join without seams.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from .motifs import draw_motif
from .palette import PLASTER
from .spec import DAMAGE, MuralSpec, Paint

BUCKET = 256  # rows per bucket of the paint index
_TEXTURE_PERIOD = 1021  # grain repeats every 1021 px (prime: no seams aligned with tiles)
_LOWFREQ_CELLS = (173, 611, 467)
STAIN: tuple[int, int, int] = (72, 56, 44)  # soot and water stains
_STEP = 8  # the slow fields (tone, fading) are sampled every 8 px


def _tileable_noise(rng: np.random.Generator, period: int, sigma: float) -> np.ndarray:
    noise = rng.standard_normal((period, period)).astype(np.float32)
    pad = int(4 * sigma) + 2
    wrapped = np.pad(noise, pad, mode="wrap")
    smooth = cv2.GaussianBlur(wrapped, (0, 0), sigma)[pad : pad + period, pad : pad + period]
    return (smooth / max(1e-6, float(smooth.std()))).astype(np.float32)


def _wrapped(texture: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """texture[y % P, x % P] over the region, copied slice by slice."""
    period = texture.shape[0]
    out = np.empty((y1 - y0, x1 - x0), texture.dtype)
    y = y0
    while y < y1:
        ty = y % period
        ny = min(y1 - y, period - ty)
        x = x0
        while x < x1:
            tx = x % period
            nx = min(x1 - x, period - tx)
            out[y - y0 : y - y0 + ny, x - x0 : x - x0 + nx] = texture[ty : ty + ny, tx : tx + nx]
            x += nx
        y += ny
    return out


def _lowfreq(grid: np.ndarray, cell: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Smooth noise in [0, 1] at the given coordinates: a coarse random grid, smoothstep-blended."""
    iy = ys // cell
    fy = ((ys % cell) / cell).astype(np.float32)
    fy = fy * fy * (3 - 2 * fy)
    ix = xs // cell
    fx = ((xs % cell) / cell).astype(np.float32)
    fx = fx * fx * (3 - 2 * fx)
    rows = grid[iy] * (1 - fy)[:, None] + grid[iy + 1] * fy[:, None]
    return rows[:, ix] * (1 - fx) + rows[:, ix + 1] * fx


def _expand(coarse: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """Blocks of _STEP x _STEP pixels (aligned to mural coordinates) cut to the region."""
    rows, cols = coarse.shape
    full = np.broadcast_to(coarse[:, None, :, None], (rows, _STEP, cols, _STEP)).reshape(
        rows * _STEP, cols * _STEP
    )
    oy, ox = y0 - (y0 // _STEP) * _STEP, x0 - (x0 // _STEP) * _STEP
    return full[oy : oy + y1 - y0, ox : ox + x1 - x0]


def _expand_channels(coarse: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    rows, cols, bands = coarse.shape
    full = np.broadcast_to(coarse[:, None, :, None], (rows, _STEP, cols, _STEP, bands)).reshape(
        rows * _STEP, cols * _STEP, bands
    )
    oy, ox = y0 - (y0 // _STEP) * _STEP, x0 - (x0 // _STEP) * _STEP
    return full[oy : oy + y1 - y0, ox : ox + x1 - x0]


@functools.lru_cache(maxsize=4)
def _textures(seed: int, width: int, height: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The grain texture and the coarse grids of the slow fields of one mural (read-only)."""
    rng = np.random.default_rng([seed, 7919])
    grain = _tileable_noise(rng, _TEXTURE_PERIOD, 0.7)
    grain += _tileable_noise(rng, _TEXTURE_PERIOD, 6.0) * np.float32(0.8)
    grain *= np.float32(5.0)
    grids = [
        rng.random((height // cell + 2, width // cell + 2)).astype(np.float32)
        for cell in _LOWFREQ_CELLS
    ]
    for array in (grain, *grids):
        array.flags.writeable = False
    return grain, grids


class MuralRenderer:
    """Renders regions of one mural; keeps the patches of paints that the next strip needs."""

    def __init__(self, spec: MuralSpec):
        self.spec = spec
        paints = spec.paints
        self._x0 = np.array([p.x for p in paints], np.int64)
        self._y0 = np.array([p.y for p in paints], np.int64)
        self._x1 = self._x0 + np.array([p.w for p in paints], np.int64)
        self._y1 = self._y0 + np.array([p.h for p in paints], np.int64)
        self._buckets: dict[int, list[int]] = {}
        last = (spec.height - 1) // BUCKET
        for i, p in enumerate(paints):
            for b in range(max(0, p.y // BUCKET), min(last, (p.y + p.h - 1) // BUCKET) + 1):
                self._buckets.setdefault(b, []).append(i)
        self._grain, self._grids = _textures(spec.seed, spec.width, spec.height)
        self._cache: dict[int, np.ndarray] = {}

    def patch(self, index: int) -> np.ndarray:
        """The RGBA patch of one paint (the unit tile for repeated bands)."""
        if index not in self._cache:
            p = self.spec.paints[index]
            canvas = draw_motif(p.motif, p.seed, p.size, p.params)
            if p.repeat:
                patch = canvas
            else:
                cx, cy = p.crop
                patch = canvas[cy : cy + p.h, cx : cx + p.w]
                if patch.shape[:2] != (p.h, p.w):
                    raise RuntimeError(f"{p.motif} drew {patch.shape[:2]}, planned {(p.h, p.w)}")
            self._cache[index] = patch
        return self._cache[index]

    def forget_above(self, y: int) -> None:
        """Drop cached patches that end above row y (the strips there are done)."""
        for i in [i for i in self._cache if self._y1[i] <= y]:
            del self._cache[i]

    def _paints_in(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        found = [self._buckets.get(b, ()) for b in range(y0 // BUCKET, (y1 - 1) // BUCKET + 1)]
        if not any(found):
            return np.zeros(0, np.int64)
        idx = np.unique(np.concatenate([np.asarray(f, np.int64) for f in found]))
        hit = (
            (self._x0[idx] < x1)
            & (self._x1[idx] > x0)
            & (self._y0[idx] < y1)
            & (self._y1[idx] > y0)
        )
        return idx[hit]

    def _composite(self, img: np.ndarray, index: int, x0: int, y0: int) -> None:
        p: Paint = self.spec.paints[index]
        h, w = img.shape[:2]
        ax0, ay0 = max(p.x, x0), max(p.y, y0)
        ax1, ay1 = min(p.x + p.w, x0 + w), min(p.y + p.h, y0 + h)
        patch = self.patch(index)
        if p.repeat == "x":
            cols = (np.arange(ax0, ax1) - p.x) % patch.shape[1]
            sub = patch[ay0 - p.y : ay1 - p.y][:, cols]
        elif p.repeat == "y":
            rows = (np.arange(ay0, ay1) - p.y) % patch.shape[0]
            sub = patch[rows][:, ax0 - p.x : ax1 - p.x]
        else:
            sub = patch[ay0 - p.y : ay1 - p.y, ax0 - p.x : ax1 - p.x]
        dst = img[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0]
        alpha = sub[..., 3:4].astype(np.float32) * np.float32(1 / 255)
        dst *= 1 - alpha
        dst += sub[..., :3]

    def region(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """Pixels [y0:y1, x0:x1] of the mural as (y1-y0, x1-x0, 3) uint8 RGB."""
        spec = self.spec
        if not (0 <= x0 < x1 <= spec.width and 0 <= y0 < y1 <= spec.height):
            raise ValueError(f"region {(x0, y0, x1, y1)} is outside {spec.width}x{spec.height}")
        img = np.empty((y1 - y0, x1 - x0, 3), np.float32)
        for panel in spec.panels:
            px0, py0 = max(panel.x, x0), max(panel.y, y0)
            px1, py1 = min(panel.x + panel.w, x1), min(panel.y + panel.h, y1)
            if px0 < px1 and py0 < py1:
                img[py0 - y0 : py1 - y0, px0 - x0 : px1 - x0] = panel.colour
        found = self._paints_in(x0, y0, x1, y1)
        layers = np.array([spec.paints[i].layer for i in found], np.int64)
        for i in found[layers < DAMAGE]:
            self._composite(img, int(i), x0, y0)
        self._age(img, x0, y0, x1, y1)
        for i in found[layers >= DAMAGE]:
            self._composite(img, int(i), x0, y0)
        np.clip(img, 0, 255, out=img)
        return np.rint(img).astype(np.uint8)

    def _age(self, img: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
        """Faded pigment, uneven plaster and grain, all by mural coordinates."""
        ys = np.arange(y0 // _STEP, (y1 - 1) // _STEP + 1) * _STEP + _STEP // 2
        xs = np.arange(x0 // _STEP, (x1 - 1) // _STEP + 1) * _STEP + _STEP // 2
        tone = _lowfreq(self._grids[0], _LOWFREQ_CELLS[0], xs, ys)
        fade = _lowfreq(self._grids[1], _LOWFREQ_CELLS[1], xs, ys) * np.float32(
            self.spec.fading * 1.6
        )
        stain = _lowfreq(self._grids[2], _LOWFREQ_CELLS[2], xs, ys)
        stain = np.clip((stain - np.float32(0.8)) * np.float32(self.spec.staining), 0, 0.6)
        light = np.float32(0.92) + np.float32(0.16) * tone
        keep = (1 - fade) * light * (1 - stain)
        tint = (fade * light * (1 - stain))[..., None] * np.asarray(PLASTER, np.float32)
        tint += stain[..., None] * np.asarray(STAIN, np.float32)
        tint = np.ascontiguousarray(_expand_channels(tint, x0, y0, x1, y1))
        tint += _wrapped(self._grain, x0, y0, x1, y1)[..., None]
        img *= _expand(keep, x0, y0, x1, y1)[..., None]
        img += tint


def render_region(spec: MuralSpec, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    return MuralRenderer(spec).region(x0, y0, x1, y1)


def render_strip(spec: MuralSpec, y0: int, y1: int) -> np.ndarray:
    """Rows [y0:y1] of the mural, (y1-y0, width, 3) uint8."""
    return MuralRenderer(spec).region(0, y0, spec.width, y1)


def render_mural(spec: MuralSpec) -> np.ndarray:
    """The whole mural in memory: for small murals only."""
    return MuralRenderer(spec).region(0, 0, spec.width, spec.height)
