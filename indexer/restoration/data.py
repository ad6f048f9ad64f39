"""Images to restore and to learn from: synthetic murals or a folder of intact images, split by
wall, and reproducible 256 x 256 crops of them (random for training, fixed for evaluation).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .errors import RestorationError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
SYNTHETIC_SIZE = (1536, 1152)  # width, height of each synthetic training mural
MAX_IMAGE_PIXELS = 64_000_000  # larger images are read region by region
_PART = re.compile(r"[-_ ](\d+|left|right|l|r)$", re.IGNORECASE)


def wall_key(name: str) -> str:
    """The wall a photograph shows, from its file stem: views of one wall share a stem up to a
    trailing part number or side ("220-6-1", "220-6-2" -> "220-6"; "B-left" -> "B")."""
    return _PART.sub("", Path(name).stem) or Path(name).stem


def split_walls(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(train, test) names: the walls, sorted, go one in three to test (the 2nd, 5th, ...), so
    a wall's views are never on both sides. One wall only: all of it trains."""
    keys = sorted({wall_key(n) for n in names})
    test_walls = set(keys[1::3]) if len(keys) > 1 else set()
    train = [n for n in names if wall_key(n) not in test_walls]
    test = [n for n in names if wall_key(n) in test_walls]
    return train, test


@dataclass(frozen=True)
class Augment:
    """Training augmentation: zoom out up to `zoom` times (finer detail, as in photographs of
    whole walls), mirror, colour gain and offset jitter, JPEG re-encoding half the time."""

    zoom: float = 2.0
    flip: bool = True
    jitter: float = 0.08
    jpeg: bool = True
    tries: int = 2  # crops drawn per sample; the one with the most contrast is kept


@dataclass
class ImageSet:
    """Named RGB uint8 images held in memory, with what they are (for model cards)."""

    names: list[str]
    images: list[np.ndarray]
    description: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.images:
            raise RestorationError("no images to take crops from")
        self._areas = np.array([im.shape[0] * im.shape[1] for im in self.images], np.float64)

    @property
    def pixels(self) -> int:
        return int(self._areas.sum())

    def random_crop(
        self, rng: np.random.Generator, size: int, augment: Augment | None = None
    ) -> np.ndarray:
        """A crop from an image chosen by its area, at a random place, augmented."""
        augment = augment or Augment()
        zoom = float(np.exp(rng.uniform(0.0, np.log(augment.zoom)))) if augment.zoom > 1 else 1.0
        side = int(round(size * zoom))
        usable = [i for i, im in enumerate(self.images) if min(im.shape[:2]) >= side]
        if not usable:
            side = size
            usable = [i for i, im in enumerate(self.images) if min(im.shape[:2]) >= size]
        if not usable:
            raise RestorationError(f"every image is smaller than a {size} px crop")
        p = self._areas[usable] / self._areas[usable].sum()
        crop, busiest = None, -1.0
        for _ in range(augment.tries):  # keep the busiest of a few: murals have bare ground
            image = self.images[usable[int(rng.choice(len(usable), p=p))]]
            h, w = image.shape[:2]
            y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
            candidate = image[y : y + side, x : x + side]
            busy = float(candidate[::4, ::4].std())
            if busy > busiest:
                crop, busiest = candidate, busy
        if side != size:
            crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
        if augment.flip and rng.random() < 0.5:
            crop = crop[:, ::-1]
        crop = np.ascontiguousarray(crop)
        if augment.jitter > 0:
            gain = 1 + rng.uniform(-augment.jitter, augment.jitter, 3)
            offset = rng.uniform(-augment.jitter, augment.jitter) * 40
            crop = np.clip(crop * gain + offset, 0, 255).astype(np.uint8)
        if augment.jpeg and rng.random() < 0.5:
            quality = int(rng.integers(60, 96))
            ok, data = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, quality])
            crop = cv2.imdecode(data, cv2.IMREAD_COLOR) if ok else crop
        return crop


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """A whole image file as RGB uint8 through pyvips (for images up to MAX_IMAGE_PIXELS)."""
    import pyvips

    try:
        image = pyvips.Image.new_from_file(str(path), access="sequential")
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise RestorationError(
                f"{Path(path).name} is over {MAX_IMAGE_PIXELS:,} pixels: restore a region of it"
            )
        from ..imagery import _as_srgb8

        return np.ascontiguousarray(_as_srgb8(image).numpy()[..., :3])
    except pyvips.Error as exc:
        raise RestorationError(f"{Path(path).name} cannot be read as an image") from exc


def folder_images(data: str | os.PathLike, split: str = "all") -> ImageSet:
    """The images of a folder (not recursive), all of them or the train or test walls."""
    folder = Path(data)
    if not folder.is_dir():
        raise RestorationError(f"no such folder of images: {folder}")
    names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not names:
        raise RestorationError(f"{folder} holds no JPEG, PNG or TIFF images")
    if split not in ("all", "train", "test"):
        raise RestorationError(f"unknown split {split!r}: use all, train or test")
    train, test = split_walls(names)
    chosen = {"all": names, "train": train, "test": test}[split]
    if not chosen:
        raise RestorationError(f"{folder} has no {split} walls (it shows one wall only)")
    description = {
        "kind": "folder",
        "path": str(folder),
        "split": split,
        "files": chosen,
        "walls": sorted({wall_key(n) for n in chosen}),
    }
    return ImageSet(chosen, [read_rgb(folder / n) for n in chosen], description)


def synthetic_images(
    count: int, seed: int, size: tuple[int, int] = SYNTHETIC_SIZE
) -> ImageSet:
    """`count` synthetic murals of `size` (width, height), seeds image_seed(seed, 0..count-1)."""
    from ..synthetic import GENERATOR_VERSION, image_seed, plan_mural, render_mural

    if count < 1:
        raise RestorationError(f"--synthetic needs at least 1 mural, not {count}")
    seeds = [image_seed(seed, i) for i in range(count)]
    images = [render_mural(plan_mural(size[0], size[1], s)) for s in seeds]
    description = {
        "kind": "synthetic",
        "count": count,
        "seed": seed,
        "size": list(size),
        "generator_version": GENERATOR_VERSION,
    }
    return ImageSet([f"synthetic-{s}" for s in seeds], images, description)


def intact_crops(
    images: ImageSet,
    count: int,
    size: int = 256,
    seed: int = 0,
    min_std: float = 6.0,
) -> list[tuple[str, np.ndarray]]:
    """`count` fixed crops spread evenly over the images, from places that are painted, not
    flat (grey std >= min_std). Old losses inside them are part of the truth they are scored
    against, so they are not avoided."""
    rng = np.random.default_rng(seed)
    per_image = np.full(len(images.images), count // len(images.images))
    per_image[: count % len(images.images)] += 1
    crops = []
    for name, image, n in zip(images.names, images.images, per_image, strict=True):
        h, w = image.shape[:2]
        if h < size or w < size:
            continue
        found, tries = 0, 0
        while found < n and tries < 50 * n:
            tries += 1
            y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
            crop = np.ascontiguousarray(image[y : y + size, x : x + size])
            if crop.mean(axis=2).std() < min_std:
                continue
            crops.append((f"{name}@{x},{y}", crop))
            found += 1
    return crops
