"""Inpainting methods behind one interface, registered by name like the detection runtimes:
`inpaint(image, mask, method=..., **params) -> image` (RGB uint8 in and out; every pixel
outside the mask is returned unchanged), and `restore`, which also says what was done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from .errors import RestorationError
from .masks import as_mask

# A method fills the lost pixels (mask: 0/255 uint8) of an RGB uint8 image; it returns the
# image and a dict of details (which model, which candidates, ...) for the provenance record.
Method = Callable[..., tuple[np.ndarray, dict]]
METHODS: dict[str, Method] = {}
TILE_ABOVE = 1024  # larger images are restored tile by tile (tiled.py)


def register(name: str) -> Callable[[Method], Method]:
    def wrap(fn: Method) -> Method:
        METHODS[name] = fn
        return fn

    return wrap


@dataclass
class Restoration:
    """A restored image and its provenance: the method, model, parameters and details."""

    image: np.ndarray
    method: str
    params: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def model(self) -> dict | None:
        return self.details.get("model")


def check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8 or image.size == 0:
        raise RestorationError(
            f"an image must be RGB uint8 (H, W, 3), not {image.dtype} {tuple(image.shape)}"
        )
    return np.ascontiguousarray(image)


def check_method(method: str) -> Method:
    if method not in METHODS:
        raise RestorationError(f"unknown method {method!r}: use {', '.join(sorted(METHODS))}")
    return METHODS[method]


def restore(image: np.ndarray, mask: np.ndarray, method: str = "telea", **params) -> Restoration:
    """Restore the lost pixels (mask nonzero) of `image` with `method`; see METHODS."""
    fn = check_method(method)
    image = check_image(image)
    lost = as_mask(mask, image.shape[:2])
    if not lost.any():
        raise RestorationError("the mask is empty: nothing to restore")
    started = time.perf_counter()
    work = image.copy()
    work[lost > 0] = 0  # no method may see what the mask hides
    tile = params.pop("tile", None)
    progress = params.pop("progress", None)  # progress(fraction done), for tiled regions
    if tile or (max(image.shape[:2]) > TILE_ABOVE and method != "search-guided"):
        from .tiled import tiled_restore

        out, details = tiled_restore(work, lost, method, tile=tile, progress=progress, **params)
    else:
        out, details = call_method(fn, work, lost, params)
    out = np.where(lost[..., None] > 0, out, image)  # the original's pixels, exactly
    return Restoration(out, method, params, details, time.perf_counter() - started)


def call_method(fn: Method, image: np.ndarray, lost: np.ndarray, params: dict):
    try:
        return fn(image, lost, **params)
    except TypeError as exc:  # an unknown or missing parameter
        if "argument" not in str(exc):
            raise
        raise RestorationError(f"bad parameters for this method: {exc}") from exc


def inpaint(image: np.ndarray, mask: np.ndarray, method: str = "telea", **params) -> np.ndarray:
    """The restored image (RGB uint8); raises RestorationError on bad input."""
    return restore(image, mask, method, **params).image


def _opencv(image: np.ndarray, lost: np.ndarray, flag: int, radius: float) -> np.ndarray:
    if not 0 < radius <= 64:
        raise RestorationError(f"radius must be between 0 and 64 px, not {radius}")
    return cv2.inpaint(image, lost, float(radius), flag)


@register("telea")
def telea(image: np.ndarray, lost: np.ndarray, radius: float = 3) -> tuple[np.ndarray, dict]:
    """OpenCV's fast marching method (Telea 2004)."""
    return _opencv(image, lost, cv2.INPAINT_TELEA, radius), {}


@register("ns")
def navier_stokes(
    image: np.ndarray, lost: np.ndarray, radius: float = 3
) -> tuple[np.ndarray, dict]:
    """OpenCV's Navier-Stokes based inpainting (Bertalmio et al. 2001)."""
    return _opencv(image, lost, cv2.INPAINT_NS, radius), {}


@register("patchmatch")
def patchmatch(
    image: np.ndarray, lost: np.ndarray, patch_size: int = 3, seed: int = 0
) -> tuple[np.ndarray, dict]:
    """Exemplar-based filling from the same image (PatchMatch, pypatchmatch)."""
    import patchmatch as pm

    if not pm.patchmatch_available:
        raise RestorationError("the patchmatch native library cannot be loaded here")
    if not 1 <= int(patch_size) <= 32:
        raise RestorationError(f"patch_size must be between 1 and 32, not {patch_size}")
    pm.set_random_seed(int(seed))
    return pm.inpaint(image, lost, patch_size=int(patch_size)), {}


@register("pconv")
def pconv(
    image: np.ndarray, lost: np.ndarray, model: str | None = None
) -> tuple[np.ndarray, dict]:
    """The partial-convolution U-Net (the committed default model, or `model`)."""
    from .models import load_model, model_identity
    from .pconv import run_network

    net = load_model(model)
    return run_network(net, image, lost), {"model": model_identity(model)}


@register("search-guided")
def search_guided(
    image: np.ndarray, lost: np.ndarray, candidates=(), **params
) -> tuple[np.ndarray, dict]:
    """Fill from aligned intact copies of the same motif (guided.py); falls back to pconv."""
    from .guided import guided_fill

    result = guided_fill(image, lost, candidates, **params)
    return result.image, result.details()
