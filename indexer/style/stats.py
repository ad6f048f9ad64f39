"""A style set's pooled colour statistics: per-channel mean and standard deviation in CIE Lab
(Reinhard et al. 2001) and a pooled sample of its Lab pixels (the reference distribution for
histogram matching), plus its dominant colours (k-means in Lab) for the set's palette.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from skimage.color import lab2rgb, rgb2lab

from .errors import StyleError

SAMPLE_SIDE = 256  # each member is reduced to at most this side before pooling
SAMPLE_PIXELS = 200_000  # pooled Lab pixels kept for histogram matching


def check_image(image: np.ndarray, what: str = "an image") -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8 or not image.size:
        raise StyleError(f"{what} must be RGB uint8 (H, W, 3), not {image.dtype} {image.shape}")
    return np.ascontiguousarray(image[..., :3])


def reduced(image: np.ndarray, side: int = SAMPLE_SIDE) -> np.ndarray:
    """The image with its longer side at most `side` (area resampling)."""
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def to_lab(image: np.ndarray) -> np.ndarray:
    return rgb2lab(image).astype(np.float32)


def to_rgb(lab: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(lab2rgb(lab.astype(np.float64)) * 255), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class ColourStats:
    """Lab mean (3), Lab std (3) and a pooled (n, 3) Lab sample of a set of images."""

    mean: np.ndarray
    std: np.ndarray
    sample: np.ndarray

    @classmethod
    def of_images(cls, images: Sequence[np.ndarray], seed: int = 0) -> ColourStats:
        if not len(images):
            raise StyleError("the style set is empty: add images or elements to it first")
        labs = [to_lab(reduced(check_image(im, "a style image"))).reshape(-1, 3) for im in images]
        pooled = np.concatenate(labs)
        rng = np.random.default_rng(seed)
        if len(pooled) > SAMPLE_PIXELS:
            pooled = pooled[rng.choice(len(pooled), SAMPLE_PIXELS, replace=False)]
        # the pooled statistics weigh every member equally, whatever its size
        mean = np.mean([lab.mean(axis=0) for lab in labs], axis=0)
        var = np.mean([lab.var(axis=0) + (lab.mean(axis=0) - mean) ** 2 for lab in labs], axis=0)
        return cls(mean.astype(np.float32), np.sqrt(var).astype(np.float32), pooled)

    def to_dict(self) -> dict:
        return {
            "lab_mean": [round(float(v), 3) for v in self.mean],
            "lab_std": [round(float(v), 3) for v in self.std],
        }


def palette(images: Sequence[np.ndarray], colours: int = 6, seed: int = 0) -> list[dict]:
    """The dominant colours of the images: k-means (scikit-learn) over pooled Lab pixels,
    largest cluster first, as [{"hex": "#rrggbb", "share": 0..1}]."""
    from sklearn.cluster import KMeans

    sample = ColourStats.of_images(images, seed=seed).sample
    sample = sample[: min(len(sample), 5_000)]
    k = max(1, min(colours, len(np.unique(sample.round(0), axis=0))))
    km = KMeans(n_clusters=k, n_init=2, random_state=seed).fit(sample)
    counts = np.bincount(km.labels_, minlength=k)
    rgb = to_rgb(km.cluster_centers_[None].astype(np.float32))[0]
    order = np.argsort(-counts)
    return [
        {"hex": "#{:02x}{:02x}{:02x}".format(*rgb[i]), "share": float(counts[i] / counts.sum())}
        for i in order
    ]
