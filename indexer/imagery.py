"""pyvips access to mural images: header checks, tiled pyramids and region reads.

Nothing here decodes a whole mural into memory: loads are sequential or region-by-region.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyvips

from .files import atomic_write

# vips loader name prefix -> our format name
_LOADER_FORMATS = {"jpegload": "jpeg", "pngload": "png", "tiffload": "tiff", "jp2kload": "jp2"}
_MAGIC = {
    b"II*\x00": "a TIFF",
    b"MM\x00*": "a TIFF",
    b"II+\x00": "a BigTIFF",
    b"MM\x00+": "a BigTIFF",
    b"\xff\xd8\xff": "a JPEG",
    b"\x89PNG": "a PNG",
}
PYRAMID_TILE = 256
PYRAMID_QUALITY = 90


class ImageryError(ValueError):
    """A mural image that cannot be used; the message is meant for the person who supplied it.

    kind is one of: missing, empty, not_image, unsupported, too_large, corrupt.
    """

    def __init__(self, message: str, kind: str = "corrupt"):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    bands: int
    format: str  # jpeg | png | tiff | jp2

    @property
    def pixels(self) -> int:
        return self.width * self.height


def jpeg2000_supported() -> bool:
    return pyvips.type_find("VipsOperation", "jp2kload") != 0


def probe_image(path: str | os.PathLike, max_pixels: int) -> ImageInfo:
    """Read only the header of `path` and check that it is a usable mural image.

    Raises ImageryError for empty files, non-images, unsupported formats and images over
    max_pixels (decompression bombs are refused here, before any pixel is decoded).
    """
    path = Path(path)
    if not path.is_file():
        raise ImageryError(f"no such file: {path}", "missing")
    if path.stat().st_size == 0:
        raise ImageryError(f"{path.name} is an empty file (0 bytes)", "empty")
    try:
        image = pyvips.Image.new_from_file(str(path))
    except pyvips.Error as exc:
        if "not a known file format" not in str(exc):
            raise ImageryError(f"{path.name} is corrupt: {_first_line(exc)}") from exc
        with path.open("rb") as f:
            head = f.read(12)
        if head.startswith(b"\x00\x00\x00\x0cjP  ") or head.startswith(b"\xff\x4f\xff\x51"):
            raise ImageryError(
                f"{path.name} is JPEG 2000, which the libvips in use cannot read", "unsupported"
            ) from exc
        for magic, name in _MAGIC.items():
            if head.startswith(magic):
                raise ImageryError(
                    f"{path.name} looks like {name} but is truncated or corrupt"
                ) from exc
        raise ImageryError(
            f"{path.name} is not an image file that can be read (JPEG, PNG or TIFF)", "not_image"
        ) from exc
    loader = image.get("vips-loader")
    fmt = next((f for prefix, f in _LOADER_FORMATS.items() if loader.startswith(prefix)), None)
    if fmt is None:
        raise ImageryError(
            f"{path.name}: unsupported image format ({loader}); use JPEG, PNG or TIFF",
            "unsupported",
        )
    info = ImageInfo(image.width, image.height, image.bands, fmt)
    if info.pixels > max_pixels:
        raise ImageryError(
            f"{path.name} is {info.width}x{info.height} = {info.pixels:,} pixels, over the "
            f"limit of {max_pixels:,} (DUNHUANG_MAX_MURAL_PIXELS)",
            "too_large",
        )
    return info


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    detail = [line.strip() for line in text[1:] if line.strip()]
    return detail[0] if detail else (text[0] if text else "unknown error")


def _as_srgb8(image: pyvips.Image) -> pyvips.Image:
    """Flatten alpha and bring any interpretation and depth to 8-bit sRGB, 3 bands."""
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.interpretation not in ("srgb", "b-w") or image.format != "uchar":
        image = image.colourspace("srgb")
    if image.bands == 1:
        image = image.bandjoin([image, image])
    if image.format != "uchar":
        image = image.cast("uchar")
    return image


def save_pyramid(image: pyvips.Image, path: str | os.PathLike) -> None:
    """Write `image` as the project's pyramid: tiled, JPEG-compressed, pyramidal BigTIFF
    (the caller makes the write atomic)."""
    image.tiffsave(
        str(path),
        tile=True,
        tile_width=PYRAMID_TILE,
        tile_height=PYRAMID_TILE,
        pyramid=True,
        bigtiff=True,
        compression="jpeg",
        Q=PYRAMID_QUALITY,
    )


def build_pyramid(
    source: str | os.PathLike,
    dest: str | os.PathLike,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Stream `source` into a tiled, JPEG-compressed, pyramidal BigTIFF at `dest`.

    The file appears at dest only when complete (written beside it, then renamed). A
    truncated or corrupt source raises ImageryError and leaves nothing behind. `progress`
    is called with the percentage done.
    """
    try:
        with atomic_write(dest) as staged:
            image = pyvips.Image.new_from_file(
                str(source), access="sequential", fail_on="truncated"
            )
            image = _as_srgb8(image)
            if progress is not None:
                image.set_progress(True)
                image.signal_connect("eval", lambda _image, p: progress(min(99, int(p.percent))))
                image.signal_connect("posteval", lambda _image, p: progress(100))
            save_pyramid(image, staged)
    except pyvips.Error as exc:
        raise ImageryError(
            f"{Path(source).name} is truncated or corrupt: {_first_line(exc)}"
        ) from exc


class Pyramid:
    """Region reads from a pyramidal TIFF written by build_pyramid (level 0 is full size)."""

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        if not os.path.isfile(self.path):
            raise FileNotFoundError(self.path)
        base = pyvips.Image.new_from_file(self.path)
        self.width, self.height = base.width, base.height
        n_pages = base.get("n-pages") if "n-pages" in base.get_fields() else 1
        self._levels: list[pyvips.Image] = [base]
        for page in range(1, n_pages):
            self._levels.append(pyvips.Image.new_from_file(self.path, page=page))

    @property
    def level_sizes(self) -> list[tuple[int, int]]:
        return [(level.width, level.height) for level in self._levels]

    def level_for_scale(self, scale: float) -> int:
        """The smallest level whose resolution is still at least full/scale (scale >= 1)."""
        if scale <= 1:
            return 0
        return min(int(math.floor(math.log2(scale) + 1e-9)), len(self._levels) - 1)

    def read_region(self, x: int, y: int, w: int, h: int, out_w: int, out_h: int) -> pyvips.Image:
        """The full-resolution region (x, y, w, h), resized to out_w x out_h."""
        if w <= 0 or h <= 0 or out_w <= 0 or out_h <= 0:
            raise ValueError("region and output sizes must be positive")
        if x < 0 or y < 0 or x + w > self.width or y + h > self.height:
            raise ValueError("region outside the image")
        k = self.level_for_scale(min(w / out_w, h / out_h))
        level = self._levels[k]
        fx, fy = level.width / self.width, level.height / self.height
        lx0, ly0 = int(math.floor(x * fx)), int(math.floor(y * fy))
        lx1 = max(lx0 + 1, min(level.width, int(math.ceil((x + w) * fx))))
        ly1 = max(ly0 + 1, min(level.height, int(math.ceil((y + h) * fy))))
        region = level.crop(lx0, ly0, lx1 - lx0, ly1 - ly0)
        if region.width != out_w or region.height != out_h:
            region = region.resize(out_w / region.width, vscale=out_h / region.height)
        if region.width != out_w or region.height != out_h:  # resize rounds; make it exact
            region = region.crop(0, 0, min(out_w, region.width), min(out_h, region.height))
            region = region.embed(0, 0, out_w, out_h, extend="copy")
        return region

    def read_full_res(self, x: int, y: int, w: int, h: int) -> np.ndarray:
        """The full-resolution pixels of a region as an (h, w, 3) uint8 array."""
        return self.read_region(x, y, w, h, w, h).numpy()


_TRIM_INTERVAL_S = 1.0
_trim_state: dict = {"fn": None, "last": 0.0}


def release_freed_memory(min_interval_s: float = _TRIM_INTERVAL_S) -> bool:
    """Hand the heap that region reads freed back to the operating system (glibc only).

    libvips decodes on its own worker threads, and glibc gives each thread a malloc arena that
    keeps what was freed in it: over the tens of thousands of reads of a gigapixel mural that
    garbage grows to gigabytes of resident memory (5.3 GB against 1.1 GB with trimming, in
    bench_index --gigapixel). malloc_trim(0) returns it. Calls are throttled to one per
    min_interval_s; returns whether a trim ran. A no-op where libc has no malloc_trim.
    """
    import time

    now = time.monotonic()
    if now - _trim_state["last"] < min_interval_s:
        return False
    if _trim_state["fn"] is None:
        try:
            import ctypes

            _trim_state["fn"] = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _trim_state["fn"] = False
    _trim_state["last"] = now
    if not _trim_state["fn"]:
        return False
    _trim_state["fn"](0)
    return True
