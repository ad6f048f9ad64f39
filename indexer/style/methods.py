"""Style transfer methods behind one interface, registered by name like the inpainting methods:
`stylize(content, style, method, **params) -> Stylization` (RGB uint8 in and out, the same
size), where `style` is a `StyleSource` (a style set's images and what is derived from them,
computed once) or a plain sequence of style images.

Each method plans from a reduced copy of the whole content (its statistics, its own style
vector, a working-resolution result) and returns a function that stylizes one full-resolution
window; `tiling.stylize_region` runs it over overlapping windows, so an image of any size is
stylized in bounded memory (`plan` + `stylize_region` for images read from disk or a pyramid).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .errors import StyleError
from .stats import ColourStats, check_image, reduced
from .tiling import TileFn, tiled

PLAN_SIDE = 1024  # the reduced copy of the content that methods plan from
PLANNED = 0.1  # the share of the progress reported once the plan is made


@dataclass
class Plan:
    fn: TileFn
    tile: int
    overlap: int
    details: dict = field(default_factory=dict)


Planner = Callable[..., Plan]
METHODS: dict[str, Planner] = {}


def register(name: str) -> Callable[[Planner], Planner]:
    def wrap(fn: Planner) -> Planner:
        METHODS[name] = fn
        return fn

    return wrap


class StyleSource:
    """A style set's member images; the statistics each method needs are computed on first use.
    `unpaired_model` is the path of a trained CycleGAN checkpoint for this set, if any."""

    def __init__(self, images: Sequence[np.ndarray], name: str = "", unpaired_model=None):
        self.images = [check_image(im, "a style image") for im in images]
        if not self.images:
            raise StyleError("the style set is empty: add images or elements to it first")
        self.name = name
        self.unpaired_model = Path(unpaired_model) if unpaired_model else None

    @functools.cached_property
    def colour(self) -> ColourStats:
        return ColourStats.of_images(self.images)

    @functools.cached_property
    def vector(self) -> np.ndarray:
        from .magenta import style_vector

        return np.mean([style_vector(im) for im in self.images], axis=0).astype(np.float32)

    @functools.lru_cache(maxsize=4)  # noqa: B019 - one source lives as long as its request
    def feature_targets(self, smoothing: str, temperature: float):
        from .neural import target_stats

        return target_stats(self.images, smoothing, temperature)


def as_source(style) -> StyleSource:
    return style if isinstance(style, StyleSource) else StyleSource(list(style))


@dataclass
class Stylization:
    image: np.ndarray
    method: str
    params: dict
    details: dict
    seconds: float

    @property
    def model(self) -> dict | None:
        return self.details.get("model")


def check_method(method: str) -> Planner:
    if method not in METHODS:
        raise StyleError(f"unknown method {method!r}: use {', '.join(sorted(METHODS))}")
    return METHODS[method]


def check_strength(strength) -> float:
    try:
        value = float(strength)
    except (TypeError, ValueError):
        raise StyleError(f"strength must be a number from 0 to 1, not {strength!r}") from None
    if not 0.0 <= value <= 1.0:
        raise StyleError(f"strength must be between 0 and 1, not {strength}")
    return value


def plan(method: str, thumb: np.ndarray, size: tuple[int, int], style, **params) -> Plan:
    """The plan of `method` for content of `size` (w, h) whose reduced copy is `thumb`."""
    planner = check_method(method)
    try:
        return planner(check_image(thumb, "the content"), size, as_source(style), **params)
    except TypeError as exc:
        if "argument" not in str(exc):
            raise
        raise StyleError(f"bad parameters for {method}: {exc}") from exc


def stylize(content: np.ndarray, style, method: str = "color", **params) -> Stylization:
    """Cast `content` (RGB uint8) into the style of `style` with `method`; see METHODS.
    `progress(phase, fraction)`, if given, hears "planning" and then "windows" done."""
    content = check_image(content, "the content")
    started = time.perf_counter()
    h, w = content.shape[:2]
    tile_override = params.pop("tile", None)
    report = params.pop("progress", None) or (lambda phase, fraction: None)
    report("planning", 0.0)
    p = plan(method, reduced(content, PLAN_SIDE), (w, h), style, **params)
    report("windows", PLANNED)
    out, tiling = tiled(
        content,
        p.fn,
        int(tile_override or p.tile),
        p.overlap,
        lambda done, total: report("windows", PLANNED + (1 - PLANNED) * done / total),
    )
    details = {**p.details, "tiling": tiling}
    return Stylization(out, method, params, details, time.perf_counter() - started)


def blend(content: np.ndarray, styled: np.ndarray, strength: float) -> np.ndarray:
    if strength >= 1.0:
        return styled
    mix = content.astype(np.float32) * (1 - strength) + styled.astype(np.float32) * strength
    return np.clip(np.rint(mix), 0, 255).astype(np.uint8)


def detail_transfer(thumb: np.ndarray, styled_thumb: np.ndarray, size: tuple[int, int]) -> TileFn:
    """A window function that adds the change made at thumbnail scale (upsampled) to the
    full-resolution content, which keeps its own fine detail."""
    delta = styled_thumb.astype(np.float32) - thumb.astype(np.float32)
    th, tw = thumb.shape[:2]
    sx, sy = tw / size[0], th / size[1]

    def fn(window: np.ndarray, x0: int, y0: int) -> np.ndarray:
        h, w = window.shape[:2]
        xs = ((np.arange(w, dtype=np.float32) + x0 + 0.5) * sx - 0.5).clip(0, tw - 1)
        ys = ((np.arange(h, dtype=np.float32) + y0 + 0.5) * sy - 0.5).clip(0, th - 1)
        mx, my = np.meshgrid(xs, ys)
        change = cv2.remap(delta, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return np.clip(np.rint(window.astype(np.float32) + change), 0, 255).astype(np.uint8)

    return fn


# the methods themselves live in their own modules; importing registers them
from . import registry  # noqa: E402, F401
