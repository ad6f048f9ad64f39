"""The masks a restoration can be asked with, as the API and the studio page send them: an
uploaded 8-bit PNG, a simulated dust or jelly mask {kind, level, seed}, 1-3 clicks on the damage
(GrabCut or watershed), or the auto-suggested losses (pale, low-saturation areas). All are of
the region's size; nonzero = lost. Bad input is a RestorationError (a 400)."""

from __future__ import annotations

import cv2
import numpy as np

from indexer.restoration import RestorationError, click_mask, simulated_mask, suggest_losses
from indexer.restoration.masks import CLICK_METHODS, DEFAULT_CLICK_METHOD, as_mask

MAX_MASK_BYTES = 64 * 1024 * 1024


def uploaded_mask(data: bytes, size: tuple[int, int]) -> np.ndarray:
    """An uploaded image file as a mask of size (h, w)."""
    if not data:
        raise RestorationError("the mask file is empty")
    if len(data) > MAX_MASK_BYTES:
        raise RestorationError("the mask file is over 64 MB")
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None:
        raise RestorationError("the mask is not an image that can be read (send an 8-bit PNG)")
    if decoded.ndim == 3 and decoded.shape[2] == 4:  # a drawn mask: lost where painted
        decoded = np.where(decoded[..., 3:] > 0, decoded[..., :3], 0)
    return as_mask(decoded, size)


def parse_clicks(clicks) -> list[tuple[int, int]]:
    """[[x, y], ...] (region pixels) as a list of int pairs."""
    try:
        points = [(int(round(float(x))), int(round(float(y)))) for x, y in clicks]
    except (TypeError, ValueError):
        raise RestorationError("clicks must be a list of [x, y] points in region pixels") from None
    return points


def clicked_mask(pixels: np.ndarray, clicks, method: str | None = None) -> np.ndarray:
    method = method or DEFAULT_CLICK_METHOD
    if method not in CLICK_METHODS:
        raise RestorationError(f"unknown click method {method!r}: use {' or '.join(CLICK_METHODS)}")
    return click_mask(pixels, parse_clicks(clicks), method=method)


def simulated(spec: dict, size: tuple[int, int]) -> np.ndarray:
    """{kind: dust|jelly, level: light|heavy, seed} as a mask of size (h, w)."""
    if not isinstance(spec, dict):
        raise RestorationError("a simulated mask is {kind, level, seed}")
    try:
        seed = int(spec.get("seed", 0))
    except (TypeError, ValueError):
        raise RestorationError("the simulated mask's seed must be an integer") from None
    return simulated_mask(str(spec.get("kind", "")), str(spec.get("level", "light")), seed, size)


def suggested(pixels: np.ndarray) -> np.ndarray:
    return suggest_losses(pixels)
