"""Damage masks (8-bit, nonzero = lost): the paper's simulated dust-like and jelly-like masks,
masks grown from a few clicks, and suggested losses (pale, low-saturation plaster and flakes).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import RestorationError

LOST = 255
CANVAS = 256
DEFAULT_STEPS = 10_000
LEVELS: tuple[str, ...] = ("light", "heavy")
CLICK_METHODS: tuple[str, ...] = ("grabcut", "watershed")
# GrabCut beat watershed on clicked synthetic flakes (docs/decisions.md, "Masks from clicks").
DEFAULT_CLICK_METHOD = "grabcut"
_MOVES = np.array([(0, 1), (0, -1), (1, 0), (-1, 0)], dtype=np.int64)


@dataclass(frozen=True)
class WalkPreset:
    """How one loss level paints: `walkers` random walks of `steps`, a brush of `brush` px."""

    walkers: int
    brush: int
    close: int = 0  # jelly only: closing, opening and erosion kernel diameters
    open: int = 0
    erode: int = 0


# Calibrated on 256 x 256 canvases (mean lost fraction over seeds, see the mask tests):
# dust light ~4 %, heavy ~23 %; jelly light ~5 %, heavy ~33 %.
DUST_PRESETS = {"light": WalkPreset(1, 1), "heavy": WalkPreset(5, 2)}
JELLY_PRESETS = {"light": WalkPreset(1, 1, 9, 7, 3), "heavy": WalkPreset(7, 2, 15, 9, 5)}


def _preset(presets: dict[str, WalkPreset], level: str) -> WalkPreset:
    if level not in presets:
        raise RestorationError(f"unknown loss level {level!r}: use {' or '.join(LEVELS)}")
    return presets[level]


def _size(size: int | tuple[int, int]) -> tuple[int, int]:
    h, w = (size, size) if isinstance(size, int) else size
    if h < 1 or w < 1:
        raise RestorationError(f"mask size must be positive, not {w}x{h}")
    return int(h), int(w)


def _reflect(p: np.ndarray, n: int) -> np.ndarray:
    if n == 1:
        return np.zeros_like(p)
    period = 2 * (n - 1)
    p = np.mod(p, period)
    return np.where(p > n - 1, period - p, p)


def random_walk(
    size: int | tuple[int, int], steps: int, walkers: int, rng: np.random.Generator
) -> np.ndarray:
    """`walkers` 4-connected random walks of `steps` each from random starts, reflected at the
    borders; every visited pixel is lost."""
    h, w = _size(size)
    if steps < 1 or walkers < 1:
        raise RestorationError("a random walk needs at least one step and one walker")
    mask = np.zeros((h, w), np.uint8)
    for _ in range(walkers):
        start = np.array([rng.integers(0, h), rng.integers(0, w)])
        path = np.cumsum(_MOVES[rng.integers(0, 4, steps)], axis=0) + start
        mask[_reflect(path[:, 0], h), _reflect(path[:, 1], w)] = LOST
    return mask


def _disc(diameter: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))


def _brush(mask: np.ndarray, brush: int) -> np.ndarray:
    return cv2.dilate(mask, np.ones((brush, brush), np.uint8)) if brush > 1 else mask


def dust_mask(
    size: int | tuple[int, int] = CANVAS,
    level: str = "light",
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
) -> np.ndarray:
    """The paper's dust-like mask: random walks on the canvas, each visited pixel lost."""
    preset = _preset(DUST_PRESETS, level)
    rng = np.random.default_rng(seed)
    return _brush(random_walk(size, steps, preset.walkers, rng), preset.brush)


def jelly_mask(
    size: int | tuple[int, int] = CANVAS,
    level: str = "light",
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
) -> np.ndarray:
    """The paper's jelly-like mask: a dust-like walk whose small noise is removed and whose
    irregular blocks are kept, by closing, opening and erosion."""
    preset = _preset(JELLY_PRESETS, level)
    rng = np.random.default_rng(seed)
    mask = _brush(random_walk(size, steps, preset.walkers, rng), preset.brush)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _disc(preset.close))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _disc(preset.open))
    return cv2.erode(mask, _disc(preset.erode))


MASK_KINDS = {"dust": dust_mask, "jelly": jelly_mask}


def simulated_mask(
    kind: str, level: str, seed: int, size: int | tuple[int, int] = CANVAS
) -> np.ndarray:
    """A dust or jelly mask by name."""
    if kind not in MASK_KINDS:
        raise RestorationError(f"unknown mask kind {kind!r}: use {' or '.join(MASK_KINDS)}")
    return MASK_KINDS[kind](size, level, seed)


def lost_fraction(mask: np.ndarray) -> float:
    return float(np.count_nonzero(mask)) / max(1, mask.size)


def as_mask(mask: np.ndarray, shape: tuple[int, int] | None = None) -> np.ndarray:
    """An 8-bit mask (nonzero = lost) as 0/255 uint8 (H, W), checked against `shape` (h, w).

    Accepts (H, W), (H, W, 1) and (H, W, 3|4) arrays (a brushed mask from the browser or a
    PNG); colour masks are lost where any band is nonzero.
    """
    mask = np.asarray(mask)
    if mask.ndim == 3:
        mask = (mask[..., :3] if mask.shape[2] >= 3 else mask).max(axis=2)
    if mask.ndim != 2 or mask.size == 0:
        raise RestorationError(f"a mask must be a 2-D 8-bit image, not an array of {mask.shape}")
    if mask.dtype == np.bool_ or np.issubdtype(mask.dtype, np.number):
        mask = np.where(mask != 0, LOST, 0).astype(np.uint8)
    else:
        raise RestorationError(f"a mask must be an 8-bit image, not {mask.dtype}")
    if shape is not None and mask.shape != tuple(shape):
        h, w = mask.shape
        raise RestorationError(
            f"the mask is {w}x{h} but the image is {shape[1]}x{shape[0]}: they must match"
        )
    return mask


def read_mask(path: str | os.PathLike, shape: tuple[int, int] | None = None) -> np.ndarray:
    """An 8-bit mask file (PNG, TIFF, ...; nonzero = lost), checked against `shape`."""
    path = Path(path)
    if not path.is_file():
        raise RestorationError(f"no such mask file: {path}")
    data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if data is None:
        raise RestorationError(f"{path.name} is not an image that can be read as a mask")
    return as_mask(data, shape)


def _click_seeds(
    shape: tuple[int, int], clicks: Sequence[tuple[int, int]], radius: int
) -> np.ndarray:
    h, w = shape
    if not 1 <= len(clicks) <= 3:
        raise RestorationError(f"give 1 to 3 clicks on the damage, not {len(clicks)}")
    seeds = np.zeros(shape, np.uint8)
    for x, y in clicks:
        if not (0 <= x < w and 0 <= y < h):
            raise RestorationError(f"click ({x}, {y}) is outside the {w}x{h} image")
        cv2.circle(seeds, (int(x), int(y)), radius, 1, -1)
    return seeds


def _grabcut(image: np.ndarray, seeds: np.ndarray, reach: int, iterations: int) -> np.ndarray:
    near = cv2.dilate(seeds, _disc(2 * reach + 1))
    labels = np.where(near > 0, cv2.GC_PR_BGD, cv2.GC_BGD).astype(np.uint8)
    labels[seeds > 0] = cv2.GC_FGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(image[..., ::-1].copy(), labels, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    return np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD))


def _watershed(image: np.ndarray, seeds: np.ndarray, reach: int) -> np.ndarray:
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    markers = np.zeros(seeds.shape, np.int32)
    markers[cv2.dilate(seeds, _disc(2 * reach + 1)) == 0] = 1  # background beyond reach
    markers[seeds > 0] = 2
    cv2.watershed(cv2.GaussianBlur(lab, (0, 0), 1.0), markers)
    return markers == 2


def click_mask(
    image: np.ndarray,
    clicks: Sequence[tuple[int, int]],
    method: str = DEFAULT_CLICK_METHOD,
    reach: int = 96,
    radius: int = 3,
    iterations: int = 5,
) -> np.ndarray:
    """A mask grown from 1-3 clicks (x, y) on the damage: GrabCut or watershed (in Lab colour)
    seeded by the clicks, looking at most `reach` px away from them."""
    image = _rgb(image)
    if method not in CLICK_METHODS:
        raise RestorationError(f"unknown click method {method!r}: use {' or '.join(CLICK_METHODS)}")
    seeds = _click_seeds(image.shape[:2], clicks, radius)
    if method == "grabcut":
        lost = _grabcut(image, seeds, reach, iterations)
    else:
        lost = _watershed(image, seeds, reach)
    lost |= seeds > 0
    # keep only the parts connected to a click
    n, labels = cv2.connectedComponents(lost.astype(np.uint8))
    keep = np.unique(labels[seeds > 0])
    return np.where(np.isin(labels, keep[keep > 0]), LOST, 0).astype(np.uint8)


def suggest_losses(
    image: np.ndarray,
    max_chroma: float = 20.0,
    min_lightness: float = 60.0,
    min_area: int = 48,
    smooth: float = 1.5,
) -> np.ndarray:
    """Proposed losses: pale, low-chroma regions (bare plaster and flaked pigment) of at least
    `min_area` px, for a person to accept or erase. Thresholds are CIE L* and C*ab (0-100):
    mural pigments (cinnabar, malachite, lapis, ochre) have C* well above 20, plaster about 15;
    white lead paint is pale too, so it is proposed and left to the person."""
    image = _rgb(image)
    blurred = cv2.GaussianBlur(image, (0, 0), smooth) if smooth > 0 else image
    lab = cv2.cvtColor(blurred.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    pale = (chroma <= max_chroma) & (lab[..., 0] >= min_lightness)
    mask = pale.astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _disc(3))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _disc(5))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    big = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= min_area)
    big = big[big > 0]
    return np.where(np.isin(labels, big), LOST, 0).astype(np.uint8)


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise RestorationError(
            f"an image must be RGB uint8 (H, W, 3), not {image.dtype} {tuple(image.shape)}"
        )
    return np.ascontiguousarray(image)


TRAINING_MASKS: tuple[str, ...] = ("dust", "jelly", "mixed")


def training_mask(kind: str, rng: np.random.Generator, size: int = CANVAS) -> np.ndarray:
    """A mask for one training sample: dust, jelly or either ("mixed"), half the time at a
    preset level and half the time at a level drawn between and around them. Crops smaller
    than the 256 canvas cut a window from a canvas mask, so holes keep their size in pixels."""
    if kind not in TRAINING_MASKS:
        raise RestorationError(f"unknown mask set {kind!r}: use {', '.join(TRAINING_MASKS)}")
    if size >= CANVAS:
        return _training_canvas(kind, rng, size)
    for _ in range(8):  # a window may miss every hole: draw again
        canvas = _training_canvas(kind, rng, CANVAS)
        y, x = (int(v) for v in rng.integers(0, CANVAS - size + 1, 2))
        window = canvas[y : y + size, x : x + size]
        if window.any():
            break
    return np.ascontiguousarray(window)


def _training_canvas(kind: str, rng: np.random.Generator, size: int) -> np.ndarray:
    if kind == "mixed":
        kind = "dust" if rng.random() < 0.5 else "jelly"
    presets = DUST_PRESETS if kind == "dust" else JELLY_PRESETS
    scale = (size / CANVAS) ** 2
    if rng.random() < 0.5:
        preset = presets[LEVELS[int(rng.integers(0, len(LEVELS)))]]
    elif kind == "dust":
        preset = WalkPreset(int(rng.integers(1, 8)), int(rng.integers(1, 4)))
    else:
        preset = WalkPreset(
            int(rng.integers(1, 9)),
            int(rng.integers(1, 3)),
            int(rng.choice([7, 9, 11, 15, 19])),
            int(rng.choice([5, 7, 9])),
            int(rng.choice([3, 5])),
        )
    steps = max(1, int(DEFAULT_STEPS * scale))
    mask = _brush(random_walk(size, steps, preset.walkers, rng), preset.brush)
    if kind == "jelly":
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _disc(preset.close))
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _disc(preset.open))
        mask = cv2.erode(mask, _disc(preset.erode))
    return mask
