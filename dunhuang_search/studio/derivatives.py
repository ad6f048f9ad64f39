"""Writing a derivative: its files and its row together, or neither.

`save_derivative` is the only writer. The row is created inside a transaction; the output image
(a pyramidal TIFF, so IIIF serves it like a mural) and the mask (PNG) are written atomically
under settings.DERIVATIVE_DIR; if anything fails, the files written so far are removed and the
transaction rolls back, so no row is left without its file and no file without its row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyvips
from django.conf import settings
from django.db import transaction

from indexer.files import atomic_write, file_sha256
from indexer.imagery import save_pyramid

from .models import Derivative


def derivative_dir() -> Path:
    return Path(settings.DERIVATIVE_DIR)


def image_path(derivative: Derivative) -> Path:
    return derivative_dir() / derivative.image


def mask_path(derivative: Derivative) -> Path | None:
    return derivative_dir() / derivative.mask if derivative.mask else None


def _as_vips(image: np.ndarray) -> pyvips.Image:
    array = np.ascontiguousarray(image)
    if array.dtype != np.uint8:
        raise ValueError(f"a derivative image must be uint8, not {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"a derivative image must be H x W x 3, not {array.shape}")
    return pyvips.Image.new_from_array(array, interpretation="srgb")


def write_pyramid(image: np.ndarray, dest: Path) -> None:
    """An (h, w, 3) uint8 array as a tiled pyramidal TIFF, appearing at dest only when whole."""
    vips = _as_vips(image)
    with atomic_write(dest) as staged:
        save_pyramid(vips, staged)


def write_mask(mask: np.ndarray, dest: Path) -> None:
    array = np.ascontiguousarray((np.asarray(mask) > 0).astype(np.uint8) * 255)
    if array.ndim != 2:
        raise ValueError(f"a mask must be H x W, not {array.shape}")
    with atomic_write(dest) as staged:
        pyvips.Image.new_from_array(array).pngsave(str(staged))


@contextlib.contextmanager
def _removed_on_failure(paths: list[Path]) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for path in paths:
            path.unlink(missing_ok=True)
        raise


def save_derivative(
    image: np.ndarray, *, kind: str, method: str, mask: np.ndarray | None = None, **fields
) -> Derivative:
    """Store `image` (h, w, 3 uint8) as a new derivative with `fields` (mural, element, x, y, w,
    h, upload_name, model_name, model_sha256, parameters, seed, inputs, author, seconds...).
    The mask, if given, must have the image's height and width."""
    if kind not in Derivative.Kind.values:
        raise ValueError(f"unknown derivative kind {kind!r}")
    if mask is not None and np.asarray(mask).shape[:2] != image.shape[:2]:
        raise ValueError(
            f"the mask is {np.asarray(mask).shape[1]}x{np.asarray(mask).shape[0]}, "
            f"the image {image.shape[1]}x{image.shape[0]}"
        )
    element = fields.get("element")
    if element is not None:
        fields.setdefault("mural", element.mural)
        for name, value in zip("xywh", element.bbox, strict=True):
            fields.setdefault(name, value)
    written: list[Path] = []
    with transaction.atomic(), _removed_on_failure(written):
        row = Derivative.objects.create(
            kind=kind,
            method=method,
            width=image.shape[1],
            height=image.shape[0],
            image="",
            sha256="",
            **fields,
        )
        row.image = f"{row.pk:08d}.tif"
        written.append(image_path(row))
        write_pyramid(image, image_path(row))
        if mask is not None:
            row.mask = f"{row.pk:08d}-mask.png"
            written.append(mask_path(row))
            write_mask(mask, mask_path(row))
        row.sha256 = file_sha256(image_path(row))
        row.save(update_fields=["image", "mask", "sha256"])
    return row


def delete_derivative(derivative: Derivative) -> None:
    """Remove the row and then its files (a derivative is never edited in place)."""
    paths = [image_path(derivative), mask_path(derivative)]
    with transaction.atomic():
        derivative.delete()
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)
