"""A wall's palette: the joint colour histogram of a small view of the whole mural.

Pigments date walls (the red-brown grounds of the early caves, the white grounds of the Tang,
the green grounds of the Cao family's and the Uyghur caves), so the dating assistant compares
the target's palette with the palettes of dated walls in other caves, beside its elements'
votes. The histogram is normalised, so histogram intersection, the usual similarity of colour
histograms (Swain and Ballard 1991), is 1 - L1 / 2, and pgvector's L1 distance ranks walls by it.
"""

from __future__ import annotations

import numpy as np
import pyvips

from indexer.imagery import ImageryError, Pyramid

BINS = 8  # per channel: 8 x 8 x 8 colours
DIMENSIONS = BINS**3
VIEW = 256  # the longest side of the view a palette is counted on


def colour_histogram(pixels: np.ndarray, bins: int = BINS) -> np.ndarray:
    """The normalised joint RGB histogram of an image (H x W x 3+, uint8), bins³ long."""
    rgb = np.asarray(pixels)[..., :3].reshape(-1, 3).astype(np.int64) * bins // 256
    codes = (rgb[:, 0] * bins + rgb[:, 1]) * bins + rgb[:, 2]
    histogram = np.bincount(codes, minlength=bins**3).astype(float)
    return histogram / max(histogram.sum(), 1.0)


def similarity(l1_distance: float) -> float:
    """Histogram intersection of two normalised histograms, from their L1 distance."""
    return 1.0 - float(l1_distance) / 2.0


def pyramid_palette(path) -> np.ndarray:
    """The palette of the mural whose pyramid is at `path`, read from its smallest level that
    still gives a VIEW-pixel view (never the whole mural)."""
    try:
        pyramid = Pyramid(path)
        scale = min(1.0, VIEW / max(pyramid.width, pyramid.height))
        out_w, out_h = (max(1, round(side * scale)) for side in (pyramid.width, pyramid.height))
        view = pyramid.read_region(0, 0, pyramid.width, pyramid.height, out_w, out_h).numpy()
    except (OSError, pyvips.Error) as exc:
        raise ImageryError(f"cannot read the pyramid {path}: {exc}") from exc
    return colour_histogram(view)


def subsampled(pixels: np.ndarray) -> np.ndarray:
    """Every n-th pixel of an in-memory image, so its longest side is about VIEW."""
    step = max(1, -(-max(pixels.shape[:2]) // VIEW))
    return pixels[::step, ::step]
