"""Small style and content images for the Django-free style tests."""

from __future__ import annotations

import numpy as np
import pytest


def textured(seed: int, size=(96, 128), tint=(0, 0, 0)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 // w, yy * 255 // h, (xx * 3 + yy) % 256], axis=-1).astype(float)
    base += rng.normal(0, 12, size=(h, w, 3)) + np.asarray(tint, float)
    return np.clip(base, 0, 255).astype(np.uint8)


@pytest.fixture
def green_set() -> list[np.ndarray]:
    """Three greenish 'landscapes': the style set of most tests."""
    out = []
    for seed in range(3):
        im = textured(seed, (80, 100)).astype(float)
        im[..., 0] *= 0.3
        im[..., 2] *= 0.5
        im[..., 1] = 90 + im[..., 1] * 0.5
        out.append(np.clip(im, 0, 255).astype(np.uint8))
    return out


@pytest.fixture
def content() -> np.ndarray:
    return textured(7, (120, 160), tint=(60, -20, -20))
