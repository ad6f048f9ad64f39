"""Writes synthetic murals to disk: JPEG or tiled BigTIFF images, VOC labels, metadata.json.

The BigTIFF is streamed tile by tile, so a gigapixel mural never sits in memory.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from ..files import atomic_write
from .layout import plan_mural
from .render import MuralRenderer
from .spec import MuralSpec
from .voc import write_voc

TILE = 256
REGION_WIDTH = 16 * TILE  # columns rendered at once within a strip
JPEG_QUALITY = 90
JPEG_MAX_SIDE = 65_500
JPEG_IN_MEMORY_PIXELS = 64_000_000  # larger JPEGs are streamed through pyvips
TIFF_BUFFER_BYTES = 24 * 2**20  # raw tiles queued for the two JPEG encoder threads

# Called like tqdm: progress(iterable, desc=..., unit=..., total=..., leave=...) -> iterable
Progress = Callable[..., Iterable]


def image_seed(seed: int, index: int) -> int:
    """The seed of image `index` of a set made with `seed` (stable across runs and machines)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0] & 0x7FFFFFFF)


def plan_murals(
    count: int,
    width: int,
    height: int,
    seed: int,
    scale: float = 1.0,
    progress: Progress | None = None,
    desc: str = "murals",
) -> Iterator[tuple[int, MuralSpec]]:
    """(index, spec) for each of the `count` murals of a set made with `seed`: mural `index`
    is planned from image_seed(seed, index), so sets of different seeds never share a wall."""
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    indices: Iterable[int] = range(count)
    if progress is not None:
        indices = progress(indices, desc=desc, unit="mural", total=count)
    for index in indices:
        yield index, plan_mural(width, height, image_seed(seed, index), scale)


def _rows(spec: MuralSpec, progress: Progress | None, desc: str):
    strips = [(y, min(y + TILE, spec.height)) for y in range(0, spec.height, TILE)]
    if progress is None:
        return strips
    return progress(strips, desc=desc, unit="strip", total=len(strips), leave=False)


def iter_strips(spec: MuralSpec, progress: Progress | None = None) -> Iterator[np.ndarray]:
    """The mural as consecutive 256-row strips (each rendered in 4096-column regions)."""
    renderer = MuralRenderer(spec)
    for y0, y1 in _rows(spec, progress, "render"):
        renderer.forget_above(y0)
        yield np.hstack(
            [
                renderer.region(x0, y0, min(spec.width, x0 + REGION_WIDTH), y1)
                for x0 in range(0, spec.width, REGION_WIDTH)
            ]
        )


def iter_tiles(spec: MuralSpec, progress: Progress | None = None) -> Iterator[np.ndarray]:
    """256 x 256 tiles in TIFF order (rows of tiles, left to right); edge tiles are smaller."""
    renderer = MuralRenderer(spec)
    for y0, y1 in _rows(spec, progress, "tiles"):
        renderer.forget_above(y0)
        for x0 in range(0, spec.width, REGION_WIDTH):
            block = renderer.region(x0, y0, min(spec.width, x0 + REGION_WIDTH), y1)
            for tx in range(0, block.shape[1], TILE):
                yield np.ascontiguousarray(block[:, tx : tx + TILE])


def _write_tiff(spec: MuralSpec, path: Path, progress: Progress | None) -> None:
    import tifffile

    tifffile.imwrite(
        path,
        data=iter_tiles(spec, progress),
        shape=(spec.height, spec.width, 3),
        dtype=np.uint8,
        tile=(TILE, TILE),
        photometric="rgb",
        compression="jpeg",
        compressionargs={"level": JPEG_QUALITY},
        bigtiff=True,
        metadata=None,
        maxworkers=2,
        buffersize=TIFF_BUFFER_BYTES,  # tifffile would otherwise queue 512 MB of raw tiles
    )


def _write_jpeg(spec: MuralSpec, path: Path, progress: Progress | None) -> None:
    if max(spec.width, spec.height) > JPEG_MAX_SIDE:
        raise ValueError(f"JPEG allows at most {JPEG_MAX_SIDE} px a side; write a TIFF instead")
    if spec.width * spec.height <= JPEG_IN_MEMORY_PIXELS:
        image = np.vstack(list(iter_strips(spec, progress)))
        ok, data = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise RuntimeError(f"could not encode {path.name} as JPEG")
        path.write_bytes(data.tobytes())
        return
    import pyvips  # big JPEG: raw strips to a scratch file, then a sequential pyvips save

    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".raw-") as scratch:
        raw = Path(scratch) / "mural.rgb"
        with raw.open("wb") as f:
            for strip in iter_strips(spec, progress):
                f.write(strip.tobytes())
        image = pyvips.Image.rawload(str(raw), spec.width, spec.height, 3)
        image = image.copy(interpretation="srgb")
        image.jpegsave(str(path), Q=JPEG_QUALITY, strip=True)


def write_mural_image(
    spec: MuralSpec, path: str | os.PathLike, tiff: bool = False, progress: Progress | None = None
) -> None:
    """Render the mural to `path`: a JPEG, or with tiff a JPEG-tiled BigTIFF (streamed)."""
    with atomic_write(path) as staged:
        if tiff:
            _write_tiff(spec, staged, progress)
        else:
            _write_jpeg(spec, staged, progress)


def make_demo_murals(
    outdir: str | os.PathLike,
    count: int,
    width: int,
    height: int,
    seed: int,
    tiff: bool = False,
    progress: Progress | None = None,
    scale: float = 1.0,
) -> list[dict]:
    """Write `count` murals with VOC labels and metadata.json to outdir; return the records."""
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    digits = max(3, len(str(count - 1)))
    records = []
    for index, spec in plan_murals(count, width, height, seed, scale, progress):
        stem = f"mural-{index:0{digits}d}"
        image = stem + (".tif" if tiff else ".jpg")
        write_mural_image(spec, outdir / image, tiff=tiff, progress=progress)
        write_voc(spec, image, outdir / f"{stem}.xml")
        records.append(spec.metadata(image, f"{stem}.xml"))
    text = json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    (outdir / "metadata.json").write_text(text, encoding="utf-8")
    return records
